//! Loop expansion: `loop:` and the `with_*` forms turned into a list of items, the loop
//! variables each item sees (`item`, `ansible_loop`, `index_var`), and the item label shown in
//! output. Knows nothing of modules or hosts.

use crate::inventory::Vars;
use crate::playbook::Task;
use crate::template::{Scope, Templar};
use serde_json::{json, Value};

/// The loop keywords rsible understands.
pub const LOOP_KEYS: &[&str] = &[
    "loop",
    "with_items",
    "with_list",
    "with_dict",
    "with_together",
    "with_sequence",
    "with_subelements",
    "with_nested",
    "with_cartesian",
    "with_indexed_items",
    "with_flattened",
];

/// `loop_control:` settings.
#[derive(Debug, Clone, Default)]
pub struct LoopControl {
    /// `loop_var` (default `item`).
    pub loop_var: String,
    /// `index_var`.
    pub index_var: Option<String>,
    /// `label` (a template).
    pub label: Option<Value>,
    /// `pause` seconds between items.
    pub pause: f64,
    /// `extended`: set `ansible_loop`.
    pub extended: bool,
}

impl LoopControl {
    /// Reads `loop_control` (already templated).
    pub fn from_value(v: Option<&Value>) -> LoopControl {
        let mut lc = LoopControl {
            loop_var: "item".into(),
            ..LoopControl::default()
        };
        if let Some(Value::Object(m)) = v {
            if let Some(Value::String(s)) = m.get("loop_var") {
                lc.loop_var = s.clone();
            }
            if let Some(Value::String(s)) = m.get("index_var") {
                lc.index_var = Some(s.clone());
            }
            lc.label = m.get("label").cloned();
            lc.pause = match m.get("pause") {
                Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
                Some(Value::String(s)) => s.parse().unwrap_or(0.0),
                _ => 0.0,
            };
            lc.extended = m
                .get("extended")
                .and_then(crate::modules::args::to_bool)
                .unwrap_or(false);
        }
        lc
    }

    /// The variables item `i` of `items` sees.
    pub fn item_vars(&self, items: &[Value], i: usize) -> Vars {
        let mut v = Vars::new();
        v.insert(self.loop_var.clone(), items[i].clone());
        v.insert("ansible_loop_var".into(), json!(self.loop_var));
        if let Some(ix) = &self.index_var {
            v.insert(ix.clone(), json!(i));
            v.insert("ansible_index_var".into(), json!(ix));
        }
        if self.extended {
            let n = items.len();
            let mut l = json!({
                "index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
                "first": i == 0, "last": i + 1 == n, "length": n, "allitems": items,
            });
            if i > 0 {
                l["previtem"] = items[i - 1].clone();
            }
            if i + 1 < n {
                l["nextitem"] = items[i + 1].clone();
            }
            v.insert("ansible_loop".into(), l);
        }
        v
    }
}

/// The task's loop items, or `None` when it has no loop.
pub fn items(task: &Task, templar: &Templar, scope: &Scope) -> Result<Option<Vec<Value>>, String> {
    let Some((key, raw)) = LOOP_KEYS
        .iter()
        .find_map(|k| task.keywords.get(*k).map(|v| (*k, v)))
    else {
        return Ok(None);
    };
    let v = templar
        .render_value(raw, scope)
        .map_err(|e| format!("{key}: {e}"))?;
    let list = |v: Value| -> Result<Vec<Value>, String> {
        match v {
            Value::Array(a) => Ok(a),
            Value::Null => Ok(Vec::new()),
            Value::String(s) if key != "loop" => Ok(vec![Value::String(s)]),
            other => Err(format!(
                "Invalid data passed to '{key}', it requires a list, got this instead: {other}. \
                 Hint: If you passed a list/dict of just one element, try adding wantlist=True \
                 to your lookup invocation or use q/query instead of lookup."
            )),
        }
    };
    let items = match key {
        "loop" | "with_list" => list(v)?,
        "with_items" | "with_flattened" => flatten(list(v)?, key == "with_flattened"),
        "with_indexed_items" => flatten(list(v)?, false)
            .into_iter()
            .enumerate()
            .map(|(i, x)| json!([i, x]))
            .collect(),
        "with_dict" => match v {
            Value::Object(m) => m
                .into_iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect(),
            other => return Err(format!("with_dict expects a dict, got {other}")),
        },
        "with_together" => together(list(v)?),
        "with_nested" | "with_cartesian" => nested(list(v)?)?,
        "with_sequence" => sequence(&v)?,
        "with_subelements" => subelements(list(v)?)?,
        _ => list(v)?,
    };
    Ok(Some(items))
}

fn flatten(items: Vec<Value>, deep: bool) -> Vec<Value> {
    let mut out = Vec::new();
    for x in items {
        match x {
            Value::Array(inner) if deep => out.extend(flatten(inner, true)),
            Value::Array(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    out
}

fn together(lists: Vec<Value>) -> Vec<Value> {
    let lists: Vec<Vec<Value>> = lists
        .into_iter()
        .map(|l| match l {
            Value::Array(a) => a,
            other => vec![other],
        })
        .collect();
    let n = lists.iter().map(Vec::len).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            Value::Array(
                lists
                    .iter()
                    .map(|l| l.get(i).cloned().unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect()
}

fn nested(lists: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
    for l in lists {
        let Value::Array(l) = l else {
            return Err("with_nested expects a list of lists".into());
        };
        acc = acc
            .into_iter()
            .flat_map(|prefix| {
                l.iter().map(move |x| {
                    let mut p = prefix.clone();
                    p.push(x.clone());
                    p
                })
            })
            .collect();
    }
    Ok(acc.into_iter().map(Value::Array).collect())
}

/// `with_sequence: start=1 end=5 stride=1 format=host%02d`, `count=3`, or `1-10/2:fmt`.
fn sequence(v: &Value) -> Result<Vec<Value>, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Array(a) if a.len() == 1 => a[0].as_str().unwrap_or_default().to_string(),
        other => return Err(format!("with_sequence expects a string, got {other}")),
    };
    let (mut start, mut end, mut stride, mut count, mut format) =
        (1i64, None::<i64>, 1i64, None::<i64>, None::<String>);
    let num = |s: &str| -> Result<i64, String> {
        let s = s.trim();
        let parsed = if let Some(h) = s.strip_prefix("0x") {
            i64::from_str_radix(h, 16).ok()
        } else if let Some(o) = s.strip_prefix("0o") {
            i64::from_str_radix(o, 8).ok()
        } else {
            s.parse().ok()
        };
        parsed.ok_or_else(|| format!("with_sequence: can't parse '{s}' as a number"))
    };
    if text.contains('=') {
        for part in text.split_whitespace() {
            let (k, val) = part.split_once('=').unwrap_or((part, ""));
            match k {
                "start" => start = num(val)?,
                "end" => end = Some(num(val)?),
                "stride" => stride = num(val)?,
                "count" => count = Some(num(val)?),
                "format" => format = Some(val.to_string()),
                other => return Err(format!("with_sequence: unknown argument '{other}'")),
            }
        }
    } else {
        let (range, fmt) = match text.split_once(':') {
            Some((r, f)) => (r.to_string(), Some(f.to_string())),
            None => (text.clone(), None),
        };
        format = fmt;
        let (range, st) = match range.split_once('/') {
            Some((r, s)) => (r.to_string(), Some(num(s)?)),
            None => (range, None),
        };
        if let Some(s) = st {
            stride = s;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                start = num(a)?;
                end = Some(num(b)?);
            }
            None => end = Some(num(&range)?),
        }
    }
    if let Some(c) = count {
        if end.is_some() {
            return Err("with_sequence: can't use both count and end".into());
        }
        end = Some(start + (c - 1) * stride);
        if c == 0 {
            return Ok(Vec::new());
        }
    }
    let end = end.ok_or("with_sequence: must specify count or end")?;
    if stride == 0 {
        return Err("with_sequence: stride must not be 0".into());
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(Value::String(match &format {
            Some(f) => printf_int(f, i),
            None => i.to_string(),
        }));
        i += stride;
        if out.len() > 1_000_000 {
            return Err("with_sequence: more than a million items".into());
        }
    }
    Ok(out)
}

/// Python's `fmt % i` for one integer conversion (`%d`, `%02d`, `%x`, `%o`).
fn printf_int(fmt: &str, i: i64) -> String {
    let Some(pos) = fmt.find('%') else {
        return fmt.to_string();
    };
    let rest = &fmt[pos + 1..];
    let spec_len = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|p| p + 1)
        .unwrap_or(rest.len());
    let spec = &rest[..spec_len];
    let (flags, conv) = spec.split_at(spec.len().saturating_sub(1));
    let zero = flags.starts_with('0');
    let width: usize = flags.trim_start_matches('0').parse().unwrap_or(0);
    let body = match conv {
        "x" => format!("{i:x}"),
        "X" => format!("{i:X}"),
        "o" => format!("{i:o}"),
        _ => i.to_string(),
    };
    let padded = if zero {
        format!("{body:0>width$}")
    } else {
        format!("{body:>width$}")
    };
    format!("{}{}{}", &fmt[..pos], padded, &rest[spec_len..])
}

/// `with_subelements: [list_of_dicts, "key"]` → `[dict, subitem]` pairs.
fn subelements(args: Vec<Value>) -> Result<Vec<Value>, String> {
    let (list, key, skip_missing) = match args.as_slice() {
        [Value::Array(l), Value::String(k)] => (l, k, false),
        [Value::Array(l), Value::String(k), Value::Object(f)] => (
            l,
            k,
            f.get("skip_missing")
                .and_then(crate::modules::args::to_bool)
                .unwrap_or(false),
        ),
        _ => return Err("subelements lookup expects a list, a key, and optionally flags".into()),
    };
    let mut out = Vec::new();
    for el in list {
        let mut cur = Some(el);
        for part in key.split('.') {
            cur = cur.and_then(|c| c.get(part));
        }
        match cur {
            Some(Value::Array(subs)) => {
                for s in subs {
                    out.push(json!([el, s]));
                }
            }
            None if skip_missing => {}
            None => {
                return Err(format!(
                    "could not find '{key}' key in iterated item '{}'",
                    py_repr(el)
                ))
            }
            Some(other) => {
                return Err(format!(
                    "the key '{key}' should point to a list, got '{}'",
                    py_repr(other)
                ))
            }
        }
    }
    Ok(out)
}

/// An item as Ansible shows it in `(item=...)`: Python's repr inside containers.
pub fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr` of a JSON value (`{'a': 1}`, `['x', True, None]`).
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Merges `extra` over `base` (for loop variables).
pub fn with(base: &Vars, extra: &Vars) -> Vars {
    let mut v = base.clone();
    for (k, x) in extra {
        v.insert(k.clone(), x.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_follow_ansible() {
        let s = |t: &str| sequence(&json!(t)).unwrap();
        assert_eq!(s("start=1 end=3"), vec![json!("1"), json!("2"), json!("3")]);
        assert_eq!(
            s("count=2 format=host%02d"),
            vec![json!("host01"), json!("host02")]
        );
        assert_eq!(s("0-4/2"), vec![json!("0"), json!("2"), json!("4")]);
    }

    #[test]
    fn together_pads_with_none() {
        assert_eq!(
            together(vec![json!([1, 2]), json!(["a"])]),
            vec![json!([1, "a"]), json!([2, null])]
        );
    }

    #[test]
    fn labels_look_like_python() {
        assert_eq!(
            label(&json!({"a": 1, "b": [true, null]})),
            "{'a': 1, 'b': [True, None]}"
        );
        assert_eq!(label(&json!("x")), "x");
    }

    #[test]
    fn subelements_pair_each_parent_with_its_children() {
        let r = subelements(vec![json!([{"n": "u", "keys": [1, 2]}]), json!("keys")]).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1][1], json!(2));
    }
}
