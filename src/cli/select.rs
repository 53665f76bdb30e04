//! Shared steps of the host-running subcommands: read the configuration, load the inventory,
//! select hosts by pattern and `--limit`, print Ansible's warnings, and turn CLI connection
//! flags (over rsible.toml and environment defaults) and extra vars into the engine's options.

use super::args::{ConnectionArgs, InventorySource};
use super::{conn_defaults, extra_vars, fail, warn};
use crate::config::{Config, ConfigError};
use crate::connection::options::ConnOptions;
use crate::connection::ssh::ssh_config::SshConfig;
use crate::engine::RunOptions;
use crate::exit::Exit;
use crate::inventory::{Inventory, LoadOptions};
use crate::secret::Secret;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The configuration (ansible.cfg, rsible.toml, the environment), read once per process,
/// its warnings printed then; flags override it. A mistake in a file exits 4, a bad
/// environment value 5.
pub fn config() -> Result<&'static Config, Exit> {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    if let Some(c) = CONFIG.get() {
        return Ok(c);
    }
    let c = Config::load().map_err(|e| {
        let exit = match e {
            ConfigError::File(_) => Exit::Parse,
            ConfigError::Read { .. } | ConfigError::Unsupported(_) => Exit::Error,
            ConfigError::Env { .. } => Exit::BadOptions,
        };
        fail(exit, &e.to_string())
    })?;
    c.warnings().iter().for_each(|w| warn(w));
    Ok(CONFIG.get_or_init(|| c))
}

/// The `-i` sources, else the configured inventory.
fn sources(source: &InventorySource) -> Result<&[String], Exit> {
    Ok(match source.inventory.is_empty() {
        true => &config()?.inventory,
        false => &source.inventory,
    })
}

/// Loads every `-i` source, else the configured inventory (none: only the implicit
/// localhost).
pub fn load_inventory(source: &InventorySource, opts: &LoadOptions) -> Result<Inventory, Exit> {
    let sources: Vec<PathBuf> = sources(source)?.iter().map(PathBuf::from).collect();
    if sources.is_empty() {
        warn("No inventory was parsed, only implicit localhost is available");
    }
    Inventory::load(&sources, opts).map_err(|e| fail(Exit::Parse, &e.to_string()))
}

/// Hosts matching `pattern` and the optional `--limit`, in the pattern's order; Ansible's
/// warnings for names that match nothing are printed.
pub fn matching_hosts(
    inv: &Inventory,
    pattern: &str,
    limit: Option<&str>,
) -> Result<Vec<String>, Exit> {
    let (hosts, warnings) = selection(inv, pattern, limit)?;
    warnings.iter().for_each(|w| warn(w));
    Ok(hosts)
}

/// As [`matching_hosts`], returning the warnings instead of printing them.
pub fn selection(
    inv: &Inventory,
    pattern: &str,
    limit: Option<&str>,
) -> Result<(Vec<String>, Vec<String>), Exit> {
    let sel = inv
        .select(pattern)
        .map_err(|e| fail(Exit::BadOptions, &e.to_string()))?;
    let mut warnings = sel.warnings;
    let mut hosts = sel.hosts;
    if let Some(limit) = limit {
        let lim = inv
            .select(limit)
            .map_err(|e| fail(Exit::BadOptions, &e.to_string()))?;
        warnings.extend(lim.warnings);
        hosts.retain(|h| lim.hosts.contains(h));
    }
    Ok((hosts, warnings))
}

/// Hosts to work on at once: `-f`, else the configured forks, else all `hosts`.
fn forks(a: &ConnectionArgs, hosts: usize) -> Result<usize, Exit> {
    Ok(a.forks.or(config()?.forks).unwrap_or(hosts).max(1))
}

/// Turns connection flags (over the configured defaults) into options, asking for
/// passwords when `-k`/`-K` (or their settings) say so.
pub fn conn_options(a: &ConnectionArgs) -> Result<ConnOptions, Exit> {
    let (mut opts, wanted) =
        conn_defaults::merge(a, config()?).map_err(|e| fail(Exit::BadOptions, &e))?;
    let ask = |prompt: &str| {
        crate::secret::prompt_password(prompt)
            .map(Secret::new)
            .map_err(|e| {
                fail(
                    Exit::Error,
                    &format!("cannot read the password from the terminal: {e}"),
                )
            })
    };
    if wanted.password {
        opts.password = Some(ask("SSH password: ")?);
    }
    if wanted.become_password {
        opts.become_password = Some(ask("BECOME password: ")?);
    }
    Ok(opts)
}

/// The engine options `rsible play` and `rsible run` share: connection options, the
/// ssh_config (its warnings printed), `-e` extra vars, forks and `--limit`; the caller sets
/// the rest (check, diff, tags, ...).
pub fn run_options(a: &ConnectionArgs, extra: &[String]) -> Result<RunOptions, Exit> {
    let conn = conn_options(a)?;
    let extra_vars = extra_vars::parse_all(extra).map_err(|e| fail(Exit::Parse, &e))?;
    let ssh_config = match &a.ssh_config {
        Some(p) => SshConfig::load(p),
        None => SshConfig::load_default(),
    }
    .map_err(|e| fail(Exit::Parse, &e.to_string()))?;
    ssh_config.warnings().iter().for_each(|w| warn(w));
    Ok(RunOptions {
        forks: forks(a, 1_000_000)?,
        extra_vars,
        limit: a.limit.clone(),
        conn,
        ssh_config,
        gathering: config()?.gathering,
        ..RunOptions::default()
    })
}

/// The directory of the first inventory source (a file's directory), absolute when it
/// exists: `inventory_dir` of the engine.
pub fn inventory_dir(source: &InventorySource) -> Option<PathBuf> {
    sources(source)
        .ok()?
        .first()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .and_then(|p| {
            if p.is_dir() {
                Some(p)
            } else {
                p.parent().map(PathBuf::from)
            }
        })
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}
