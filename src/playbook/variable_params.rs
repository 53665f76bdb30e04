//! Module arguments given as one template (`assert: "{{ checks }}"`, `args: "{{ opts }}"`):
//! as in Ansible, a module that takes no free-form argument gets the template's value, which
//! must be a mapping, under its explicit arguments. Loading sets the template aside under
//! [`KEY`]; the engine merges it once rendered. Knows nothing of YAML, hosts or modules'
//! behaviour.

use serde_json::{Map, Value};

/// Where a whole-template argument string waits for run time.
pub const KEY: &str = "_variable_params";

/// Modules whose free-form string is theirs to read (Ansible's raw-parameter modules): a
/// template given to them stays `_raw_params`.
const RAW_PARAM_MODULES: &[&str] = &[
    "command",
    "shell",
    "raw",
    "script",
    "meta",
    "include_vars",
    "include_tasks",
    "include_role",
    "import_tasks",
    "import_role",
    "add_host",
    "group_by",
    "set_fact",
];

/// Whether `s` is one template and nothing else (`"{{ x }}"`, not `"{{ a }}={{ b }}"`).
pub fn is_whole_template(s: &str) -> bool {
    let t = s.trim();
    t.strip_prefix("{{")
        .and_then(|r| r.strip_suffix("}}"))
        .is_some_and(|inner| !inner.contains("{{") && !inner.contains("}}"))
}

/// Moves a whole-template `_raw_params` of a module that takes no free-form argument to
/// [`KEY`].
pub fn set_aside(module: &str, args: &mut Map<String, Value>) {
    if RAW_PARAM_MODULES.contains(&module) {
        return;
    }
    if let Some(Value::String(s)) = args.get("_raw_params") {
        if is_whole_template(s) {
            if let Some(v) = args.remove("_raw_params") {
                args.insert(KEY.into(), v);
            }
        }
    }
}

/// The rendered arguments with the rendered [`KEY`] value merged under them; an error when
/// that value is not a mapping (Ansible's message).
pub fn merge(mut args: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let Some(v) = args.remove(KEY) else {
        return Ok(args);
    };
    match v {
        Value::Object(mut base) => {
            base.extend(args);
            Ok(base)
        }
        other => Err(format!(
            "Task args must resolve to a 'dict' not '{}'.",
            crate::template::python_type(&other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn only_a_whole_template_is_set_aside_and_only_for_modules_without_free_form() {
        let mut a = map(json!({"_raw_params": "{{ checks }}"}));
        set_aside("assert", &mut a);
        assert_eq!(Value::Object(a), json!({KEY: "{{ checks }}"}));
        let mut a = map(json!({"_raw_params": "{{ cmd }}"}));
        set_aside("shell", &mut a);
        assert_eq!(Value::Object(a), json!({"_raw_params": "{{ cmd }}"}));
        let mut a = map(json!({"_raw_params": "{{ a }}={{ b }}"}));
        set_aside("assert", &mut a);
        assert_eq!(Value::Object(a), json!({"_raw_params": "{{ a }}={{ b }}"}));
    }

    #[test]
    fn the_template_value_goes_under_explicit_arguments() {
        let a = map(json!({KEY: {"msg": "a", "quiet": true}, "msg": "b"}));
        assert_eq!(
            Value::Object(merge(a).unwrap_or_default()),
            json!({"msg": "b", "quiet": true})
        );
        let e = merge(map(json!({KEY: "x"}))).err();
        assert_eq!(
            e.as_deref(),
            Some("Task args must resolve to a 'dict' not 'str'.")
        );
    }
}
