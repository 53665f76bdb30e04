//! Ad-hoc execution (`rsible run`): builds the one remote program from `-m`/`-a`, runs it on
//! every host concurrently and sends a [`HostResult`] per host as each finishes.

use super::connect;
use super::target::HostPlan;
use crate::connection::quote;
use crate::connection::ssh::auth::KeyStore;
use crate::connection::{ExecOutput, RemoteCommand};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};

/// The modules `rsible run` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdhocModule {
    /// Split into words like a shell would, run without a shell (no pipes, no `$VAR`).
    Command,
    /// Run through `/bin/sh -c`.
    Shell,
    /// Send as is to the login shell, no wrapping at all.
    Raw,
}

impl std::str::FromStr for AdhocModule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.strip_prefix("ansible.builtin.").unwrap_or(s) {
            "command" => Ok(AdhocModule::Command),
            "shell" => Ok(AdhocModule::Shell),
            "raw" => Ok(AdhocModule::Raw),
            other => Err(format!(
                "module '{other}' cannot be used with `rsible run` yet (available: command, shell, raw)"
            )),
        }
    }
}

/// Builds the remote program for `module` with argument string `args`.
pub fn build(module: AdhocModule, args: &str) -> Result<RemoteCommand, String> {
    if args.trim().is_empty() {
        return Err("no command given: pass it with -a 'COMMAND'".into());
    }
    let (script, raw) = match module {
        AdhocModule::Command => {
            let argv = shlex::split(args).ok_or_else(|| {
                format!("cannot split the command line {args:?}: a quote is not closed")
            })?;
            (quote::exec_argv(&argv), false)
        }
        AdhocModule::Shell => (args.as_bytes().to_vec(), false),
        AdhocModule::Raw => (args.as_bytes().to_vec(), true),
    };
    Ok(RemoteCommand {
        script,
        raw,
        user_code: module == AdhocModule::Shell,
        ..Default::default()
    })
}

/// How one host ended.
#[derive(Debug)]
pub enum Outcome {
    /// The command ran (whatever its exit status).
    Ran(ExecOutput),
    /// The command could not run on a reachable host (timeout, become failure).
    Failed(String),
    /// The host could not be reached or logged in to.
    Unreachable(String),
}

/// One host's result.
#[derive(Debug)]
pub struct HostResult {
    /// Inventory name.
    pub host: String,
    /// What happened.
    pub outcome: Outcome,
    /// Connect plus run time.
    pub elapsed: Duration,
}

/// Runs `cmd` on every host of `plans`, at most `forks` at a time, sending each result on `tx`.
pub async fn run(
    plans: Vec<HostPlan>,
    cmd: RemoteCommand,
    forks: usize,
    tx: mpsc::Sender<HostResult>,
) {
    let keys = Arc::new(KeyStore::default());
    let limit = Arc::new(Semaphore::new(forks.max(1)));
    let cmd = Arc::new(cmd);
    let mut tasks = Vec::with_capacity(plans.len());
    for plan in plans {
        let (keys, limit, cmd, tx) = (keys.clone(), limit.clone(), cmd.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            let Ok(_permit) = limit.acquire_owned().await else {
                return;
            };
            let started = Instant::now();
            let outcome = run_one(&plan, &cmd, &keys).await;
            let _ = tx
                .send(HostResult {
                    host: plan.name,
                    outcome,
                    elapsed: started.elapsed(),
                })
                .await;
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn run_one(plan: &HostPlan, cmd: &RemoteCommand, keys: &KeyStore) -> Outcome {
    let conn = match connect::open(&plan.plan, keys).await {
        Ok(c) => c,
        Err(e) => return Outcome::Unreachable(e.to_string()),
    };
    let mut cmd = cmd.clone();
    cmd.become_ = plan.become_.clone();
    let result = conn.exec(&cmd).await;
    conn.close().await;
    match result {
        Ok(out) => Outcome::Ran(out),
        Err(e) if e.is_unreachable() => Outcome::Unreachable(e.to_string()),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_module_quotes_each_word() {
        let c = build(AdhocModule::Command, "echo 'a b' $(id)").unwrap();
        assert_eq!(c.script, b"exec echo 'a b' '$(id)'".to_vec());
        assert!(!c.raw);
    }

    #[test]
    fn unclosed_quote_is_an_error() {
        assert!(build(AdhocModule::Command, "echo 'a").is_err());
    }

    #[test]
    fn raw_is_sent_as_is() {
        let c = build(AdhocModule::Raw, "echo $HOME | wc").unwrap();
        assert!(c.raw);
        assert_eq!(c.script, b"echo $HOME | wc".to_vec());
    }

    #[test]
    fn fqcn_names_are_accepted() {
        assert_eq!(
            "ansible.builtin.shell".parse::<AdhocModule>(),
            Ok(AdhocModule::Shell)
        );
        assert!("copy".parse::<AdhocModule>().is_err());
    }
}
