//! YAML reading for playbooks, task files and role files: a tree of nodes that keep their
//! line and column (serde-saphyr `Spanned`), octal-looking scalars such as `0644` and plain
//! `y`/`n` kept as strings (as Ansible reads them), and duplicate keys found. Knows nothing
//! of plays or tasks.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;

/// A YAML node with the 1-based line and column where it appears.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub line: usize,
    pub col: usize,
    pub kind: Kind,
}

/// The shape of a YAML node.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let sp: Spanned<Kind> = Spanned::deserialize(d)?;
        Ok(Node {
            line: sp.referenced.line() as usize,
            col: sp.referenced.column() as usize,
            kind: sp.value,
        })
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        Kind::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Kind, E> {
        Ok(Kind::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            out.push(n);
        }
        Ok(Kind::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            out.push((k, v));
        }
        Ok(Kind::Map(out))
    }
}

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

impl Node {
    /// Converts to JSON, keys rendered as text.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::UInt(u) => Value::from(*u),
            Kind::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(map_json(entries)),
        }
    }

    /// The text of a scalar used as a mapping key.
    pub fn key_text(&self) -> String {
        match &self.kind {
            Kind::Null => "null".into(),
            Kind::Bool(b) => b.to_string(),
            Kind::Int(i) => i.to_string(),
            Kind::UInt(u) => u.to_string(),
            Kind::Float(f) => f.to_string(),
            Kind::Str(s) => s.clone(),
            _ => self.to_json().to_string(),
        }
    }

    /// The string of a scalar node, if it is one (numbers and booleans as text).
    pub fn as_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Seq(_) | Kind::Map(_) | Kind::Null => None,
            _ => Some(self.key_text()),
        }
    }

    /// A description of the node's type for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) | Kind::UInt(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// A mapping's entries as a JSON object (later duplicates win; they are reported elsewhere).
pub(crate) fn map_json(entries: &[(Node, Node)]) -> Map<String, Value> {
    entries
        .iter()
        .map(|(k, v)| (k.key_text(), v.to_json()))
        .collect()
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
