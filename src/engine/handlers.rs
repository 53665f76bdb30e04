//! Handlers: the names each answers to (`name`, `role : name`, `listen` topics) and flushing
//! them — at the end of each play section and on `meta: flush_handlers` — in definition
//! order, once, on the hosts that notified them. Knows nothing of how a task runs.

use super::context::{Handler, Inherited};
use super::host::{relapse, HostCell};
use super::Runner;
use crate::modules::framework::args::scalar_text;
use crate::playbook::Task;
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::Value;
use std::sync::Arc;

impl Handler {
    /// A handler from its task, answering to its name, `role : name` and `listen` topics.
    pub fn new(task: &Task, inh: &Inherited) -> Handler {
        let mut names = Vec::new();
        if let Some(n) = &task.name {
            names.push(n.clone());
            if let Some(r) = &task.role {
                names.push(format!("{} : {n}", r.name));
            }
        }
        match task.keywords.get("listen") {
            Some(Value::Array(a)) => names.extend(a.iter().map(scalar_text)),
            Some(v @ Value::String(_)) => names.push(scalar_text(v)),
            _ => {}
        }
        Handler {
            task: Arc::new(task.clone()),
            names,
            inherited: Inherited {
                handler: true,
                ..inh.clone()
            },
        }
    }

    /// The handlers `task` defines: itself, or, for an `import_tasks`/`import_role`, each
    /// imported task (as in Ansible, where the import's own name answers to nothing).
    pub fn all(task: &Task, inh: &Inherited) -> Vec<Handler> {
        match task.module.as_deref() {
            Some("import_tasks" | "import_role") if !task.is_block() => {
                let inner = inh.child(task);
                task.imported
                    .iter()
                    .flat_map(|t| Handler::all(t, &inner))
                    .collect()
            }
            _ => vec![Handler::new(task, inh)],
        }
    }
}

impl Runner {
    /// Runs notified handlers on `hosts`. With `force_handlers`, failed hosts run theirs too.
    pub fn flush_handlers<'a>(&'a self, hosts: &'a [Arc<HostCell>]) -> BoxFuture<'a, ()> {
        async move { self.flush_now(hosts).await }.boxed()
    }

    async fn flush_now(&self, hosts: &[Arc<HostCell>]) {
        let force = self
            .play
            .play
            .keywords
            .get("force_handlers")
            .and_then(crate::modules::framework::args::to_bool)
            .unwrap_or(false);
        let mut i = 0;
        loop {
            let handler = {
                let hs = self.play.handlers.lock().unwrap_or_else(|p| p.into_inner());
                match hs.get(i) {
                    Some(h) => h.clone(),
                    None => break,
                }
            };
            i += 1;
            let mut forced = Vec::new();
            let targets: Vec<Arc<HostCell>> = hosts
                .iter()
                .filter(|h| {
                    let mut s = h.state();
                    // Every handler listening to a topic runs, so a matched name is only
                    // cleared once the whole list has been walked.
                    let notified = s.notified.iter().any(|n| handler.names.contains(n));
                    if notified {
                        s.consumed.extend(handler.names.iter().cloned());
                    }
                    let eligible = !s.unreachable && !s.ended && (!s.failed || force);
                    if notified && eligible && HostCell::lift_failure(&mut s) {
                        forced.push(h.name.clone());
                    }
                    notified && eligible
                })
                .cloned()
                .collect();
            if targets.is_empty() || self.play.is_aborted() {
                continue;
            }
            // Through the task walker: an `include_tasks`/`include_role` handler includes.
            self.run_list(
                std::slice::from_ref(&*handler.task),
                &targets,
                &handler.inherited,
            )
            .await;
            relapse(&targets, &forced);
        }
        for h in hosts {
            let mut s = h.state();
            let consumed = std::mem::take(&mut s.consumed);
            s.notified.retain(|n| !consumed.contains(n));
        }
    }
}
