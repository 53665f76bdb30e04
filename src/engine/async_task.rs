//! A task's `async`/`poll`: starts its program as a background job, then (`poll` > 0) reads
//! the job every `poll` seconds until it finishes or `async` seconds have passed, as
//! ansible-playbook does, and erases the finished job's file. Also the runtime failure Ansible
//! gives for actions that cannot run in the background. Knows nothing of loops, conditions or
//! registering (the caller does those with the result).

use super::Runner;
use crate::event::{AsyncPhase, Event};
use crate::modules::commands::async_status::{self, Mode};
use crate::modules::commands::{async_job, command, shell};
use crate::modules::{Ctx, Failure, Output};
use crate::playbook::async_check::{ASYNC_MODULES, NO_ASYNC_ACTIONS};
use crate::playbook::Task;
use crate::template::Scope;
use serde_json::{json, Value};
use std::time::Duration;

/// Reads (250 ms apart) of a job whose time is up, waiting for its supervisor's verdict.
const VERDICT_WAIT: u32 = 8;

/// Ansible's default `poll` (seconds).
const DEFAULT_POLL: u64 = 15;

/// A task's templated `async` and `poll`.
#[derive(Debug, Clone, Copy)]
pub struct AsyncSettings {
    /// `async`: the job's time limit in seconds (greater than 0).
    pub limit: u64,
    /// `poll`: seconds between reads; 0 starts the job and moves on.
    pub poll: u64,
}

impl Runner {
    /// The task's `async`/`poll`; `None` when `async` is unset or 0 (the task runs in the
    /// foreground).
    pub(super) fn async_settings(
        &self,
        task: &Task,
        scope: &Scope,
    ) -> Result<Option<AsyncSettings>, Failure> {
        let int = |k: &str| -> Result<Option<u64>, Failure> {
            let Some(v) = task.keywords.get(k) else {
                return Ok(None);
            };
            let v = self
                .engine
                .templar
                .render_value(v, scope)
                .map_err(|e| Failure::Failed(format!("{k}: {e}")))?;
            let n = v
                .as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .or_else(|| v.as_str()?.trim().parse().ok());
            n.map(Some).ok_or_else(|| {
                Failure::Failed(format!("{k} must be a whole number of seconds, got {v}"))
            })
        };
        let limit = int("async")?.unwrap_or(0);
        if limit == 0 {
            return Ok(None);
        }
        let poll = int("poll")?.unwrap_or(DEFAULT_POLL);
        Ok(Some(AsyncSettings { limit, poll }))
    }

    /// Ansible's failure for an action that cannot run with `async`; `None` when the task
    /// has no `async` or its module can.
    pub(super) fn async_refusal(&self, task: &Task, scope: &Scope) -> Option<String> {
        let module = task.module.as_deref()?;
        if !NO_ASYNC_ACTIONS.contains(&module) {
            return None;
        }
        match self.async_settings(task, scope) {
            Ok(Some(_)) => Some(format!("This action ({module}) does not support async.")),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }
}

impl Runner {
    /// Runs `module` as a background job under `a` for `host`: the started job (`poll: 0`)
    /// or its final result, with ansible-playbook's ASYNC POLL/OK/FAILED lines.
    pub(super) async fn run_async(
        &self,
        host: &str,
        module: &str,
        args: &serde_json::Map<String, Value>,
        ctx: &Ctx<'_>,
        a: AsyncSettings,
    ) -> Result<Output, Failure> {
        let emit = |jid: &str, phase: AsyncPhase| {
            self.engine.emit(Event::Async {
                host: host.to_string(),
                jid: jid.to_string(),
                phase,
            })
        };
        if !ASYNC_MODULES.contains(&module) {
            return Err(Failure::Failed(format!(
                "async is not supported by rsible for module '{module}'"
            )));
        }
        let program = match module {
            "shell" => shell::job_program(args)?,
            _ => command::job_program(args)?,
        };
        let started = async_job::start(&program, a.limit, ctx).await?;
        if a.poll == 0 {
            return Ok(started);
        }
        let jid = started
            .fields
            .get("ansible_job_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let out = poll(&jid, ctx, a, |o| {
            let flag = |k: &str| o.fields.get(k) == Some(&json!(true));
            emit(
                &jid,
                AsyncPhase::Poll {
                    started: flag("started"),
                    finished: flag("finished"),
                },
            )
        })
        .await?;
        emit(
            &jid,
            if out.failed {
                AsyncPhase::Failed
            } else {
                AsyncPhase::Ok
            },
        );
        Ok(out)
    }
}

/// Reads job `jid` every `a.poll` seconds until it finishes or `a.limit` seconds have
/// passed (`on_poll` sees each read of a job still running); erases a finished job.
async fn poll(
    jid: &str,
    ctx: &Ctx<'_>,
    a: AsyncSettings,
    on_poll: impl Fn(&Output),
) -> Result<Output, Failure> {
    let mut left = a.limit;
    let mut last: Option<Output> = None;
    while left > 0 {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(a.poll)) => {}
            () = crate::interrupt::wait() => {
                return Err(Failure::Failed(
                    "interrupted by the user (Ctrl-C) while waiting for the background job".into(),
                ))
            }
        }
        left = left.saturating_sub(a.poll);
        // A read that fails (a connection that dropped) is retried until the time is up.
        match async_status::status(jid, Mode::Status, ctx).await {
            Ok(o) => {
                let finished = o.fields.get("finished") == Some(&json!(true));
                let done = finished || o.failed || o.skipped;
                if !done {
                    on_poll(&o);
                }
                last = Some(o);
                if done {
                    break;
                }
            }
            Err(e) if left == 0 => return Err(e),
            Err(_) => {}
        }
    }
    // The job's supervisor ends it at the limit and writes "Timeout exceeded"; Ansible, whose
    // reads take a while, usually reads that verdict, so its arrival is waited for briefly.
    let finished = |o: &Option<Output>| {
        o.as_ref()
            .is_some_and(|o| o.fields.get("finished") == Some(&json!(true)))
    };
    let mut grace = VERDICT_WAIT;
    while !finished(&last) && grace > 0 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        grace -= 1;
        if let Ok(o) = async_status::status(jid, Mode::Status, ctx).await {
            last = Some(o);
        }
    }
    match last {
        Some(o) if o.fields.get("finished") == Some(&json!(true)) => {
            // Best effort: the result is already read.
            let _ = async_status::status(jid, Mode::Cleanup, ctx).await;
            Ok(o)
        }
        other => {
            let mut out = Output {
                failed: true,
                msg: Some(format!(
                    "async task did not complete within the requested time - {}s",
                    a.limit
                )),
                ..Output::default()
            };
            if let Some(o) = other {
                let mut r = o.fields;
                r.insert("changed".into(), json!(o.changed));
                r.insert("failed".into(), json!(o.failed));
                out.fields.insert("async_result".into(), Value::Object(r));
            }
            Ok(out)
        }
    }
}
