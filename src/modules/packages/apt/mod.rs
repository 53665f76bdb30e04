//! `apt`: installs, upgrades, removes and purges Debian packages with apt-get, updates the
//! cache, installs a `.deb` (a path on the target or a URL the target downloads) and runs
//! `upgrade`/`autoremove`. One remote program per task: it queries dpkg-query and
//! apt-cache in the same script, decides what differs, and runs one apt-get transaction for
//! all packages to install and one for those to remove (so a missing package fails the task
//! before anything is installed). Check mode runs `apt-get -s`. Knows nothing of playbooks.

use super::common::{self, parse_spec, set_streams, Spec};
use crate::event::Diff;
use crate::modules::framework::args::{self, de_bool, de_opt_bool, de_opt_list, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn sixty() -> u64 {
    60
}

fn confdef() -> Option<Vec<String>> {
    Some(vec!["force-confdef".into(), "force-confold".into()])
}

/// Arguments of `apt` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(
        default,
        alias = "package",
        alias = "pkg",
        deserialize_with = "de_opt_list"
    )]
    name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, alias = "update-cache", deserialize_with = "de_bool")]
    update_cache: bool,
    #[serde(default)]
    cache_valid_time: u64,
    #[serde(default, deserialize_with = "de_opt_string")]
    deb: Option<String>,
    #[serde(
        default,
        alias = "install-recommends",
        deserialize_with = "de_opt_bool"
    )]
    install_recommends: Option<bool>,
    #[serde(default, deserialize_with = "de_bool")]
    purge: bool,
    #[serde(default, deserialize_with = "de_bool")]
    autoremove: bool,
    #[serde(default, deserialize_with = "de_bool")]
    autoclean: bool,
    #[serde(default, deserialize_with = "de_bool")]
    clean: bool,
    #[serde(default)]
    upgrade: Option<Value>,
    #[serde(
        default,
        alias = "allow-downgrade",
        alias = "allow_downgrades",
        alias = "allow-downgrades",
        deserialize_with = "de_bool"
    )]
    allow_downgrade: bool,
    #[serde(default, alias = "allow-unauthenticated", deserialize_with = "de_bool")]
    allow_unauthenticated: bool,
    #[serde(default, deserialize_with = "de_bool")]
    allow_change_held_packages: bool,
    #[serde(default, deserialize_with = "de_bool")]
    only_upgrade: bool,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    /// Accepted for compatibility: rsible always uses apt-get.
    #[serde(default, rename = "force_apt_get", deserialize_with = "de_bool")]
    _force_apt_get: bool,
    #[serde(default, deserialize_with = "de_bool")]
    fail_on_autoremove: bool,
    #[serde(default, alias = "default-release", deserialize_with = "de_opt_string")]
    default_release: Option<String>,
    #[serde(default = "confdef", deserialize_with = "de_opt_list")]
    dpkg_options: Option<Vec<String>>,
    #[serde(default)]
    policy_rc_d: Option<i64>,
    #[serde(default = "sixty")]
    lock_timeout: u64,
    #[serde(default)]
    update_cache_retries: Option<u64>,
    #[serde(default)]
    update_cache_retry_max_delay: Option<u64>,
}

/// What `state` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Present,
    Latest,
    Absent,
    Fixed,
}

/// `upgrade`'s apt-get subcommand, if any.
fn upgrade_command(v: &Option<Value>) -> Result<Option<&'static str>, String> {
    let Some(v) = v else { return Ok(None) };
    let text = match v {
        Value::String(s) => s.to_ascii_lowercase(),
        other => match args::to_bool(other) {
            Some(true) => "yes".into(),
            _ => "no".into(),
        },
    };
    match text.as_str() {
        "no" | "false" | "off" => Ok(None),
        "yes" | "true" | "on" | "safe" => Ok(Some("upgrade --with-new-pkgs")),
        "full" | "dist" => Ok(Some("dist-upgrade")),
        other => Err(format!(
            "apt: argument 'upgrade' is of type str and we were unable to convert to one of: \
             dist, full, no, safe, yes (got '{other}')"
        )),
    }
}

/// The validated request: what the program is built from.
#[derive(Debug)]
pub struct Plan {
    state: State,
    specs: Vec<Spec>,
    upgrade: Option<&'static str>,
    args: Args,
}

/// Reads and checks `apt`'s arguments; nothing is sent before this succeeds.
pub fn plan(a: &Map<String, Value>) -> Result<Plan, String> {
    let args: Args = args::parse("apt", a)?;
    let state = match args.state.as_deref().unwrap_or("present") {
        "present" | "installed" => State::Present,
        "latest" => State::Latest,
        "absent" | "removed" => State::Absent,
        "fixed" => State::Fixed,
        "build-dep" => {
            return Err("apt: state=build-dep is not supported by rsible; run \
                        `apt-get build-dep` with the command module"
                .into())
        }
        other => {
            return Err(format!(
                "apt: value of state must be one of: absent, build-dep, fixed, latest, present, \
                 got: {other}"
            ))
        }
    };
    let specs = args
        .name
        .iter()
        .flatten()
        .map(|s| parse_spec(s).map_err(|e| format!("apt: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    if state == State::Latest {
        if let Some(s) = specs.iter().find(|s| s.version.is_some()) {
            return Err(format!(
                "apt: version number inconsistent with state=latest: {}={}",
                s.name,
                s.version.as_deref().unwrap_or_default()
            ));
        }
    }
    let upgrade = upgrade_command(&args.upgrade)?;
    if specs.is_empty()
        && args.deb.is_none()
        && upgrade.is_none()
        && !args.update_cache
        && args.cache_valid_time == 0
        && !args.autoremove
        && !args.autoclean
        && !args.clean
    {
        return Err(
            "apt: one of the following is required: name, deb, upgrade, \
                    update_cache, autoremove, autoclean, clean"
                .into(),
        );
    }
    if args.deb.is_some() && state == State::Absent {
        return Err("apt: deb cannot be used with state=absent".into());
    }
    if let Some(r) = &args.default_release {
        if !common::valid_version(r) {
            return Err(format!("apt: '{r}' is not a valid default_release"));
        }
    }
    Ok(Plan {
        state,
        specs,
        upgrade,
        args,
    })
}

/// Reads the program's answer into Ansible's result.
pub fn answer(p: &Plan, check: bool, stdout: &str, stderr: &str) -> Output {
    let (marks, tool_out) = common::split_output(stdout);
    let mut o = Output::default();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut updated = false;
    let mut held = Vec::new();
    for (k, v) in &marks {
        match k.as_str() {
            "cache_updated" => updated = true,
            "cache_time" => {
                let t: i64 = v.trim().parse().unwrap_or(0);
                o.fields.insert("cache_update_time".into(), json!(t));
            }
            "changed" => o.changed = true,
            "before" => before.push(v.clone()),
            "after" => after.push(v.clone()),
            "held" => held.push(v.clone()),
            "fail" => {
                o.failed = true;
                o.msg = Some(v.clone());
            }
            "update_failed" => {
                o.failed = true;
                o.msg = Some(format!("Failed to update apt cache: {}", stderr.trim()));
            }
            "missing" => {
                o.failed = true;
                let names: Vec<String> = v.split_whitespace().map(|n| format!("'{n}'")).collect();
                o.msg = Some(if names.len() == 1 {
                    format!("No package matching {} is available", names[0])
                } else {
                    format!("No package matching {} is available", names.join(", "))
                });
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
    set_streams(&mut o, &tool_out, stderr);
    if !held.is_empty() {
        o.fields.insert("held_packages".into(), json!(held));
    }
    let only_cache =
        p.specs.is_empty() && p.args.deb.is_none() && p.upgrade.is_none() && !p.args.autoremove;
    if only_cache && updated && !o.failed {
        o.changed = true;
    }
    if o.changed && !before.is_empty() {
        if check {
            after = simulated_after(&before, &tool_out);
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

/// `apt` for the modules composed of it (`container_runtime`, `kubernetes_node`): when a
/// package is not found and the cache was not just refreshed (a fresh host, or a version
/// published since the last update), once more with `update_cache`. One extra round trip,
/// only then.
pub async fn apt_refreshing(mut a: Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = apt(&a, ctx).await?;
    let missing = out.failed
        && out
            .msg
            .as_deref()
            .is_some_and(|m| m.starts_with("No package matching"));
    if !missing || a.get("update_cache") == Some(&json!(true)) {
        return Ok(out);
    }
    a.remove("cache_valid_time");
    a.insert("update_cache".into(), json!(true));
    apt(&a, ctx).await
}

/// `apt`: returns `cache_updated`, `cache_update_time`, `stdout`, `stderr` (and `_lines`).
pub async fn apt(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = plan(a).map_err(Failure::BadArgs)?;
    let out = ctx
        .exec(program(&p, ctx.check).into_bytes(), Vec::new())
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!("apt: {}", stderr.trim())));
    }
    let mut o = answer(&p, ctx.check, &stdout, &stderr);
    if !ctx.diff {
        o.diffs.clear();
    }
    Ok(o)
}

mod script;
pub use script::program;

#[cfg(test)]
mod tests;
