//! The shared state of a run ([`Engine`]), of one play ([`PlayCtx`]), and what a block,
//! include or role passes down to the tasks inside it ([`Inherited`]). Knows nothing of how
//! tasks execute.

use super::host::HostCell;
use super::options::RunOptions;
use crate::connection::ssh::auth::KeyStore;
use crate::event::{Event, Stats};
use crate::inventory::{Inventory, Vars};
use crate::playbook::{Play, Task};
use crate::template::Templar;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{mpsc, Semaphore};

/// Everything shared by all plays of a run.
pub struct Engine {
    /// The one template environment.
    pub templar: Templar,
    /// What the user asked for.
    pub opts: RunOptions,
    /// The inventory; `add_host` and `group_by` change it.
    pub inventory: RwLock<Inventory>,
    /// Every host met so far, with its state.
    pub hosts: Mutex<IndexMap<String, Arc<HostCell>>>,
    /// PLAY RECAP counts.
    pub stats: Mutex<IndexMap<String, Stats>>,
    /// Where events go.
    pub events: mpsc::UnboundedSender<Event>,
    /// Loaded private keys, shared by all connections.
    pub keys: KeyStore,
    /// Bounds the hosts worked on at once (`--forks`).
    pub forks: Arc<Semaphore>,
    /// `--start-at-task` still waiting for its task.
    pub start_at: Mutex<Option<String>>,
    /// The directory of the playbook being run.
    pub playbook_dir: PathBuf,
    /// The directory of the first inventory source.
    pub inventory_dir: Option<PathBuf>,
    /// Counts inventory changes (`add_host`, `group_by`), so that what is built from the
    /// inventory (`groups` in [`super::vars::shared`]) knows when it is stale.
    pub inventory_generation: AtomicU64,
    /// `--step` was answered with `c`ontinue.
    pub step_disabled: AtomicBool,
    /// Programs run so far that may have changed a target (see [`Changes`]).
    pub changes: crate::modules::framework::prefetch::Changes,
}

impl Engine {
    /// Sends an event (a reporter that went away is not an error).
    pub fn emit(&self, ev: Event) {
        let _ = self.events.send(ev);
    }

    /// The cell for `host`, created on first use.
    pub fn host(&self, host: &str) -> Arc<HostCell> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| HostCell::new(host))
            .clone()
    }

    /// Changes `host`'s recap counts.
    pub fn count(&self, host: &str, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(stats.entry(host.to_string()).or_default());
    }

    /// The `groups` magic variable.
    pub fn groups_value(&self) -> Value {
        serde_json::json!(self.inventory().groups_map())
    }

    /// Changes the inventory (`add_host`, `group_by`).
    pub fn change_inventory(&self, f: impl FnOnce(&mut Inventory)) {
        let mut inv = self.inventory.write().unwrap_or_else(|p| p.into_inner());
        f(&mut inv);
        drop(inv);
        self.inventory_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A snapshot of the inventory for reading.
    pub fn inventory(&self) -> std::sync::RwLockReadGuard<'_, Inventory> {
        self.inventory.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// A handler the play knows: its task and the names it answers to.
#[derive(Clone)]
pub struct Handler {
    /// The handler task.
    pub task: Arc<Task>,
    /// `name`, `role : name` and every `listen` topic.
    pub names: Vec<String>,
    /// Inherited context (its role).
    pub inherited: Inherited,
}

/// One play while it runs.
pub struct PlayCtx {
    /// The play as loaded.
    pub play: Arc<Play>,
    /// Every host the play runs on, in order.
    pub hosts: Vec<String>,
    /// Every host the play's pattern and `--limit` select, with those that failed in an
    /// earlier play (Ansible's `ansible_play_hosts_all`).
    pub hosts_all: Vec<String>,
    /// The hosts of the current `serial` batch.
    pub batch: Mutex<Vec<String>>,
    /// Defaults of every role of the play (lowest precedence).
    pub role_defaults: Vars,
    /// `vars/main.yml` of every role of the play.
    pub role_vars: Vars,
    /// Handlers in definition order (play's, then roles'); include_role adds to it.
    pub handlers: Mutex<Vec<Handler>>,
    /// `end_play`, `any_errors_fatal` or `max_fail_percentage` stopped the play.
    pub aborted: AtomicBool,
    /// The plays after this one must not run either.
    pub stop_playbook: AtomicBool,
    /// The `free` strategy.
    pub free: bool,
    /// Tasks whose header was already sent (free strategy sends it once).
    pub announced: Mutex<std::collections::HashSet<String>>,
    /// Where `include_role` looks for roles.
    pub role_search: crate::playbook::RoleSearch,
    /// (host, role identity) of the roles each host completed (see `role_once`).
    pub roles_done: Mutex<std::collections::HashSet<(String, String)>>,
    /// The variables every host of the play sees alike (see [`super::vars::shared`]).
    pub shared_vars: Mutex<Option<super::vars::SharedVars>>,
    /// The run of tasks being read ahead for (see [`super::read_ahead`]).
    pub read_ahead: Mutex<Option<Arc<super::read_ahead::Plan>>>,
}

impl PlayCtx {
    /// Whether the play was stopped.
    pub fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst) || crate::interrupt::requested()
    }

    /// Stops the play (`meta: end_play`).
    pub fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
    }

    /// Stops the play and the plays after it, as ansible-playbook does when
    /// `max_fail_percentage` or `any_errors_fatal` trips or no host is left.
    pub fn abort_playbook(&self) {
        self.abort();
        self.stop_playbook.store(true, Ordering::SeqCst);
    }

    /// Whether the rest of the playbook must be skipped.
    pub fn playbook_stopped(&self) -> bool {
        self.stop_playbook.load(Ordering::SeqCst) || crate::interrupt::requested()
    }

    /// The current batch.
    pub fn batch(&self) -> Vec<String> {
        self.batch.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// What enclosing blocks, includes, imports and roles pass to the tasks inside them.
#[derive(Clone, Default)]
pub struct Inherited {
    /// Block and include `vars:`, outer first.
    pub vars: Vec<Arc<Map<String, Value>>>,
    /// `when:` conditions of enclosing blocks and includes, all of which must hold.
    pub when: Vec<Value>,
    /// Tags of enclosing blocks, imports and roles.
    pub tags: Vec<String>,
    /// Keywords set by an enclosing block (`become`, `ignore_errors`, ...); inner wins.
    pub keywords: Map<String, Value>,
    /// `include_tasks`/`include_role` parameters and role parameters.
    pub params: Vars,
    /// The directory relative task files and lookups resolve against.
    pub base_dir: Option<PathBuf>,
    /// Running handlers.
    pub handler: bool,
    /// Inside a block with `rescue:`: a failure here may still be rescued, so it does not
    /// end the play yet.
    pub rescuable: bool,
}

/// Keywords an enclosing block passes on to its tasks.
const INHERITED_KEYWORDS: &[&str] = &[
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "become_exe",
    "ignore_errors",
    "ignore_unreachable",
    "any_errors_fatal",
    "check_mode",
    "diff",
    "delegate_to",
    "delegate_facts",
    "no_log",
    "run_once",
    "timeout",
    "throttle",
    "environment",
    "remote_user",
    "port",
    "connection",
    "module_defaults",
    "notify",
];

impl Inherited {
    /// The context a play gives its tasks, roles and handlers: the play keywords tasks
    /// inherit (`ignore_errors`, `check_mode`, `run_once`, ...). `become*` and
    /// `environment` are read from the play where they are used.
    pub fn for_play(play: &Play) -> Inherited {
        let mut c = Inherited::default();
        for k in INHERITED_KEYWORDS {
            if matches!(*k, "environment" | "module_defaults") {
                continue;
            }
            if let Some(v) = play.keywords.get(*k) {
                c.keywords.insert((*k).to_string(), v.clone());
            }
        }
        c
    }

    /// The context inside `task` (a block, or an include/import statement).
    pub fn child(&self, task: &Task) -> Inherited {
        let mut c = self.clone();
        if let Some(Value::Object(v)) = task.keywords.get("vars") {
            c.vars.push(Arc::new(v.clone()));
        }
        if let Some(w) = task.keywords.get("when") {
            c.when.push(w.clone());
        }
        c.tags.extend(task.tags.iter().cloned());
        for k in INHERITED_KEYWORDS {
            if let Some(v) = task.keywords.get(*k) {
                if *k == "environment" {
                    merge_env(&mut c.keywords, v);
                } else if *k == "module_defaults" {
                    super::module_defaults::stack(&mut c.keywords, v);
                } else {
                    c.keywords.insert((*k).to_string(), v.clone());
                }
            }
        }
        c
    }

    /// A keyword as the task sees it: its own, else the nearest enclosing one.
    pub fn keyword<'a>(&'a self, task: &'a Task, key: &str) -> Option<&'a Value> {
        task.keywords.get(key).or_else(|| self.keywords.get(key))
    }
}

/// Environments merge key by key, inner values winning (templated later).
fn merge_env(into: &mut Map<String, Value>, v: &Value) {
    match (into.get_mut("environment"), v) {
        (Some(Value::Object(old)), Value::Object(new)) => {
            for (k, x) in new {
                old.insert(k.clone(), x.clone());
            }
        }
        _ => {
            into.insert("environment".into(), v.clone());
        }
    }
}
