//! Reading what the service programs print (`C what before after` per change, the unit's
//! `systemctl show` between `--show--` and `--end--`, `F message` on a failure, and
//! `--replan--` where the apply starts over) into Ansible's result: `name`, `state`,
//! `enabled`, `status`, and a diff of what changed. Knows nothing of connections.

use super::Want;
use crate::event::Diff;
use crate::modules::Output;
use serde_json::{json, Map, Value};

/// What a program printed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `(what, before, after)` per change.
    pub changes: Vec<(String, String, String)>,
    /// `systemctl show` as a map.
    pub status: Map<String, Value>,
    /// The failure message, if any.
    pub failure: Option<String>,
}

/// Parses a program's output; what follows the last `--replan--` replaces what came before.
pub fn parse(stdout: &str) -> Report {
    let mut r = Report::default();
    let mut in_show = false;
    for line in stdout.lines() {
        if in_show {
            if line == "--end--" {
                in_show = false;
            } else if let Some((k, v)) = line.split_once('=') {
                r.status.insert(k.to_string(), json!(v));
            }
        } else if line == "--show--" {
            in_show = true;
        } else if line == "--replan--" {
            r = Report::default();
        } else if let Some(m) = line.strip_prefix("F ") {
            r.failure = Some(m.to_string());
        } else if let Some(c) = line.strip_prefix("C ") {
            let mut it = c.splitn(3, ' ');
            let what = it.next().unwrap_or_default().to_string();
            let before = it.next().unwrap_or_default().to_string();
            let after = it.next().unwrap_or_default().to_string();
            r.changes.push((what, before, after));
        }
    }
    r
}

/// Turns a report into the module's output (with a diff when `diff`).
pub fn output(w: &Want, r: Report, diff: bool) -> Output {
    let mut o = Output::default();
    if let Some(n) = &w.name {
        o.fields.insert("name".into(), json!(n));
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

    #[test]
    fn report_parsing() {
        let r = parse(
            "--show--\nActiveState=active\nMainPID=12\nExecStart={ path=/bin/x ; argv[]=a=b }\n--end--\nC state inactive started\n",
        );
        assert_eq!(r.status["ActiveState"], "active");
        assert_eq!(r.status["ExecStart"], "{ path=/bin/x ; argv[]=a=b }");
        assert_eq!(
            r.changes,
            vec![("state".into(), "inactive".into(), "started".into())]
        );
        let r = parse("F Could not find the requested service x: host\n");
        assert_eq!(
            r.failure.as_deref(),
            Some("Could not find the requested service x: host")
        );
    }

    #[test]
    fn the_apply_replaces_the_probes_report() {
        let r = parse(
            "--show--\nLoadState=not-found\n--end--\nF Could not find the requested service x: host\n\
             --replan--\n--show--\nLoadState=loaded\n--end--\nC state inactive started\n",
        );
        assert_eq!(r.failure, None);
        assert_eq!(r.status["LoadState"], "loaded");
        assert_eq!(r.changes.len(), 1);
    }
}
