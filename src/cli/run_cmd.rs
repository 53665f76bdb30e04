//! `rsible run PATTERN -m MODULE -a ARGS`: Ansible's ad hoc command. The module and its
//! arguments become a one-task play (checked before any host is contacted: a problem is a
//! bad option, exit 5), which the engine runs like any play; the ad hoc reporter prints its
//! events as the `ansible` binary does. `--list-hosts` only lists the matched hosts.

use super::args::RunArgs;
use super::select::{
    config, inventory_dir, load_inventory, matching_hosts, run_options, selection,
};
use super::{fail, warn};
use crate::engine::RunOptions;
use crate::exit::Exit;
use crate::inventory::LoadOptions;
use crate::output::adhoc::AdhocReporter;
use crate::playbook::adhoc::{self, AdHoc};

/// Runs the subcommand.
pub fn run(a: RunArgs, verbosity: u8) -> Exit {
    match run_inner(a, verbosity) {
        Ok(e) | Err(e) => e,
    }
}

fn run_inner(a: RunArgs, verbosity: u8) -> Result<Exit, Exit> {
    let wanted = AdHoc {
        pattern: &a.pattern,
        module: &a.module,
        args: &a.args,
        timeout: a.task_timeout,
    };
    let book = adhoc::playbook(&wanted, config()?.roles_path.clone()).map_err(|problems| {
        for p in &problems {
            fail(Exit::BadOptions, &p.to_string());
        }
        Exit::BadOptions
    })?;
    let inv = load_inventory(&a.source, &LoadOptions::default())?;
    if a.list_hosts {
        let hosts = matching_hosts(&inv, &a.pattern, a.conn.limit.as_deref())?;
        super::out::outln(&format!("  hosts ({}):", hosts.len()));
        hosts
            .iter()
            .for_each(|h| super::out::outln(&format!("    {h}")));
        return Ok(Exit::Ok);
    }
    // Nothing matched: Ansible's warnings and nothing else. Otherwise the engine selects the
    // hosts again and reports the pattern's warnings itself.
    let (hosts, warnings) = selection(&inv, &a.pattern, a.conn.limit.as_deref())?;
    if hosts.is_empty() {
        warnings.iter().for_each(|w| warn(w));
        warn("No hosts matched, nothing to do");
        return Ok(Exit::Ok);
    }
    let opts = RunOptions {
        check: a.check,
        diff: a.diff,
        verbosity,
        ..run_options(&a.conn, &a.extra_vars)?
    };
    let mut reporter = AdhocReporter::new(a.format, verbosity, a.diff);
    Ok(super::drive::run(
        vec![book],
        inv,
        inventory_dir(&a.source),
        opts,
        &mut reporter,
    ))
}
