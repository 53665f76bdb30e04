//! YAML reading for playbooks, task files and role files: a tree of nodes that keep their
//! line and column (serde-saphyr `Spanned`), octal-looking scalars such as `0644` and plain
//! `y`/`n` kept as strings (as Ansible reads them), and duplicate keys found. Knows nothing
//! of plays or tasks.

pub(crate) use crate::yaml_node::{map_json, Kind, Node};

/// A YAML syntax error: where and what.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parses one YAML document. An empty document is `Null`. Scalars written as octal
/// (`0644`, `0o644`) come back as strings so modules can read them as modes.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    }) {
        return Ok(Node {
            line: 1,
            col: 1,
            kind: Kind::Null,
        });
    }
    let options = serde_saphyr::options! {
        legacy_octal_numbers: true,
        with_snippet: false,
    };
    let mut node = serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((1, 1));
        SyntaxError {
            line,
            col,
            message: strip_location(&e.to_string()),
        }
    })?;
    fix_scalars(&mut node, text);
    Ok(node)
}

/// serde-saphyr prefixes its messages with the location; we print our own.
fn strip_location(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg).trim();
    let s = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    s.trim_start_matches("error: ").to_string()
}

/// Undoes two YAML 1.1 readings Ansible (PyYAML) does not share or that modules cannot use:
/// integers written `0NNN`/`0oNNN` become that text, and plain `y`/`n` stay strings.
fn fix_scalars(node: &mut Node, text: &str) {
    match &mut node.kind {
        Kind::Int(_) | Kind::UInt(_) => {
            if let Some(tok) = source_token(text, node.line, node.col) {
                let digits = tok.strip_prefix("0o").or_else(|| tok.strip_prefix('0'));
                if let Some(d) = digits {
                    if !d.is_empty() && d.chars().all(|c| ('0'..='7').contains(&c)) {
                        node.kind = Kind::Str(tok);
                    }
                }
            }
        }
        Kind::Bool(_) => {
            if let Some(tok) = source_token(text, node.line, node.col) {
                if matches!(tok.as_str(), "y" | "Y" | "n" | "N") {
                    node.kind = Kind::Str(tok);
                }
            }
        }
        Kind::Seq(items) => items.iter_mut().for_each(|n| fix_scalars(n, text)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            fix_scalars(k, text);
            fix_scalars(v, text);
        }),
        _ => {}
    }
}

/// The plain scalar token starting at (line, col), 1-based.
fn source_token(text: &str, line: usize, col: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let rest: String = l.chars().skip(col.checked_sub(1)?).collect();
    let tok: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
        .collect();
    let tok = tok.trim_end_matches(':').to_string();
    (!tok.is_empty()).then_some(tok)
}

/// The first repeated key of every mapping in the tree, with the node of the repeat.
pub(crate) fn duplicate_keys(node: &Node) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    walk_duplicates(node, &mut out);
    out
}

fn walk_duplicates(node: &Node, out: &mut Vec<(String, usize, usize)>) {
    match &node.kind {
        Kind::Seq(items) => items.iter().for_each(|n| walk_duplicates(n, out)),
        Kind::Map(entries) => {
            let mut seen = std::collections::HashSet::new();
            for (k, v) in entries {
                let key = k.key_text();
                if !seen.insert(key.clone()) {
                    out.push((key, k.line, k.col));
                }
                walk_duplicates(v, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_scalars_stay_strings() {
        let n = parse("mode: 0644\nother: 0o755\nnum: 42\nq: '0600'\n").expect("parses");
        let j = n.to_json();
        assert_eq!(j["mode"], "0644");
        assert_eq!(j["other"], "0o755");
        assert_eq!(j["num"], 42);
        assert_eq!(j["q"], "0600");
    }

    #[test]
    fn y_and_n_stay_strings() {
        let j = parse("n: y\nb: yes\nc: [n, off]\n")
            .expect("parses")
            .to_json();
        assert_eq!(
            j,
            serde_json::json!({"n": "y", "b": true, "c": ["n", false]})
        );
    }

    #[test]
    fn locations_are_one_based() {
        let n = parse("- a: 1\n  b: 2\n").expect("parses");
        let Kind::Seq(items) = &n.kind else {
            panic!("not a seq")
        };
        let Kind::Map(entries) = &items[0].kind else {
            panic!("not a map")
        };
        assert_eq!((entries[1].0.line, entries[1].0.col), (2, 3));
    }
}
