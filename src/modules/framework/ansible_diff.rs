//! Ansible's `diff` result value (a mapping with `before`/`after` and optional headers, or a
//! list of them) turned into rsible's [`Diff`]s for the `--diff` display: a value that is not
//! a string is shown as indented JSON with sorted keys, as Ansible's callback shows it. Used
//! for the answers of Ansible's Python modules and by native modules whose Ansible
//! counterpart returns a structured diff. Knows nothing of any one module.

use crate::event::Diff;
use serde_json::Value;

/// Ansible's `diff` (one mapping or a list of them) as rsible's diffs; a value that is not a
/// string is shown as indented JSON with sorted keys, as Ansible's diff display does.
pub fn diffs(v: Value) -> Vec<Diff> {
    let list = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    list.into_iter()
        .filter_map(|d| {
            let d = d.as_object()?;
            if !d.contains_key("before") && !d.contains_key("after") {
                return None;
            }
            let text = |k: &str| match d.get(k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => structured_text(other),
            };
            Some(Diff {
                before_header: text("before_header"),
                after_header: text("after_header"),
                before: text("before"),
                after: text("after"),
            })
        })
        .collect()
}

/// A structured diff side (`{"name": "UTC"}`) as Ansible's callback shows it: JSON with
/// sorted keys, indented by four spaces, ending with a newline.
pub fn structured_text(v: &Value) -> String {
    use serde::Serialize;
    let sorted = sort(v);
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    let _ = sorted.serialize(&mut ser);
    String::from_utf8_lossy(&out).into_owned() + "\n"
}

fn sort(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
        other => other.clone(),
    }
}
