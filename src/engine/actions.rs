//! Actions that run on the controller and change the run's own state rather than a target:
//! `debug`, `set_fact`, `assert`, `fail`, `pause`, `include_vars`, `add_host`, `group_by`.
//! Knows nothing of connections.

use super::context::Inherited;
use super::host::HostCell;
use super::include_vars_dir::{merge_hashes, DirOptions};
use super::Runner;
use crate::inventory::Vars;
use crate::modules::framework::args::{scalar_text, to_bool};
use crate::modules::{Failure, Output};
use crate::playbook::Task;
use crate::template::Scope;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn ok() -> Output {
    Output::default()
}

/// The rendered arguments of `action` checked against its typed arguments in the registry
/// (the same check the loader ran on the arguments as written).
pub(super) fn typed(action: &str, args: &Map<String, Value>) -> Result<(), Failure> {
    crate::modules::registry::check_args(action, args).map_err(|e| {
        Failure::Failed(if e.expected.is_empty() {
            e.msg
        } else {
            format!(
                "{}. Supported parameters include: {}.",
                e.msg,
                e.expected.join(", ")
            )
        })
    })
}

impl Runner {
    /// Runs `module` when it is a controller-side action; `None` when it is not one.
    pub async fn action(
        &self,
        module: &str,
        args: &Map<String, Value>,
        task: &Task,
        host: &HostCell,
        inh: &Inherited,
        scope: &Scope,
    ) -> Option<Result<Output, Failure>> {
        Some(match module {
            "debug" => self.debug(args, task, scope),
            "set_fact" => self.set_fact(args, task, host, inh, scope),
            "assert" => self.assert(args, task, scope),
            "fail" => typed("fail", args).map(|_| Output {
                failed: true,
                msg: Some(
                    args.get("msg")
                        .map(scalar_text)
                        .unwrap_or_else(|| "Failed as requested from task".into()),
                ),
                ..ok()
            }),
            "pause" => self.pause(args).await,
            "include_vars" => self.include_vars(args, task, host, scope),
            "add_host" => self.add_host(args),
            "group_by" => self.group_by(args, host),
            "validate_argument_spec" => self.validate_argument_spec(args, scope),
            _ => return None,
        })
    }

    fn debug(
        &self,
        args: &Map<String, Value>,
        task: &Task,
        scope: &Scope,
    ) -> Result<Output, Failure> {
        typed("debug", args)?;
        let mut o = ok();
        if let Some(Value::String(var)) = task.args.get("var") {
            let expr = format!("{{{{ {var} }}}}");
            let v = match self.engine.templar.render_str(&expr, scope) {
                Ok(v) => v,
                // ansible-core 2.19: the error in place of the value, and a warning.
                Err(e) if e.undefined.is_some() => {
                    // Ansible names only the missing attribute, not the whole path.
                    let why = e
                        .message
                        .split_once("' is undefined: ")
                        .map_or(e.message.as_str(), |(_, why)| why);
                    self.engine.emit(crate::event::Event::Warning {
                        message: format!(
                            "Encountered 1 template error.\nerror 1 - {}\nOrigin: {}",
                            why, task.location
                        ),
                    });
                    json!(format!("<< error 1 - {why} >>"))
                }
                Err(e) => return Err(Failure::Failed(e.to_string())),
            };
            // A result registered under `no_log` is not shown (stricter than ansible-core,
            // which prints it: a secret must not leak through a later debug).
            let v = if v.get("_ansible_no_log") == Some(&Value::Bool(true)) {
                json!(super::host_task::CENSORED)
            } else {
                v
            };
            o.fields.insert(var.clone(), v);
        } else {
            let msg = args.get("msg").cloned().unwrap_or(json!("Hello world!"));
            o.fields.insert("msg".into(), msg);
        }
        Ok(o)
    }

    fn set_fact(
        &self,
        args: &Map<String, Value>,
        task: &Task,
        host: &HostCell,
        inh: &Inherited,
        scope: &Scope,
    ) -> Result<Output, Failure> {
        let cacheable = match args.get("cacheable") {
            None => false,
            Some(v) => strict_bool(v).ok_or_else(|| {
                Failure::Failed(format!(
                    "The value '{}' is not a valid boolean. Valid booleans include: {}",
                    super::arg_convert::py_str(v),
                    super::arg_convert::VALID_BOOLEANS
                ))
            })?,
        };
        let mut facts = Map::new();
        for (k, v) in args {
            if k == "cacheable" {
                continue;
            }
            // Keys may be templates too (`"{{ name }}_port": 80`).
            let k = &if k.contains("{{") {
                match self.engine.templar.render_str(k, scope) {
                    Ok(v) => scalar_text(&v),
                    Err(e) => return Err(Failure::Failed(e.to_string())),
                }
            } else {
                k.clone()
            };
            // A string stays a string, `"true"` included (ansible-core 2.19 no longer turns
            // strings spelling a boolean into booleans).
            let valid = !k.is_empty()
                && !k.starts_with(|c: char| c.is_ascii_digit())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(Failure::Failed(format!(
                    "The variable name '{k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores."
                )));
            }
            facts.insert(k.clone(), v.clone());
        }
        if facts.is_empty() {
            return Err(Failure::Failed(
                "No key/value pairs provided, at least one is required for this action to succeed"
                    .into(),
            ));
        }
        let target = match (
            self.delegate_facts(task, inh),
            task.keywords.get("delegate_to"),
        ) {
            (true, Some(Value::String(d))) => self.engine.host(d),
            _ => self.engine.host(&host.name),
        };
        {
            let mut s = target.state();
            for (k, v) in &facts {
                s.host_facts.insert(k.clone(), v.clone());
            }
            // `cacheable`: also the host's facts (`ansible_facts`), as Ansible sets both;
            // with no fact cache configured nothing outlives the run.
            if cacheable {
                s.add_facts(&facts);
            }
        }
        let mut o = ok();
        o.fields
            .insert("ansible_facts".into(), Value::Object(facts));
        Ok(o)
    }

    fn assert(
        &self,
        args: &Map<String, Value>,
        task: &Task,
        scope: &Scope,
    ) -> Result<Output, Failure> {
        typed("assert", args)?;
        // `that` is evaluated from the task as written: its strings are expressions (from
        // the rendered arguments when they came from one template, `assert: "{{ x }}"`).
        let that = task
            .args
            .get("that")
            .or_else(|| args.get("that"))
            .cloned()
            .ok_or_else(|| Failure::Failed("assert: 'that' is required".into()))?;
        let conds: Vec<Value> = match that {
            Value::Array(a) => a,
            other => vec![other],
        };
        let quiet = args.get("quiet").and_then(to_bool).unwrap_or(false);
        let mut o = ok();
        for c in &conds {
            let holds = self.engine.templar.eval_condition(c, scope).map_err(|e| {
                Failure::Failed(format!(
                    "The conditional check '{}' failed: {e}",
                    scalar_text(c)
                ))
            })?;
            if !holds {
                o.failed = true;
                o.msg = Some(
                    args.get("fail_msg")
                        .or_else(|| args.get("msg"))
                        .map(scalar_text)
                        .unwrap_or_else(|| "Assertion failed".into()),
                );
                o.fields.insert("assertion".into(), c.clone());
                o.fields.insert("evaluated_to".into(), json!(false));
                return Ok(o);
            }
        }
        if !quiet {
            o.msg = Some(
                args.get("success_msg")
                    .map(scalar_text)
                    .unwrap_or_else(|| "All assertions passed".into()),
            );
        }
        Ok(o)
    }

    async fn pause(&self, args: &Map<String, Value>) -> Result<Output, Failure> {
        typed("pause", args)?;
        let num = |k: &str| {
            args.get(k)
                .and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()))
        };
        let started = Instant::now();
        let secs = num("seconds").or_else(|| num("minutes").map(|m| m * 60.0));
        let mut o = ok();
        let mut input = String::new();
        match secs {
            Some(s) => tokio::time::sleep(Duration::from_secs_f64(s.max(0.0))).await,
            None => {
                use std::io::IsTerminal;
                if std::io::stdin().is_terminal() {
                    let prompt = args
                        .get("prompt")
                        .map(scalar_text)
                        .unwrap_or_else(|| "Press enter to continue".into());
                    eprint!("[pause]\n{prompt}:\n");
                    input = tokio::task::spawn_blocking(|| {
                        let mut l = String::new();
                        let _ = std::io::stdin().read_line(&mut l);
                        l.trim_end_matches(['\r', '\n']).to_string()
                    })
                    .await
                    .unwrap_or_default();
                } else {
                    self.engine.emit(crate::event::Event::Warning {
                        message: "pause: not waiting for input, stdin is not a terminal".into(),
                    });
                }
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        o.fields
            .insert("delta".into(), json!(elapsed.round() as u64));
        o.fields.insert("user_input".into(), json!(input));
        o.fields.insert(
            "echo".into(),
            json!(args.get("echo").and_then(to_bool).unwrap_or(true)),
        );
        o.msg = Some(format!("Paused for {:.2} seconds", elapsed));
        Ok(o)
    }

    fn include_vars(
        &self,
        args: &Map<String, Value>,
        task: &Task,
        host: &HostCell,
        scope: &Scope,
    ) -> Result<Output, Failure> {
        typed("include_vars", args)?;
        let file = args
            .get("file")
            .or_else(|| args.get("_raw_params"))
            .map(scalar_text);
        let mut paths: Vec<PathBuf> = Vec::new();
        if let Some(f) = file {
            paths.push(self.find_vars_file(&f, task, scope)?);
        } else if let Some(d) = args.get("dir").map(scalar_text) {
            let opts = DirOptions::new(args).map_err(Failure::Failed)?;
            let dir = vars_dir(&d, task);
            if !dir.exists() {
                return Err(Failure::Failed(format!(
                    "{} directory does not exist",
                    dir.display()
                )));
            }
            if !dir.is_dir() {
                return Err(Failure::Failed(format!(
                    "{} is not a directory",
                    dir.display()
                )));
            }
            match opts.files(&dir) {
                Ok(files) => paths = files,
                // Ansible's words are under `message`; its `msg` is the generic one.
                Err((before, msg)) => {
                    let mut o = ok();
                    o.failed = true;
                    o.fields.insert("message".into(), json!(msg));
                    o.fields.insert("ansible_facts".into(), json!({}));
                    o.fields.insert(
                        "ansible_included_var_files".into(),
                        json!(before
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()),
                    );
                    return Ok(o);
                }
            }
        } else {
            return Err(Failure::Failed(
                "include_vars: give a file (free form or `file:`) or `dir:`".into(),
            ));
        }
        let mut loaded = Map::new();
        for p in &paths {
            let m =
                crate::playbook::load_vars_file(p).map_err(|d| Failure::Failed(d.to_string()))?;
            loaded.extend(m);
        }
        let value = match args.get("name").map(scalar_text) {
            Some(n) => {
                let mut m = Map::new();
                m.insert(n, Value::Object(loaded));
                m
            }
            None => loaded,
        };
        let value = match args.get("hash_behaviour").map(scalar_text).as_deref() {
            None | Some("replace") => value,
            Some("merge") => value
                .into_iter()
                .map(|(k, v)| match scope.vars.get(&k) {
                    Some(old) => {
                        let merged = merge_hashes(old, v);
                        (k, merged)
                    }
                    None => (k, v),
                })
                .collect(),
            Some(other) => {
                return Err(Failure::Failed(format!(
                    "include_vars: hash_behaviour must be one of: replace, merge, got: {other}"
                )))
            }
        };
        {
            let mut s = host.state();
            for (k, v) in &value {
                s.include_vars.insert(k.clone(), v.clone());
            }
        }
        let mut o = ok();
        o.fields
            .insert("ansible_facts".into(), Value::Object(value));
        o.fields.insert(
            "ansible_included_var_files".into(),
            json!(paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()),
        );
        Ok(o)
    }
}

/// The directory a `dir:` names, as Ansible resolves it: in a role, under its `vars/` (or
/// under the role when it starts with `vars`, if that exists); elsewhere, beside the task's file.
fn vars_dir(d: &str, task: &Task) -> PathBuf {
    let p = match &task.role {
        Some(r) if d.split('/').next() == Some("vars") => {
            let p = r.path.join(d);
            if p.exists() {
                p
            } else {
                PathBuf::from(d)
            }
        }
        Some(r) => r.path.join("vars").join(d),
        None => task
            .location
            .file
            .parent()
            .map(|p| p.join(d))
            .unwrap_or_else(|| PathBuf::from(d)),
    };
    // Ansible names the files by absolute paths.
    match std::env::current_dir() {
        Ok(cwd) if p.is_relative() => cwd.join(p),
        _ => p,
    }
}

impl Runner {
    /// A vars file relative to the role's `vars/`, the task's directory, the playbook.
    fn find_vars_file(&self, f: &str, task: &Task, scope: &Scope) -> Result<PathBuf, Failure> {
        let p = PathBuf::from(f);
        if p.is_absolute() {
            return Ok(p);
        }
        let mut tried = Vec::new();
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(r) = &task.role {
            dirs.push(r.path.join("vars"));
        }
        dirs.extend(
            scope
                .search_paths
                .iter()
                .flat_map(|d| [d.join("vars"), d.clone()]),
        );
        for d in dirs {
            let c = d.join(&p);
            if c.exists() {
                return Ok(c);
            }
            tried.push(c.display().to_string());
        }
        Err(Failure::Failed(format!(
            "Could not find or access '{f}'\nSearched in:\n\t{}",
            tried.join("\n\t")
        )))
    }

    fn add_host(&self, args: &Map<String, Value>) -> Result<Output, Failure> {
        // `add_host: "{{ host_dict }}"`: the mapping under the other arguments, as Ansible.
        let mut merged;
        let args = match args.get("_raw_params") {
            None => args,
            Some(Value::Object(raw)) => {
                merged = raw.clone();
                merged.extend(
                    args.iter()
                        .filter(|(k, _)| *k != "_raw_params")
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                &merged
            }
            Some(other) => {
                return Err(Failure::Failed(format!(
                    "Invalid raw parameters passed, requires a dictionary/mapping got a {}",
                    if other.is_string() { "str" } else { "list" }
                )))
            }
        };
        let name = args
            .get("name")
            .or_else(|| args.get("hostname"))
            .or_else(|| args.get("host"))
            .map(scalar_text)
            .ok_or_else(|| Failure::Failed("add_host: 'name' is required".into()))?;
        let (name, port) = match name.rsplit_once(':') {
            Some((h, p)) if p.parse::<u16>().is_ok() && !h.contains(':') => {
                (h.to_string(), Some(p.to_string()))
            }
            _ => (name, None),
        };
        let mut groups = Vec::new();
        let mut host_vars = Vars::new();
        for (k, v) in args {
            match k.as_str() {
                "name" | "hostname" | "host" => {}
                "groups" | "group" | "groupname" => groups.extend(match v {
                    Value::Array(a) => a.iter().map(scalar_text).collect::<Vec<_>>(),
                    other => scalar_text(other)
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                }),
                _ => {
                    host_vars.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(p) = port {
            host_vars.insert("ansible_port".into(), json!(p.parse::<u16>().unwrap_or(22)));
        }
        self.engine
            .change_inventory(|inv| inv.add_runtime_host(&name, &groups, &host_vars));
        let mut o = ok();
        o.changed = true;
        o.fields.insert(
            "add_host".into(),
            json!({"host_name": name, "groups": groups, "host_vars": host_vars}),
        );
        Ok(o)
    }

    fn group_by(&self, args: &Map<String, Value>, host: &HostCell) -> Result<Output, Failure> {
        typed("group_by", args)?;
        let key = args
            .get("key")
            .map(scalar_text)
            .ok_or_else(|| Failure::Failed("group_by: 'key' is required".into()))?;
        let group = key.replace([' ', '-', '.'], "_");
        let parents: Vec<String> = match args.get("parents") {
            Some(Value::Array(a)) => a.iter().map(scalar_text).collect(),
            Some(v) => vec![scalar_text(v)],
            // Ansible's default: the group becomes a child of `all` (a change the first time
            // for a group that was only a grandchild of it).
            None => vec!["all".to_string()],
        };
        let name = host.name.clone();
        let mut changed = false;
        // As Ansible: changed only when the inventory changed (a new parent group or link,
        // or the host joined the group), parents first.
        self.engine.change_inventory(|inv| {
            for p in &parents {
                changed |= inv.add_group_child(p, &group);
            }
            changed |= inv.add_to_group(&name, &group);
        });
        let mut o = ok();
        o.changed = changed;
        o.fields.insert("add_group".into(), json!(group));
        o.fields.insert("parent_groups".into(), json!(parents));
        Ok(o)
    }
}

/// A boolean as Ansible's strict `boolean()` reads it: a bool, 1 or 0, or one of its words.
fn strict_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
            "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
