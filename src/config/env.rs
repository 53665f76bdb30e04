//! The environment's part of the configuration: Ansible's `ANSIBLE_*` variables, then
//! rsible's `RSIBLE_*` ones (which win), read through the settings table; an `ANSIBLE_*`
//! variable no setting reads is returned for the "not used" warning. Knows nothing of files.

use super::ansible_cfg::ANSIBLE_CONFIG;
use super::settings::{Setter, Side, SETTINGS};
use super::values::Raw;
use super::{Config, ConfigError, Origin, Process};

/// Applies the environment over `cfg`.
pub fn apply(cfg: &mut Config, p: &Process) -> Result<(), ConfigError> {
    let get = |var: &str| (p.env)(var).filter(|v| !v.is_empty());
    for s in SETTINGS {
        for var in s.ansible_env {
            if let Some(v) = get(var) {
                set(cfg, s.name, s.set, var, &v, p)?;
            }
        }
    }
    for s in SETTINGS {
        if let Some(var) = s.rsible_env {
            if let Some(v) = get(var) {
                set(cfg, s.name, s.set_rsible.unwrap_or(s.set), var, &v, p)?;
            }
        }
    }
    let known = |name: &str| {
        name == ANSIBLE_CONFIG || SETTINGS.iter().any(|s| s.ansible_env.contains(&name))
    };
    cfg.not_used.extend(
        p.env_names
            .iter()
            .filter(|n| n.starts_with("ANSIBLE_") && !known(n))
            .cloned(),
    );
    Ok(())
}

fn set(
    cfg: &mut Config,
    name: &'static str,
    setter: Setter,
    var: &'static str,
    value: &str,
    p: &Process,
) -> Result<(), ConfigError> {
    let raw = Raw {
        text: value,
        base: None,
        env: p.env,
        from_ini: false,
    };
    let mut side = Side::default();
    setter(cfg, &raw, &mut side).map_err(|reason| ConfigError::Env {
        var,
        value: value.to_string(),
        reason,
    })?;
    cfg.origins.insert(name, Origin::Env(var));
    for other in side.also_set {
        cfg.origins.insert(other, Origin::Env(var));
    }
    cfg.not_used.extend(
        side.not_understood
            .into_iter()
            .map(|part| format!("{var} ({part})")),
    );
    Ok(())
}
