//! PyYAML's `yaml.dump` as Ansible calls it (sorted keys, unicode kept, width 80): block
//! style with flow style for collections of scalars (`to_yaml`) or block style throughout
//! (`to_nice_yaml`). Knows only JSON values.

use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::template::pyrepr;

const WIDTH: usize = 80;

/// How to lay out the document.
pub(crate) struct Layout {
    /// Spaces per nesting level.
    pub indent: usize,
    /// Write collections holding only scalars in flow style (`[1, 2]`, `{a: 1}`).
    pub flow_leaves: bool,
}

/// `v` as a YAML document.
pub(crate) fn dump(v: &Json, layout: &Layout) -> String {
    let mut out = String::new();
    match v {
        Json::Array(items) if !items.is_empty() && !is_flow(v, layout) => {
            seq(&mut out, items, 0, layout)
        }
        Json::Object(map) if !map.is_empty() && !is_flow(v, layout) => {
            mapping(&mut out, map, 0, layout)
        }
        other => {
            out.push_str(&inline(
                other,
                Ctx::Block {
                    column: 0,
                    indent: layout.indent,
                },
            ));
            out.push('\n');
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Ctx {
    /// A value in block context starting at `column`; folded lines continue at `indent`.
    Block { column: usize, indent: usize },
    /// Inside a flow collection.
    Flow,
    /// A mapping key.
    Key,
}

fn is_scalar(v: &Json) -> bool {
    !matches!(v, Json::Array(_) | Json::Object(_))
}

fn is_flow(v: &Json, layout: &Layout) -> bool {
    match v {
        Json::Array(items) => {
            items.is_empty() || (layout.flow_leaves && items.iter().all(is_scalar))
        }
        Json::Object(map) => map.is_empty() || (layout.flow_leaves && map.values().all(is_scalar)),
        _ => true,
    }
}

fn sorted(map: &serde_json::Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// A block mapping whose first key is already positioned; later keys start at `indent`.
fn mapping(out: &mut String, map: &serde_json::Map<String, Json>, indent: usize, layout: &Layout) {
    for (i, (k, v)) in sorted(map).into_iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(indent));
        }
        let key = scalar_str(k, Ctx::Key);
        out.push_str(&key);
        out.push(':');
        value(out, v, indent, indent + key.chars().count() + 2, layout);
    }
}

/// A block sequence whose first dash is already positioned; later dashes start at `indent`.
fn seq(out: &mut String, items: &[Json], indent: usize, layout: &Layout) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(indent));
        }
        out.push('-');
        if is_flow(v, layout) {
            out.push(' ');
            out.push_str(&inline(
                v,
                Ctx::Block {
                    column: indent + 2,
                    indent: indent + layout.indent,
                },
            ));
            out.push('\n');
            continue;
        }
        out.push_str(&" ".repeat(layout.indent.saturating_sub(1).max(1)));
        let inner = indent + layout.indent.max(2);
        match v {
            Json::Array(items) => seq(out, items, inner, layout),
            Json::Object(map) => mapping(out, map, inner, layout),
            _ => {}
        }
    }
}

/// The value after `key:` of a mapping at `indent`; `column` is where an inline value starts.
fn value(out: &mut String, v: &Json, indent: usize, column: usize, layout: &Layout) {
    if is_flow(v, layout) {
        out.push(' ');
        out.push_str(&inline(
            v,
            Ctx::Block {
                column,
                indent: indent + layout.indent,
            },
        ));
        out.push('\n');
        return;
    }
    out.push('\n');
    match v {
        Json::Array(items) => {
            out.push_str(&" ".repeat(indent));
            seq(out, items, indent, layout);
        }
        Json::Object(map) => {
            let inner = indent + layout.indent;
            out.push_str(&" ".repeat(inner));
            mapping(out, map, inner, layout);
        }
        _ => {}
    }
}

/// A scalar or flow collection on one line (long plain text may still fold).
fn inline(v: &Json, ctx: Ctx) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => if *b { "true" } else { "false" }.into(),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => float(f),
            _ => n.to_string(),
        },
        Json::String(s) => scalar_str(s, ctx),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| inline(i, Ctx::Flow)).collect();
            format!("[{}]", parts.join(", "))
        }
        Json::Object(map) => {
            let parts: Vec<String> = sorted(map)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", scalar_str(k, Ctx::Key), inline(v, Ctx::Flow)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let s = pyrepr::float(f).to_lowercase();
    if !s.contains('.') && s.contains('e') {
        s.replacen('e', ".0e", 1)
    } else {
        s
    }
}

fn scalar_str(s: &str, ctx: Ctx) -> String {
    let special = s.chars().any(|c| {
        !(c == '\n'
            || (' '..='~').contains(&c)
            || (!c.is_control() && !c.is_ascii() && c != '\u{feff}'))
    });
    let multiline = s.contains('\n');
    if special || (multiline && matches!(ctx, Ctx::Key | Ctx::Flow)) {
        return double_quoted(s);
    }
    if !multiline
        && plain_allowed(s, matches!(ctx, Ctx::Flow | Ctx::Key))
        && !resolves_to_other_type(s)
    {
        return fold(s, ctx, false);
    }
    fold(&s.replace('\'', "''"), ctx, true)
}

/// Writes `s` (plain or single-quoted), folding at single spaces past the width and
/// writing line breaks of a quoted scalar as YAML folding requires.
fn fold(s: &str, ctx: Ctx, quoted: bool) -> String {
    let (mut column, indent) = match ctx {
        Ctx::Block { column, indent } => (column, indent),
        _ => (0, 0),
    };
    let can_fold = matches!(ctx, Ctx::Block { .. });
    let mut out = String::new();
    if quoted {
        out.push('\'');
        column += 1;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            let mut breaks = 0;
            while i < chars.len() && chars[i] == '\n' {
                breaks += 1;
                i += 1;
            }
            out.push_str(&"\n".repeat(breaks + 1));
            out.push_str(&" ".repeat(indent));
            column = indent;
            continue;
        }
        let single_space =
            c == ' ' && i > 0 && chars[i - 1] != ' ' && chars.get(i + 1).is_some_and(|n| *n != ' ');
        if can_fold && single_space && column > WIDTH {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            column = indent;
        } else {
            out.push(c);
            column += 1;
        }
        i += 1;
    }
    if quoted {
        out.push('\'');
    }
    out
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            '\u{feff}' => out.push_str("\\uFEFF"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// PyYAML's rules for a plain scalar (`flow`: inside a flow collection or a key).
fn plain_allowed(s: &str, flow: bool) -> bool {
    if s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with("---")
        || s.starts_with("...")
    {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut flow_ind, mut block_ind) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        let followed_ws = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let preceded_ws = i > 0 && chars[i - 1].is_whitespace();
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_ind = true;
                block_ind = true;
            }
            if "?:".contains(c) {
                flow_ind = true;
                block_ind |= followed_ws;
            }
            if c == '-' && followed_ws {
                flow_ind = true;
                block_ind = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_ind = true;
            }
            if c == ':' {
                flow_ind = true;
                block_ind |= followed_ws;
            }
            if c == '#' && preceded_ws {
                flow_ind = true;
                block_ind = true;
            }
        }
    }
    if flow {
        !flow_ind
    } else {
        !block_ind
    }
}

/// Whether PyYAML would read `s`, written plain, as something other than a string.
fn resolves_to_other_type(s: &str) -> bool {
    const WORDS: [&str; 22] = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    if WORDS.contains(&s) || s == "=" || s == "<<" {
        return true;
    }
    static IMPLICIT: OnceLock<Option<regex::RegexSet>> = OnceLock::new();
    let set = IMPLICIT.get_or_init(|| {
        regex::RegexSet::new([
            r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            r"^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
        ])
        .ok()
    });
    set.as_ref().is_some_and(|set| set.is_match(s))
}
