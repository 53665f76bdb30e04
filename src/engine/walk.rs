//! Walking a list of tasks for a set of hosts: blocks with `rescue:`/`always:`, static imports
//! (already loaded) and dynamic includes (loaded here, per host, grouped so hosts including the
//! same file run it together). Hosts that fail drop out of the rest of the list. Knows nothing
//! of how one task runs on one host.

use super::context::Inherited;
use super::host::{relapse, HostCell};
use super::Runner;
use crate::playbook::Task;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::sync::Arc;

/// Whether `h` skips `task` because it ended `task`'s role (`meta: end_role`). The first task
/// of another role or of the play closes the ended role, so the host runs what follows.
fn in_ended_role(h: &HostCell, task: &Task) -> bool {
    let mut s = h.state();
    let Some(ended) = &s.ended_role else {
        return false;
    };
    if task.role.as_ref().is_some_and(|r| Arc::ptr_eq(r, ended)) {
        return true;
    }
    s.ended_role = None;
    false
}

impl Runner {
    /// Runs `tasks` in order on `hosts` (those still active at each step).
    pub fn run_list<'a>(
        &'a self,
        tasks: &'a [Task],
        hosts: &'a [Arc<HostCell>],
        inh: &'a Inherited,
    ) -> BoxFuture<'a, ()> {
        async move {
            for (i, task) in tasks.iter().enumerate() {
                if self.play.is_aborted() {
                    return;
                }
                let active: Vec<Arc<HostCell>> = hosts
                    .iter()
                    .filter(|h| h.active() && !in_ended_role(h, task))
                    .cloned()
                    .collect();
                if active.is_empty() {
                    return;
                }
                if task.is_block() {
                    let active = self.role_not_done(task, &active);
                    if !active.is_empty() {
                        self.run_block(task, &active, inh).await;
                        self.role_dependency_done(task, &active);
                    }
                    continue;
                }
                match task.module.as_deref() {
                    Some("import_tasks" | "import_role") => {
                        let inner = inh.child(task);
                        self.run_list(&task.imported, &active, &inner).await;
                    }
                    Some("include_tasks" | "include_role") => {
                        self.run_include(task, &active, inh).await;
                    }
                    _ => {
                        self.plan_read_ahead(tasks, i, inh);
                        self.run_task(task, &active, inh).await
                    }
                }
            }
        }
        .boxed()
    }

    /// A block: its tasks; then `rescue:` for the hosts that failed in them; then `always:`
    /// for every host that entered and is still reachable.
    async fn run_block(&self, block: &Task, hosts: &[Arc<HostCell>], inh: &Inherited) {
        let inner = inh.child(block);
        let body = Inherited {
            rescuable: inh.rescuable || !block.rescue.is_empty(),
            ..inner.clone()
        };
        self.run_list(&block.block, hosts, &body).await;
        let failed: Vec<Arc<HostCell>> = hosts
            .iter()
            .filter(|h| {
                let s = h.state();
                s.failed && !s.unreachable
            })
            .cloned()
            .collect();
        if !block.rescue.is_empty() && !failed.is_empty() {
            for h in &failed {
                h.state().failed = false;
                self.engine.count(&h.name, |s| {
                    s.failed = s.failed.saturating_sub(1);
                    s.rescued += 1;
                });
            }
            let rescue = Inherited {
                rescuable: inh.rescuable || !block.always.is_empty(),
                ..inner.clone()
            };
            self.run_list(&block.rescue, &failed, &rescue).await;
        }
        if !block.always.is_empty() && !self.play.is_aborted() {
            self.run_always(block, hosts, &inner).await;
        }
        if !inh.rescuable {
            self.check_failures();
        }
    }

    /// `always:` for every host that entered the block and is still reachable; hosts that
    /// failed stay failed afterwards.
    async fn run_always(&self, block: &Task, hosts: &[Arc<HostCell>], inner: &Inherited) {
        let mut still_failed = Vec::new();
        let always_hosts: Vec<Arc<HostCell>> = hosts
            .iter()
            .filter(|h| {
                let mut s = h.state();
                if s.unreachable || s.ended {
                    return false;
                }
                if HostCell::lift_failure(&mut s) {
                    still_failed.push(h.name.clone());
                }
                true
            })
            .cloned()
            .collect();
        self.run_list(&block.always, &always_hosts, inner).await;
        relapse(&always_hosts, &still_failed);
    }
}
