//! `module_defaults` at run time, as Ansible applies them: the layers of the play, enclosing
//! roles, blocks and includes and the task itself, outer first; the innermost layer naming a
//! module gives its defaults whole (no merge of arguments between layers); the task's own
//! arguments win over the defaults argument by argument, and an own argument that renders to
//! `omit` removes the default too. `group/...` entries reach no task: no action group holds
//! a module rsible has. Defaults of a backend module (`apt` for `package`, `systemd` for
//! `service`), which Ansible applies through the backend it picks, fail the task as not
//! supported. Knows nothing of how arguments are rendered or modules run.

use super::context::Inherited;
use super::Runner;
use crate::modules::registry;
use crate::playbook::Task;
use crate::template::Scope;
use serde_json::{Map, Value};

/// The key under which [`Inherited::keywords`] keeps the stacked layers.
const KEY: &str = "module_defaults";

/// Adds a `module_defaults` value (a mapping or a list of them) as the innermost layers of
/// `keywords`, where the layers are kept as one list, outer first.
pub fn stack(keywords: &mut Map<String, Value>, v: &Value) {
    let mut layers = match keywords.remove(KEY) {
        Some(Value::Array(a)) => a,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    match v {
        Value::Array(a) => layers.extend(a.iter().cloned()),
        Value::Null => {}
        other => layers.push(other.clone()),
    }
    keywords.insert(KEY.to_string(), Value::Array(layers));
}

/// The defaults written for `module` (canonical name) in `layers`, outer first: the last
/// entry whose key names the module, as written (templates not rendered).
fn written_for<'a>(module: &str, layers: &[&'a Value]) -> Option<&'a Value> {
    let mut found = None;
    for layer in layers {
        let dicts: Vec<&Map<String, Value>> = match layer {
            Value::Object(m) => vec![m],
            Value::Array(a) => a.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        };
        for d in dicts {
            for (k, v) in d {
                if !k.starts_with("group/") && registry::canonical(k) == Some(module) {
                    found = Some(v);
                }
            }
        }
    }
    found
}

/// The modules whose defaults Ansible applies to a `package` or `service` task through the
/// backend it picks on the target.
fn backends(module: &str) -> &'static [&'static str] {
    match module {
        "package" => &["apt", "dnf", "yum", "apk"],
        "service" => &["systemd"],
        _ => &[],
    }
}

/// The refusal for a `package`/`service` task that backend defaults would reach in Ansible.
fn backend_defaults(module: &str, layers: &[&Value]) -> Option<String> {
    let b = backends(module)
        .iter()
        .find(|b| written_for(b, layers).is_some())?;
    Some(format!(
        "module_defaults for '{b}' reach this {module} task through its backend in Ansible: \
         not supported by rsible; give the arguments on the task or as defaults for '{module}'"
    ))
}

impl Runner {
    /// The task's arguments with the `module_defaults` it sees filled in below its own,
    /// not yet rendered (a default given as one template is rendered here, to a mapping).
    pub(super) fn args_with_defaults(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<Map<String, Value>, String> {
        let module = task.module.as_deref().unwrap_or("");
        let mut layers: Vec<&Value> = Vec::new();
        layers.extend(self.play.play.keywords.get(KEY));
        layers.extend(inh.keywords.get(KEY));
        layers.extend(task.keywords.get(KEY));
        if let Some(refusal) = backend_defaults(module, &layers) {
            return Err(refusal);
        }
        let Some(written) = written_for(module, &layers) else {
            return Ok(task.args.clone());
        };
        let defaults = match written {
            Value::String(_) => self
                .engine
                .templar
                .render_value(written, scope)
                .map_err(|e| e.to_string())?,
            other => other.clone(),
        };
        let mut args = match defaults {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(format!(
                    "module_defaults for '{module}' must be a mapping of arguments, got {other}"
                ))
            }
        };
        args.extend(task.args.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stack_keeps_layers_outer_first() {
        let mut kw = Map::new();
        stack(&mut kw, &json!({"file": {"mode": "0600"}}));
        stack(&mut kw, &json!([{"copy": {}}, {"file": {"mode": "0644"}}]));
        assert_eq!(
            kw[KEY],
            json!([{"file": {"mode": "0600"}}, {"copy": {}}, {"file": {"mode": "0644"}}])
        );
    }

    #[test]
    fn innermost_entry_wins_whole_by_any_name() {
        let outer = json!({"ansible.builtin.file": {"mode": "0600", "owner": "root"}});
        let inner = json!([{"file": {"mode": "0644"}}]);
        let groups = json!({"group/aws": {"region": "x"}});
        assert_eq!(
            written_for("file", &[&outer, &inner, &groups]),
            Some(&json!({"mode": "0644"}))
        );
        assert_eq!(
            written_for("file", &[&outer]),
            Some(&json!({"mode": "0600", "owner": "root"}))
        );
        assert_eq!(written_for("copy", &[&outer, &groups]), None);
        let facts = json!({"gather_facts": {"gather_subset": "min"}});
        assert!(written_for("setup", &[&facts]).is_some());
        let apt = json!({"ansible.builtin.apt": {"update_cache": true}});
        assert!(backend_defaults("package", &[&apt]).is_some());
        assert!(backend_defaults("apt", &[&apt]).is_none());
    }
}
