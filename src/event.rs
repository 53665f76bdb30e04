//! What a playbook run reports, as plain data: the engine sends these over a channel and a
//! reporter turns them into text or JSON. Knows nothing of how tasks run or how results print.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

/// How one task ended on one host (or one loop item on one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Ran, nothing changed.
    Ok,
    /// Ran and changed something (or would, in check mode).
    Changed,
    /// Not run: `when` was false, or check mode on a module that cannot check.
    Skipped,
    /// Failed.
    Failed,
    /// The host could not be reached.
    Unreachable,
}

/// A diff for `--diff`: before and after text with the labels to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// What `before` is (a path, `mode`, `state`, ...).
    pub before_header: String,
    /// What `after` is.
    pub after_header: String,
    /// The old content or value.
    pub before: String,
    /// The new content or value.
    pub after: String,
}

/// One host's result for one task (or one loop item).
#[derive(Debug, Clone, Serialize)]
pub struct HostResult {
    /// The inventory host name.
    pub host: String,
    /// `delegate_to` target when the task ran elsewhere.
    pub delegated_to: Option<String>,
    /// How it ended.
    pub status: Status,
    /// For a loop item: the item's label (loop_control.label or the item itself, rendered).
    pub item: Option<String>,
    /// The failure was ignored (`ignore_errors`, `ignore_unreachable`).
    pub ignored: bool,
    /// The fields a user can `register` (rc, stdout, stderr, msg, changed, failed, ...).
    /// Already censored when `no_log` is set.
    pub result: Map<String, Value>,
    /// Diffs to show with `--diff`.
    pub diffs: Vec<Diff>,
    /// `no_log: true` was set: the result holds only the censored message.
    pub no_log: bool,
    /// Verbosity the task asked for (debug's `verbosity:`); shown only at `-v` >= this.
    pub verbosity: u8,
    /// The result is the task's output (`debug`'s `msg` or variable): the reporter prints it
    /// as indented JSON at every verbosity >= `verbosity`, as ansible-playbook does.
    pub show_result: bool,
    /// Milliseconds since the host started the task (its connection included when the task
    /// opened it; for a loop item, since the first item started).
    pub elapsed_ms: u64,
}

/// Counts for one host in the PLAY RECAP (Ansible's names and meaning: `ok` includes changed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stats {
    /// Tasks that ran fine (changed or not).
    pub ok: u32,
    /// Tasks that changed something.
    pub changed: u32,
    /// Times the host was unreachable.
    pub unreachable: u32,
    /// Tasks that failed (not ignored, not rescued).
    pub failed: u32,
    /// Tasks skipped.
    pub skipped: u32,
    /// Blocks whose failure a `rescue:` handled.
    pub rescued: u32,
    /// Failures ignored by `ignore_errors`.
    pub ignored: u32,
}

/// Everything a playbook run reports, in order.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A play starts.
    PlayStart {
        /// The play's display name.
        name: String,
        /// The hosts the play targets, in order.
        hosts: Vec<String>,
    },
    /// A task (or handler) starts; results for it follow.
    TaskStart {
        /// The task's display name (`role : name`, or the module and args when unnamed).
        name: String,
        /// `file:line:col` of the task.
        location: String,
        /// It is a handler.
        handler: bool,
    },
    /// One host finished one task or one loop item.
    HostResult(Box<HostResult>),
    /// A loop finished on a host: the summary line Ansible prints after the items.
    /// (Reporters may ignore it; it is what `register` received.)
    LoopDone {
        /// The host.
        host: String,
        /// Overall status of the loop.
        status: Status,
    },
    /// A background job (`async` with `poll`) was read, or ended, on a host.
    Async {
        /// The host.
        host: String,
        /// The job's id.
        jid: String,
        /// What happened.
        phase: AsyncPhase,
    },
    /// An `include_tasks`/`include_role` instance was loaded for `hosts` (Ansible's
    /// `included: FILE for HOSTS => (item=...)` line).
    Included {
        /// The task file's path, or the role's name.
        file: String,
        /// The hosts that included it, in the order they reported.
        hosts: Vec<String>,
        /// The loop item's label, when the include loops.
        item: Option<String>,
    },
    /// An `until` condition did not hold yet: the task runs again after its delay.
    Retrying {
        /// The host.
        host: String,
        /// The task's display name.
        task: String,
        /// Attempts left.
        retries_left: u64,
    },
    /// Every host of the play failed or became unreachable.
    NoHostsRemaining,
    /// A warning for the user (deprecated module, ignored keyword, ...).
    Warning {
        /// The text.
        message: String,
    },
    /// The run ended: counts per host in inventory order, and total seconds.
    Recap {
        /// Counts per host.
        stats: IndexMap<String, Stats>,
        /// Wall time of the whole run.
        elapsed_secs: f64,
    },
}

/// The moments of a polled background job that ansible-playbook reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AsyncPhase {
    /// A read of the job that found it still running.
    Poll {
        /// The job file says it started.
        started: bool,
        /// The job file says it finished.
        finished: bool,
    },
    /// The job finished and the task succeeded.
    Ok,
    /// The job failed, or did not finish in time.
    Failed,
}
