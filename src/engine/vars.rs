//! The variables a task sees on one host, layered in Ansible's precedence order, and the
//! magic variables. The subset of Ansible's 22 levels implemented, lowest first:
//!
//! 1. role defaults (every role of the play, then the task's own role)
//! 2. inventory: group vars (all < parent < child) then host vars, group_vars/host_vars files
//! 3. facts (`ansible_facts` and each as `ansible_<name>`)
//! 4. play `vars:`, then play `vars_files:`
//! 5. role `vars/` (every role of the play, then the task's own role)
//! 6. block `vars:` (outer first), then task `vars:`
//! 7. `include_vars`
//! 8. `set_fact` and registered results
//! 9. role parameters and `include_*` parameters
//! 10. extra vars (`-e`)
//!
//! then the magic variables and the loop variables. Values are not rendered here: the template
//! layer renders a variable lazily when it is used. Knows nothing of modules or connections.

use super::context::{Engine, Inherited, PlayCtx};
use super::host::{HostCell, HostState};
use crate::inventory::Vars;
use crate::playbook::Task;
use crate::template::{HostVars, Scope, OMIT};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

fn extend(into: &mut Vars, from: &Map<String, Value>) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

fn extend_vars(into: &mut Vars, from: &Vars) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

/// Facts as variables: `ansible_facts` plus each fact as a top-level `ansible_<name>` (or
/// under its own name, for one set without the prefix).
fn add_facts(into: &mut Vars, s: &HostState) {
    if s.facts.is_empty() {
        return;
    }
    for (k, v) in &s.facts {
        if s.plain_facts.contains(k) {
            into.insert(k.clone(), v.clone());
        } else {
            into.insert(format!("ansible_{k}"), v.clone());
        }
    }
    into.insert("ansible_facts".into(), Value::Object(s.facts.clone()));
}

/// Host-level variables without any play: what `hostvars[host]` shows.
pub fn host_level(engine: &Engine, host: &HostCell) -> Vars {
    let mut v = engine.inventory().host_vars(&host.name).unwrap_or_default();
    {
        let s = host.state();
        add_facts(&mut v, &s);
        extend_vars(&mut v, &s.include_vars);
        extend_vars(&mut v, &s.host_facts);
    }
    extend_vars(&mut v, &engine.opts.extra_vars);
    magic_host(engine, &host.name, &mut v);
    v
}

/// `inventory_hostname` and the names derived from the inventory.
fn magic_host(engine: &Engine, host: &str, v: &mut Vars) {
    v.insert("inventory_hostname".into(), json!(host));
    let short = host.split('.').next().unwrap_or(host);
    v.insert("inventory_hostname_short".into(), json!(short));
    let inv = engine.inventory();
    v.insert("group_names".into(), json!(inv.group_names(host)));
}

/// Every variable `task` sees on `host` (loop variables excepted).
pub fn task_vars(
    engine: &Engine,
    play: &PlayCtx,
    host: &HostCell,
    task: &Task,
    inh: &Inherited,
) -> Vars {
    let role = task.role.as_deref();
    let mut v = Vars::new();
    extend_vars(&mut v, &play.role_defaults);
    if let Some(r) = role {
        extend(&mut v, &r.defaults);
    }
    if let Some(inv) = engine.inventory().host_vars(&host.name) {
        extend_vars(&mut v, &inv);
    }
    let s = host.state();
    add_facts(&mut v, &s);
    extend(&mut v, &play.play.vars);
    extend_vars(&mut v, &s.vars_files);
    extend_vars(&mut v, &play.role_vars);
    if let Some(r) = role {
        extend(&mut v, &r.vars);
    }
    for b in &inh.vars {
        extend(&mut v, b);
    }
    if let Some(Value::Object(tv)) = task.keywords.get("vars") {
        extend(&mut v, tv);
    }
    extend_vars(&mut v, &s.include_vars);
    extend_vars(&mut v, &s.host_facts);
    if let Some(r) = &s.failed_result {
        v.insert("ansible_failed_result".into(), r.clone());
    }
    if let Some(t) = &s.failed_task {
        v.insert("ansible_failed_task".into(), json!({ "name": t }));
    }
    drop(s);
    if let Some(r) = role {
        extend(&mut v, &r.params);
    }
    extend_vars(&mut v, &inh.params);
    extend_vars(&mut v, &engine.opts.extra_vars);
    magic(engine, play, &host.name, role, &mut v);
    v
}

/// The magic variables of a play that list hosts, alike for every host: built once per
/// state of the play and shared by every host's scope. Copied into each host's variables
/// instead, they cost memory quadratic in hosts (4 lists and `groups` per host and task:
/// about 180 MB at 500 hosts).
pub struct SharedVars {
    /// The play's hosts, resolved once (a cell lives as long as the run).
    cells: Vec<Arc<HostCell>>,
    /// The batch they were built for.
    batch: Vec<String>,
    /// Which of the play's hosts were active.
    active: Vec<bool>,
    /// The inventory generation `groups` came from.
    inventory: u64,
    vars: Arc<Vars>,
}

/// `groups`, `ansible_play_hosts_all`, `ansible_play_hosts`, `ansible_play_batch` and
/// `play_hosts` as they are now, rebuilt only when a host failed or recovered, the batch
/// moved on or the inventory changed. Called for every host and task: the check reads each
/// host's flag through the cached cells and compares the batch in place (looking the cells up
/// and cloning the batch on every call cost about 1 s of CPU per 10 tasks at 500 hosts).
pub fn shared(engine: &Engine, play: &PlayCtx) -> Arc<Vars> {
    let inventory = engine
        .inventory_generation
        .load(std::sync::atomic::Ordering::SeqCst);
    let mut cache = play.shared_vars.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = cache.as_ref() {
        let same_batch = *play.batch.lock().unwrap_or_else(|p| p.into_inner()) == c.batch;
        if same_batch
            && c.inventory == inventory
            && c.cells
                .iter()
                .map(|h| h.active())
                .eq(c.active.iter().copied())
        {
            return c.vars.clone();
        }
    }
    let cells = match cache.take() {
        Some(c) => c.cells,
        None => play.hosts.iter().map(|h| engine.host(h)).collect(),
    };
    let active: Vec<bool> = cells.iter().map(|h| h.active()).collect();
    let batch = play.batch();
    let mut v = Vars::new();
    v.insert("groups".into(), engine.groups_value());
    v.insert("ansible_play_hosts_all".into(), json!(play.hosts_all));
    let live: Vec<&String> = play
        .hosts
        .iter()
        .zip(&active)
        .filter_map(|(h, a)| a.then_some(h))
        .collect();
    v.insert("ansible_play_hosts".into(), json!(live));
    // A set: with hundreds of hosts, `Vec::contains` here made every task cubic in hosts.
    let live_set: std::collections::HashSet<&String> = live.iter().copied().collect();
    let live_batch: Vec<&String> = batch.iter().filter(|h| live_set.contains(h)).collect();
    v.insert("ansible_play_batch".into(), json!(live_batch));
    v.insert("play_hosts".into(), json!(live_batch));
    let vars = Arc::new(v);
    *cache = Some(SharedVars {
        cells,
        batch,
        active,
        inventory,
        vars: vars.clone(),
    });
    vars
}

/// The magic variables of a play and a host (those alike for every host: [`shared`]).
fn magic(
    engine: &Engine,
    play: &PlayCtx,
    host: &str,
    role: Option<&crate::playbook::RoleRef>,
    v: &mut Vars,
) {
    magic_host(engine, host, v);
    v.insert("ansible_play_name".into(), json!(play.play.display_name()));
    v.insert("ansible_check_mode".into(), json!(engine.opts.check));
    v.insert("ansible_diff_mode".into(), json!(engine.opts.diff));
    v.insert("ansible_verbosity".into(), json!(engine.opts.verbosity));
    v.insert(
        "ansible_run_tags".into(),
        json!(run_tags(&engine.opts.tags)),
    );
    v.insert("ansible_skip_tags".into(), json!(engine.opts.skip_tags));
    v.insert(
        "playbook_dir".into(),
        json!(engine.playbook_dir.display().to_string()),
    );
    if let Some(d) = &engine.inventory_dir {
        v.insert("inventory_dir".into(), json!(d.display().to_string()));
    }
    if let Some(r) = role {
        // `role_name` is the role's own name, `ansible_role_name` the one shown (a
        // collection's role by its fully qualified name).
        let short = match &r.collection {
            Some(c) => r.name.strip_prefix(&format!("{c}.")).unwrap_or(&r.name),
            None => &r.name,
        };
        v.insert("role_name".into(), json!(short));
        v.insert("ansible_role_name".into(), json!(r.name));
        v.insert("ansible_collection_name".into(), json!(r.collection));
        v.insert("role_path".into(), json!(r.path.display().to_string()));
    }
    v.insert("omit".into(), json!(OMIT));
    v.insert(
        "ansible_version".into(),
        json!({"full": env!("CARGO_PKG_VERSION"), "string": env!("CARGO_PKG_VERSION")}),
    );
}

fn run_tags(tags: &[String]) -> Vec<String> {
    if tags.is_empty() {
        vec!["all".into()]
    } else {
        tags.to_vec()
    }
}

/// `hostvars`: any host's host-level variables, computed when a template asks.
pub struct HostVarsView {
    /// The run.
    pub engine: Arc<Engine>,
}

impl HostVars for HostVarsView {
    fn host_names(&self) -> Vec<String> {
        self.engine
            .inventory()
            .host_names()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn vars_of(&self, host: &str) -> Option<Arc<Vars>> {
        let inv_has = {
            let inv = self.engine.inventory();
            inv.has_host(host) || inv.host_vars(host).is_some()
        };
        inv_has.then(|| Arc::new(host_level(&self.engine, &self.engine.host(host))))
    }
}

/// A scope for templating with `vars`, `hostvars`, and lookups resolving against `dirs`.
pub fn scope(
    engine: &Arc<Engine>,
    play: Option<&PlayCtx>,
    vars: Vars,
    dirs: Vec<PathBuf>,
) -> Scope {
    Scope {
        vars: Arc::new(vars),
        shared: play.map(|p| shared(engine, p)),
        hostvars: Some(Arc::new(HostVarsView {
            engine: engine.clone(),
        })),
        search_paths: dirs,
    }
}

/// Where lookups and relative files resolve for `task`: its role's directory, the including
/// file's directory, the playbook directory.
pub fn search_dirs(engine: &Engine, task: &Task, inh: &Inherited) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(r) = &task.role {
        dirs.push(r.path.clone());
    }
    if let Some(parent) = task.location.file.parent() {
        dirs.push(parent.to_path_buf());
    }
    if let Some(b) = &inh.base_dir {
        dirs.push(b.clone());
    }
    dirs.push(engine.playbook_dir.clone());
    dirs.dedup();
    dirs
}
