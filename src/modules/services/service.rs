//! `service`: a service's run state and enablement through whatever init the target runs.
//! One gated program: the probe looks for systemd (`/run/systemd/system` and `systemctl`)
//! and runs the systemctl probe there ([`systemctl`]); otherwise it finds
//! `/etc/init.d/NAME` (or `service NAME`), reads its status and the `S??NAME` links, and
//! plans; the apply runs the plan (`update-rc.d` or `chkconfig` to enable). `use` forces one
//! of the two. As Ansible's service action hands a systemd host's task to the systemd module,
//! `daemon_reload`, `daemon_reexec`, `scope` and `masked` reach the systemctl programs; on
//! another init they fail as the service module's unsupported parameters. The other way
//! round, the init-script arguments (`pattern`, `runlevel`, `sleep`, `arguments`, `args`) are
//! dropped on systemd with Ansible's warning each (`Ignoring "pattern" as it is not used in
//! "systemd"`), in the result's `warnings`. Knows nothing of playbooks.

use super::common::report::{self, Report};
use super::common::{systemctl, vars, Scope, State, Want};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_opt_bool, de_opt_string, is_template};
use crate::modules::framework::report::Report as Lines;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `service` in the registry.
pub const SPEC: Spec = spec::<Service>(B, &[]);

/// The `service` module.
pub struct Service;

/// Arguments of `service` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Required, except that a systemd host takes a daemon reload or re-exec alone (Ansible's
    /// service action hands the task to the systemd module there).
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pattern: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    sleep: Option<String>,
    /// OpenRC's runlevel: the init-script branch reads the links of runlevels 2-5 and has
    /// no OpenRC, where Ansible's service module does not read it either; on systemd it is
    /// dropped with a warning.
    #[serde(default, deserialize_with = "de_opt_string")]
    runlevel: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    arguments: Option<String>,
    /// `arguments`' alias, its own field so that the systemd warning names the key given.
    #[serde(default, deserialize_with = "de_opt_string")]
    args: Option<String>,
    #[serde(default, rename = "use", deserialize_with = "de_opt_string")]
    use_: Option<String>,
    #[serde(default, alias = "daemon-reload", deserialize_with = "de_opt_bool")]
    daemon_reload: Option<bool>,
    #[serde(default, alias = "daemon-reexec", deserialize_with = "de_opt_bool")]
    daemon_reexec: Option<bool>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    masked: Option<bool>,
}

impl Args {
    /// The systemd-only arguments given, by name (the service module refuses them).
    fn systemd_only(&self) -> Vec<&'static str> {
        given(&[
            ("daemon_reexec", self.daemon_reexec.is_some()),
            ("daemon_reload", self.daemon_reload.is_some()),
            ("masked", self.masked.is_some()),
            ("scope", self.scope.is_some()),
        ])
    }

    /// The init-script arguments given, by name in Ansible's order: the systemd branch
    /// drops them, each with [`ignored`]'s warning.
    fn init_script_only(&self) -> Vec<&'static str> {
        given(&[
            ("pattern", self.pattern.is_some()),
            ("runlevel", self.runlevel.is_some()),
            ("sleep", self.sleep.is_some()),
            ("arguments", self.arguments.is_some()),
            ("args", self.args.is_some()),
        ])
    }
}

/// The names of `args` whose flag is set, in order.
fn given(args: &[(&'static str, bool)]) -> Vec<&'static str> {
    args.iter().filter(|(_, g)| *g).map(|(n, _)| *n).collect()
}

/// Ansible's service action's warning for an argument it drops before handing the task to
/// the systemd module.
fn ignored(arg: &str) -> String {
    format!("Ignoring \"{arg}\" as it is not used in \"systemd\"")
}

/// The init systems `use` may name.
const USES: &[&str] = &["auto", "systemd", "sysv", "service"];

impl Module for Service {
    const NAME: &'static str = "service";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let named = a
            .name
            .as_deref()
            .is_some_and(|n| !n.is_empty() || is_template(n));
        let daemon_only = a.daemon_reload.is_some() || a.daemon_reexec.is_some();
        let asks_unit = a.state.is_some() || a.enabled.is_some() || a.masked.is_some();
        if !named && (asks_unit || !daemon_only) {
            return Err("missing required arguments: name".into());
        }
        // The systemd module's rule; the service module's own (state or enabled) is checked
        // on the target once the init system is known.
        if a.state.is_none()
            && a.enabled.is_none()
            && a.masked.is_none()
            && a.daemon_reload.is_none()
            && a.daemon_reexec.is_none()
        {
            return Err("one of the following is required: state, enabled".into());
        }
        if a.scope == Some(Scope::Global) && a.state.is_some() {
            return Err("state cannot be used with scope=global (no running manager)".into());
        }
        if let Some(u) = a.use_.as_deref().filter(|u| !is_template(u)) {
            if !USES.contains(&u) {
                return Err(format!(
                    "use={u} is not supported by rsible ({})",
                    USES.join(", ")
                ));
            }
        }
        if let Some(s) = a.sleep.as_deref().filter(|s| !is_template(s)) {
            if s.parse::<u32>().is_err() {
                return Err(format!(
                    "argument 'sleep': {s:?} is not a whole number of seconds"
                ));
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(service(a, ctx))
    }
}

/// The init-script probe: status by exit code (or `pattern` in the process list),
/// enablement by the `S??NAME` links of runlevels 2-5. Plans `ena` (1: set `en`) and `sta`
/// (the init script's verb), each with a `change` report line.
const SYSV_PROBE: &str = r#"fail() { mx fail "$*"; exit 0; }
[ -n "$u" ] || fail "missing required arguments: name"
[ -z "$sdo" ] || fail "Unsupported parameters for (ansible.legacy.service) module: $sdo. Supported parameters include: arguments, enabled, name, pattern, runlevel, sleep, state (args)."
[ -n "$st$en" ] || fail "one of the following is required: state, enabled"
if [ -x "/etc/init.d/$u" ]; then svc() { "/etc/init.d/$u" "$@"; }
elif command -v service >/dev/null 2>&1 && service --status-all 2>/dev/null | grep -q " $u\$"; then svc() { service "$u" "$@"; }
else fail "Could not find the requested service $u: host"; fi
running() {
  if [ -n "$pat" ]; then ps -eo args 2>/dev/null | grep -v grep | grep -q -- "$pat"; else svc status >/dev/null 2>&1; fi
}
run=0; running && run=1
ena=''; sta=''
if [ -n "$en" ]; then
  cur=0; ls /etc/rc[2345].d/S[0-9][0-9]"$u" >/dev/null 2>&1 && cur=1
  if [ "$cur" != "$en" ]; then
    ena=1; rsible_change=1
    m change enabled "$cur" "$en"
  fi
fi
if [ -n "$st" ]; then
  case $st in
    started) [ "$run" = 1 ] || sta=start ;;
    stopped) [ "$run" = 0 ] || sta=stop ;;
    restarted) sta=restart ;;
    reloaded) sta=reload; [ "$run" = 1 ] || sta=start ;;
  esac
  if [ -n "$sta" ]; then
    if [ "$run" = 1 ]; then b=started; else b=stopped; fi
    rsible_change=1
    m change state "$b" "$st"
  fi
fi
"#;

/// The init-script apply, after [`SYSV_PROBE`].
const SYSV_APPLY: &str = r#"if [ -n "$ena" ]; then
  if command -v update-rc.d >/dev/null 2>&1; then
    if [ "$en" = 1 ]; then e=$( { update-rc.d "$u" defaults && update-rc.d "$u" enable; } 2>&1); else e=$(update-rc.d "$u" disable 2>&1); fi
  elif command -v chkconfig >/dev/null 2>&1; then
    if [ "$en" = 1 ]; then e=$(chkconfig "$u" on 2>&1); else e=$(chkconfig "$u" off 2>&1); fi
  else e="no update-rc.d or chkconfig on this host"; false; fi || fail "Unable to set enabled for service $u: $e"
fi
if [ -n "$sta" ]; then
  # shellcheck disable=SC2086
  e=$(svc "$sta" $xa 2>&1) || fail "Unable to $sta service $u: $e"
  [ -z "$sl" ] || [ "$sta" != restart ] || sleep "$sl"
fi
"#;

/// The probe and the apply for `w` with the sysv extras (`pattern`, `arguments`, `sleep`) and
/// the systemd-only arguments given (`sdo`, refused by the init-script branch).
fn program(w: &Want, use_: &str, sysv: [&str; 3], systemd_only: &[&str]) -> (String, String) {
    let [pattern, extra, sleep] = sysv;
    let systemd = match use_ {
        "systemd" => "true",
        "sysv" | "service" => "false",
        _ => "[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1",
    };
    let probe = format!(
        "LC_ALL=C; export LC_ALL\n{}sdo={}\npat={}\nxa={}\nsl={}\nif {systemd}; then\nsd=1\nm systemd\n{}else\nsd=0\n{SYSV_PROBE}fi\n",
        vars(w),
        quote_str(&systemd_only.join(", ")),
        quote_str(pattern),
        quote_str(extra),
        quote_str(sleep),
        systemctl::PROBE,
    );
    let apply = format!(
        "if [ \"$sd\" = 1 ]; then\n{}else\n{SYSV_APPLY}fi\n",
        systemctl::APPLY
    );
    (probe, apply)
}

/// `service`: one gated program (see the file header). Returns `name`, `state`, `enabled`
/// and, under systemd, `status` (the unit's `systemctl show` properties) and the `warnings`
/// for the init-script arguments dropped.
async fn service(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let systemd_only = a.systemd_only();
    let init_script_only = a.init_script_only();
    let w = Want {
        name: a.name,
        state: a.state,
        enabled: a.enabled,
        masked: a.masked,
        daemon_reload: a.daemon_reload.unwrap_or(false),
        daemon_reexec: a.daemon_reexec.unwrap_or(false),
        scope_flag: a.scope.unwrap_or(Scope::System).flag(),
        ..Want::default()
    };
    let (probe, apply) = program(
        &w,
        a.use_.as_deref().unwrap_or("auto"),
        [
            a.pattern.as_deref().unwrap_or(""),
            // Given both, the alias's value is the one Ansible uses.
            a.args.as_deref().or(a.arguments.as_deref()).unwrap_or(""),
            a.sleep.as_deref().unwrap_or(""),
        ],
        &systemd_only,
    );
    let out = ctx
        .gated(probe.as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let r: Report = report::parse("service", &stdout)?;
    if out.status.rc() != 0 && r.failure.is_none() {
        return Err(Failure::Failed(format!(
            "service: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut o = report::output(&w, r, ctx.diff);
    let on_systemd = Lines::parse("service", &stdout)?.has("systemd");
    // Ansible's action drops the init-script arguments under systemd, each with a warning;
    // elsewhere the module sees `arguments` with its alias `args` and warns about both.
    let ws: Vec<String> = if on_systemd {
        init_script_only.iter().map(|a| ignored(a)).collect()
    } else if init_script_only.ends_with(&["arguments", "args"]) {
        vec!["Both option arguments and its alias args are set.".into()]
    } else {
        Vec::new()
    };
    if !ws.is_empty() {
        o.fields.insert("warnings".into(), json!(ws));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::json;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Service>(json!({"name": "a", "state": "started"})),
            Ok(true)
        );
        assert_eq!(
            check::<Service>(
                json!({"name": "a", "enabled": "{{ e }}", "use": "{{ u }}", "sleep": "{{ s }}"})
            ),
            Ok(true)
        );
        assert_eq!(
            check::<Service>(
                json!({"name": "a", "enabled": true, "args": "-q", "runlevel": 3, "pattern": "x"})
            ),
            Ok(true)
        );
        assert!(check::<Service>(json!({"state": "started"})).is_err());
        assert!(check::<Service>(json!({"name": "a"})).is_err());
        // A daemon reload alone (systemd's form, as geerlingguy.docker writes it).
        assert_eq!(check::<Service>(json!({"daemon_reload": true})), Ok(true));
        assert!(check::<Service>(json!({"daemon_reload": true, "state": "started"})).is_err());
        assert_eq!(
            check::<Service>(json!({"name": "a", "daemon_reload": true, "scope": "system"})),
            Ok(true)
        );
        assert_eq!(
            check::<Service>(json!({"name": "a", "masked": "yes"})),
            Ok(true)
        );
        assert!(
            check::<Service>(json!({"name": "a", "scope": "world", "state": "started"})).is_err()
        );
        assert!(
            check::<Service>(json!({"name": "a", "scope": "global", "state": "started"})).is_err()
        );
        assert!(check::<Service>(json!({"name": "a", "state": "up"})).is_err());
        assert!(check::<Service>(json!({"name": "a", "enabled": "sometimes"})).is_err());
        assert!(
            check::<Service>(json!({"name": "a", "state": "started", "use": "openrc"})).is_err()
        );
        assert!(
            check::<Service>(json!({"name": "a", "state": "restarted", "sleep": "a bit"})).is_err()
        );
        assert!(check::<Service>(json!({"name": "a", "state": "started", "sate": 1})).is_err());
    }

    #[test]
    fn init_script_arguments_are_named_for_systemds_warning() {
        let a: Args = serde_json::from_value(json!({
            "name": "a", "state": "started", "args": "-q", "sleep": 2,
            "runlevel": 3, "pattern": "x"
        }))
        .expect("args");
        assert_eq!(
            a.init_script_only(),
            ["pattern", "runlevel", "sleep", "args"]
        );
        assert_eq!(
            ignored("args"),
            r#"Ignoring "args" as it is not used in "systemd""#
        );
        let w = Want::default();
        let (p, _) = program(&w, "auto", ["", "", ""], &[]);
        let systemd_branch = p.split("else\nsd=0").next().unwrap_or_default();
        assert!(systemd_branch.contains("sd=1\nm systemd\n"), "{p}");
        assert_eq!(
            check::<Service>(
                json!({"name": "a", "state": "started", "args": "-q", "arguments": "-v"})
            ),
            Ok(true)
        );
    }

    #[test]
    fn program_probes_and_quotes() {
        let w = Want {
            name: Some("my svc".into()),
            state: Some(State::Started),
            ..Want::default()
        };
        let (p, a) = program(&w, "auto", ["sleep inf", "", ""], &[]);
        assert!(p.contains("if [ -d /run/systemd/system ]"), "{p}");
        assert!(p.contains("u='my svc'"), "{p}");
        assert!(p.contains("pat='sleep inf'"), "{p}");
        assert!(!p.contains("update-rc.d") && a.contains("update-rc.d"));
        let (p, _) = program(&w, "sysv", ["", "", ""], &["daemon_reload", "masked"]);
        assert!(p.contains("if false; then"), "{p}");
        assert!(p.contains("sdo='daemon_reload, masked'"), "{p}");
        use crate::modules::framework::sh_check::{assert_parses, gated};
        assert_parses(&gated(&p, &a));
    }
}
