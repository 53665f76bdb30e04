//! Reading the answer of `apt`'s program into Ansible's result: `cache_updated`,
//! `cache_update_time`, the tool's `stdout`/`stderr`, the failure in apt's words and the diff
//! of the packages' versions. When the apply did not run (check mode, or a failure found by
//! the probe), the output and the new versions are those of the simulation. Knows nothing
//! of the target.

use super::Plan;
use crate::event::Diff;
use crate::modules::packages::common::{self, backend, set_streams};
use crate::modules::Output;
use serde_json::json;

/// Ansible's result of `apt` from the program's stdout and stderr.
pub fn answer(p: &Plan, stdout: &str, stderr: &str) -> Output {
    let r = match backend::report("apt", stdout) {
        Ok(r) => r,
        Err(o) => return *o,
    };
    let tool_out = r.rest();
    let mut o = Output::default();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut updated = false;
    let mut applied = false;
    let mut held = Vec::new();
    let mut sim = String::new();
    for (k, v) in r.entries() {
        match k {
            "cache_updated" => updated = true,
            "cache_time" => {
                let t: i64 = v.trim().parse().unwrap_or(0);
                o.fields.insert("cache_update_time".into(), json!(t));
            }
            "applied" => applied = true,
            "sim" => {
                sim.push_str(v);
                sim.push('\n');
            }
            "changed" => o.changed = true,
            "before" => before.push(v.to_string()),
            "after" => after.push(v.to_string()),
            "held" => held.push(v.to_string()),
            "fail" => {
                o.failed = true;
                o.msg = Some(v.to_string());
            }
            "update_failed" => {
                o.failed = true;
                updated = false;
                o.fields.remove("cache_update_time");
                o.msg = Some(format!("Failed to update apt cache: {}", stderr.trim()));
            }
            "missing" => {
                o.failed = true;
                let names: Vec<String> = v.split_whitespace().map(|n| format!("'{n}'")).collect();
                o.msg = Some(format!(
                    "No package matching {} is available",
                    names.join(", ")
                ));
            }
            "failed" => {
                o.failed = true;
                let what = v.split_whitespace().next().unwrap_or("install");
                o.msg = Some(common::apt_failure(
                    &format!("apt-get {what}"),
                    stderr,
                    p.args.lock_timeout,
                ));
                let rc: i64 = v
                    .split_whitespace()
                    .nth(1)
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(1);
                o.fields.insert("rc".into(), json!(rc));
            }
            _ => {}
        }
    }
    if o.failed {
        o.changed = false;
    }
    o.fields.insert("cache_updated".into(), json!(updated));
    let shown = if applied {
        tool_out.to_string()
    } else {
        format!("{sim}{tool_out}")
    };
    set_streams(&mut o, &shown, stderr);
    if !held.is_empty() {
        o.fields.insert("held_packages".into(), json!(held));
    }
    let only_cache =
        p.specs.is_empty() && p.args.deb.is_none() && p.upgrade.is_none() && !p.args.autoremove;
    if only_cache && updated && !o.failed {
        o.changed = true;
    }
    if o.changed && !before.is_empty() {
        if after.is_empty() {
            after = simulated_after(&before, &sim);
        }
        o.diffs.push(Diff {
            before_header: "packages".into(),
            after_header: "packages".into(),
            before: lines(&before),
            after: lines(&after),
        });
    }
    o
}

/// What `apt-get -s` says the requested packages would become.
fn simulated_after(before: &[String], sim: &str) -> Vec<String> {
    before
        .iter()
        .map(|b| {
            let name = b.split_whitespace().next().unwrap_or_default();
            for l in sim.lines() {
                let mut w = l.split_whitespace();
                let (Some(kind), Some(n)) = (w.next(), w.next()) else {
                    continue;
                };
                if n != name {
                    continue;
                }
                let rest: Vec<&str> = w.collect();
                if kind == "Inst" {
                    let v = rest
                        .iter()
                        .find(|x| x.starts_with('('))
                        .map(|x| x.trim_start_matches('('))
                        .unwrap_or("?");
                    return format!("{name} {v}");
                }
                if kind == "Purg" {
                    return format!("{name} absent");
                }
                if kind == "Remv" {
                    return format!("{name} config-files");
                }
            }
            b.clone()
        })
        .collect()
}

fn lines(v: &[String]) -> String {
    let mut s = v.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}
