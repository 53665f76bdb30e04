//! Python's `json.dumps`, byte for byte: separators, `indent`, `sort_keys`, `ensure_ascii`
//! and Python's float text. Knows only JSON values.

use serde_json::Value as Json;

use crate::template::pyrepr;

/// The options of `json.dumps` that Ansible's filters pass.
pub(crate) struct Dump {
    /// Spaces per level; `None` writes one line.
    pub indent: Option<usize>,
    /// Sort map keys.
    pub sort_keys: bool,
    /// Escape every non-ASCII character as `\uXXXX`.
    pub ensure_ascii: bool,
    /// Between items (`", "`, or `","` when indenting).
    pub item_sep: String,
    /// Between a key and its value (`": "`).
    pub key_sep: String,
}

impl Dump {
    /// `json.dumps` defaults for the given indent.
    pub(crate) fn new(indent: Option<usize>) -> Dump {
        Dump {
            indent,
            sort_keys: false,
            ensure_ascii: true,
            item_sep: if indent.is_some() { "," } else { ", " }.into(),
            key_sep: ": ".into(),
        }
    }
}

/// `v` as `json.dumps` would write it.
pub(crate) fn dumps(v: &Json, opts: &Dump) -> String {
    let mut out = String::new();
    write(&mut out, v, opts, 0);
    out
}

fn newline(out: &mut String, opts: &Dump, level: usize) {
    if let Some(n) = opts.indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
}

fn write(out: &mut String, v: &Json, opts: &Dump, level: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&pyjson_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Json::String(s) => string(out, s, opts.ensure_ascii),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item_sep);
                }
                newline(out, opts, level + 1);
                write(out, item, opts, level + 1);
            }
            newline(out, opts, level);
            out.push(']');
        }
        Json::Object(map) if map.is_empty() => out.push_str("{}"),
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            if opts.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(&opts.item_sep);
                }
                newline(out, opts, level + 1);
                string(out, k, opts.ensure_ascii);
                out.push_str(&opts.key_sep);
                write(out, item, opts, level + 1);
            }
            newline(out, opts, level);
            out.push('}');
        }
    }
}

fn pyjson_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        pyrepr::float(f)
    }
}

fn string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && !c.is_ascii()) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
