//! A YAML tree whose every node keeps its 1-based line and column (serde-saphyr `Spanned`),
//! and the one YAML parser the inventory and playbook readers share, so that both point errors
//! at the YAML and read scalars as Ansible's PyYAML does, with vault-encrypted documents and
//! values opened in memory. Knows nothing of inventories or plays.

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

/// A YAML syntax error: where and what (the message without serde-saphyr's own location).
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl SyntaxError {
    /// The message for the user: "YAML syntax error: ..." unless a vault could not be opened.
    pub fn describe(&self) -> String {
        if self.message.starts_with("vault: ") {
            self.message.clone()
        } else {
            format!("YAML syntax error: {}", self.message)
        }
    }
}

/// Parses one YAML document; an empty document is `Null`. YAML 1.1 like PyYAML: `0644` is
/// octal, yes/no/on/off are booleans, but plain `y`/`n` stay strings (serde-saphyr would read
/// them as booleans; Ansible does not). The budget is large enough for 10,000-host inventories.
///
/// Vault: a whole document that is a vault envelope is decrypted first, and every string that
/// is one (an inline `!vault` value: serde-saphyr drops the tag, the envelope text remains) is
/// replaced by its plaintext, with the passwords given on the command line
/// ([`crate::vault::installed`]). Plaintext stays in memory.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    if crate::vault::is_encrypted(text.as_bytes()) {
        let plain = crate::vault::decrypt(text.as_bytes(), crate::vault::installed())
            .map_err(|e| vault_error(1, 1, &e))?;
        let plain = String::from_utf8(plain).map_err(|_| SyntaxError {
            line: 1,
            col: 1,
            message: "the decrypted vault is not UTF-8 text".into(),
        })?;
        return parse_plain(&plain);
    }
    parse_plain(text)
}

fn vault_error(line: usize, col: usize, e: &crate::vault::VaultError) -> SyntaxError {
    SyntaxError {
        line,
        col,
        message: format!("vault: {e}"),
    }
}

/// Replaces every inline vault string below `node` by its plaintext.
fn open_inline_vaults(node: &mut Node) -> Result<(), SyntaxError> {
    match &mut node.kind {
        Kind::Str(s) if s.starts_with("$ANSIBLE_VAULT;") => {
            use crate::vault::VaultError;
            let plain = match crate::vault::decrypt(s.as_bytes(), crate::vault::installed()) {
                Ok(p) => p,
                // Without a password that opens it, the value fails only where it is used.
                Err(e @ (VaultError::NoSecrets | VaultError::NoMatch)) => {
                    *s = crate::template::vault_locked::stand_in(
                        node.line,
                        node.col,
                        &e.to_string(),
                    );
                    return Ok(());
                }
                Err(e) => return Err(vault_error(node.line, node.col, &e)),
            };
            *s = String::from_utf8(plain).map_err(|_| SyntaxError {
                line: node.line,
                col: node.col,
                message: "the decrypted vault value is not UTF-8 text".into(),
            })?;
            Ok(())
        }
        Kind::Seq(items) => items.iter_mut().try_for_each(open_inline_vaults),
        Kind::Map(entries) => entries
            .iter_mut()
            .try_for_each(|(_, v)| open_inline_vaults(v)),
        _ => Ok(()),
    }
}

fn parse_plain(text: &str) -> Result<Node, SyntaxError> {
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
        budget: serde_saphyr::budget! {
            max_nodes: 50_000_000,
            max_events: 100_000_000,
            max_total_scalar_bytes: 1 << 31,
            max_reader_input_bytes: None,
        },
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
            message: plain_words(strip_location(&e.to_string())),
        }
    })?;
    let source = Source::new(text);
    keep_y_n_as_text(&mut node, &source);
    open_inline_vaults(&mut node)?;
    Ok(node)
}

/// serde-saphyr's limit messages, said for a user.
fn plain_words(msg: String) -> String {
    if msg.contains("budget breached") {
        format!("the document expands beyond rsible's limits (an alias bomb?): {msg}")
    } else if msg.contains("recursion limit") {
        format!("the document is nested too deeply: {msg}")
    } else {
        msg
    }
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

fn keep_y_n_as_text(node: &mut Node, src: &Source) {
    match &mut node.kind {
        Kind::Bool(_) => {
            if let Some(tok) = src.token(node.line, node.col) {
                if matches!(tok.as_str(), "y" | "Y" | "n" | "N") {
                    node.kind = Kind::Str(tok);
                }
            }
        }
        Kind::Seq(items) => items.iter_mut().for_each(|n| keep_y_n_as_text(n, src)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            keep_y_n_as_text(k, src);
            keep_y_n_as_text(v, src);
        }),
        _ => {}
    }
}

/// The source text with its line starts indexed once, so looking up a node's token is O(1)
/// in the number of lines (large inventories have many scalar nodes).
pub(crate) struct Source<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    /// Indexes `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source { text, line_starts }
    }

    /// The plain scalar token starting at (line, col), 1-based.
    pub(crate) fn token(&self, line: usize, col: usize) -> Option<String> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let l = self.text.get(start..end)?;
        let tok: String = l
            .chars()
            .skip(col.checked_sub(1)?)
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
            .collect();
        let tok = tok.trim_end_matches(':').to_string();
        (!tok.is_empty()).then_some(tok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_and_n_stay_strings_but_yes_is_true() {
        let n = parse("a: y\nb: yes\nc: [n, off]\n").unwrap();
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": "y", "b": true, "c": ["n", false]})
        );
    }

    #[test]
    fn syntax_errors_carry_their_location() {
        let e = parse("a: 1\nb: [1,\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        assert!(!e.message.contains(" at line "), "{e:?}");
    }
}
