//! `service`: a service's run state and enablement through whatever init the target runs.
//! One remote program: it probes for systemd (`/run/systemd/system` and `systemctl`) and runs
//! the `systemd` module's body there; otherwise it drives `/etc/init.d/NAME` (or `service
//! NAME`) and enables with `update-rc.d` or `chkconfig`. `use` forces one of the two.
//! Knows nothing of playbooks; arguments arrive templated.

use super::systemd::{self, Want};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_opt_bool, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Arguments of `service` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pattern: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    sleep: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    runlevel: Option<String>,
    #[serde(default, alias = "args", deserialize_with = "de_opt_string")]
    arguments: Option<String>,
    #[serde(default, rename = "use", deserialize_with = "de_opt_string")]
    use_: Option<String>,
}

/// The init-script logic: status by exit code (or `pattern` in the process list),
/// enablement by the `S??NAME` links of runlevels 2-5.
const SYSV_BODY: &str = r#"fail() { printf 'F %s\n' "$*"; exit 0; }
if [ -x "/etc/init.d/$u" ]; then svc() { "/etc/init.d/$u" "$@"; }
elif command -v service >/dev/null 2>&1 && service --status-all 2>/dev/null | grep -q " $u\$"; then svc() { service "$u" "$@"; }
else fail "Could not find the requested service $u: host"; fi
running() {
  if [ -n "$pat" ]; then ps -eo args 2>/dev/null | grep -v grep | grep -q -- "$pat"; else svc status >/dev/null 2>&1; fi
}
run=0; running && run=1
if [ -n "$en" ]; then
  cur=0; ls /etc/rc[2345].d/S[0-9][0-9]"$u" >/dev/null 2>&1 && cur=1
  if [ "$cur" != "$en" ]; then
    if [ "$ck" = 0 ]; then
      if command -v update-rc.d >/dev/null 2>&1; then
        if [ "$en" = 1 ]; then e=$( { update-rc.d "$u" defaults && update-rc.d "$u" enable; } 2>&1); else e=$(update-rc.d "$u" disable 2>&1); fi
      elif command -v chkconfig >/dev/null 2>&1; then
        if [ "$en" = 1 ]; then e=$(chkconfig "$u" on 2>&1); else e=$(chkconfig "$u" off 2>&1); fi
      else false; e="no update-rc.d or chkconfig on this host"; fi || fail "Unable to set enabled for service $u: $e"
    fi
    printf 'C enabled %s %s\n' "$cur" "$en"
  fi
fi
if [ -n "$st" ]; then
  a=''
  case $st in
    started) [ "$run" = 1 ] || a=start ;;
    stopped) [ "$run" = 0 ] || a=stop ;;
    restarted) a=restart ;;
    reloaded) a=reload; [ "$run" = 1 ] || a=start ;;
  esac
  if [ -n "$a" ]; then
    if [ "$ck" = 0 ]; then
      # shellcheck disable=SC2086
      e=$(svc "$a" $xa 2>&1) || fail "Unable to $a service $u: $e"
      [ -z "$sl" ] || [ "$a" != restart ] || sleep "$sl"
    fi
    if [ "$run" = 1 ]; then b=started; else b=stopped; fi
    printf 'C state %s %s\n' "$b" "$st"
  fi
fi
"#;

/// The whole program for `w` with the sysv extras (`pattern`, `arguments`, `sleep`).
fn program(w: &Want, check: bool, use_: &str, pattern: &str, extra: &str, sleep: &str) -> String {
    let probe = match use_ {
        "systemd" => "true",
        "sysv" | "service" => "false",
        _ => "[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1",
    };
    format!(
        "LC_ALL=C; export LC_ALL\n{}pat={}\nxa={}\nsl={}\nif {probe}; then\n{}else\n{SYSV_BODY}fi\n",
        systemd::vars(w, check),
        quote_str(pattern),
        quote_str(extra),
        quote_str(sleep),
        systemd::SYSTEMD_BODY,
    )
}

/// `service`: one remote program (see the file header). Returns `name`, `state`, `enabled`
/// and, under systemd, `status` (the unit's `systemctl show` properties).
pub async fn service(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("service", a).map_err(Failure::BadArgs)?;
    let Some(name) = args.name.filter(|n| !n.is_empty()) else {
        return Err(Failure::BadArgs(
            "missing required arguments: name (service)".into(),
        ));
    };
    let state = systemd::check_state(args.state).map_err(Failure::BadArgs)?;
    if state.is_none() && args.enabled.is_none() {
        return Err(Failure::BadArgs(
            "service: one of the following is required: state, enabled".into(),
        ));
    }
    let use_ = args.use_.unwrap_or_else(|| "auto".into());
    if !["auto", "systemd", "sysv", "service"].contains(&use_.as_str()) {
        return Err(Failure::BadArgs(format!(
            "service: use={use_} is not supported by rsible (auto, systemd, sysv, service)"
        )));
    }
    if let Some(s) = &args.sleep {
        if s.parse::<u32>().is_err() {
            return Err(Failure::BadArgs(format!(
                "service: argument 'sleep': {s:?} is not a whole number of seconds"
            )));
        }
    }
    let _ = args.runlevel; // accepted for compatibility; the links of runlevels 2-5 are used
    let w = Want {
        name: Some(name),
        state,
        enabled: args.enabled,
        ..Want::default()
    };
    let prog = program(
        &w,
        ctx.check,
        &use_,
        args.pattern.as_deref().unwrap_or(""),
        args.arguments.as_deref().unwrap_or(""),
        args.sleep.as_deref().unwrap_or(""),
    );
    let out = ctx.exec(prog.into_bytes(), Vec::new()).await?;
    let r = systemd::parse_report(&String::from_utf8_lossy(&out.stdout));
    if out.status.rc() != 0 && r.failure.is_none() {
        return Err(Failure::Failed(format!(
            "service: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(systemd::output(&w, r, ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_probes_and_quotes() {
        let w = Want {
            name: Some("my svc".into()),
            state: Some("started".into()),
            ..Want::default()
        };
        let p = program(&w, false, "auto", "sleep inf", "", "");
        assert!(p.contains("if [ -d /run/systemd/system ]"), "{p}");
        assert!(p.contains("u='my svc'"), "{p}");
        assert!(p.contains("pat='sleep inf'"), "{p}");
        let p = program(&w, false, "sysv", "", "", "");
        assert!(p.contains("if false; then"), "{p}");
    }
}
