//! YAML reading for playbooks, task files and role files: a tree of nodes that keep their
//! line and column (serde-saphyr `Spanned`), octal-looking scalars such as `0644` and plain
//! `y`/`n` kept as strings (as Ansible reads them), and duplicate keys found. Knows nothing
//! of plays or tasks.

use crate::yaml_node::Source;
pub(crate) use crate::yaml_node::{map_json, Kind, Node, SyntaxError};

/// Parses one YAML document (see [`crate::yaml_node::parse`]). Scalars written as octal
/// (`0644`, `0o644`) come back as strings so modules can read them as modes.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut node = crate::yaml_node::parse(text)?;
    octal_as_text(&mut node, &Source::new(text));
    Ok(node)
}

fn octal_as_text(node: &mut Node, src: &Source) {
    match &mut node.kind {
        Kind::Int(_) | Kind::UInt(_) => {
            if let Some(tok) = src.token(node.line, node.col) {
                let digits = tok.strip_prefix("0o").or_else(|| tok.strip_prefix('0'));
                if let Some(d) = digits {
                    if !d.is_empty() && d.chars().all(|c| ('0'..='7').contains(&c)) {
                        node.kind = Kind::Str(tok);
                    }
                }
            }
        }
        Kind::Seq(items) => items.iter_mut().for_each(|n| octal_as_text(n, src)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            octal_as_text(k, src);
            octal_as_text(v, src);
        }),
        _ => {}
    }
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
