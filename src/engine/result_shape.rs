//! The finishing touches Ansible 2.19 gives a registered task result: a failed result carries
//! `exception` (the traceback placeholder, as a registered value shows it) and a `msg`; a
//! module failure that `failed_when` turns into success keeps the placeholder under
//! `failed_when_suppressed_exception`; a `changed_when`/`failed_when` that cannot be evaluated
//! fails the task but keeps the module's fields. Knows nothing of modules or of output.

use crate::modules::framework::args::to_bool;
use serde_json::{json, Map, Value};

/// What a registered `exception` holds when tracebacks are not collected (Ansible's default).
pub const NO_TRACEBACK: &str = "(traceback unavailable)";

/// The `msg` Ansible gives a result that failed without saying why (`failed_when: true` on a
/// module that returned no `msg`).
pub const UNKNOWN_ERROR: &str = "Task failed: Action failed: Unknown error.";

/// Whether `r` says it failed.
fn is_failed(r: &Map<String, Value>) -> bool {
    r.get("failed").and_then(to_bool).unwrap_or(false)
}

/// Adds `exception` and a default `msg` to a failed result; leaves others alone.
pub fn normalize(r: &mut Map<String, Value>) {
    if !is_failed(r) {
        return;
    }
    r.entry("exception").or_insert_with(|| json!(NO_TRACEBACK));
    r.entry("msg").or_insert_with(|| json!(UNKNOWN_ERROR));
}

/// After `failed_when` decided `failed`: a module failure it overrode keeps its placeholder
/// under `failed_when_suppressed_exception`.
pub fn after_failed_when(r: &mut Map<String, Value>, module_failed: bool) {
    if module_failed && !is_failed(r) {
        r.remove("exception");
        r.insert(
            "failed_when_suppressed_exception".into(),
            json!(NO_TRACEBACK),
        );
    }
}

/// A `changed_when` (`which` = "changed") or `failed_when` ("failed") that could not be
/// evaluated: the task fails, the module's fields stay, the error is under `<which>_when_result`.
pub fn condition_error(r: &mut Map<String, Value>, which: &str, err: &str) {
    r.insert("failed".into(), json!(true));
    r.insert(
        format!("{which}_when_result"),
        json!(format!("Error while evaluating conditional: {err}")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_results_get_the_placeholder_and_a_message() {
        let mut r = json!({"failed": true, "rc": 1})
            .as_object()
            .cloned()
            .unwrap();
        normalize(&mut r);
        assert_eq!(r["exception"], json!(NO_TRACEBACK));
        assert_eq!(r["msg"], json!(UNKNOWN_ERROR));
        let mut ok = json!({"failed": false}).as_object().cloned().unwrap();
        normalize(&mut ok);
        assert!(!ok.contains_key("exception") && !ok.contains_key("msg"));
        let mut kept = json!({"failed": true, "msg": ""})
            .as_object()
            .cloned()
            .unwrap();
        normalize(&mut kept);
        assert_eq!(kept["msg"], json!(""));
    }

    #[test]
    fn an_overridden_module_failure_keeps_its_placeholder_aside() {
        let mut r = json!({"failed": false, "exception": NO_TRACEBACK})
            .as_object()
            .cloned()
            .unwrap();
        after_failed_when(&mut r, true);
        assert!(!r.contains_key("exception"));
        assert_eq!(r["failed_when_suppressed_exception"], json!(NO_TRACEBACK));
        let mut e = Map::new();
        condition_error(&mut e, "changed", "boom");
        assert_eq!(e["failed"], json!(true));
        assert_eq!(
            e["changed_when_result"],
            json!("Error while evaluating conditional: boom")
        );
    }
}
