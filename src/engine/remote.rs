//! Reaching a host: its connection (opened on first use from its templated `ansible_*`
//! variables and kept for the run), the task's become, environment, check mode and timeout,
//! then the module call. Also fact gathering, which is one remote program. Knows nothing of
//! loops, conditions or results.

use super::conn_keywords::Overrides;
use super::context::Inherited;
use super::host::HostCell;
use super::host_task::kw_bool;
use super::signal_watch::SignalWatch;
use super::vars;
use super::Runner;
use crate::connection::options::ConnOptions;
use crate::connection::plan::{self as conn_plan, HostPlan, Plan};
use crate::connection::{become_plan, open, Become, Connection, RemoteCommand};
use crate::inventory::Vars;
use crate::modules::{self, Ctx, Failure, Output, Reconnect};
use crate::playbook::Task;
use crate::template::Scope;
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The variables [`super::become_same_user::Login`] reads to know the login user.
const LOGIN_VARS: &[&str] = &["ansible_connection", "ansible_user", "ansible_ssh_user"];

impl Runner {
    /// The open connection to `name` for a task with connection keywords `ov`, connecting
    /// on first use. A task whose keywords change nothing the host's variables leave open uses
    /// the host's own connection; one they change gets its own, kept for the run.
    pub async fn connection(
        &self,
        name: &str,
        ov: &Overrides,
    ) -> Result<Arc<dyn Connection>, Failure> {
        let cell = self.engine.host(name);
        let mut guard = cell.conn.lock().await;
        let known = if ov.is_empty() {
            Some(String::new())
        } else {
            let keys = cell.conn_keys.lock().unwrap_or_else(|p| p.into_inner());
            keys.iter().find(|(o, _)| o == ov).map(|(_, k)| k.clone())
        };
        if let Some(c) = known.and_then(|k| guard.get(&k)) {
            return Ok(c.clone());
        }
        let (key, plan) = self.plan_for(&cell, ov)?;
        if !ov.is_empty() {
            let mut keys = cell.conn_keys.lock().unwrap_or_else(|p| p.into_inner());
            if !keys.iter().any(|(o, _)| o == ov) {
                keys.push((ov.clone(), key.clone()));
            }
        }
        if let Some(c) = guard.get(&key) {
            return Ok(c.clone());
        }
        for w in &plan.warnings {
            self.engine
                .emit(crate::event::Event::Warning { message: w.clone() });
        }
        let conn = open::open(&plan.plan, &self.engine.keys)
            .await
            .map_err(|e| Failure::Unreachable(e.to_string()))?;
        guard.insert(key, conn.clone());
        Ok(conn)
    }

    /// How to reach `cell`'s host under `ov`, and the key its connection is kept under: empty
    /// when it is the host's own connection, else what identifies it.
    fn plan_for(&self, cell: &HostCell, ov: &Overrides) -> Result<(String, HostPlan), Failure> {
        let host_vars = self.connection_vars(cell)?;
        let opts = &self.engine.opts.conn;
        let resolve = |v: &Vars, o: &ConnOptions| {
            conn_plan::resolve(&cell.name, v, o, &self.engine.opts.ssh_config)
                .map_err(Failure::Unreachable)
        };
        let plan = resolve(&ov.overlay(&host_vars), &ov.apply(opts))?;
        if ov.is_empty() {
            return Ok((String::new(), plan));
        }
        let mine = plan_key(&plan.plan);
        let own = plan_key(&resolve(&host_vars, opts)?.plan);
        Ok((if mine == own { String::new() } else { mine }, plan))
    }

    /// Closes the connection a task with keywords `ov` uses on `name` (if open) and opens a
    /// new one within `timeout`.
    pub async fn reopen(
        &self,
        name: &str,
        ov: &Overrides,
        timeout: Duration,
    ) -> Result<Arc<dyn Connection>, Failure> {
        let cell = self.engine.host(name);
        let (key, _) = self.plan_for(&cell, ov)?;
        let old = cell.conn.lock().await.remove(&key);
        if let Some(c) = old {
            // A host that went down may never answer the disconnect.
            let _ = tokio::time::timeout(Duration::from_secs(2), c.close()).await;
        }
        tokio::time::timeout(timeout, self.connection(name, ov))
            .await
            .map_err(|_| Failure::Unreachable(format!("connecting to {name} timed out")))?
    }

    /// A host's `ansible_*` variables, templated (they may refer to other variables).
    fn connection_vars(&self, cell: &HostCell) -> Result<Vars, Failure> {
        let all = vars::host_level(&self.engine, cell);
        let scope = vars::scope(&self.engine, None, all.clone(), Vec::new());
        let mut out = Vars::new();
        for (k, v) in &all {
            if k.starts_with("ansible_") {
                let r = self
                    .engine
                    .templar
                    .render_value(v, &scope)
                    .map_err(|e| Failure::Failed(format!("{k}: {e}")))?;
                out.insert(k.clone(), r);
            }
        }
        Ok(out)
    }

    /// Where the task runs: `delegate_to` (templated) or the host itself.
    pub fn delegate(
        &self,
        task: &Task,
        host: &HostCell,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<Option<String>, Failure> {
        Ok(self
            .delegate_named(task, inh, scope)?
            .filter(|s| *s != host.name))
    }

    /// The host `delegate_to` names (templated), the task's own host included; `None`
    /// without one (or when it renders empty).
    fn delegate_named(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<Option<String>, Failure> {
        let Some(raw) = inh.keyword(task, "delegate_to") else {
            return Ok(None);
        };
        let v = self
            .engine
            .templar
            .render_value(raw, scope)
            .map_err(|e| Failure::Failed(format!("delegate_to: {e}")))?;
        match v {
            Value::Null => Ok(None),
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(Failure::Failed(format!(
                "delegate_to must be a host name, got {other}"
            ))),
        }
    }

    /// Runs a target-side module for `task` on `host` (or its delegate).
    pub async fn remote(
        &self,
        module: &str,
        args: &Map<String, Value>,
        task: &Task,
        host: &HostCell,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<Output, Failure> {
        let rendered;
        let (module, args) = if module == "template" {
            rendered = self.template_args(args, scope)?;
            ("copy", &rendered)
        } else {
            (module, args)
        };
        let delegate = self.delegate(task, host, inh, scope)?;
        let target_name = delegate.clone().unwrap_or_else(|| host.name.clone());
        let ov = self.conn_overrides(task, inh, scope, host, delegate.is_some())?;
        let conn = self.connection(&target_name, &ov).await?;
        let become_ = self.become_for(task, inh, scope, &ov)?;
        let environment = self.environment(task, inh, scope)?;
        let setting = |k: &str, default: bool| -> Result<bool, Failure> {
            match inh.keyword(task, k) {
                Some(v) => {
                    let v = self
                        .engine
                        .templar
                        .render_value(v, scope)
                        .map_err(|e| Failure::Failed(format!("{k}: {e}")))?;
                    Ok(kw_bool(Some(&v)).unwrap_or(default))
                }
                None => Ok(default),
            }
        };
        let check = setting("check_mode", self.engine.opts.check)?;
        let diff = setting("diff", self.engine.opts.diff)?;
        let timeout = match inh.keyword(task, "timeout") {
            Some(v) => {
                let v = self
                    .engine
                    .templar
                    .render_value(v, scope)
                    .map_err(|e| Failure::Failed(format!("timeout: {e}")))?;
                v.as_u64()
                    .or_else(|| v.as_str()?.parse().ok())
                    .filter(|t| *t > 0)
                    .map(Duration::from_secs)
            }
            None => None,
        };
        let reopen = Reopen {
            runner: self,
            name: &target_name,
            ov: &ov,
        };
        let watched = SignalWatch::new(conn.as_ref());
        let mut ctx = Ctx::new(&watched, &host.name, check);
        ctx.become_ = become_;
        ctx.diff = diff;
        ctx.timeout = timeout;
        ctx.environment = &environment;
        ctx.search_paths = &scope.search_paths;
        ctx.reconnect = Some(&reopen);
        let named = self.delegate_named(task, inh, scope)?;
        ctx.delegated_to = named.as_deref();
        ctx.changes = Some(&self.engine.changes);
        let conn_id = Arc::as_ptr(&conn) as *const () as usize;
        let read = self.read_ahead(task, host, inh, &ctx, conn_id).await;
        ctx.prefetched = read.as_deref();
        let mut out = if let Some(a) = self.async_settings(task, scope)? {
            self.run_async(&host.name, module, args, &ctx, a).await?
        } else if module == "setup" {
            self.gather(&ctx, args).await?
        } else if let Some(modules::registry::Kind::Python(m)) = modules::registry::find(module) {
            let rs = self.python_settings(task, inh, scope)?;
            modules::python::run(&m, args, &ctx, &rs).await?
        } else if modules::registry::is_module(module) {
            modules::registry::run(module, args, &ctx).await.map_err(|e| match (e, timeout) {
                (Failure::Failed(m), Some(t)) if m.starts_with("command timed out") => Failure::Failed(format!(
                    "The {module} action failed to execute in the expected time frame ({}) and was terminated ({m})",
                    t.as_secs()
                )),
                (e, _) => e,
            })?
        } else {
            return Err(Failure::Failed(format!(
                "the module '{module}' is known but not implemented in this build of rsible"
            )));
        };
        watched.mark(&mut out.fields);
        if let Some(d) = delegate {
            out.fields.insert("_ansible_delegated_to".into(), json!(d));
        }
        // A module's `warnings` (Ansible's result key) are shown as [WARNING] lines, as
        // ansible-playbook shows them; the result keeps them for `register`.
        if let Some(Value::Array(ws)) = out.fields.get("warnings") {
            for w in ws.iter().filter_map(Value::as_str) {
                self.engine.emit(crate::event::Event::Warning {
                    message: w.to_string(),
                });
            }
        }
        // Facts a module returns (`setup`, `service_facts`, `hostname`, ...) become the host's
        // facts; Ansible's `ansible_` prefix on a returned name is dropped, as for `setup`. A
        // name without the prefix (`getent_passwd`, `packages`) is also a variable of its
        // own, as Ansible injects it.
        {
            let facts = out.fields.get("ansible_facts").cloned();
            if let Some(Value::Object(f)) = facts {
                let into = match (&target_name, self.delegate_facts(task, inh)) {
                    (t, true) => self.engine.host(t),
                    _ => self.engine.host(&host.name),
                };
                let mut s = into.state();
                for (k, v) in &f {
                    if !k.starts_with("ansible_") {
                        s.host_facts.insert(k.clone(), v.clone());
                    }
                }
                s.add_facts(&f);
            }
        }
        Ok(out)
    }

    /// What a Python module is told beyond the module context: the task's `no_log`, `-v`,
    /// and the host's `ansible_python_interpreter` (Ansible's `auto` values mean: look for
    /// one).
    fn python_settings(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<modules::python::RunSettings, Failure> {
        let interpreter = match scope.get("ansible_python_interpreter") {
            Some(v) => match self.engine.templar.render_value(v, scope) {
                Ok(Value::String(s)) if !s.starts_with("auto") => Some(s),
                Ok(_) => None,
                Err(e) => return Err(Failure::Failed(format!("ansible_python_interpreter: {e}"))),
            },
            None => None,
        };
        Ok(modules::python::RunSettings {
            no_log: self.no_log(task, inh, scope),
            verbosity: self.engine.opts.verbosity,
            interpreter,
        })
    }

    /// `delegate_facts: true`.
    pub fn delegate_facts(&self, task: &Task, inh: &Inherited) -> bool {
        kw_bool(inh.keyword(task, "delegate_facts")).unwrap_or(false)
    }

    /// The task's become: keywords (task, block, play) over the command line, and the
    /// host's `ansible_become*` variables over both, as in Ansible; none when it would become
    /// the user the task's connection logs in as.
    fn become_for(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
        ov: &Overrides,
    ) -> Result<Option<Become>, Failure> {
        let play_kw = &self.play.play.become_;
        let get = |k: &str| -> Result<Option<Value>, Failure> {
            let raw = inh.keyword(task, k).or_else(|| play_kw.get(k));
            raw.map(|v| self.engine.templar.render_value(v, scope))
                .transpose()
                .map_err(|e| Failure::Failed(format!("{k}: {e}")))
        };
        let mut opts = self.engine.opts.conn.clone();
        if let Some(b) = get("become")? {
            opts.become_ = kw_bool(Some(&b)).unwrap_or(false);
        }
        if let Some(Value::String(u)) = get("become_user")? {
            opts.become_user = Some(u);
        }
        if let Some(Value::String(m)) = get("become_method")? {
            opts.become_method = Some(m.parse().map_err(Failure::Failed)?);
        }
        if let Some(Value::String(e)) = get("become_exe")? {
            opts.become_exe = Some(e);
        }
        if let Some(Value::String(f)) = get("become_flags")? {
            opts.become_flags = Some(f);
        }
        let host_vars: Vars = scope
            .vars
            .iter()
            .filter(|(k, _)| k.starts_with("ansible_become") || k.as_str() == "ansible_timeout")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let rendered = match self.engine.templar.render_value(&json!(host_vars), scope) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            Ok(_) => Vars::new(),
            Err(e) => return Err(Failure::Failed(format!("become variables: {e}"))),
        };
        let become_ = become_plan::resolve_become(&rendered, &opts).map_err(Failure::Failed)?;
        let Some(b) = become_ else {
            return Ok(None);
        };
        // A delegated task logs in elsewhere: its become is left as it is.
        if inh.keyword(task, "delegate_to").is_some() {
            return Ok(Some(b));
        }
        // The variables that name the login user, as the task's connection was made with them
        // (the host's, with its own `vars:` over them: the task's scope, since it is not
        // delegated), and the task's keywords in the command line's place. Only these few
        // are rendered: this runs for every become task.
        let conn_vars: Vars = LOGIN_VARS
            .iter()
            .filter_map(|k| scope.vars.get(*k).map(|v| (k, v)))
            .map(|(k, v)| {
                let r = self.engine.templar.render_value(v, scope);
                r.map(|r| ((*k).to_string(), r))
                    .map_err(|e| Failure::Failed(format!("{k}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let conn_opts = ov.apply(&self.engine.opts.conn);
        let login = super::become_same_user::Login {
            vars: &conn_vars,
            cli_user: conn_opts.user.as_deref(),
            cli_connection: conn_opts.connection.as_deref(),
        };
        Ok((!login.is_same(&b.user)).then_some(b))
    }

    /// The task's `environment:` (task, block, play), templated and checked.
    fn environment(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<Vec<(String, String)>, Failure> {
        let mut merged = Map::new();
        for src in [
            self.play.play.keywords.get("environment"),
            inh.keywords.get("environment"),
            task.keywords.get("environment"),
        ] {
            match src {
                Some(Value::Object(m)) => merged.extend(m.clone()),
                Some(v @ Value::String(_)) => match self.engine.templar.render_value(v, scope) {
                    Ok(Value::Object(m)) => merged.extend(m),
                    Ok(other) => {
                        return Err(Failure::Failed(format!(
                            "environment must be a dict, got {other}"
                        )))
                    }
                    Err(e) => return Err(Failure::Failed(format!("environment: {e}"))),
                },
                Some(other) => {
                    return Err(Failure::Failed(format!(
                        "environment must be a dict, got {other}"
                    )))
                }
                None => {}
            }
        }
        let rendered = self
            .engine
            .templar
            .render_value(&Value::Object(merged), scope)
            .map_err(|e| Failure::Failed(format!("environment: {e}")))?;
        let mut out = Vec::new();
        if let Value::Object(m) = rendered {
            for (k, v) in m {
                let valid = !k.is_empty()
                    && !k.starts_with(|c: char| c.is_ascii_digit())
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(Failure::Failed(format!(
                        "environment: '{k}' is not a valid variable name"
                    )));
                }
                out.push((k, modules::framework::args::scalar_text(&v)));
            }
        }
        Ok(out)
    }

    /// `setup` / gather_facts: one remote program, parsed into `ansible_facts`.
    async fn gather(&self, ctx: &Ctx<'_>, args: &Map<String, Value>) -> Result<Output, Failure> {
        let subset_arg = args.get("gather_subset").cloned().unwrap_or(json!(["all"]));
        let subset =
            crate::facts::Subset::parse(&subset_arg).map_err(|e| Failure::Failed(e.to_string()))?;
        let cmd = RemoteCommand {
            script: crate::facts::script(&subset).into_bytes(),
            stdin: Vec::new(),
            stdin_file: None,
            become_: ctx.become_.clone(),
            timeout: ctx.timeout,
            raw: false,
            user_code: false,
        };
        let out = ctx.conn.exec(&cmd).await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut facts = crate::facts::parse(&stdout).map_err(|e| {
            Failure::Failed(format!(
                "fact gathering failed: {e}; stderr: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })?;
        if let Some(Value::String(f)) = args.get("filter") {
            let pats: Vec<&str> = f.split(',').map(str::trim).collect();
            facts.retain(|k, _| {
                let full = format!("ansible_{k}");
                pats.iter()
                    .any(|p| glob_match(p, &full) || glob_match(p, k))
            });
        }
        // Registered as Ansible's `setup` returns them: every name with its `ansible_` prefix
        // (the engine drops it again when the facts become the host's).
        let facts: Map<String, Value> = facts
            .into_iter()
            .map(|(k, v)| {
                if k.starts_with("ansible_") {
                    (k, v)
                } else {
                    (format!("ansible_{k}"), v)
                }
            })
            .collect();
        let mut facts = facts;
        if args.get("filter").is_none() {
            // Ansible's own two facts about the gathering.
            let subset: Vec<Value> = match &subset_arg {
                Value::String(s) => s.split(',').map(|p| json!(p.trim())).collect(),
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            facts.insert("gather_subset".into(), Value::Array(subset));
            facts.insert("module_setup".into(), json!(true));
        }
        let mut o = Output::default();
        o.fields
            .insert("ansible_facts".into(), Value::Object(facts));
        Ok(o)
    }
}

/// [`Reconnect`] for one host of a run.
struct Reopen<'r> {
    runner: &'r Runner,
    name: &'r str,
    ov: &'r Overrides,
}

impl Reconnect for Reopen<'_> {
    fn reopen(&self, timeout: Duration) -> BoxFuture<'_, Result<Arc<dyn Connection>, Failure>> {
        Box::pin(self.runner.reopen(self.name, self.ov, timeout))
    }
}

/// What identifies a connection plan: `local`, or the hash the persistence daemon keys its
/// SSH connections by (who logs in where, with which keys, known_hosts and jumps).
fn plan_key(plan: &Plan) -> String {
    match plan {
        Plan::Local => "local".into(),
        Plan::Ssh(t) => crate::connection::persist::identity(t)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    }
}

/// Shell-style `*`/`?` matching for `setup`'s `filter`.
fn glob_match(pat: &str, s: &str) -> bool {
    globset::Glob::new(pat)
        .map(|g| g.compile_matcher().is_match(s))
        .unwrap_or(false)
}
