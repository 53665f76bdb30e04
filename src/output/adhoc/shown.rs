//! What of a result the `ansible` binary shows after `=>`: the registered fields without
//! Ansible's bookkeeping (`_ansible_*`, `exception`, `failed`, `skipped`, `warnings` and
//! `deprecations`, which print apart; `invocation` and `diff` below `-vvv`), `debug` reduced
//! to what it was asked to show, dumped as Python's `json.dumps(sort_keys=True, indent=4)`.
//! Knows nothing of hosts or terminals.

use serde_json::{Map, Value};

/// Keys a `debug` result with `msg` keeps (Ansible's `_DEBUG_ALLOWED_KEYS`).
const DEBUG_KEYS: &[&str] = &["msg", "exception", "warnings", "deprecations"];

/// Keys a `debug` result without `msg` drops (Ansible's `_hide_in_debug`).
const DEBUG_HIDDEN: &[&str] = &["changed", "invocation", "skipped_reason", "skip_reason"];

/// The fields shown for `result` of a task whose module is `debug` or not, at `verbosity`.
pub fn fields(result: &Map<String, Value>, debug: bool, verbosity: u8) -> Map<String, Value> {
    let mut m: Map<String, Value> = result
        .iter()
        .filter(|(k, _)| {
            !k.starts_with("_ansible")
                && !matches!(
                    k.as_str(),
                    "exception" | "failed" | "skipped" | "warnings" | "deprecations"
                )
                && (verbosity >= 3 || !matches!(k.as_str(), "invocation" | "diff"))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if debug {
        if m.contains_key("msg") {
            m.retain(|k, _| DEBUG_KEYS.contains(&k.as_str()));
        } else {
            m.retain(|k, _| !DEBUG_HIDDEN.contains(&k.as_str()));
        }
    }
    m
}

/// `v` as Python's `json.dumps(v, sort_keys=True, indent=4, ensure_ascii=False)`, as
/// Ansible's callbacks dump a result.
pub fn dump(v: &Value) -> String {
    crate::template::python_json_sorted(v, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn bookkeeping_is_left_out_and_keys_are_sorted_as_python_does() {
        let r = map(json!({"ping": "pong", "changed": false, "failed": false,
                           "_ansible_no_log": false, "invocation": {"module_args": {}}}));
        let shown = Value::Object(fields(&r, false, 0));
        assert_eq!(
            dump(&shown),
            "{\n    \"changed\": false,\n    \"ping\": \"pong\"\n}"
        );
        assert!(fields(&r, false, 3).contains_key("invocation"));
        assert_eq!(
            dump(&json!({"b": {"z": [], "a": {}}})),
            "{\n    \"b\": {\n        \"a\": {},\n        \"z\": []\n    }\n}"
        );
        // Python's float text and unescaped non-ASCII (`ensure_ascii=False`).
        assert_eq!(
            dump(&json!({"f": 1e20, "é": 0.5})),
            "{\n    \"f\": 1e+20,\n    \"\u{e9}\": 0.5\n}"
        );
    }

    #[test]
    fn debug_shows_only_its_message() {
        let r = map(json!({"msg": "hi", "changed": false, "failed": false}));
        assert_eq!(Value::Object(fields(&r, true, 0)), json!({"msg": "hi"}));
        let r = map(json!({"x": 1, "changed": false}));
        assert_eq!(Value::Object(fields(&r, true, 0)), json!({"x": 1}));
    }
}
