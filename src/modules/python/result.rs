//! A Python module's answer read back: the JSON it printed (lines before it skipped, as
//! Ansible does) becomes an [`Output`], with Ansible's `diff` shapes turned into rsible's
//! diffs; output that is not JSON is a `MODULE FAILURE` with the raw stdout and stderr.
//! Knows nothing of how the module was sent.

use crate::modules::framework::ansible_diff::diffs;
use crate::modules::Output;
use serde_json::{json, Map, Value};

/// The [`Output`] of a module that printed `stdout`/`stderr` and exited with `rc`.
pub fn read(stdout: &str, stderr: &str, rc: i32) -> Output {
    // `rc` is the process's: it is reported only when the output is not a result.
    match parse_json(stdout) {
        Some(mut m) => {
            m.retain(|k, _| !k.starts_with("_ansible_"));
            // As Ansible: a result without `failed` but with a non-zero `rc` failed.
            let rc_failed = !m.contains_key("failed")
                && m.get("rc")
                    .is_some_and(|v| v.as_i64().is_some_and(|r| r != 0));
            let failed = rc_failed || truthy(m.remove("failed"));
            let changed = truthy(m.remove("changed"));
            let skipped = truthy(m.remove("skipped"));
            let msg = m.remove("msg").map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            });
            // The result keeps the module's own `diff` (what `register` sees in Ansible).
            let diffs = m.get("diff").cloned().map(diffs).unwrap_or_default();
            Output {
                changed,
                failed,
                skipped,
                msg,
                fields: m,
                diffs,
            }
        }
        None => {
            let mut o = Output {
                failed: true,
                msg: Some(
                    "MODULE FAILURE: No start of json char found\nSee stdout/stderr for the exact error"
                        .into(),
                ),
                ..Output::default()
            };
            o.fields.insert("module_stdout".into(), json!(stdout));
            o.fields.insert("module_stderr".into(), json!(stderr));
            o.fields.insert("rc".into(), json!(rc));
            o
        }
    }
}

/// The JSON object in `stdout`, from the first line that starts one.
fn parse_json(stdout: &str) -> Option<Map<String, Value>> {
    let start = stdout
        .lines()
        .scan(0usize, |pos, l| {
            let here = *pos;
            *pos += l.len() + 1;
            Some((here, l))
        })
        .find(|(_, l)| l.trim_start().starts_with('{'))?
        .0;
    let text = &stdout[start..];
    let end = text.rfind('}')?;
    match serde_json::from_str(&text[..=end]) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Ansible's truth of a result flag (a bool, or a string such as "yes").
fn truthy(v: Option<Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => b,
        Some(Value::String(s)) => {
            matches!(s.to_ascii_lowercase().as_str(), "yes" | "on" | "1" | "true")
        }
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_keys_and_diffs() {
        let out = read(
            "junk line\n{\"changed\": true, \"msg\": \"ok\", \"rc\": 0, \"_ansible_no_log\": false, \
             \"diff\": {\"before\": {\"b\": 1, \"a\": 2}, \"after\": \"x\\n\", \"after_header\": \"f\"}, \
             \"invocation\": {\"module_args\": {}}}\n",
            "",
            0,
        );
        assert!(out.changed && !out.failed && !out.skipped);
        assert_eq!(out.msg.as_deref(), Some("ok"));
        assert_eq!(out.fields["rc"], 0);
        assert!(!out.fields.contains_key("_ansible_no_log"));
        assert_eq!(out.diffs.len(), 1);
        assert_eq!(out.diffs[0].before, "{\n    \"a\": 2,\n    \"b\": 1\n}\n");
        assert_eq!(out.diffs[0].after, "x\n");
        assert_eq!(out.diffs[0].after_header, "f");
        assert_eq!(out.diffs[0].before_header, "");
    }

    #[test]
    fn skipped_in_check_mode_and_failures() {
        let s = read(
            r#"{"skipped": true, "msg": "remote module (m) does not support check mode"}"#,
            "",
            0,
        );
        assert!(s.skipped && !s.failed);
        let f = read(r#"{"failed": true, "msg": "bad"}"#, "", 1);
        assert!(f.failed);
        let g = read("Traceback...\n", "boom", 1);
        assert!(g.failed);
        assert_eq!(g.fields["module_stderr"], "boom");
        assert_eq!(g.fields["rc"], 1);
    }
}
