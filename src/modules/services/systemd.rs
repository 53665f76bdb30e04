//! `systemd` (alias `systemd_service`): a unit's mask, enablement and run state, with
//! `daemon_reload` / `daemon_reexec`. One gated program per task (see
//! [`systemctl`](super::common::systemctl)): the probe reads `systemctl show` and plans
//! what differs, the apply masks/unmasks, enables/disables and starts/stops/restarts/reloads
//! it (after the daemon reload, when asked). Returns Ansible's `name`, `state`, `enabled`
//! and `status` (the unit's properties). Knows nothing of playbooks.

use super::common::report::{self, Report};
use super::common::{systemctl, vars, Scope, State, Want};
use crate::modules::framework::args::{de_opt_bool, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;

/// `systemd` in the registry.
pub const SPEC: Spec = spec::<Systemd>(B, &["systemd_service", "ansible.builtin.systemd_service"]);

/// The `systemd` module.
pub struct Systemd;

/// Arguments of `systemd` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(
        default,
        alias = "service",
        alias = "unit",
        deserialize_with = "de_opt_string"
    )]
    name: Option<String>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    masked: Option<bool>,
    #[serde(default, alias = "daemon-reload", deserialize_with = "de_opt_bool")]
    daemon_reload: Option<bool>,
    #[serde(default, alias = "daemon-reexec", deserialize_with = "de_opt_bool")]
    daemon_reexec: Option<bool>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    no_block: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    force: Option<bool>,
}

const NEEDS_ONE: &str = "one of the following is required: name, daemon_reload, daemon_reexec";

impl Module for Systemd {
    const NAME: &'static str = "systemd";
    type Args = Args;

    /// At load a templated boolean reads as `false`: only the absence of `daemon_reload`
    /// and `daemon_reexec` is held against a missing `name` here; their values at the run.
    fn validate(a: &Args) -> Result<(), String> {
        let named = a
            .name
            .as_deref()
            .is_some_and(|n| !n.is_empty() || is_template(n));
        let asks_unit = a.state.is_some() || a.enabled.is_some() || a.masked.is_some();
        if !named && (asks_unit || (a.daemon_reload.is_none() && a.daemon_reexec.is_none())) {
            return Err(NEEDS_ONE.into());
        }
        if a.scope == Some(Scope::Global) && a.state.is_some() {
            return Err("state cannot be used with scope=global (no running manager)".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(systemd_run(a, ctx))
    }
}

/// The request, once the values are known.
fn want(a: Args) -> Result<Want, String> {
    let w = Want {
        name: a.name.filter(|n| !n.is_empty()),
        state: a.state,
        enabled: a.enabled,
        masked: a.masked,
        daemon_reload: a.daemon_reload.unwrap_or(false),
        daemon_reexec: a.daemon_reexec.unwrap_or(false),
        scope_flag: a.scope.unwrap_or(Scope::System).flag(),
        no_block: a.no_block.unwrap_or(false),
        force: a.force.unwrap_or(false),
    };
    if w.name.is_none() && !(w.daemon_reload || w.daemon_reexec) {
        return Err(NEEDS_ONE.into());
    }
    Ok(w)
}

/// `systemd`: one gated program (see the file header).
async fn systemd_run(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let w = want(a).map_err(Failure::BadArgs)?;
    let probe = format!("LC_ALL=C; export LC_ALL\n{}{}", vars(&w), systemctl::PROBE);
    let out = ctx
        .gated(probe.as_bytes(), systemctl::APPLY.as_bytes(), Vec::new())
        .await?;
    let r: Report = report::parse("systemd", &String::from_utf8_lossy(&out.stdout))?;
    if out.status.rc() != 0 && r.failure.is_none() {
        return Err(Failure::Failed(format!(
            "systemd: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(report::output(&w, r, ctx.diff))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::json;
    use serde_json::Value;

    fn parse(v: Value) -> Result<Want, String> {
        let a: Args = crate::modules::framework::args::parse("systemd", v.as_object().unwrap())?;
        Systemd::validate(&a)?;
        want(a)
    }

    #[test]
    fn arguments() {
        let w = parse(json!({"name": "a", "state": "started", "enabled": "yes"})).unwrap();
        assert_eq!(w.enabled, Some(true));
        assert_eq!(w.state, Some(State::Started));
        assert!(parse(json!({"daemon_reload": true})).is_ok());
        assert!(parse(json!({"daemon-reload": true, "unit": "x"})).is_ok());
        assert!(parse(json!({"daemon_reload": false})).is_err());
        assert!(parse(json!({"state": "started"})).is_err());
        assert!(parse(json!({"name": "a", "state": "running"})).is_err());
        assert!(parse(json!({"name": "a", "scope": "world"})).is_err());
        assert!(parse(json!({"name": "a", "scope": "global", "state": "started"})).is_err());
        assert!(parse(json!({"name": "a", "enabled": "maybe"})).is_err());
        assert!(parse(json!({"name": "a", "bogus": 1})).is_err());
    }

    #[test]
    fn load_check() {
        assert_eq!(
            check::<Systemd>(json!({"service": "a", "masked": false})),
            Ok(true)
        );
        assert_eq!(
            check::<Systemd>(json!({"daemon_reexec": "{{ x }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<Systemd>(json!({"name": "{{ u }}", "state": "{{ s }}", "scope": "{{ sc }}"})),
            Ok(true)
        );
        assert!(check::<Systemd>(json!({"nmae": "a"})).is_err());
        assert!(check::<Systemd>(json!({"enabled": true})).is_err());
        assert!(check::<Systemd>(json!({})).is_err());
        assert!(check::<Systemd>(json!({"name": "a", "state": "on"})).is_err());
        assert!(check::<Systemd>(json!({"name": "a", "force": "perhaps"})).is_err());
    }
}
