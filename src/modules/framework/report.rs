//! The one format remote programs answer the controller in, and its one parser. A report
//! line is `@@rsible KEY VALUE` (the value is the rest of the line, possibly empty) or, for a
//! value that may hold newlines or any byte, `@@rsible KEY:x HEX` (the value hex-encoded). A
//! key may repeat: that is a list, in the order printed. Lines without the prefix are the
//! output of the tools the program ran, kept apart. The sh side is [`MARK_FN`]: `m KEY
//! VALUE...` prints a plain line, `mx KEY VALUE` an encoded one; [`MARK_FILE_FN`]'s `mf KEY
//! FILE` encodes a file's bytes. Knows nothing of any one module.

use super::output::Failure;

/// The prefix of a report line (never printed by the tools the programs run).
pub const MARK: &str = "@@rsible ";

/// sh text defining `m KEY VALUE...` (a plain report line: the value must be one line) and
/// `mx KEY VALUE` (the value hex-encoded, for text that may hold newlines or any byte).
pub const MARK_FN: &str = "m() { printf '@@rsible %s\\n' \"$*\"; }\n\
    mx() { printf '@@rsible %s:x ' \"$1\"; printf '%s' \"$2\" | od -An -v -tx1 | tr -d ' \\n'; \
    printf '\\n'; }\n";

/// sh text defining `mf KEY FILE`: the file's bytes as one encoded report line, exactly (no
/// trailing newline lost, any byte kept), for bodies and listings that may be large.
pub const MARK_FILE_FN: &str =
    "mf() { printf '@@rsible %s:x ' \"$1\"; od -An -v -tx1 < \"$2\" | tr -d ' \\n'; printf '\\n'; }\n";

/// What a remote program reported: its report lines in order, and the rest of its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    entries: Vec<(String, String)>,
    rest: String,
}

impl Report {
    /// Reads `stdout` of a program of `module`; a report line whose encoded value is not hex
    /// fails, naming the module and the line.
    pub fn parse(module: &str, stdout: &str) -> Result<Report, Failure> {
        let mut r = Report::default();
        for line in stdout.lines() {
            let Some(m) = line.strip_prefix(MARK) else {
                r.rest.push_str(line);
                r.rest.push('\n');
                continue;
            };
            let (k, v) = m.split_once(' ').unwrap_or((m, ""));
            let entry = match k.strip_suffix(":x") {
                Some(k) => match unhex(v) {
                    Some(bytes) => (k.to_string(), String::from_utf8_lossy(&bytes).into_owned()),
                    None => {
                        return Err(Failure::Failed(format!(
                            "{module}: the remote program printed a malformed report line: {line:?}"
                        )))
                    }
                },
                None => (k.to_string(), v.to_string()),
            };
            r.entries.push(entry);
        }
        Ok(r)
    }

    /// The entries after the last `key` line (all of them when there is none): a program that
    /// starts over prints `key`, and what it reported before no longer counts.
    pub fn after_last(mut self, key: &str) -> Report {
        if let Some(at) = self.entries.iter().rposition(|(k, _)| k == key) {
            self.entries.drain(..=at);
        }
        self
    }

    /// Every `(key, value)` in the order printed.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order (a list).
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.entries()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// Whether `key` was reported.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The output of the tools, without the report lines.
    pub fn rest(&self) -> &str {
        &self.rest
    }
}

/// The bytes of lower-case or upper-case hex text; `None` if it is not hex.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_are_set_apart_from_the_tools_output() {
        let r = Report::parse("m", "@@rsible changed 1\nReading lists\n@@rsible done\n").unwrap();
        assert_eq!(
            r.entries().collect::<Vec<_>>(),
            vec![("changed", "1"), ("done", "")]
        );
        assert_eq!(r.rest(), "Reading lists\n");
        assert!(r.has("done") && !r.has("x"));
    }

    #[test]
    fn repeated_keys_are_a_list_and_encoded_values_are_decoded() {
        let r = Report::parse("m", "@@rsible p a\n@@rsible e:x 610a62\n@@rsible p b c\n").unwrap();
        assert_eq!(r.all("p").collect::<Vec<_>>(), vec!["a", "b c"]);
        assert_eq!(r.get("e"), Some("a\nb"));
        let e = Report::parse("apk", "@@rsible e:x 6z\n").unwrap_err();
        assert!(
            matches!(&e, Failure::Failed(m) if m.starts_with("apk: ") && m.contains("e:x 6z")),
            "{e:?}"
        );
    }

    #[test]
    fn what_follows_the_last_restart_replaces_what_came_before() {
        let r = Report::parse(
            "m",
            "@@rsible would a\n@@rsible redo\nout\n@@rsible would b\n",
        )
        .unwrap()
        .after_last("redo");
        assert_eq!(r.entries().collect::<Vec<_>>(), vec![("would", "b")]);
        assert_eq!(r.rest(), "out\n");
    }

    #[test]
    fn the_sh_side_prints_what_the_parser_reads() {
        let script = format!("{MARK_FN}m a b  c\nmx e \"$(printf 'x\\n\\001y')\"\nmx empty ''\n");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("sh");
        let r = Report::parse("m", &String::from_utf8_lossy(&out.stdout)).unwrap();
        assert_eq!(r.get("a"), Some("b c"));
        assert_eq!(r.get("e"), Some("x\n\u{1}y"));
        assert_eq!(r.get("empty"), Some(""));
        assert_eq!(r.rest(), "");
    }

    #[test]
    fn a_file_travels_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("f");
        std::fs::write(&f, b"a\n\x01b\n\n").expect("write");
        let script = format!("{MARK_FILE_FN}mf body \"$1\"\n: > \"$1.e\"\nmf empty \"$1.e\"\n");
        let out = std::process::Command::new("sh")
            .args(["-c", &script, "sh"])
            .arg(&f)
            .output()
            .expect("sh");
        let r = Report::parse("m", &String::from_utf8_lossy(&out.stdout)).unwrap();
        assert_eq!(r.get("body"), Some("a\n\u{1}b\n\n"));
        assert_eq!(r.get("empty"), Some(""));
    }
}
