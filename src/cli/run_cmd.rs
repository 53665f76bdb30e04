//! `rsible run PATTERN -a CMD`: the ad-hoc command, as Ansible's `ansible` binary.

use super::args::RunArgs;
use super::select::{conn_options, forks, load_inventory, select_hosts};
use super::{fail, warn};
use crate::connection::ssh::ssh_config::SshConfig;
use crate::exit::Exit;
use crate::inventory::LoadOptions;
use crate::output::adhoc::AdhocReporter;
use crate::runner::adhoc::{self, AdhocModule, HostResult, Outcome};
use crate::runner::target::{resolve, HostPlan};
use std::time::Duration;

/// Runs the subcommand.
pub fn run(a: RunArgs) -> Exit {
    match run_inner(a) {
        Ok(e) | Err(e) => e,
    }
}

fn run_inner(a: RunArgs) -> Result<Exit, Exit> {
    let module: AdhocModule = a
        .module
        .parse()
        .map_err(|e: String| fail(Exit::BadOptions, &e))?;
    let mut cmd = adhoc::build(module, &a.args).map_err(|e| fail(Exit::BadOptions, &e))?;
    cmd.timeout = a.task_timeout.map(Duration::from_secs);
    let inv = load_inventory(&a.source, &LoadOptions::default())?;
    let hosts = select_hosts(&inv, &a.pattern, a.conn.limit.as_deref())?;
    if a.list_hosts {
        super::out::outln(&format!("  hosts ({}):", hosts.len()));
        hosts
            .iter()
            .for_each(|h| super::out::outln(&format!("    {h}")));
        return Ok(Exit::Ok);
    }
    if hosts.is_empty() {
        return Ok(Exit::Ok);
    }
    let opts = conn_options(&a.conn)?;
    let ssh = match &a.conn.ssh_config {
        Some(p) => SshConfig::load(p),
        None => SshConfig::load_default(),
    }
    .map_err(|e| fail(Exit::Parse, &e.to_string()))?;
    ssh.warnings().iter().for_each(|w| warn(w));
    let mut reporter = AdhocReporter::new(a.format);
    let mut plans: Vec<HostPlan> = Vec::with_capacity(hosts.len());
    for h in &hosts {
        let vars = inv.host_vars(h).unwrap_or_default();
        match resolve(h, &vars, &opts, &ssh) {
            Ok(plan) => {
                plan.warnings
                    .iter()
                    .for_each(|w| warn(&format!("{h}: {w}")));
                plans.push(plan);
            }
            // A host whose settings are wrong fails alone, as in Ansible.
            Err(e) => reporter.host(&HostResult {
                host: h.clone(),
                outcome: Outcome::Failed(e),
                elapsed: Duration::ZERO,
            }),
        }
    }
    let forks = forks(&a.conn, hosts.len())?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| fail(Exit::Error, &format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let work = tokio::spawn(adhoc::run(plans, cmd, forks, tx));
        while let Some(r) = rx.recv().await {
            reporter.host(&r);
        }
        let _ = work.await;
    });
    // A blocking prompt nobody answers (an abandoned passphrase read) must not keep the
    // process alive after the summary.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(reporter.finish(&hosts))
}
