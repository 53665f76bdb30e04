//! Dynamic includes: `include_tasks` and `include_role`, decided per host at run time (their
//! `when`, loop and templated file names), then run together for the hosts that included the
//! same thing with the same parameters. Knows nothing of how tasks run.

use super::context::{Handler, Inherited};
use super::host::HostCell;
use super::host_task::ItemResult;
use super::loops::{self, LoopControl};
use super::vars;
use super::Runner;
use crate::event::{Event, Status};
use crate::inventory::Vars;
use crate::modules::framework::args::scalar_text;
use crate::playbook::{self, Task};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// One include instance: what to load and the variables it gets.
#[derive(Clone, PartialEq)]
struct Instance {
    what: Map<String, Value>,
    params: Vars,
    /// The loop item's label, for `included: ... => (item=...)`.
    label: Option<String>,
}

/// Adds `h` to the first group of an equal instance that does not have it yet, else to a new
/// group: a host that includes the same file twice (a loop over `[1, 1]`) runs it twice, as
/// in Ansible.
fn place(groups: &mut Vec<(Instance, Vec<Arc<HostCell>>)>, inst: Instance, h: &Arc<HostCell>) {
    let free = groups
        .iter_mut()
        .find(|(i, hs)| *i == inst && !hs.iter().any(|x| Arc::ptr_eq(x, h)));
    match free {
        Some((_, hs)) => hs.push(h.clone()),
        None => groups.push((inst, vec![h.clone()])),
    }
}

impl Runner {
    /// Runs an `include_tasks` / `include_role` task on `hosts`.
    pub async fn run_include(&self, task: &Task, hosts: &[Arc<HostCell>], inh: &Inherited) {
        if !self.selected(task, inh) {
            return;
        }
        self.engine.emit(Event::TaskStart {
            name: self.task_name(task),
            location: task.location.to_string(),
            handler: inh.handler,
        });
        let mut groups: Vec<(Instance, Vec<Arc<HostCell>>)> = Vec::new();
        for h in hosts {
            let no_log = self.no_log_on(task, h, inh);
            let skip = || {
                ItemResult::new(
                    Status::Skipped,
                    object(json!({"changed": false, "skipped": true,
                        "skip_reason": "Conditional result was False"})),
                )
            };
            let list = self.instances(task, h, inh).map(|(list, skipped)| {
                for label in skipped {
                    self.emit_result(task, h, &skip(), Some(label), no_log);
                }
                list
            });
            match list {
                Ok(list) if list.is_empty() => {
                    self.engine.count(&h.name, |s| s.skipped += 1);
                    self.emit_result(task, h, &skip(), None, no_log);
                }
                Ok(list) => {
                    for inst in list {
                        place(&mut groups, inst, h);
                    }
                }
                Err(msg) => self.fail_host(task, h, &msg, no_log),
            }
        }
        // As Ansible: every instance is loaded and reported (`included: FILE for HOSTS`, one
        // `ok` per host and instance) before any of them runs.
        let mut loaded = Vec::with_capacity(groups.len());
        for (inst, hs) in groups {
            // None of the include's own keywords reach its tasks: its `when` was decided above,
            // Ansible skips a dynamic include when tasks inherit keywords (only `apply:` passes
            // them on, tags included), and its `vars:` are include parameters (added below).
            let mut inner = inh.clone();
            for (k, v) in inst.params.clone() {
                inner.params.insert(k, v);
            }
            let result = if task.module.as_deref() == Some("include_role") {
                self.load_included_role(task, &inst.what, &mut inner)
            } else {
                self.load_included_tasks(task, &inst.what, &mut inner)
            };
            match result {
                Ok((tasks, file)) => {
                    for h in &hs {
                        self.engine.count(&h.name, |s| s.ok += 1);
                    }
                    // Ansible shows the item even under `no_log`; rsible hides it.
                    let hidden = hs.iter().any(|h| self.no_log_on(task, h, inh));
                    self.engine.emit(Event::Included {
                        file,
                        hosts: hs.iter().map(|h| h.name.clone()).collect(),
                        item: match &inst.label {
                            Some(_) if hidden => Some("(censored due to no_log)".into()),
                            other => other.clone(),
                        },
                    });
                    loaded.push((tasks, hs, inner));
                }
                Err(msg) => hs
                    .iter()
                    .for_each(|h| self.fail_host(task, h, &msg, self.no_log_on(task, h, inh))),
            }
        }
        for (tasks, hs, inner) in loaded {
            self.run_list(&tasks, &hs, &inner).await;
        }
    }

    /// A failed include on one host (its message hidden under `no_log`).
    fn fail_host(&self, task: &Task, h: &Arc<HostCell>, msg: &str, no_log: bool) {
        let r = self.failed_at(task, msg);
        self.engine.count(&h.name, |s| s.failed += 1);
        h.state().failed = true;
        self.emit_result(task, h, &r, None, no_log);
    }

    /// The include instances for one host (none when its `when` is false), and the labels of
    /// the loop items its `when` skipped.
    fn instances(
        &self,
        task: &Task,
        h: &Arc<HostCell>,
        inh: &Inherited,
    ) -> Result<(Vec<Instance>, Vec<String>), String> {
        let base = vars::task_vars(&self.engine, &self.play, h, task, inh);
        let dirs = vars::search_dirs(&self.engine, task, inh);
        let scope = vars::scope(&self.engine, Some(&self.play), base.clone(), dirs);
        let templar = &self.engine.templar;
        let items = match loops::items(task, templar, &scope) {
            Ok(items) => items,
            Err(_) if self.skip_before_undefined_loop(task, inh, &scope).is_some() => {
                return Ok((Vec::new(), Vec::new()))
            }
            Err(e) => return Err(e),
        };
        let lc = LoopControl::from_value(task.keywords.get("loop_control"));
        let runs: Vec<(Vars, Option<&Value>)> = match &items {
            None => vec![(Vars::new(), None)],
            Some(items) => (0..items.len())
                .map(|i| (lc.item_vars(items, i), Some(&items[i])))
                .collect(),
        };
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        for (extra, item) in runs {
            let s = scope.with_vars(loops::with(&base, &extra));
            let label = match (item, &lc.label) {
                (None, _) => None,
                (Some(_), Some(l)) => Some(
                    templar
                        .render_value(l, &s)
                        .map(|v| loops::label(&v))
                        .map_err(|e| e.to_string())?,
                ),
                (Some(i), None) => Some(loops::label(i)),
            };
            let mut conds: Vec<&Value> = inh.when.iter().collect();
            if let Some(w) = task.keywords.get("when") {
                conds.push(w);
            }
            let mut pass = true;
            for c in conds {
                if !templar.eval_condition(c, &s).map_err(|e| e.to_string())? {
                    pass = false;
                    break;
                }
            }
            if !pass {
                skipped.extend(label);
                continue;
            }
            let what = match templar.render_value(&Value::Object(task.args.clone()), &s) {
                Ok(Value::Object(m)) => m,
                Ok(_) => Map::new(),
                Err(e) => return Err(e.to_string()),
            };
            let mut params = extra;
            if let Some(Value::Object(tv)) = task.keywords.get("vars") {
                for (k, v) in tv {
                    params.insert(
                        k.clone(),
                        templar.render_value(v, &s).map_err(|e| e.to_string())?,
                    );
                }
            }
            out.push(Instance {
                what,
                params,
                label,
            });
        }
        Ok((out, skipped))
    }

    /// Loads an `include_tasks` file for `inner`; its tasks and its path.
    fn load_included_tasks(
        &self,
        task: &Task,
        what: &Map<String, Value>,
        inner: &mut Inherited,
    ) -> Result<(Vec<Task>, String), String> {
        let file = what
            .get("file")
            .or_else(|| what.get("_raw_params"))
            .map(scalar_text)
            .ok_or("include_tasks: no file given")?;
        let base = match (&task.role, &inner.base_dir) {
            (Some(r), _) if !file.starts_with('/') && task.location.file.starts_with(&r.path) => {
                task.location
                    .file
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| r.path.join("tasks"))
            }
            _ => task
                .location
                .file
                .parent()
                .map(PathBuf::from)
                .unwrap_or_else(|| self.engine.playbook_dir.clone()),
        };
        let path = base.join(&file);
        inner.base_dir = path.parent().map(PathBuf::from);
        apply_keywords(what, inner);
        let tasks = playbook::load_tasks_file(
            &self.play.role_search,
            &playbook::collections_of_task(&task.keywords),
            &path,
            &base,
            task.role.clone(),
            &task.location,
        )
        .map_err(|d| d.to_string())?;
        let shown = std::path::absolute(&path).unwrap_or(path);
        Ok((tasks, shown.display().to_string()))
    }

    /// Loads an `include_role` role; its handlers join the play. Its tasks and its name.
    fn load_included_role(
        &self,
        task: &Task,
        what: &Map<String, Value>,
        inner: &mut Inherited,
    ) -> Result<(Vec<Task>, String), String> {
        let name = what
            .get("name")
            .or_else(|| what.get("role"))
            .map(scalar_text)
            .ok_or("include_role: 'name' is required")?;
        let files = playbook::RoleFiles::from_args(what);
        let role = playbook::load_role(
            &self.play.role_search,
            &playbook::collections_of_task(&task.keywords),
            &name,
            &files,
            Map::new(),
            &task.location,
        )
        .map_err(|d| d.to_string())?;
        apply_keywords(what, inner);
        let mut tasks = Vec::new();
        collect_role(&role, &mut tasks);
        let mut handlers = self.play.handlers.lock().unwrap_or_else(|p| p.into_inner());
        for h in &role.handlers {
            handlers.extend(Handler::all(
                h,
                &Inherited {
                    handler: true,
                    ..Inherited::default()
                },
            ));
        }
        Ok((tasks, name))
    }
}

/// A role's tasks with its dependencies' first (each in a block carrying its entry's
/// keywords).
pub fn collect_role(role: &playbook::Role, into: &mut Vec<Task>) {
    into.extend(playbook::flatten_tasks(role));
}

/// `apply:` keywords of an include go to every included task.
fn apply_keywords(what: &Map<String, Value>, inner: &mut Inherited) {
    if let Some(Value::Object(apply)) = what.get("apply") {
        for (k, v) in apply {
            match k.as_str() {
                "tags" => inner.tags.extend(playbook::model::tags_of(v)),
                "when" => inner.when.push(v.clone()),
                "module_defaults" => super::module_defaults::stack(&mut inner.keywords, v),
                "vars" => {
                    if let Value::Object(m) = v {
                        inner.vars.push(Arc::new(m.clone()));
                    }
                }
                _ => {
                    inner.keywords.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
