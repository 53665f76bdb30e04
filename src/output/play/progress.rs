//! The live progress line's arithmetic: which hosts are still in the play, how many finished
//! the current task, and the text `  [2/5 hosts done, 3 running, 1.2s]`. Knows nothing of
//! terminals: the reporter decides whether and where to draw it.

use crate::event::{HostResult, Status};
use std::collections::HashSet;
use std::time::Instant;

/// Counts for the task in progress.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Hosts still in the play (not failed, not unreachable).
    active: HashSet<String>,
    /// Hosts that failed during the current task: they leave the play when it ends.
    leaving: HashSet<String>,
    /// Hosts expected to report for the current task.
    total: usize,
    /// Hosts that reported for the current task.
    done: usize,
    /// When the current task started; `None` between tasks.
    since: Option<Instant>,
}

impl Progress {
    /// A play starts on `hosts`; no task runs yet.
    pub fn play(&mut self, hosts: &[String]) {
        self.active = hosts.iter().cloned().collect();
        self.leaving.clear();
        self.since = None;
    }

    /// A task starts at `now`: every host still in the play is expected.
    pub fn task(&mut self, now: Instant) {
        for h in self.leaving.drain() {
            self.active.remove(&h);
        }
        self.total = self.active.len();
        self.done = 0;
        self.since = Some(now);
    }

    /// Nothing runs (between plays, after the recap).
    pub fn idle(&mut self) {
        self.since = None;
    }

    /// A host reported a result; a loop item counts only when its loop is done.
    pub fn result(&mut self, r: &HostResult) {
        // A host rescued by a block comes back: count it again.
        self.active.insert(r.host.clone());
        if !r.ignored && matches!(r.status, Status::Failed | Status::Unreachable) {
            self.leaving.insert(r.host.clone());
        }
        if r.item.is_none() {
            self.host_done();
        }
    }

    /// A loop finished on a host.
    pub fn host_done(&mut self) {
        self.done += 1;
        self.total = self.total.max(self.done);
    }

    /// The line to show at `now`, or `None` when no task is waiting for hosts.
    pub fn line(&self, now: Instant) -> Option<String> {
        let since = self.since?;
        if self.done >= self.total {
            return None;
        }
        let secs = now.saturating_duration_since(since).as_secs_f64();
        Some(format!(
            "  [{}/{} hosts done, {} running, {secs:.1}s]",
            self.done,
            self.total,
            self.total - self.done
        ))
    }
}
