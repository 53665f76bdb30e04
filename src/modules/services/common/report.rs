//! Reading what the service programs report (framework::report: `change WHAT BEFORE AFTER`
//! per change, `show` the unit's `systemctl show` encoded, `fail MESSAGE` encoded, and
//! `replan` where the apply starts over) into Ansible's result: `name`, `state`, `enabled`,
//! `status`, and a diff of what changed. Knows nothing of connections.

use super::Want;
use crate::event::Diff;
use crate::modules::framework::report::Report as Lines;
use crate::modules::{Failure, Output};
use serde_json::{json, Map, Value};

/// What a program reported.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `(what, before, after)` per change.
    pub changes: Vec<(String, String, String)>,
    /// `systemctl show` as a map.
    pub status: Map<String, Value>,
    /// The failure message, if any.
    pub failure: Option<String>,
}

/// Parses the output of `module`'s program; what follows the last `replan` replaces what came
/// before.
pub fn parse(module: &str, stdout: &str) -> Result<Report, Failure> {
    let mut r = Report::default();
    for (k, v) in Lines::parse(module, stdout)?.after_last("replan").entries() {
        match k {
            "show" => {
                for (k, v) in v.lines().filter_map(|l| l.split_once('=')) {
                    r.status.insert(k.to_string(), json!(v));
                }
            }
            "fail" => r.failure = Some(v.to_string()),
            "change" => {
                let mut it = v.splitn(3, ' ');
                let what = it.next().unwrap_or_default().to_string();
                let before = it.next().unwrap_or_default().to_string();
                let after = it.next().unwrap_or_default().to_string();
                r.changes.push((what, before, after));
            }
            _ => {}
        }
    }
    Ok(r)
}

/// Turns a report into the module's output (with a diff when `diff`).
pub fn output(w: &Want, r: Report, diff: bool) -> Output {
    let mut o = Output::default();
    // A daemon reload or re-exec alone (no unit): Ansible's systemd module still returns
    // `name` (null) and an empty `status`.
    o.fields.insert("name".into(), json!(w.name));
    if w.name.is_none() {
        o.fields.insert("status".into(), json!({}));
    }
    if let Some(s) = w.state {
        o.fields.insert("state".into(), json!(s.as_str()));
    }
    if let Some(e) = w.enabled {
        o.fields.insert("enabled".into(), json!(e));
    }
    // No `masked` key: Ansible's systemd module does not return one.
    if !r.status.is_empty() {
        o.fields.insert("status".into(), Value::Object(r.status));
    }
    if let Some(f) = r.failure {
        o.failed = true;
        o.msg = Some(f);
        return o;
    }
    o.changed = !r.changes.is_empty();
    if diff && o.changed {
        let side = |after: bool| {
            r.changes
                .iter()
                .map(|(k, b, a)| format!("{k}: {}\n", if after { a } else { b }))
                .collect::<String>()
        };
        let unit = w.name.clone().unwrap_or_default();
        o.diffs.push(Diff {
            before_header: unit.clone(),
            after_header: unit,
            before: side(false),
            after: side(true),
        });
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report line of `key` with `value` encoded, as `mx` prints it.
    fn mx(key: &str, value: &str) -> String {
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        format!("@@rsible {key}:x {hex}\n")
    }

    fn parse(stdout: &str) -> Report {
        super::parse("systemd", stdout).expect("a well-formed report")
    }

    #[test]
    fn report_parsing() {
        let r = parse(&format!(
            "{}@@rsible change state inactive started\n",
            mx(
                "show",
                "ActiveState=active\nMainPID=12\nExecStart={ path=/bin/x ; argv[]=a=b }"
            )
        ));
        assert_eq!(r.status["ActiveState"], "active");
        assert_eq!(r.status["ExecStart"], "{ path=/bin/x ; argv[]=a=b }");
        assert_eq!(
            r.changes,
            vec![("state".into(), "inactive".into(), "started".into())]
        );
        let r = parse(&mx("fail", "Could not find the requested service x: host"));
        assert_eq!(
            r.failure.as_deref(),
            Some("Could not find the requested service x: host")
        );
    }

    #[test]
    fn the_apply_replaces_the_probes_report() {
        let r = parse(&format!(
            "{}{}@@rsible replan\n{}@@rsible change state inactive started\n",
            mx("show", "LoadState=not-found"),
            mx("fail", "Could not find the requested service x: host"),
            mx("show", "LoadState=loaded"),
        ));
        assert_eq!(r.failure, None);
        assert_eq!(r.status["LoadState"], "loaded");
        assert_eq!(r.changes.len(), 1);
    }
}
