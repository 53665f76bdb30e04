//! Loop expansion: `loop:` and the `with_*` forms turned into a list of items, the loop
//! variables each item sees (`item`, `ansible_loop`, `index_var`), and the item label shown in
//! output. Knows nothing of modules or hosts.

use crate::inventory::Vars;
use crate::playbook::Task;
use crate::template::{Scope, Templar, TemplateError};
use serde_json::{json, Value};

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
                .and_then(crate::modules::framework::args::to_bool)
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

/// The task's loop items, or `None` when it has no loop. `loop:` must give a list; a
/// `with_<lookup>` loop is the lookup run over its templated terms (a single value is one
/// term), as Ansible's `query('<lookup>', *terms)`.
pub fn items(task: &Task, templar: &Templar, scope: &Scope) -> Result<Option<Vec<Value>>, String> {
    let Some((key, raw)) = task
        .keywords
        .iter()
        .find(|(k, _)| *k == "loop" || k.starts_with("with_"))
    else {
        return Ok(None);
    };
    let v = if key == "with_first_found" {
        // Ansible drops undefined terms of a `with_first_found` (`"{{ distro }}.yml"`).
        defined_terms(raw, templar, scope)
    } else {
        templar.render_value(raw, scope)
    }
    .map_err(|e| format!("{key}: {e}"))?;
    let Some(lookup) = key.strip_prefix("with_") else {
        return match v {
            Value::Array(a) => Ok(Some(a)),
            other => Err(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {other}. \
                 Hint: If you passed a list/dict of just one element, try adding wantlist=True \
                 to your lookup invocation or use q/query instead of lookup."
            )),
        };
    };
    let terms = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    let action = task.module.as_deref().unwrap_or_default();
    templar
        .loop_lookup(lookup, &terms, action, scope)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// `raw` rendered, leaving out the list elements and mapping values that are undefined.
fn defined_terms(raw: &Value, templar: &Templar, scope: &Scope) -> Result<Value, TemplateError> {
    let keep = |r: Result<Value, TemplateError>| match r {
        Err(e) if e.undefined.is_some() => Ok(None),
        other => other.map(Some),
    };
    Ok(match raw {
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(keep(defined_terms(item, templar, scope))?);
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, item) in map {
                if let Some(v) = keep(defined_terms(item, templar, scope))? {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        other => templar.render_value(other, scope)?,
    })
}

/// An item as Ansible shows it in `(item=...)`: Python's repr inside containers.
pub fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => crate::template::python_repr(other),
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
    fn first_found_terms_leave_out_undefined_ones() {
        let templar = Templar::new();
        let scope = Scope::new(Vars::from_iter([("os".to_string(), json!("debian"))]));
        let raw = json!(["{{ nope }}.yml", "{{ os }}.yml", {"files": ["{{ nope }}", "x"]}]);
        assert_eq!(
            defined_terms(&raw, &templar, &scope).unwrap(),
            json!(["debian.yml", {"files": ["x"]}])
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
}
