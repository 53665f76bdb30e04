//! Reading ahead for a run of consecutive file tasks (see [`crate::modules::framework::prefetch`]):
//! which tasks form a run, and, on each host, one program that reads every path they will
//! look at, when the first of them reaches the target. A task whose module then finds
//! nothing to change costs no round trip.
//!
//! Exactly as correct as reading task by task: a run holds only modules that read ahead,
//! with no keyword that waits, retries, runs elsewhere or once (so no task between the read
//! and the use waits for something outside to change); the read is stale, and unused, after
//! any program that is not a probe on any host, after any lookup (which may run a command),
//! and for a task whose privileges, environment or connection differ. Its arguments are
//! rendered with lookups refused (they render again, for real, when the task runs), and a
//! task whose arguments do not render yet (a `register`ed result of the run) is left to read
//! for itself. Only the linear strategy reads ahead: it keeps hosts at the same task. Knows
//! nothing of how a module reads or decides.

use super::context::Inherited;
use super::host::HostCell;
use super::template_action::copy_args;
use super::{loops, vars, Runner};
use crate::modules::framework::prefetch::{self, Batch, Read};
use crate::modules::{registry, Ctx};
use crate::playbook::Task;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Numbers the runs ([`Plan::id`]).
static PLANS: AtomicU64 = AtomicU64::new(0);

/// Keywords that keep a task out of a run: it waits, retries, runs elsewhere or once, on
/// another connection, or reads arguments rendered by rules of their own.
const OUTSIDE: &[&str] = &[
    "delegate_to",
    "delegate_facts",
    "local_action",
    "run_once",
    "throttle",
    "async",
    "poll",
    "until",
    "retries",
    "delay",
    "connection",
    "remote_user",
    "port",
    "timeout",
    "module_defaults",
];

/// A run of consecutive tasks that read ahead, in one task list.
pub struct Plan {
    /// Distinguishes runs: a host reads once per run.
    id: u64,
    /// The tasks (copies), in order.
    tasks: Vec<Task>,
    /// Where the run's tasks are in their list (addresses), to know a task as one of them.
    at: std::ops::Range<usize>,
}

/// What one host read for one run.
pub struct Held {
    /// The run's [`Plan::id`].
    plan: u64,
    /// The read (`None`: it failed, or nothing to read; tasks read for themselves).
    batch: Option<Arc<Batch>>,
    /// The connection it was read on (address of the connection object).
    conn: usize,
    /// [`crate::template::lookups_run`] when it was read.
    lookups: u64,
}

impl Plan {
    /// Where `task` is in the run: its address is in the run's range and the copy there is
    /// the same task (a list freed and another allocated at the same place is not the run).
    fn position(&self, task: &Task) -> Option<usize> {
        let addr = task as *const Task as usize;
        if !self.at.contains(&addr) {
            return None;
        }
        let i = (addr - self.at.start) / std::mem::size_of::<Task>();
        let copy = self.tasks.get(i)?;
        let same =
            copy.location == task.location && copy.module == task.module && copy.args == task.args;
        same.then_some(i)
    }
}

impl Runner {
    /// Called for each task of `tasks` (at `i`) as the list is walked: starts a run at a task
    /// that reads ahead (when none holds it), ends it at one that does not.
    pub(super) fn plan_read_ahead(&self, tasks: &[Task], i: usize, inh: &Inherited) {
        let mut plan = self
            .play
            .read_ahead
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let addr = |t: &Task| t as *const Task as usize;
        if plan
            .as_ref()
            .is_some_and(|p| p.position(&tasks[i]).is_some())
        {
            return;
        }
        let joins = |t: &Task| self.joins_run(t, inh);
        let n = tasks[i..].iter().take_while(|t| joins(t)).count();
        *plan = (n > 0).then(|| {
            let size = std::mem::size_of::<Task>();
            let start = addr(&tasks[i]);
            Arc::new(Plan {
                id: PLANS.fetch_add(1, Ordering::SeqCst),
                tasks: tasks[i..i + n].to_vec(),
                at: start..start + n * size,
            })
        });
    }

    /// Whether `task` may be part of a run (see the module documentation).
    fn joins_run(&self, task: &Task, inh: &Inherited) -> bool {
        let Some(module) = task.module.as_deref() else {
            return false;
        };
        if self.play.free || inh.handler || task.is_block() {
            return false;
        }
        if !registry::reads_ahead(as_copy(module), &task.args) {
            return false;
        }
        if OUTSIDE.iter().any(|k| inh.keyword(task, k).is_some())
            || self.play.play.keywords.contains_key("module_defaults")
        {
            return false;
        }
        if task.keywords.keys().any(|k| k.starts_with("with_")) {
            return false;
        }
        let pauses = task
            .keywords
            .get("loop_control")
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key("pause"));
        let reconnects = task
            .keywords
            .get("vars")
            .and_then(Value::as_object)
            .is_some_and(|m| m.keys().any(|k| k.starts_with("ansible_")));
        !pauses && !reconnects
    }

    /// What `host` read ahead for the run `task` belongs to, read now when this is the first
    /// of its tasks to reach the target on this host; `None` when the task reads for itself.
    pub(super) async fn read_ahead(
        &self,
        task: &Task,
        host: &HostCell,
        inh: &Inherited,
        ctx: &Ctx<'_>,
        conn: usize,
    ) -> Option<Arc<Batch>> {
        if ctx.diff {
            return None;
        }
        let plan = self
            .play
            .read_ahead
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        let from = plan.position(task)?;
        let held = {
            let s = host.state();
            s.read_ahead
                .as_ref()
                .filter(|h| h.plan == plan.id)
                .map(|h| (h.batch.clone(), h.conn, h.lookups))
        };
        if let Some((batch, on, lookups)) = held {
            return batch.filter(|_| on == conn && lookups == crate::template::lookups_run());
        }
        let reads: Vec<Read> = plan.tasks[from..]
            .iter()
            .flat_map(|t| self.reads_of(t, host, inh))
            .collect();
        let batch = self.read(ctx, prefetch::merge(reads)).await.map(Arc::new);
        host.state().read_ahead = Some(Held {
            plan: plan.id,
            batch: batch.clone(),
            conn,
            lookups: crate::template::lookups_run(),
        });
        batch
    }

    /// The paths `task` will read on `host`, for each loop item; nothing when its arguments
    /// do not render without lookups.
    fn reads_of(&self, task: &Task, host: &HostCell, inh: &Inherited) -> Vec<Read> {
        let module = task.module.as_deref().unwrap_or("");
        let (templar, refused) = self.engine.templar.without_lookups();
        let base = vars::task_vars(&self.engine, &self.play, host, task, inh);
        let dirs = vars::search_dirs(&self.engine, task, inh);
        let scope = vars::scope(&self.engine, Some(&self.play), base.clone(), dirs);
        let scopes = match loops::items(task, &templar, &scope) {
            Ok(None) => vec![scope],
            Ok(Some(items)) => {
                let lc = match task.keywords.get("loop_control") {
                    Some(v) => match templar.render_value(v, &scope) {
                        Ok(v) => loops::LoopControl::from_value(Some(&v)),
                        Err(_) => return Vec::new(),
                    },
                    None => loops::LoopControl::from_value(None),
                };
                (0..items.len())
                    .map(|i| scope.with_vars(loops::with(&base, &lc.item_vars(&items, i))))
                    .collect()
            }
            Err(_) => return Vec::new(),
        };
        let mut reads = Vec::new();
        for scope in scopes {
            let rendered = match templar.render_value(&Value::Object(task.args.clone()), &scope) {
                Ok(Value::Object(m)) => crate::playbook::variable_params::merge(m).ok(),
                _ => None,
            };
            let Some(args) = rendered else {
                return Vec::new();
            };
            let args = super::host_task::strip_omit(args);
            // A template is written by `copy`, which reads the same whatever the text.
            let found = match module {
                "template" => registry::reads("copy", &copy_args(&args, String::new())),
                _ => registry::reads(module, &args),
            };
            match found {
                Some(r) => reads.extend(r),
                None => return Vec::new(),
            }
        }
        if refused.load(Ordering::SeqCst) {
            return Vec::new();
        }
        reads
    }

    /// One program that reads `reads`, with `ctx`'s privileges and environment; nothing for
    /// a single path, which the task's own probe reads in as many round trips.
    async fn read(&self, ctx: &Ctx<'_>, reads: Vec<Read>) -> Option<Batch> {
        if reads.len() < 2 {
            return None;
        }
        let mut bytes = [0u8; 8];
        crate::random::fill(&mut bytes).ok()?;
        let nonce: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let generation = self.engine.changes.now();
        let out = ctx
            .probe(prefetch::script(&reads, &nonce), Vec::new())
            .await
            .ok()?;
        if out.status.rc() != 0 {
            return None;
        }
        Some(Batch {
            generation,
            become_: ctx.become_.clone(),
            environment: ctx.environment.to_vec(),
            entries: prefetch::parse(&reads, &nonce, &out.stdout)?,
        })
    }
}

/// The module whose reads a task of `module` has: `copy` for a template (the engine renders
/// it, then `copy` writes it).
fn as_copy(module: &str) -> &str {
    match module {
        "template" => "copy",
        m => m,
    }
}
