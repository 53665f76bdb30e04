//! The load-time refusal of filters and tests rsible does not have, in the templates a task
//! carries where the loader sees them: every string with markup in its module arguments
//! (keys included) and in its keywords (`vars`, `loop`/`with_*`, `environment`,
//! `delegate_to`, ...), and the conditions `when`, `changed_when`, `failed_when`, `until` and
//! `assert`'s `that`, which are expressions even without `{{ }}`, as is `debug`'s `var`.
//! Templates that only exist at run time (variable files, inventory variables, template
//! files, values that render into templates) are not seen. Knows nothing of YAML or hosts.

use serde_json::Value;

use super::arg_templates::templar;
use crate::template::PluginKind;

/// The keywords whose strings are conditions (bare expressions).
const CONDITIONS: &[&str] = &["when", "changed_when", "failed_when", "until"];

/// The message for one name rsible lacks.
pub(crate) fn refusal(kind: PluginKind, name: &str) -> String {
    format!("{} '{name}' is not supported by rsible", kind.as_str())
}

/// The hint every such refusal carries.
pub(crate) const HINT: &str = "rsible has ansible-core's filters and tests and the collection \
     ones its README lists; Python filter and test plugins are not loaded";

/// The names keyword `key`'s value uses that rsible lacks.
pub(crate) fn in_keyword(key: &str, v: &Value) -> Vec<(PluginKind, String)> {
    if CONDITIONS.contains(&key) {
        in_condition(v)
    } else {
        in_value(v)
    }
}

/// The names module `module`'s argument `arg` uses that rsible lacks.
pub(crate) fn in_argument(module: &str, arg: &str, v: &Value) -> Vec<(PluginKind, String)> {
    match (module, arg) {
        ("assert", "that") | ("debug", "var") => in_condition(v),
        _ => in_value(v),
    }
}

/// In a value: every string with markup, in lists and mappings, keys included.
fn in_value(v: &Value) -> Vec<(PluginKind, String)> {
    let mut out = Vec::new();
    walk(v, &mut |s| templar().unknown_plugins(s), &mut out);
    out
}

/// In a condition: a string, or a list of them (booleans and numbers have none).
fn in_condition(v: &Value) -> Vec<(PluginKind, String)> {
    let mut out = Vec::new();
    walk(
        v,
        &mut |s| templar().unknown_plugins_in_condition(s),
        &mut out,
    );
    out
}

/// Runs `scan` on every string of `v`, adding what it finds to `out` once each.
fn walk(
    v: &Value,
    scan: &mut dyn FnMut(&str) -> Vec<(PluginKind, String)>,
    out: &mut Vec<(PluginKind, String)>,
) {
    let add = |found: Vec<(PluginKind, String)>, out: &mut Vec<(PluginKind, String)>| {
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    };
    match v {
        Value::String(s) => add(scan(s), out),
        Value::Array(items) => items.iter().for_each(|x| walk(x, scan, out)),
        Value::Object(m) => {
            for (k, x) in m {
                add(scan(k), out);
                walk(x, scan, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(found: Vec<(PluginKind, String)>) -> Vec<String> {
        found
            .into_iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect()
    }

    #[test]
    fn finds_unknown_filters_and_tests_in_every_branch() {
        let v = json!({
            "msg": "{{ x | to_json | no_such_filter }}",
            "list": ["{% if false %}{{ y | never_rendered }}{% endif %}"],
            "{{ k is no_such_test }}": 1,
            "known": "{{ x | default(1) | combine({}) is mapping }} {{ a | community.general.json_query('b') }}",
            "plain": "no_such_filter",
        });
        assert_eq!(
            names(in_argument("copy", "content", &v)),
            [
                "filter no_such_filter",
                "filter never_rendered",
                "test no_such_test"
            ]
        );
    }

    #[test]
    fn conditions_are_expressions() {
        assert_eq!(
            names(in_keyword("when", &json!(["x is nope", true, "y | bool"]))),
            ["test nope"]
        );
        assert_eq!(
            names(in_keyword("failed_when", &json!("{{ r.rc | weird }}"))),
            ["filter weird"]
        );
        // The same words outside a condition are plain text.
        assert!(in_keyword("name", &json!("x is nope")).is_empty());
        assert_eq!(
            names(in_argument("assert", "that", &json!(["a | frob"]))),
            ["filter frob"]
        );
        assert!(in_argument("debug", "msg", &json!("a | frob")).is_empty());
    }

    #[test]
    fn broken_templates_are_left_to_the_syntax_check() {
        assert!(in_keyword("vars", &json!({"a": "{{ x | nope "})).is_empty());
        assert!(in_keyword("when", &json!("x |")).is_empty());
    }

    #[test]
    fn namespaced_names() {
        assert!(in_keyword("loop", &json!("{{ x | ansible.builtin.dict2items }}")).is_empty());
        assert_eq!(
            names(in_keyword(
                "loop",
                &json!("{{ x | community.general.nope }}")
            )),
            ["filter community.general.nope"]
        );
        assert_eq!(
            refusal(PluginKind::Test, "nope"),
            "test 'nope' is not supported by rsible"
        );
    }
}
