//! One target host during a run: what it learned (facts, `set_fact`, registered results),
//! where it stands (failed, unreachable, ended), the handlers it notified, and its connections,
//! each opened on first use and kept for the whole run. Knows nothing of tasks or templates.

use crate::connection::Connection;
use crate::inventory::Vars;
use crate::playbook::RoleRef;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A host's state, shared by the tasks that run on it.
pub struct HostCell {
    /// Inventory name.
    pub name: String,
    state: Mutex<HostState>,
    /// The open connections by what identifies them (the empty key: the host's own, as its
    /// variables and the command line make it; others for tasks whose `remote_user`, `port`
    /// or `connection` make another); a tokio mutex so that concurrent first uses connect once.
    pub conn: tokio::sync::Mutex<HashMap<String, Arc<dyn Connection>>>,
    /// The key of `conn` each set of task connection keywords resolved to, so that resolving
    /// (ssh_config, known_hosts, identity hash) happens once per set, not once per task.
    pub conn_keys: Mutex<Vec<(super::conn_keywords::Overrides, String)>>,
}

/// What changes while a playbook runs on one host.
#[derive(Default)]
pub struct HostState {
    /// Gathered facts (`ansible_facts`, keys without the `ansible_` prefix).
    pub facts: Map<String, Value>,
    /// The names in `facts` that were set without the `ansible_` prefix (by `set_fact`
    /// with `cacheable`, or a module's `ansible_facts`): variables under their own name,
    /// as Ansible injects them, not as `ansible_<name>`.
    pub plain_facts: std::collections::HashSet<String>,
    /// `include_vars` results.
    pub include_vars: Vars,
    /// `set_fact` and `register` results (they outlive the play, as in Ansible).
    pub host_facts: Vars,
    /// Vars from the play's `vars_files`, loaded for this host.
    pub vars_files: Vars,
    /// A task failed: the host takes no further part in the play (until rescued).
    pub failed: bool,
    /// The host could not be reached: out for the rest of the run.
    pub unreachable: bool,
    /// `meta: end_host` (or the play ended for it).
    pub ended: bool,
    /// `meta: end_role`: the role instance whose remaining tasks (`always:` included, as in
    /// Ansible) this host skips; cleared at its first task outside that role.
    pub ended_role: Option<Arc<RoleRef>>,
    /// Handlers (names or `listen` topics) notified and not yet run.
    pub notified: Vec<String>,
    /// Names whose handlers ran during the current flush, cleared when it ends.
    pub consumed: Vec<String>,
    /// The last failed task's result, for `ansible_failed_result` in `rescue:`.
    pub failed_result: Option<Value>,
    /// The last failed task's name, for `ansible_failed_task`.
    pub failed_task: Option<String>,
    /// When the host started its current task (the `elapsed_ms` of its results).
    pub task_started: Option<std::time::Instant>,
    /// What was read ahead for the current run of file tasks (see [`super::read_ahead`]).
    pub read_ahead: Option<super::read_ahead::Held>,
}

impl HostState {
    /// Records facts as a module or a cacheable `set_fact` returns them: a name with the
    /// `ansible_` prefix is stored without it, one without keeps its own name.
    pub fn add_facts(&mut self, facts: &Map<String, Value>) {
        for (k, v) in facts {
            match k.strip_prefix("ansible_") {
                Some(short) => {
                    self.plain_facts.remove(short);
                    self.facts.insert(short.to_string(), v.clone());
                }
                None => {
                    self.plain_facts.insert(k.clone());
                    self.facts.insert(k.clone(), v.clone());
                }
            }
        }
    }

    /// `meta: clear_facts`.
    pub fn clear_facts(&mut self) {
        self.facts.clear();
        self.plain_facts.clear();
    }
}

/// Marks the hosts named in `lifted` failed again after such a section.
pub fn relapse(hosts: &[Arc<HostCell>], lifted: &[String]) {
    for h in hosts.iter().filter(|h| lifted.contains(&h.name)) {
        h.state().failed = true;
    }
}

impl HostCell {
    /// A fresh host.
    pub fn new(name: &str) -> Arc<HostCell> {
        Arc::new(HostCell {
            name: name.to_string(),
            state: Mutex::new(HostState::default()),
            conn: tokio::sync::Mutex::new(HashMap::new()),
            conn_keys: Mutex::new(Vec::new()),
        })
    }

    /// Locks the state. Never held across an `.await`.
    pub fn state(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lifts a failure for a section that also runs for failed hosts (`always:`, forced
    /// handlers); true when there was one to lift, to give back with [`relapse`].
    pub fn lift_failure(state: &mut HostState) -> bool {
        std::mem::replace(&mut state.failed, false)
    }

    /// Still taking part: not failed, not unreachable, not ended.
    pub fn active(&self) -> bool {
        let s = self.state();
        !s.failed && !s.unreachable && !s.ended
    }
}
