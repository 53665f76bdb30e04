//! `apt`: installs, upgrades, removes and purges Debian packages with apt-get, updates the
//! cache, installs a `.deb` (a path on the target or a URL the target downloads) and runs
//! `upgrade`/`autoremove`. One remote program per task: it queries dpkg-query and
//! apt-cache in the same script, decides what differs, and runs one apt-get transaction for
//! all packages to install and one for those to remove (so a missing package fails the task
//! before anything is installed). Check mode runs `apt-get -s`. Knows nothing of playbooks.

use super::common::{self, parse_spec, set_streams, Spec, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::args::{self, de_bool, de_opt_bool, de_opt_list, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use crate::output::event::Diff;
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

/// The `A` function: apt-get with the options of every transaction.
fn apt_fn(p: &Plan) -> String {
    let a = &p.args;
    let mut w = vec![
        "apt-get".to_string(),
        "-y".into(),
        "-q".into(),
        "-o".into(),
        format!("DPkg::Lock::Timeout={}", a.lock_timeout),
    ];
    for o in a.dpkg_options.iter().flatten() {
        w.push("-o".into());
        w.push(format!("Dpkg::Options::=--{}", o.trim_start_matches('-')));
    }
    match a.install_recommends {
        Some(true) => w.extend(["-o".into(), "APT::Install-Recommends=true".into()]),
        Some(false) => w.push("--no-install-recommends".into()),
        None => {}
    }
    if a.allow_downgrade {
        w.push("--allow-downgrades".into());
    }
    if a.allow_unauthenticated || a.force {
        w.push("--allow-unauthenticated".into());
    }
    if a.allow_change_held_packages {
        w.push("--allow-change-held-packages".into());
    }
    if a.fail_on_autoremove {
        w.push("--no-remove".into());
    }
    if let Some(r) = &a.default_release {
        w.extend(["-t".into(), r.clone()]);
    }
    let words: Vec<String> = w.iter().map(|x| quote_str(x)).collect();
    format!("A() {{ {} \"$@\"; }}\n", words.join(" "))
}

/// The shell functions deciding, per package, whether it is installed in the wanted form.
const DECIDE: &str = r#"inst=''; names=''; rem=''; miss=''
q() { dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | head -n 1; }
cand() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1; }
want() { # name, version pattern (may be empty), present|latest
  s=$(q "$1"); ab=${s%%|*}; cur=${s#*|}
  case $ab in ?i*) have=1;; *) have=''; cur='';; esac
  c=$(cand "$1")
  if [ -n "$2" ]; then
    if [ -n "$have" ]; then case $cur in $2) return;; esac; fi
    v=''
    for x in $(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}'); do
      case $x in $2) v=$x; break;; esac
    done
    [ -n "$v" ] || { miss="$miss $1=$2"; return; }
    m before "$1" "${cur:-absent}"; inst="$inst $1=$v"; names="$names $1"; return
  fi
  if [ -n "$have" ]; then
    [ "$3" = latest ] || return
    [ -n "$c" ] && [ "$c" != '(none)' ] && dpkg --compare-versions "$c" gt "$cur" || return
    case $ab in h*) [ -n "$HELD_OK" ] || { m held "$1"; return; };; esac
  else
    { [ -z "$c" ] || [ "$c" = '(none)' ]; } && { miss="$miss $1"; return; }
    [ -n "$ONLY_UPGRADE" ] && return
  fi
  m before "$1" "${cur:-absent}"; inst="$inst $1"; names="$names $1"
}
drop() { # name
  s=$(q "$1"); ab=${s%%|*}; cur=${s#*|}
  case $ab in ''|?n*) return;; ?c*) [ -n "$PURGE" ] || return; cur='config-files';; esac
  m before "$1" "$cur"; rem="$rem $1"; names="$names $1"
}
"#;

/// The cache update: `apt-get update` unless the cache is younger than `cache_valid_time`.
fn update_part(p: &Plan, check: bool) -> String {
    let a = &p.args;
    let mut s = String::from(
        "st=/var/lib/apt/periodic/update-success-stamp\n\
         ct() { if [ -e $st ]; then stat -c %Y $st; else stat -c %Y /var/lib/apt/lists; fi; }\n",
    );
    if a.update_cache || a.cache_valid_time > 0 {
        let fresh = if a.cache_valid_time > 0 {
            format!("[ $(( $(date +%s) - $(ct) )) -lt {} ]", a.cache_valid_time)
        } else {
            "false".into()
        };
        let tries = a.update_cache_retries.unwrap_or(5).max(1);
        let delay = a.update_cache_retry_max_delay.unwrap_or(12).max(1);
        let run = if check {
            "m cache_updated 1".to_string()
        } else {
            format!(
                "n=0; d=1\n  until apt-get update -q -o DPkg::Lock::Timeout={} >/dev/null; do\n    \
                 n=$((n+1)); [ $n -ge {tries} ] && {{ m update_failed; exit 0; }}\n    \
                 sleep $d; d=$((d*2)); [ $d -gt {delay} ] && d={delay}\n  done\n  \
                 mkdir -p /var/lib/apt/periodic && touch $st; m cache_updated 1",
                a.lock_timeout
            )
        };
        s.push_str(&format!("if ! {fresh}; then\n  {run}\nfi\n"));
    }
    s.push_str("m cache_time \"$(ct)\"\n");
    s
}

/// The `.deb` part: fetch a URL into a temp dir, compare with what is installed.
fn deb_part(deb: &str) -> String {
    format!(
        "debf={}\n\
         case $debf in *://*)\n  td=$(mktemp -d) || exit 1; f=\"$td/package.deb\"\n  \
         if command -v curl >/dev/null 2>&1; then curl -fsSL -o \"$f\" \"$debf\"; \
         elif command -v wget >/dev/null 2>&1; then wget -q -O \"$f\" \"$debf\"; \
         else m fail the target has neither curl nor wget to download the deb; exit 0; fi \
         || {{ m fail could not download \"$debf\"; exit 0; }}\n  debf=$f;;\nesac\n\
         [ -f \"$debf\" ] || {{ m fail \"$debf\" does not exist on the target; exit 0; }}\n\
         case $debf in /*) ;; *) debf=\"./$debf\";; esac\n\
         dn=$(dpkg-deb -f \"$debf\" Package) && dv=$(dpkg-deb -f \"$debf\" Version) \
         || {{ m fail \"$debf\" is not a valid deb file; exit 0; }}\n\
         s=$(q \"$dn\"); case ${{s%%|*}} in ?i*) [ \"${{s#*|}}\" = \"$dv\" ] && debf='';; esac\n\
         if [ -n \"$debf\" ]; then m before \"$dn\" \"$(s=$(q \"$dn\"); echo ${{s#*|}})\"; \
         names=\"$names $dn\"; fi\n",
        quote_str(deb)
    )
}

/// The whole remote program for `p`.
pub fn program(p: &Plan, check: bool) -> String {
    let a = &p.args;
    let mut s = String::from(
        "LC_ALL=C; export LC_ALL; DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND\n\
         set -f\n",
    );
    s.push_str(MARK_FN);
    s.push_str(
        "command -v apt-get >/dev/null 2>&1 || { m fail apt-get was not found on the target; exit 0; }\n\
         td=''; prc=''\n\
         cl() { [ -n \"$td\" ] && rm -rf \"$td\"; if [ -n \"$prc\" ]; then rm -f /usr/sbin/policy-rc.d; \
         [ -e /usr/sbin/policy-rc.d.rsible ] && mv -f /usr/sbin/policy-rc.d.rsible /usr/sbin/policy-rc.d; fi; }\n\
         trap cl EXIT\n",
    );
    s.push_str(&apt_fn(p));
    if a.allow_change_held_packages {
        s.push_str("HELD_OK=1\n");
    } else {
        s.push_str("HELD_OK=''\n");
    }
    s.push_str(if a.only_upgrade {
        "ONLY_UPGRADE=1\n"
    } else {
        "ONLY_UPGRADE=''\n"
    });
    s.push_str(if a.purge { "PURGE=1\n" } else { "PURGE=''\n" });
    s.push_str(DECIDE);
    s.push_str(&update_part(p, check));
    if let (Some(code), false) = (a.policy_rc_d, check) {
        s.push_str(&format!(
            "[ -e /usr/sbin/policy-rc.d ] && mv -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.rsible\n\
             prc=1; printf '#!/bin/sh\\nexit %d\\n' {code} > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d\n"
        ));
    }
    s.push_str("debf=''\n");
    if let Some(deb) = &a.deb {
        s.push_str(&deb_part(deb));
    }
    for spec in &p.specs {
        let n = quote_str(&spec.name);
        let v = quote_str(spec.version.as_deref().unwrap_or(""));
        match p.state {
            State::Absent => s.push_str(&format!("drop {n}\n")),
            State::Latest => s.push_str(&format!("want {n} '' latest\n")),
            State::Present | State::Fixed => s.push_str(&format!("want {n} {v} present\n")),
        }
    }
    s.push_str("[ -n \"$miss\" ] && { m missing $miss; exit 0; }\n");
    let sim = if check { "-s " } else { "" };
    let fix = if p.state == State::Fixed { "-f " } else { "" };
    s.push_str(&format!(
        "if [ -n \"$inst$debf\" ]; then\n  m changed install\n  \
         A {sim}{fix}install $inst ${{debf:+\"$debf\"}}; rc=$?\n  \
         [ $rc -eq 0 ] || {{ m failed install $rc; exit 0; }}\nfi\n"
    ));
    let purge = if a.purge { "--purge " } else { "" };
    let autorem = if a.autoremove { "--autoremove " } else { "" };
    s.push_str(&format!(
        "if [ -n \"$rem\" ]; then\n  m changed remove\n  A {sim}{purge}{autorem}remove $rem; rc=$?\n  \
         [ $rc -eq 0 ] || {{ m failed remove $rc; exit 0; }}\nfi\n"
    ));
    let mut extra: Vec<(&str, String)> = Vec::new();
    if a.autoremove && p.state != State::Absent {
        extra.push(("autoremove", format!("{purge}autoremove")));
    }
    if let Some(up) = p.upgrade {
        extra.push(("upgrade", up.to_string()));
    }
    for (what, cmd) in extra {
        s.push_str(&format!(
            "if A -s {cmd} 2>/dev/null | grep -q '^\\(Inst\\|Remv\\) '; then\n  m changed {what}\n  \
             A {sim}{cmd}; rc=$?; [ $rc -eq 0 ] || {{ m failed {what} $rc; exit 0; }}\nfi\n"
        ));
    }
    if !check {
        if a.autoclean {
            s.push_str("A autoclean >/dev/null || { m failed autoclean 1; exit 0; }\n");
        }
        if a.clean {
            s.push_str("A clean || { m failed clean 1; exit 0; }\n");
        }
    }
    s.push_str("for n in $names; do s=$(q \"$n\"); case ${s%%|*} in ?i*) m after \"$n\" \"${s#*|}\";; ?c*) m after \"$n\" config-files;; *) m after \"$n\" absent;; esac; done\n");
    s
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

#[cfg(test)]
mod tests;
