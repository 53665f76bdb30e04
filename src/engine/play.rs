//! One play: its hosts (pattern, `--limit`, `order`, minus hosts that failed earlier), its
//! roles' variables and handlers, `serial` batches, fact gathering, then `pre_tasks`, roles and
//! `tasks`, `post_tasks`, each followed by a handler flush, under the `linear` or `free`
//! strategy. Knows nothing of how a task runs on a host.

use super::context::{Engine, Handler, Inherited, PlayCtx};
use super::host::HostCell;
use super::options::Gathering;
use super::Runner;
use crate::event::Event;
use crate::inventory::Vars;
use crate::modules::framework::args::to_bool;
use crate::playbook::{Play, Playbook, Role, RoleRef, Task};
use serde_json::{Map, Value};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// Runs `play` of `book`; false when the rest of the playbook must not run.
pub async fn run_play(engine: &Arc<Engine>, book: &Playbook, play: &Play) -> bool {
    let (hosts_all, hosts) = match play_hosts(engine, play) {
        Ok(h) => h,
        Err(e) => {
            engine.emit(Event::Warning { message: e });
            (Vec::new(), Vec::new())
        }
    };
    engine.emit(Event::PlayStart {
        name: play.display_name().to_string(),
        hosts: hosts.clone(),
    });
    if hosts.is_empty() {
        engine.emit(Event::Warning {
            message: "no hosts matched, skipping this play".into(),
        });
        return true;
    }
    let roles = all_roles(play);
    let mut role_defaults = Vars::new();
    let mut role_vars = Vars::new();
    for r in &roles {
        role_defaults.extend(r.defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
        role_vars.extend(r.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let mut handlers: Vec<Handler> = play
        .handlers
        .iter()
        .flat_map(|t| Handler::all(t, &Inherited::for_play(play)))
        .collect();
    for r in &roles {
        handlers.extend(
            r.handlers
                .iter()
                .flat_map(|t| Handler::all(t, &Inherited::for_play(play))),
        );
    }
    let free = play.strategy.as_deref() == Some("free");
    let ctx = Arc::new(PlayCtx {
        play: Arc::new(play.clone()),
        hosts: hosts.clone(),
        hosts_all,
        batch: Mutex::new(Vec::new()),
        role_defaults,
        role_vars,
        handlers: Mutex::new(handlers),
        aborted: AtomicBool::new(false),
        stop_playbook: AtomicBool::new(false),
        free,
        announced: Mutex::new(Default::default()),
        role_search: book.role_search.clone(),
        shared_vars: Mutex::new(None),
        roles_done: Mutex::new(Default::default()),
        read_ahead: Mutex::new(None),
    });
    let runner = Runner {
        engine: engine.clone(),
        play: ctx.clone(),
    };
    for batch in batches(&hosts, play.serial.as_ref()) {
        *ctx.batch.lock().unwrap_or_else(|p| p.into_inner()) = batch.clone();
        let cells: Vec<Arc<HostCell>> = batch
            .iter()
            .map(|h| engine.host(h))
            .filter(|c| c.active() || c.state().ended)
            .collect();
        for c in &cells {
            c.state().ended = false;
        }
        runner.load_vars_files(&cells);
        if free {
            let runs = cells
                .iter()
                .map(|c| runner.sections(std::slice::from_ref(c)));
            futures::future::join_all(runs).await;
        } else {
            runner.sections(&cells).await;
        }
        if ctx.is_aborted() {
            break;
        }
    }
    !ctx.playbook_stopped()
}

impl Runner {
    /// Facts, pre_tasks, roles, tasks, post_tasks, with handler flushes between.
    async fn sections(&self, hosts: &[Arc<HostCell>]) {
        let play = self.play.play.clone();
        // An importing `when:` holds over every task and the fact gathering, not handlers.
        let mut root = Inherited::for_play(&play);
        root.when.extend(play.import_when.iter().cloned());
        let gather = self.gather_on(hosts);
        if !gather.is_empty() {
            // Facts are gathered on every host even with the play's `run_once`, as in Ansible.
            let t = gather_task(&play);
            let inh = Inherited {
                when: play.import_when.clone(),
                ..Inherited::default()
            };
            self.run_task(&t, &gather, &inh).await;
        }
        self.run_list(&play.pre_tasks, hosts, &root).await;
        self.flush(hosts).await;
        // A role (or dependency) that already ran with the same parameters runs once,
        // unless its meta says `allow_duplicates`.
        let mut ran: Vec<Arc<RoleRef>> = Vec::new();
        for role in &play.roles {
            let mut tasks = Vec::new();
            collect_role_once(role, &mut ran, &mut tasks);
            let inh = role_inherited(role, &root);
            self.run_list(&tasks, hosts, &inh).await;
            self.role_entry_done(role, hosts);
        }
        self.run_list(&play.tasks, hosts, &root).await;
        self.flush(hosts).await;
        self.run_list(&play.post_tasks, hosts, &root).await;
        self.flush(hosts).await;
    }

    async fn flush(&self, hosts: &[Arc<HostCell>]) {
        if !self.play.is_aborted() {
            self.flush_handlers(hosts).await;
        }
    }

    /// The hosts facts are gathered on: all of them when the play says `gather_facts: true`,
    /// none when it says false; without the keyword, the `gathering` setting decides
    /// (`implicit`: all, `explicit`: none, `smart`: those without facts from an earlier play).
    fn gather_on(&self, hosts: &[Arc<HostCell>]) -> Vec<Arc<HostCell>> {
        let all = || hosts.to_vec();
        match &self.play.play.gather_facts {
            Some(v) if to_bool(v).unwrap_or(true) => all(),
            Some(_) => Vec::new(),
            None => match self.engine.opts.gathering {
                Gathering::Implicit => all(),
                Gathering::Explicit => Vec::new(),
                Gathering::Smart => hosts
                    .iter()
                    .filter(|h| !h.state().facts.contains_key("module_setup"))
                    .cloned()
                    .collect(),
            },
        }
    }

    /// Reads the play's `vars_files` for each host (names may be templated per host).
    fn load_vars_files(&self, hosts: &[Arc<HostCell>]) {
        let files = &self.play.play.vars_files;
        if files.is_empty() {
            return;
        }
        for h in hosts {
            let mut vars = Vars::new();
            let base = super::vars::task_vars(
                &self.engine,
                &self.play,
                h,
                &gather_task(&self.play.play),
                &Inherited::default(),
            );
            let scope = super::vars::scope(&self.engine, Some(&self.play), base, Vec::new());
            for f in files {
                // A list entry means: the first of these files that exists.
                let candidates: Vec<Value> = match f {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                let mut loaded = false;
                let mut errors = Vec::new();
                for c in &candidates {
                    let name = match self.engine.templar.render_value(c, &scope) {
                        Ok(v) => crate::modules::framework::args::scalar_text(&v),
                        Err(e) => {
                            errors.push(e.to_string());
                            continue;
                        }
                    };
                    let dir = &self.engine.playbook_dir;
                    let Some(path) = crate::playbook::vars_files::find(dir, &name) else {
                        let path = dir.join("vars").join(&name);
                        errors.push(format!("vars file {} was not found", path.display()));
                        continue;
                    };
                    match crate::playbook::load_vars_file(&path) {
                        Ok(m) => {
                            vars.extend(m);
                            loaded = true;
                            break;
                        }
                        Err(d) => errors.push(d.to_string()),
                    }
                }
                if !loaded {
                    let msg = format!(
                        "{}: vars_files: {}",
                        self.play.play.location,
                        errors.join("; ")
                    );
                    self.engine.emit(Event::Warning {
                        message: msg.clone(),
                    });
                    h.state().failed = true;
                    self.engine.count(&h.name, |s| s.failed += 1);
                }
            }
            h.state().vars_files = vars;
        }
    }
}

/// The implicit "Gathering Facts" task (tagged `always`, as in Ansible).
fn gather_task(play: &Play) -> Task {
    let mut args = Map::new();
    if let Some(s) = play.keywords.get("gather_subset") {
        args.insert("gather_subset".into(), s.clone());
    }
    let mut keywords = Map::new();
    if let Some(v) = play.keywords.get("gather_timeout") {
        keywords.insert("timeout".into(), v.clone());
    }
    Task {
        name: Some("Gathering Facts".into()),
        module: Some("setup".into()),
        action: Some("gather_facts".into()),
        args,
        keywords,
        tags: vec!["always".into()],
        block: Vec::new(),
        rescue: Vec::new(),
        always: Vec::new(),
        imported: Vec::new(),
        role: None,
        location: play.location.clone(),
    }
}

/// A role's tasks with its dependencies' first, skipping roles in `ran`.
fn collect_role_once(role: &Role, ran: &mut Vec<Arc<RoleRef>>, into: &mut Vec<Task>) {
    if ran.iter().any(|r| Arc::ptr_eq(r, &role.role_ref)) && !role.role_ref.allow_duplicates {
        return;
    }
    for d in &role.dependencies {
        let mut tasks = Vec::new();
        collect_role_once(d, ran, &mut tasks);
        if !tasks.is_empty() {
            into.push(crate::playbook::dependency_block(d, tasks));
        }
    }
    ran.push(role.role_ref.clone());
    into.extend(role.tasks.iter().cloned());
}

/// What a `roles:` entry passes to its tasks: its tags, `when` and keywords.
fn role_inherited(role: &Role, play: &Inherited) -> Inherited {
    let mut inh = Inherited {
        tags: role.tags.clone(),
        ..play.clone()
    };
    for (k, v) in &role.keywords {
        match k.as_str() {
            "when" => inh.when.push(v.clone()),
            "tags" | "vars" => {}
            "module_defaults" => super::module_defaults::stack(&mut inh.keywords, v),
            _ => {
                inh.keywords.insert(k.clone(), v.clone());
            }
        }
    }
    inh
}

/// Every role the play uses: `roles:` with dependencies, and roles of imported tasks.
fn all_roles(play: &Play) -> Vec<Arc<RoleRef>> {
    let mut out: Vec<Arc<RoleRef>> = Vec::new();
    fn add(out: &mut Vec<Arc<RoleRef>>, r: &Arc<RoleRef>) {
        if !out.iter().any(|x| Arc::ptr_eq(x, r)) {
            out.push(r.clone());
        }
    }
    fn from_role(out: &mut Vec<Arc<RoleRef>>, role: &Role) {
        for d in &role.dependencies {
            from_role(out, d);
        }
        add(out, &role.role_ref);
    }
    fn from_tasks(out: &mut Vec<Arc<RoleRef>>, tasks: &[Task]) {
        for t in tasks {
            if let Some(r) = &t.role {
                add(out, r);
            }
            from_tasks(out, &t.block);
            from_tasks(out, &t.rescue);
            from_tasks(out, &t.always);
            from_tasks(out, &t.imported);
        }
    }
    for r in &play.roles {
        from_role(&mut out, r);
    }
    from_tasks(&mut out, &play.pre_tasks);
    from_tasks(&mut out, &play.tasks);
    from_tasks(&mut out, &play.post_tasks);
    out
}

/// The play's hosts: pattern (templated with extra vars), `--limit` and `order` (Ansible's
/// `ansible_play_hosts_all`), and those of them that did not fail and were not unreachable
/// in an earlier play (the hosts the play runs on).
fn play_hosts(engine: &Arc<Engine>, play: &Play) -> Result<(Vec<String>, Vec<String>), String> {
    let mut pattern = play.hosts.clone();
    if pattern.contains("{{") {
        let scope = super::vars::scope(engine, None, engine.opts.extra_vars.clone(), Vec::new());
        pattern = match engine.templar.render_str(&pattern, &scope) {
            Ok(Value::Array(a)) => a
                .iter()
                .map(crate::modules::framework::args::scalar_text)
                .collect::<Vec<_>>()
                .join(","),
            Ok(v) => crate::modules::framework::args::scalar_text(&v),
            Err(e) => return Err(format!("hosts: {e}")),
        };
    }
    let inv = engine.inventory();
    let sel = inv.select(&pattern).map_err(|e| e.to_string())?;
    for w in &sel.warnings {
        engine.emit(Event::Warning { message: w.clone() });
    }
    let mut hosts = sel.hosts;
    if let Some(limit) = &engine.opts.limit {
        let lim = inv.select(limit).map_err(|e| e.to_string())?;
        hosts.retain(|h| lim.hosts.contains(h));
    }
    if let Some(shard) = engine.opts.shard {
        let names = inv.host_names();
        let mine = shard.members(&names);
        hosts.retain(|h| mine.contains(h.as_str()));
    }
    drop(inv);
    match play.keywords.get("order").and_then(Value::as_str) {
        Some("sorted") => hosts.sort(),
        Some("reverse_sorted") => {
            hosts.sort();
            hosts.reverse();
        }
        Some("reverse_inventory") => hosts.reverse(),
        Some("shuffle") => {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as usize)
                .unwrap_or(7);
            let n = hosts.len();
            for i in (1..n).rev() {
                hosts.swap(i, (seed.wrapping_mul(i + 31)) % (i + 1));
            }
        }
        _ => {}
    }
    let all = hosts.clone();
    hosts.retain(|h| {
        let c = engine.host(h);
        let s = c.state();
        !s.failed && !s.unreachable
    });
    Ok((all, hosts))
}

/// `serial:` batches: a number, a percentage, or a list of them (the last one repeats).
pub fn batches(hosts: &[String], serial: Option<&Value>) -> Vec<Vec<String>> {
    let n = hosts.len();
    let size = |v: &Value| -> usize {
        let s = match v {
            Value::Number(x) => x.as_f64().unwrap_or(0.0) as usize,
            Value::String(s) if s.trim().ends_with('%') => {
                let pct: f64 = s.trim().trim_end_matches('%').parse().unwrap_or(100.0);
                ((n as f64) * pct / 100.0) as usize
            }
            Value::String(s) => s.trim().parse().unwrap_or(n),
            _ => n,
        };
        s.clamp(1, n.max(1))
    };
    let sizes: Vec<usize> = match serial {
        None | Some(Value::Null) => vec![n.max(1)],
        Some(Value::Array(a)) if !a.is_empty() => a.iter().map(size).collect(),
        Some(v) => vec![size(v)],
    };
    let mut out = Vec::new();
    let mut i = 0;
    let mut k = 0;
    while i < n {
        let s = sizes[k.min(sizes.len() - 1)];
        out.push(hosts[i..(i + s).min(n)].to_vec());
        i += s;
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("h{i}")).collect()
    }

    #[test]
    fn serial_accepts_numbers_percentages_and_lists() {
        let lens = |v: Option<Value>| -> Vec<usize> {
            batches(&names(10), v.as_ref())
                .iter()
                .map(Vec::len)
                .collect()
        };
        assert_eq!(lens(None), vec![10]);
        assert_eq!(lens(Some(json!(3))), vec![3, 3, 3, 1]);
        assert_eq!(lens(Some(json!("50%"))), vec![5, 5]);
        assert_eq!(lens(Some(json!([1, "30%", 4]))), vec![1, 3, 4, 2]);
    }
}
