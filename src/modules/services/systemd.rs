//! `systemd` (alias `systemd_service`): a unit's mask, enablement and run state, with
//! `daemon_reload` / `daemon_reexec`. One remote program per task: it reloads if asked,
//! reads `systemctl show`, then masks/unmasks, enables/disables and starts/stops/restarts/
//! reloads only what differs, and prints what it changed and the unit's properties. Check
//! mode runs the same program with every change replaced by its report.
//! The sh body is shared with `service`, which runs it when the target runs systemd.
//! Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{self, de_opt_bool, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `systemd` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(
        default,
        alias = "service",
        alias = "unit",
        deserialize_with = "de_opt_string"
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    masked: Option<bool>,
    #[serde(default, alias = "daemon-reload", deserialize_with = "de_opt_bool")]
    daemon_reload: Option<bool>,
    #[serde(default, alias = "daemon-reexec", deserialize_with = "de_opt_bool")]
    daemon_reexec: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    no_block: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    force: Option<bool>,
}

/// What the task asks of one unit, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Want {
    /// The unit (`name`); `None` for a bare daemon-reload.
    pub name: Option<String>,
    /// `started`, `stopped`, `restarted` or `reloaded`.
    pub state: Option<String>,
    /// Enabled at boot.
    pub enabled: Option<bool>,
    /// Masked.
    pub masked: Option<bool>,
    /// `systemctl daemon-reload` first.
    pub daemon_reload: bool,
    /// `systemctl daemon-reexec` first.
    pub daemon_reexec: bool,
    /// `--user` / `--global` (empty for the system manager).
    pub scope_flag: &'static str,
    /// `--no-block` on start/stop.
    pub no_block: bool,
    /// `--force` on enable/mask.
    pub force: bool,
}

/// The run states a task may ask for.
pub const STATES: &[&str] = &["started", "stopped", "restarted", "reloaded"];

/// Checks a `state` value.
pub fn check_state(state: Option<String>) -> Result<Option<String>, String> {
    match state {
        Some(s) if !STATES.contains(&s.as_str()) => Err(format!(
            "value of state must be one of: reloaded, restarted, started, stopped, got: {s}"
        )),
        s => Ok(s),
    }
}

fn want(a: Args) -> Result<Want, String> {
    let scope_flag = match a.scope.as_deref().unwrap_or("system") {
        "system" => "",
        "user" => "--user",
        "global" => "--global",
        other => {
            return Err(format!(
                "value of scope must be one of: system, user, global, got: {other}"
            ))
        }
    };
    let w = Want {
        name: a.name.filter(|n| !n.is_empty()),
        state: check_state(a.state)?,
        enabled: a.enabled,
        masked: a.masked,
        daemon_reload: a.daemon_reload.unwrap_or(false),
        daemon_reexec: a.daemon_reexec.unwrap_or(false),
        scope_flag,
        no_block: a.no_block.unwrap_or(false),
        force: a.force.unwrap_or(false),
    };
    let asks_unit = w.state.is_some() || w.enabled.is_some() || w.masked.is_some();
    if w.name.is_none() && (asks_unit || !(w.daemon_reload || w.daemon_reexec)) {
        return Err(
            "systemd: one of the following is required: name, daemon_reload, daemon_reexec".into(),
        );
    }
    if scope_flag == "--global" && w.state.is_some() {
        return Err("systemd: state cannot be used with scope=global (no running manager)".into());
    }
    Ok(w)
}

/// The sh body that applies `w` with `systemctl` (check mode: reports only): [`vars`] then
/// [`SYSTEMD_BODY`].
pub fn body(w: &Want, check: bool) -> String {
    vars(w, check) + SYSTEMD_BODY
}

/// The shell variables the bodies read (`u` unit, `st` state, `en` enabled, `mk` masked,
/// `ck` check mode, ...), every value quoted.
pub fn vars(w: &Want, check: bool) -> String {
    let b = |x: bool| if x { "1" } else { "0" };
    let opt = |x: Option<bool>| x.map(b).unwrap_or("");
    format!(
        "u={}\nst={}\nen={}\nmk={}\ndr={}\ndx={}\nck={}\nnb={}\nfo={}\nsf={}\n",
        quote_str(w.name.as_deref().unwrap_or("")),
        quote_str(w.state.as_deref().unwrap_or("")),
        opt(w.enabled),
        opt(w.masked),
        b(w.daemon_reload),
        b(w.daemon_reexec),
        b(check),
        if w.no_block { "--no-block" } else { "''" },
        if w.force { "--force" } else { "''" },
        if w.scope_flag.is_empty() {
            "''"
        } else {
            w.scope_flag
        },
    )
}

/// The systemctl logic: Ansible's order (reload, mask, enable, run state). It prints
/// `C what before after` per change, the unit's `systemctl show` between `--show--` and
/// `--end--`, and `F message` (then stops) on a failure.
pub const SYSTEMD_BODY: &str = r#"if [ "$sf" = --user ] && [ -z "${XDG_RUNTIME_DIR:-}" ]; then XDG_RUNTIME_DIR=/run/user/$(id -u); export XDG_RUNTIME_DIR; fi
sc() { if [ -n "$sf" ]; then systemctl "$sf" "$@"; else systemctl "$@"; fi; }
fail() { printf 'F %s\n' "$*"; exit 0; }
if [ "$dx" = 1 ] && [ "$ck" = 0 ]; then e=$(sc daemon-reexec 2>&1) || fail "failure when executing daemon-reexec: $e"; fi
if [ "$dr" = 1 ] && [ "$ck" = 0 ]; then e=$(sc daemon-reload 2>&1) || fail "failure when executing daemon-reload: $e"; fi
[ -n "$u" ] || exit 0
load=''; active=''; ufs=''
readp() {
  if [ "$sf" = --global ]; then props=''; else props=$(sc show -- "$u" 2>/dev/null) || props=''; fi
  load=$(printf '%s\n' "$props" | sed -n 's/^LoadState=//p' | head -n 1)
  active=$(printf '%s\n' "$props" | sed -n 's/^ActiveState=//p' | head -n 1)
  ufs=$(printf '%s\n' "$props" | sed -n 's/^UnitFileState=//p' | head -n 1)
}
readp
printf '%s\n' --show-- "$props" --end--
if [ -n "$mk" ]; then
  cur=0
  if [ "$ufs" = masked ] || [ "$load" = masked ]; then cur=1; fi
  if [ "$sf" = --global ] && [ "$(sc is-enabled -- "$u" 2>/dev/null)" = masked ]; then cur=1; fi
  if [ "$cur" != "$mk" ]; then
    a=mask; [ "$mk" = 1 ] || a=unmask
    if [ "$ck" = 0 ]; then e=$(sc $fo "$a" -- "$u" 2>&1) || fail "Unable to $a service $u: $e"; readp; fi
    printf 'C masked %s %s\n' "$cur" "$mk"
  fi
fi
if [ -n "$en$st" ] && [ "$sf" != --global ] && { [ -z "$load" ] || [ "$load" = not-found ]; }; then
  fail "Could not find the requested service $u: host"
fi
if [ -n "$en" ]; then
  cur=0; sc is-enabled -- "$u" >/dev/null 2>&1 && cur=1
  if [ "$cur" != "$en" ]; then
    a=enable; [ "$en" = 1 ] || a=disable
    if [ "$ck" = 0 ]; then e=$(sc $fo "$a" -- "$u" 2>&1) || fail "Unable to $a service $u: $e"; fi
    printf 'C enabled %s %s\n' "$cur" "$en"
  fi
fi
if [ -n "$st" ]; then
  run=0; case $active in active|activating|reloading) run=1 ;; esac
  a=''
  case $st in
    started) [ "$run" = 1 ] || a=start ;;
    stopped) case $active in active|activating|reloading|deactivating) a=stop ;; esac ;;
    restarted) a=restart; [ "$run" = 1 ] || a=start ;;
    reloaded) a=reload; [ "$run" = 1 ] || a=start ;;
  esac
  if [ -n "$a" ]; then
    if [ "$ck" = 0 ]; then e=$(sc $nb "$a" -- "$u" 2>&1) || fail "Unable to $a service $u: $e"; fi
    printf 'C state %s %s\n' "$active" "$st"
  fi
fi
"#;

/// What the body printed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `(what, before, after)` per change.
    pub changes: Vec<(String, String, String)>,
    /// `systemctl show` as a map.
    pub status: Map<String, Value>,
    /// The failure message, if any.
    pub failure: Option<String>,
}

/// Parses the body's output.
pub fn parse_report(stdout: &str) -> Report {
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

/// Turns a report into the module's output: Ansible's `name`, `state`, `enabled`, `status`.
pub fn output(w: &Want, r: Report, ctx: &Ctx<'_>) -> Output {
    let mut o = Output::default();
    if let Some(n) = &w.name {
        o.fields.insert("name".into(), json!(n));
    }
    if let Some(s) = &w.state {
        o.fields.insert("state".into(), json!(s));
    }
    if let Some(e) = w.enabled {
        o.fields.insert("enabled".into(), json!(e));
    }
    if let Some(m) = w.masked {
        o.fields.insert("masked".into(), json!(m));
    }
    if !r.status.is_empty() {
        o.fields.insert("status".into(), Value::Object(r.status));
    }
    if let Some(f) = r.failure {
        o.failed = true;
        o.msg = Some(f);
        return o;
    }
    o.changed = !r.changes.is_empty();
    if ctx.diff && o.changed {
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

/// `systemd`: one remote program (see the file header).
pub async fn systemd(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("systemd", a).map_err(Failure::BadArgs)?;
    let w = want(args).map_err(Failure::BadArgs)?;
    let script = format!("LC_ALL=C; export LC_ALL\n{}", body(&w, ctx.check));
    let out = ctx.exec(script.into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let r = parse_report(&stdout);
    if out.status.rc() != 0 && r.failure.is_none() {
        return Err(Failure::Failed(format!(
            "systemd: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(output(&w, r, ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Want, String> {
        want(args::parse("systemd", v.as_object().expect("obj"))?)
    }

    #[test]
    fn arguments() {
        let w = parse(json!({"name": "a", "state": "started", "enabled": "yes"})).unwrap();
        assert_eq!(w.enabled, Some(true));
        assert_eq!(w.state.as_deref(), Some("started"));
        assert!(parse(json!({"daemon_reload": true})).is_ok());
        assert!(parse(json!({"daemon-reload": true, "unit": "x"})).is_ok());
        assert!(parse(json!({"state": "started"})).is_err());
        assert!(parse(json!({"name": "a", "state": "running"})).is_err());
        assert!(parse(json!({"name": "a", "scope": "world"})).is_err());
        assert!(parse(json!({"name": "a", "scope": "global", "state": "started"})).is_err());
        assert!(parse(json!({"name": "a", "enabled": "maybe"})).is_err());
        assert!(parse(json!({"name": "a", "bogus": 1})).is_err());
    }

    #[test]
    fn body_quotes_the_name() {
        let w = parse(json!({"name": "a'; rm -rf /", "state": "stopped"})).unwrap();
        let b = body(&w, true);
        assert!(b.starts_with("u='a'\\''; rm -rf /'\nst=stopped\n"), "{b}");
        assert!(b.contains("ck=1\n"), "{b}");
    }

    #[test]
    fn report_parsing() {
        let r = parse_report(
            "--show--\nActiveState=active\nMainPID=12\nExecStart={ path=/bin/x ; argv[]=a=b }\n--end--\nC state inactive started\n",
        );
        assert_eq!(r.status["ActiveState"], "active");
        assert_eq!(r.status["ExecStart"], "{ path=/bin/x ; argv[]=a=b }");
        assert_eq!(
            r.changes,
            vec![("state".into(), "inactive".into(), "started".into())]
        );
        let r = parse_report("F Could not find the requested service x: host\n");
        assert_eq!(
            r.failure.as_deref(),
            Some("Could not find the requested service x: host")
        );
    }
}
