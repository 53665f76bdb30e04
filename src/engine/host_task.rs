//! One task on one host: variables, loop items, `when`, the module or action, `until`
//! retries, `changed_when`/`failed_when`, `ignore_errors`, `register`, `notify`, the recap
//! counts and the result event. Knows nothing of other hosts or of blocks.

use super::context::Inherited;
use super::host::HostCell;
use super::loops::{self, LoopControl};
use super::result_shape;
use super::vars;
use super::Runner;
use crate::event::{Diff, Event, HostResult, Status};
use crate::inventory::Vars;
use crate::modules::framework::args::to_bool;
use crate::modules::{self, Failure, Output};
use crate::playbook::Task;
use crate::template::{Scope, OMIT};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// Ansible's text for `no_log` results.
pub const CENSORED: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/// One run of a task (or of one loop item) on one host.
#[derive(Debug, Clone)]
pub struct ItemResult {
    /// How it ended.
    pub status: Status,
    /// The registered fields.
    pub result: Map<String, Value>,
    /// Diffs for `--diff`.
    pub diffs: Vec<Diff>,
    /// A failure `ignore_errors` let pass.
    pub ignored: bool,
    /// Where a failure rsible found comes from (`The error appears to be in task ...`):
    /// shown after `msg`, never registered (Ansible's `msg` has no such line).
    pub at: Option<String>,
}

impl ItemResult {
    /// A result with `status` and registered fields `result`.
    pub fn new(status: Status, result: Map<String, Value>) -> ItemResult {
        ItemResult {
            status,
            result,
            diffs: Vec::new(),
            ignored: false,
            at: None,
        }
    }

    /// A failure with `msg`.
    pub fn failed(msg: impl Into<String>) -> ItemResult {
        let mut m = Map::new();
        m.insert("changed".into(), json!(false));
        m.insert("failed".into(), json!(true));
        m.insert("msg".into(), json!(msg.into()));
        result_shape::normalize(&mut m);
        ItemResult::new(Status::Failed, m)
    }

    fn unreachable(msg: String) -> ItemResult {
        let mut m = Map::new();
        m.insert("changed".into(), json!(false));
        m.insert("unreachable".into(), json!(true));
        m.insert("msg".into(), json!(msg));
        ItemResult::new(Status::Unreachable, m)
    }

    fn skipped(cond: &Value) -> ItemResult {
        let mut m = Map::new();
        m.insert("changed".into(), json!(false));
        m.insert("skipped".into(), json!(true));
        m.insert("skip_reason".into(), json!("Conditional result was False"));
        m.insert("false_condition".into(), cond.clone());
        ItemResult::new(Status::Skipped, m)
    }
}

/// Reads a keyword as a boolean (Ansible's spellings); `None` when unset.
pub fn kw_bool(v: Option<&Value>) -> Option<bool> {
    v.and_then(to_bool)
}

impl Runner {
    /// Fails `task` on `host` with `msg` before anything of it runs (a task `--shard`
    /// refuses), through the same result path as any failure.
    pub async fn fail_on_host(
        &self,
        task: &Task,
        host: &Arc<HostCell>,
        inh: &Inherited,
        msg: &str,
    ) {
        host.state().task_started = Some(std::time::Instant::now());
        let base = vars::task_vars(&self.engine, &self.play, host, task, inh);
        let dirs = vars::search_dirs(&self.engine, task, inh);
        let scope = vars::scope(&self.engine, Some(&self.play), base, dirs);
        let no_log = self.no_log(task, inh, &scope);
        let r = self.failed_at(task, msg);
        self.finish(task, host, inh, &scope, r, no_log, None).await;
    }

    /// Why `--shard` refuses `task` (its inherited keywords included), or `None` when the
    /// run is not sharded or the task runs in a shard as it would in the whole run.
    pub fn shard_refusal(&self, task: &Task, inh: &Inherited) -> Option<String> {
        self.engine.opts.shard?;
        crate::shard::refusal(task.module.as_deref(), |k| inh.keyword(task, k))
    }

    /// Runs `task` on `host` and reports it; returns the final status.
    pub async fn run_on_host(&self, task: &Task, host: &Arc<HostCell>, inh: &Inherited) -> Status {
        host.state().task_started = Some(std::time::Instant::now());
        let base = vars::task_vars(&self.engine, &self.play, host, task, inh);
        let dirs = vars::search_dirs(&self.engine, task, inh);
        let scope = vars::scope(&self.engine, Some(&self.play), base.clone(), dirs);
        let no_log = self.no_log(task, inh, &scope);
        let items = match loops::items(task, &self.engine.templar, &scope) {
            Ok(items) => items,
            Err(e) => {
                let r = match self.skip_before_undefined_loop(task, inh, &scope) {
                    Some(c) => ItemResult::skipped(c),
                    None => self.failed_at(task, &e),
                };
                return self.finish(task, host, inh, &scope, r, no_log, None).await;
            }
        };
        let Some(items) = items else {
            let r = self.run_item(task, host, inh, scope.clone()).await;
            return self.finish(task, host, inh, &scope, r, no_log, None).await;
        };
        // `label` is rendered per item; the other settings once.
        let mut lc_raw = task.keywords.get("loop_control").cloned();
        let label = lc_raw
            .as_mut()
            .and_then(Value::as_object_mut)
            .and_then(|m| m.remove("label"));
        let mut lc = match lc_raw.map(|v| self.engine.templar.render_value(&v, &scope)) {
            Some(Ok(v)) => LoopControl::from_value(Some(&v)),
            Some(Err(e)) => {
                let r = self.failed_at(task, &e.to_string());
                return self.finish(task, host, inh, &scope, r, no_log, None).await;
            }
            None => LoopControl::from_value(None),
        };
        lc.label = label;
        let mut results = Vec::with_capacity(items.len());
        for i in 0..items.len() {
            if i > 0 && lc.pause > 0.0 {
                tokio::time::sleep(Duration::from_secs_f64(lc.pause)).await;
            }
            let item_vars = lc.item_vars(&items, i);
            let iscope = scope.with_vars(loops::with(&base, &item_vars));
            let label = match &lc.label {
                Some(l) => self
                    .engine
                    .templar
                    .render_value(l, &iscope)
                    .map(|v| loops::label(&v))
                    .unwrap_or_else(|_| loops::label(&items[i])),
                None => loops::label(&items[i]),
            };
            let mut r = self.run_item(task, host, inh, iscope).await;
            for (k, v) in item_vars {
                if k != "ansible_loop" || lc.extended {
                    r.result.insert(k, v);
                }
            }
            r.result.insert("_ansible_item_label".into(), json!(label));
            self.emit_result(task, host, &r, Some(label), no_log);
            let unreachable = r.status == Status::Unreachable;
            results.push(r);
            if unreachable {
                break;
            }
        }
        let agg = aggregate(results);
        self.finish(task, host, inh, &scope, agg, no_log, Some(()))
            .await
    }

    /// `no_log` of the task, else of the nearest enclosing block, include or role, else of
    /// the play (Ansible's inheritance), templated; a value that does not template to a
    /// boolean hides the result.
    pub(super) fn no_log(&self, task: &Task, inh: &Inherited, scope: &Scope) -> bool {
        let own = inh.keyword(task, "no_log");
        match own.or_else(|| self.play.play.keywords.get("no_log")) {
            Some(v) => self
                .engine
                .templar
                .render_value(v, scope)
                .ok()
                .and_then(|v| to_bool(&v))
                .unwrap_or(true),
            None => false,
        }
    }

    /// The false `when` condition that skips `task` before its undefined loop is an error
    /// (see [`super::loop_undefined`]).
    pub(super) fn skip_before_undefined_loop<'a>(
        &self,
        task: &'a Task,
        inh: &'a Inherited,
        scope: &Scope,
    ) -> Option<&'a Value> {
        let templar = &self.engine.templar;
        if !super::loop_undefined::loop_is_undefined(task, templar, scope) {
            return None;
        }
        let conds = inh.when.iter().chain(task.keywords.get("when"));
        super::loop_undefined::false_condition(conds, templar, scope)
    }

    /// [`Self::no_log`] for `task` on `host`, in the host's variables.
    pub(super) fn no_log_on(&self, task: &Task, host: &Arc<HostCell>, inh: &Inherited) -> bool {
        let base = vars::task_vars(&self.engine, &self.play, host, task, inh);
        let dirs = vars::search_dirs(&self.engine, task, inh);
        self.no_log(
            task,
            inh,
            &vars::scope(&self.engine, Some(&self.play), base, dirs),
        )
    }

    /// One item (or the whole task without a loop): `when`, then the module with `until`.
    async fn run_item(
        &self,
        task: &Task,
        host: &Arc<HostCell>,
        inh: &Inherited,
        scope: Scope,
    ) -> ItemResult {
        let templar = &self.engine.templar;
        let mut conds: Vec<&Value> = inh.when.iter().collect();
        if let Some(w) = task.keywords.get("when") {
            conds.push(w);
        }
        for c in conds {
            match templar.eval_condition(c, &scope) {
                Ok(true) => {}
                Ok(false) => return ItemResult::skipped(c),
                Err(e) => {
                    return self.failed_at(
                        task,
                        &format!("The conditional check '{}' failed: {e}", cond_text(c)),
                    )
                }
            }
        }
        let until = task.keywords.get("until");
        let retries = match task.keywords.get("retries") {
            Some(v) => match templar.render_value(v, &scope) {
                Ok(v) => v.as_u64().or_else(|| v.as_str()?.parse().ok()).unwrap_or(3),
                Err(e) => return self.failed_at(task, &e.to_string()),
            },
            None => 3,
        };
        let delay = match task.keywords.get("delay") {
            Some(v) => match templar.render_value(v, &scope) {
                Ok(v) => v
                    .as_f64()
                    .or_else(|| v.as_str()?.parse().ok())
                    .unwrap_or(5.0),
                Err(e) => return self.failed_at(task, &e.to_string()),
            },
            None => 5.0,
        };
        let attempts = if until.is_some() {
            retries.max(1) + 1
        } else {
            1
        };
        let mut last = ItemResult::failed("no attempt was made");
        for attempt in 1..=attempts {
            last = self.attempt(task, host, inh, &scope).await;
            if let Some(cond) = until {
                last.result.insert("attempts".into(), json!(attempt));
                if last.status == Status::Unreachable || last.status == Status::Skipped {
                    break;
                }
                let s = self.with_register(task, &scope, &last.result);
                match templar.eval_condition(cond, &s) {
                    Ok(true) => break,
                    Ok(false) if attempt < attempts => {
                        last.result.insert("retries".into(), json!(attempts));
                        self.engine.emit(Event::Retrying {
                            host: host.name.clone(),
                            task: self.task_name(task),
                            retries_left: attempts - attempt,
                        });
                        tokio::time::sleep(Duration::from_secs_f64(delay.max(0.0))).await;
                        continue;
                    }
                    Ok(false) => {
                        last.status = Status::Failed;
                        last.result.insert("failed".into(), json!(true));
                        if !last.result.contains_key("msg")
                            || last.result.get("msg") == Some(&json!(""))
                        {
                            last.result.insert(
                                "msg".into(),
                                json!("Task failed as maximum retries was encountered"),
                            );
                        }
                    }
                    Err(e) => {
                        return self.failed_at(
                            task,
                            &format!("The conditional check '{}' failed: {e}", cond_text(cond)),
                        )
                    }
                }
            }
        }
        last
    }

    /// One attempt: templated arguments, the module or action, then `changed_when`,
    /// `failed_when` and `ignore_errors`.
    async fn attempt(
        &self,
        task: &Task,
        host: &Arc<HostCell>,
        inh: &Inherited,
        scope: &Scope,
    ) -> ItemResult {
        let templar = &self.engine.templar;
        let module = task.module.as_deref().unwrap_or("");
        let own = match self.args_with_defaults(task, inh, scope) {
            Ok(a) => a,
            Err(e) => return self.failed_at(task, &e),
        };
        let args = match templar.render_value(&Value::Object(own), scope) {
            Ok(Value::Object(m)) => match crate::playbook::variable_params::merge(m) {
                Ok(m) => strip_omit(m),
                Err(e) => {
                    let msg = format!(
                        "Finalization of task args for 'ansible.builtin.{module}' failed: {e}"
                    );
                    return self.failed_at(task, &msg);
                }
            },
            Ok(_) => Map::new(),
            Err(e) => return self.failed_at(task, &e.to_string()),
        };
        if let Some(m) = self.async_refusal(task, scope) {
            return ItemResult::failed(m);
        }
        let outcome = match self.action(module, &args, task, host, inh, scope).await {
            Some(r) => r,
            None => self.remote(module, &args, task, host, inh, scope).await,
        };
        let out = match outcome {
            Ok(o) => o,
            Err(Failure::Unreachable(m)) => return ItemResult::unreachable(m),
            // A module's failure still meets `changed_when`/`failed_when`, as in Ansible.
            Err(Failure::Failed(m)) => Output {
                failed: true,
                msg: Some(m),
                ..Output::default()
            },
            Err(Failure::BadArgs(m)) => return self.failed_at(task, &m),
        };
        let mut r = from_output(out);
        if r.status == Status::Skipped {
            return r;
        }
        let module_failed = r.status == Status::Failed;
        if module_failed && modules::registry::is_module(module) {
            // A Python module's own traceback stays.
            r.result
                .entry("exception")
                .or_insert(json!(result_shape::NO_TRACEBACK));
        }
        let s = self.with_register(task, scope, &r.result);
        let mut cond_failed = false;
        if let Some(c) = task.keywords.get("changed_when") {
            match templar.eval_condition(c, &s) {
                Ok(b) => {
                    r.result.insert("changed".into(), json!(b));
                }
                Err(e) => {
                    result_shape::condition_error(&mut r.result, "changed", &e.to_string());
                    cond_failed = true;
                }
            }
        }
        if let Some(c) = task.keywords.get("failed_when").filter(|_| !cond_failed) {
            match templar.eval_condition(c, &s) {
                Ok(b) => {
                    r.result.insert("failed".into(), json!(b));
                    r.result.insert("failed_when_result".into(), json!(b));
                    result_shape::after_failed_when(&mut r.result, module_failed);
                }
                Err(e) => result_shape::condition_error(&mut r.result, "failed", &e.to_string()),
            }
        }
        result_shape::normalize(&mut r.result);
        r.status = status_of(&r.result);
        r
    }

    /// The scope plus the task's own result under its `register` name, for `changed_when`,
    /// `failed_when` and `until`.
    fn with_register(&self, task: &Task, scope: &Scope, result: &Map<String, Value>) -> Scope {
        let Some(Value::String(name)) = task.keywords.get("register") else {
            return scope.clone();
        };
        let mut v = (*scope.vars).clone();
        v.insert(name.clone(), Value::Object(result.clone()));
        scope.with_vars(v)
    }

    /// `ignore_errors`, register, notify, recap counts, state and the final event.
    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        task: &Task,
        host: &Arc<HostCell>,
        inh: &Inherited,
        scope: &Scope,
        mut r: ItemResult,
        no_log: bool,
        looped: Option<()>,
    ) -> Status {
        let templar = &self.engine.templar;
        let ignore = |k: &str| {
            inh.keyword(task, k)
                .and_then(|v| templar.render_value(v, scope).ok())
                .and_then(|v| to_bool(&v))
                .unwrap_or(false)
        };
        if r.status == Status::Failed && ignore("ignore_errors") {
            r.ignored = true;
        }
        if r.status == Status::Unreachable && ignore("ignore_unreachable") {
            r.ignored = true;
        }
        if let Some(Value::String(name)) = task.keywords.get("register") {
            let mut reg = r.result.clone();
            reg.remove("_ansible_item_label");
            // A module's own `invocation` (Ansible's Python modules return one) is shown at
            // -vvv but not registered, as in Ansible.
            reg.remove("invocation");
            // Marked as Ansible marks it; `debug` then shows the censored message, not the
            // values (later tasks can still use them).
            if self.no_log(task, inh, scope) {
                reg.insert("_ansible_no_log".into(), Value::Bool(true));
            }
            host.state()
                .host_facts
                .insert(name.clone(), Value::Object(reg));
        }
        if r.status == Status::Changed {
            if let Err(e) = self.notify(task, inh, host, scope) {
                r = self.failed_at(task, &e);
            }
        }
        self.count(&host.name, &r);
        {
            let mut s = host.state();
            match (r.status, r.ignored) {
                (Status::Failed, false) => {
                    s.failed = true;
                    s.failed_result = Some(Value::Object(r.result.clone()));
                    // Ansible's `ansible_failed_task.name` is the task's own name: no role
                    // prefix, empty when unnamed.
                    let own = task.name.as_deref().map(|n| self.render_name(n));
                    s.failed_task = Some(own.unwrap_or_default());
                }
                (Status::Unreachable, false) => s.unreachable = true,
                _ => {}
            }
        }
        if looped.is_some() {
            self.engine.emit(Event::LoopDone {
                host: host.name.clone(),
                status: r.status,
            });
        } else {
            self.emit_result(task, host, &r, None, no_log);
        }
        r.status
    }

    /// Ansible's recap counting for one task result.
    fn count(&self, host: &str, r: &ItemResult) {
        let changed = r.result.get("changed").and_then(to_bool).unwrap_or(false);
        self.engine.count(host, |s| match (r.status, r.ignored) {
            (Status::Failed, false) => s.failed += 1,
            // An ignored unreachable host counts as an ignored failure, as in Ansible.
            (Status::Failed | Status::Unreachable, true) => {
                s.ok += 1;
                s.ignored += 1;
                s.changed += u32::from(changed);
            }
            (Status::Unreachable, false) => s.unreachable += 1,
            (Status::Skipped, _) => s.skipped += 1,
            (Status::Ok | Status::Changed, _) => {
                s.ok += 1;
                s.changed += u32::from(changed);
            }
        });
    }

    /// Sends one result event (censored under `no_log`).
    pub fn emit_result(
        &self,
        task: &Task,
        host: &HostCell,
        r: &ItemResult,
        item: Option<String>,
        no_log: bool,
    ) {
        let mut result = r.result.clone();
        if let (Some(at), Some(Value::String(msg))) = (&r.at, result.get_mut("msg")) {
            msg.push('\n');
            msg.push_str(at);
        }
        if no_log {
            let keep: Map<String, Value> = ["changed", "failed", "skipped", "unreachable"]
                .iter()
                .filter_map(|k| result.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect();
            result = keep;
            result.insert("censored".into(), json!(CENSORED));
        }
        let verbosity = if task.module.as_deref() == Some("debug") {
            task.args
                .get("verbosity")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(0) as u8
        } else {
            0
        };
        let delegated_to = result
            .get("_ansible_delegated_to")
            .and_then(Value::as_str)
            .map(str::to_string);
        result.remove("_ansible_delegated_to");
        let elapsed_ms = host
            .state()
            .task_started
            .map_or(0, |t| t.elapsed().as_millis() as u64);
        self.engine.emit(Event::HostResult(Box::new(HostResult {
            host: host.name.clone(),
            delegated_to,
            status: r.status,
            item: if no_log {
                item.map(|_| "None".into())
            } else {
                item
            },
            ignored: r.ignored,
            result,
            diffs: if no_log { Vec::new() } else { r.diffs.clone() },
            no_log,
            verbosity,
            show_result: task.module.as_deref() == Some("debug"),
            elapsed_ms,
        })));
    }

    /// Records `notify:` names (the task's, else its block's) on the host; an unknown handler
    /// is an error, as in Ansible.
    fn notify(
        &self,
        task: &Task,
        inh: &Inherited,
        host: &HostCell,
        scope: &Scope,
    ) -> Result<(), String> {
        let Some(raw) = inh.keyword(task, "notify") else {
            return Ok(());
        };
        let v = self
            .engine
            .templar
            .render_value(raw, scope)
            .map_err(|e| e.to_string())?;
        let names: Vec<String> = match v {
            Value::String(s) => vec![s],
            Value::Array(a) => a
                .iter()
                .map(modules::framework::args::scalar_text)
                .collect(),
            _ => Vec::new(),
        };
        let handlers = self.play.handlers.lock().unwrap_or_else(|p| p.into_inner());
        for n in names {
            if !handlers.iter().any(|h| h.names.contains(&n)) {
                return Err(format!(
                    "The requested handler '{n}' was not found in either the main handlers list nor in the listening handlers list"
                ));
            }
            let mut s = host.state();
            if !s.notified.contains(&n) {
                s.notified.push(n);
            }
        }
        Ok(())
    }

    /// A failure with `msg`, shown with the task's name and location after it.
    pub fn failed_at(&self, task: &Task, msg: &str) -> ItemResult {
        ItemResult {
            at: Some(format!(
                "The error appears to be in task '{}' at {}",
                self.task_name(task),
                task.location
            )),
            ..ItemResult::failed(msg)
        }
    }

    /// The name shown for a task: `role : name`, or the module as written; an
    /// `include_role` is `name`, or `include_role : ROLE` (never its own role's name).
    pub fn task_name(&self, task: &Task) -> String {
        let written = || {
            task.action
                .clone()
                .or_else(|| task.module.clone())
                .unwrap_or_else(|| "block".into())
        };
        if task.module.as_deref() == Some("include_role") {
            return match &task.name {
                Some(n) => self.render_name(n),
                None => {
                    let role = task
                        .args
                        .get("name")
                        .map(modules::framework::args::scalar_text);
                    format!("{} : {}", written(), role.unwrap_or_default())
                }
            };
        }
        let base = match &task.name {
            Some(n) => self.render_name(n),
            None => written(),
        };
        match &task.role {
            Some(r) => format!("{} : {base}", r.name),
            None => base,
        }
    }

    /// Task names are templated with play-level variables only (as Ansible does).
    fn render_name(&self, name: &str) -> String {
        if !name.contains("{{") {
            return name.to_string();
        }
        let mut v = Vars::new();
        for (k, x) in &self.play.play.vars {
            v.insert(k.clone(), x.clone());
        }
        for (k, x) in &self.engine.opts.extra_vars {
            v.insert(k.clone(), x.clone());
        }
        let scope = vars::scope(&self.engine, None, v, Vec::new());
        match self.engine.templar.render_str(name, &scope) {
            Ok(Value::String(s)) => s,
            Ok(other) => modules::framework::args::scalar_text(&other),
            Err(_) => name.to_string(),
        }
    }
}

/// Drops arguments that rendered to `omit`.
pub(super) fn strip_omit(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter()
        .filter(|(_, v)| v.as_str() != Some(OMIT))
        .collect()
}

/// A condition as the user wrote it, for messages.
fn cond_text(c: &Value) -> String {
    match c {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The status a registered result stands for.
fn status_of(r: &Map<String, Value>) -> Status {
    let flag = |k: &str| r.get(k).and_then(to_bool).unwrap_or(false);
    if flag("unreachable") {
        Status::Unreachable
    } else if flag("failed") {
        Status::Failed
    } else if flag("skipped") {
        Status::Skipped
    } else if flag("changed") {
        Status::Changed
    } else {
        Status::Ok
    }
}

/// A module's output as registered fields.
fn from_output(o: Output) -> ItemResult {
    let mut m = o.fields;
    m.insert("changed".into(), json!(o.changed));
    if let Some(msg) = o.msg {
        m.insert("msg".into(), json!(msg));
    }
    if o.skipped {
        m.insert("skipped".into(), json!(true));
    }
    m.insert("failed".into(), json!(o.failed));
    if !o.diffs.is_empty() && !m.contains_key("diff") {
        m.insert(
            "diff".into(),
            Value::Array(
                o.diffs
                    .iter()
                    .map(|d| {
                        // Ansible leaves out a header it has nothing for (a new file's).
                        let mut m = Map::new();
                        m.insert("before".into(), json!(d.before));
                        m.insert("after".into(), json!(d.after));
                        for (k, h) in [
                            ("before_header", &d.before_header),
                            ("after_header", &d.after_header),
                        ] {
                            if !h.is_empty() {
                                m.insert(k.into(), json!(h));
                            }
                        }
                        Value::Object(m)
                    })
                    .collect(),
            ),
        );
    }
    let mut r = ItemResult::new(status_of(&m), m);
    r.diffs = o.diffs;
    r
}

/// The registered value of a loop: `results` plus the overall flags, as Ansible builds it.
fn aggregate(items: Vec<ItemResult>) -> ItemResult {
    let any = |s: Status| items.iter().any(|r| r.status == s);
    let changed = items
        .iter()
        .any(|r| r.result.get("changed").and_then(to_bool).unwrap_or(false));
    let failed = any(Status::Failed);
    let all_skipped = !items.is_empty() && items.iter().all(|r| r.status == Status::Skipped);
    let mut m = Map::new();
    m.insert("changed".into(), json!(changed));
    m.insert(
        "msg".into(),
        json!(if failed {
            "One or more items failed"
        } else {
            "All items completed"
        }),
    );
    if failed {
        m.insert("failed".into(), json!(true));
    }
    if all_skipped || items.is_empty() {
        m.insert("skipped".into(), json!(true));
        if items.is_empty() {
            m.insert("skipped_reason".into(), json!("No items in the list"));
        }
    }
    let diffs = items.iter().flat_map(|r| r.diffs.clone()).collect();
    let status = if any(Status::Unreachable) {
        Status::Unreachable
    } else if failed {
        Status::Failed
    } else if all_skipped || items.is_empty() {
        Status::Skipped
    } else if changed {
        Status::Changed
    } else {
        Status::Ok
    };
    m.insert(
        "results".into(),
        Value::Array(
            items
                .into_iter()
                .map(|mut r| {
                    r.result.remove("_ansible_item_label");
                    Value::Object(r.result)
                })
                .collect(),
        ),
    );
    let mut r = ItemResult::new(status, m);
    r.diffs = diffs;
    r
}
