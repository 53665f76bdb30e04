//! Shared steps of the host-running subcommands: load the inventory, select hosts by pattern
//! and `--limit`, print Ansible's warnings, and turn CLI connection flags into options.

use super::args::{ConnectionArgs, InventorySource};
use super::{fail, warn};
use crate::connection::ssh::known_hosts::HostKeyPolicy;
use crate::exit::Exit;
use crate::inventory::{Inventory, LoadOptions};
use crate::runner::target::ConnOptions;
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// Loads every `-i` source (none: only the implicit localhost).
pub fn load_inventory(source: &InventorySource, opts: &LoadOptions) -> Result<Inventory, Exit> {
    let sources: Vec<PathBuf> = source.inventory.iter().map(PathBuf::from).collect();
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
    let sel = inv
        .select(pattern)
        .map_err(|e| fail(Exit::BadOptions, &e.to_string()))?;
    sel.warnings.iter().for_each(|w| warn(w));
    let mut hosts = sel.hosts;
    if let Some(limit) = limit {
        let lim = inv
            .select(limit)
            .map_err(|e| fail(Exit::BadOptions, &e.to_string()))?;
        lim.warnings.iter().for_each(|w| warn(w));
        hosts.retain(|h| lim.hosts.contains(h));
    }
    Ok(hosts)
}

/// As [`matching_hosts`], and warns when nothing is left to run on.
pub fn select_hosts(
    inv: &Inventory,
    pattern: &str,
    limit: Option<&str>,
) -> Result<Vec<String>, Exit> {
    let hosts = matching_hosts(inv, pattern, limit)?;
    if hosts.is_empty() {
        warn("No hosts matched, nothing to do");
    }
    Ok(hosts)
}

/// Turns connection flags into options, asking for passwords when `-k`/`-K` say so.
pub fn conn_options(a: &ConnectionArgs) -> Result<ConnOptions, Exit> {
    let become_method = match &a.become_method {
        Some(m) => Some(m.parse().map_err(|e: String| fail(Exit::BadOptions, &e))?),
        None => None,
    };
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Secret::new)
            .map_err(|e| {
                fail(
                    Exit::Error,
                    &format!("cannot read the password from the terminal: {e}"),
                )
            })
    };
    let password = if a.ask_pass {
        Some(ask("SSH password: ")?)
    } else {
        None
    };
    let become_password = if a.ask_become_pass {
        Some(ask("BECOME password: ")?)
    } else {
        None
    };
    let ansible_off = std::env::var(crate::env_vars::ANSIBLE_HOST_KEY_CHECKING)
        .map(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "no" | "0" | "off"
            )
        })
        .unwrap_or(false);
    let policy = a
        .host_key_checking
        .or(ansible_off.then_some(HostKeyPolicy::Off));
    Ok(ConnOptions {
        connection: a.connection.clone(),
        user: a.user.clone(),
        private_key: a.private_key.clone(),
        password,
        timeout: a.timeout.map(Duration::from_secs),
        known_hosts: a.known_hosts.clone(),
        policy,
        become_: a.become_,
        become_user: a.become_user.clone(),
        become_password,
        become_method,
    })
}
