//! The marker lines remote programs answer in: `m KEY VALUE...` prints `@@rsible KEY VALUE`
//! among a tool's own output, and [`split_output`] separates the two. The package and cluster
//! families speak it; it lives here so that they share one definition. Knows nothing of any
//! one module.

/// The prefix of a marker line (never printed by the tools the programs run).
pub const MARK: &str = "@@rsible ";

/// sh text defining `m`, which prints a marker line.
pub const MARK_FN: &str = "m() { printf '@@rsible %s\\n' \"$*\"; }\n";

/// A program's marker lines as `(KEY, VALUE)`, and the rest of its output (the tools').
pub fn split_output(stdout: &str) -> (Vec<(String, String)>, String) {
    let mut marks = Vec::new();
    let mut rest = String::new();
    for line in stdout.lines() {
        match line.strip_prefix(MARK) {
            Some(m) => {
                let (k, v) = m.split_once(' ').unwrap_or((m, ""));
                marks.push((k.to_string(), v.to_string()));
            }
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    (marks, rest)
}

#[cfg(test)]
mod tests {
    use super::split_output;

    #[test]
    fn marker_lines_are_set_apart_from_the_tools_output() {
        let (marks, rest) = split_output("@@rsible changed 1\nReading lists\n@@rsible done\n");
        assert_eq!(
            marks,
            vec![
                ("changed".into(), "1".into()),
                ("done".into(), String::new())
            ]
        );
        assert_eq!(rest, "Reading lists\n");
    }
}
