//! The load-time check that every template written in a task's module arguments compiles, so
//! that a broken `{{ ... }}` stops the playbook before any host is contacted instead of
//! failing the task on every host. Only the syntax is checked: variables, filters and
//! lookups are resolved when the task runs. Knows nothing of tasks' keywords or of hosts.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::template::Templar;

/// One templar for every check (compiling needs no variables).
pub(super) fn templar() -> &'static Templar {
    static T: OnceLock<Templar> = OnceLock::new();
    T.get_or_init(Templar::new)
}

/// The syntax errors in `args`: (argument name, message), in argument order.
pub(crate) fn syntax_errors(args: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in args {
        if let Some(msg) = first_error(v) {
            out.push((k.clone(), msg));
        }
    }
    out
}

/// The first syntax error in a value (strings inside lists and mappings, keys included).
fn first_error(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => templar().check_syntax(s).err().map(|e| e.message),
        Value::Array(items) => items.iter().find_map(first_error),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            templar()
                .check_syntax(k)
                .err()
                .map(|e| e.message)
                .or_else(|| first_error(x))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_broken_templates_only() {
        let args = json!({
            "msg": "{{ foo ",
            "ok": "{{ x | default(1) }} and {% if y %}y{% endif %}",
            "plain": "no template {",
            "nested": {"a": ["{% for %}"]},
            "undefined_is_fine": "{{ nowhere.at.all }}",
        });
        let Value::Object(m) = args else {
            unreachable!()
        };
        let errs = syntax_errors(&m);
        let names: Vec<&str> = errs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["msg", "nested"]);
        assert!(
            errs[0].1.starts_with("template syntax error"),
            "{}",
            errs[0].1
        );
    }
}
