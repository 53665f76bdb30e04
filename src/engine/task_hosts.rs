//! One task across the hosts of a step: tag and `--start-at-task` selection, the task header,
//! `run_once`, `throttle` and `--forks`, then the play-level consequences of the results
//! (`any_errors_fatal`, `max_fail_percentage`, no hosts left). Knows nothing of how a single
//! host runs the task.

use super::context::Inherited;
use super::host::HostCell;
use super::host_task::kw_bool;
use super::Runner;
use crate::event::{Event, Status};
use crate::modules::framework::args::to_bool;
use crate::playbook::Task;
use serde_json::{Map, Value};
use std::sync::Arc;
use tokio::sync::Semaphore;

impl Runner {
    /// Whether `--tags`/`--skip-tags` select the task (its tags with everything inherited).
    pub fn selected(&self, task: &Task, inh: &Inherited) -> bool {
        let mut tags: Vec<String> = task.tags.clone();
        tags.extend(inh.tags.iter().cloned());
        tags.extend(self.play.play.tags.iter().cloned());
        crate::playbook::tags_selected(&tags, &self.engine.opts.tags, &self.engine.opts.skip_tags)
    }

    /// `--start-at-task`: false until the named task is reached.
    fn reached(&self, task: &Task) -> bool {
        let mut start = self
            .engine
            .start_at
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let Some(want) = start.as_ref() else {
            return true;
        };
        let name = self.task_name(task);
        let matches = name == *want
            || task.name.as_deref() == Some(want.as_str())
            || globset::Glob::new(want)
                .map(|g| g.compile_matcher().is_match(&name))
                .unwrap_or(false);
        if matches {
            *start = None;
        }
        matches
    }

    /// Runs one task on `hosts` (all still active).
    pub async fn run_task(&self, task: &Task, hosts: &[Arc<HostCell>], inh: &Inherited) {
        if !inh.handler && (!self.selected(task, inh) || !self.reached(task)) {
            return;
        }
        if task.module.as_deref() == Some("meta") {
            self.run_meta(task, hosts, inh).await;
            return;
        }
        if self.engine.opts.step
            && !self
                .engine
                .step_disabled
                .load(std::sync::atomic::Ordering::SeqCst)
            && !self.confirm_step(task).await
        {
            return;
        }
        self.announce(task, inh);
        // `pause` and `add_host` run once for all hosts (Ansible's BYPASS_HOST_LOOP).
        let bypass = matches!(task.module.as_deref(), Some("pause" | "add_host"));
        let explicit = kw_bool(inh.keyword(task, "run_once")).unwrap_or(false);
        if let Some(msg) = self.shard_refusal(task, inh) {
            // A task an include brought in at run time, refused as the loader refuses the
            // playbook's own: on every host of the shard, before anything runs.
            for h in hosts {
                self.fail_on_host(task, h, inh, &msg).await;
            }
            self.check_failures();
            return;
        }
        let mut run_once = bypass || explicit;
        if run_once && self.play.free && !bypass {
            // Ansible's free strategy does the same, with the same warning.
            self.engine.emit(Event::Warning {
                message: "Using run_once with the free strategy is not currently supported. \
                          This task will still be executed for every host in the inventory list."
                    .into(),
            });
            run_once = false;
        }
        let chosen: Vec<Arc<HostCell>> = if run_once {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        let throttle = inh
            .keyword(task, "throttle")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .filter(|n| *n > 0)
            .map(|n| Arc::new(Semaphore::new(n as usize)));
        let runs = chosen.iter().map(|h| {
            let throttle = throttle.clone();
            async move {
                let _t = match &throttle {
                    Some(t) => t.acquire().await.ok(),
                    None => None,
                };
                let _f = self.engine.forks.acquire().await.ok();
                self.run_on_host(task, h, inh).await
            }
        });
        let statuses = futures::future::join_all(runs).await;
        // Only `run_once` shares the result: a bypassing module's stays with the host that
        // ran it, as in Ansible.
        if run_once && explicit {
            self.share_run_once(task, hosts);
        }
        if inh.rescuable {
            return;
        }
        let failed_now = statuses
            .iter()
            .zip(&chosen)
            .any(|(s, h)| *s == Status::Failed && h.state().failed);
        if failed_now {
            let fatal = inh
                .keyword(task, "any_errors_fatal")
                .or_else(|| self.play.play.keywords.get("any_errors_fatal"));
            if kw_bool(fatal).unwrap_or(false) {
                self.play.abort_playbook();
            }
        }
        self.check_failures();
    }

    /// `--step`: asks before each task, as ansible-playbook does; `c` stops asking.
    async fn confirm_step(&self, task: &Task) -> bool {
        use std::io::Write;
        let name = self.task_name(task);
        let answer = tokio::task::spawn_blocking(move || {
            eprint!("Perform task: TASK: {name} (N)o/(y)es/(c)ontinue: ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            line.trim().to_ascii_lowercase()
        })
        .await
        .unwrap_or_default();
        match answer.as_str() {
            "y" | "yes" => true,
            "c" | "continue" => {
                self.step_off();
                true
            }
            _ => false,
        }
    }

    /// `c` at a `--step` prompt: run the rest without asking.
    fn step_off(&self) {
        self.engine
            .step_disabled
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// `run_once`: the first host's registered result and facts go to every host.
    fn share_run_once(&self, task: &Task, hosts: &[Arc<HostCell>]) {
        let Some(first) = hosts.first() else { return };
        let mut names: Vec<String> = Vec::new();
        if let Some(Value::String(r)) = task.keywords.get("register") {
            names.push(r.clone());
        }
        if task.module.as_deref() == Some("set_fact") {
            names.extend(task.args.keys().filter(|k| *k != "cacheable").cloned());
        }
        let values: Vec<(String, Value)> = {
            let s = first.state();
            names
                .iter()
                .filter_map(|n| s.host_facts.get(n).map(|v| (n.clone(), v.clone())))
                .collect()
        };
        // A `cacheable` set_fact (unless written false) also sets the facts of every host.
        let cacheable = task.module.as_deref() == Some("set_fact")
            && task
                .args
                .get("cacheable")
                .is_some_and(|c| to_bool(c) != Some(false));
        let facts: Map<String, Value> = values.iter().cloned().collect();
        for h in hosts.iter().skip(1) {
            let mut s = h.state();
            for (k, v) in &values {
                s.host_facts.insert(k.clone(), v.clone());
            }
            if cacheable {
                s.add_facts(&facts);
            }
        }
    }

    /// `max_fail_percentage` and "no hosts left" after a task.
    pub fn check_failures(&self) {
        let batch = self.play.batch();
        if batch.is_empty() {
            return;
        }
        let failed = batch
            .iter()
            .filter(|h| {
                let c = self.engine.host(h);
                let s = c.state();
                s.failed || s.unreachable
            })
            .count();
        if let Some(pct) = self
            .play
            .play
            .keywords
            .get("max_fail_percentage")
            .and_then(|v| {
                v.as_f64()
                    .or_else(|| v.as_str()?.trim_end_matches('%').parse().ok())
            })
        {
            if failed as f64 * 100.0 / batch.len() as f64 > pct {
                self.play.abort_playbook();
                self.engine.emit(Event::NoHostsRemaining);
            }
        }
        if failed == batch.len() && !self.play.is_aborted() {
            self.play.abort_playbook();
            self.engine.emit(Event::NoHostsRemaining);
        }
    }

    /// Sends the task header (once per task under the free strategy).
    fn announce(&self, task: &Task, inh: &Inherited) {
        if self.play.free {
            let id = format!("{}|{:?}", task.location, task.name);
            let mut seen = self
                .play
                .announced
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if !seen.insert(id) {
                return;
            }
        }
        self.engine.emit(Event::TaskStart {
            name: self.task_name(task),
            location: task.location.to_string(),
            handler: inh.handler,
        });
    }

    /// `meta:` actions, which act on the play rather than on a target.
    async fn run_meta(&self, task: &Task, hosts: &[Arc<HostCell>], inh: &Inherited) {
        let what = task
            .args
            .get("_raw_params")
            .or_else(|| task.args.get("free_form"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let cond_ok = |h: &Arc<HostCell>| -> bool {
            let Some(w) = task.keywords.get("when") else {
                return true;
            };
            let vars = super::vars::task_vars(&self.engine, &self.play, h, task, inh);
            let scope = super::vars::scope(&self.engine, Some(&self.play), vars, Vec::new());
            self.engine
                .templar
                .eval_condition(w, &scope)
                .unwrap_or(false)
        };
        let hosts: Vec<Arc<HostCell>> = hosts.iter().filter(|h| cond_ok(h)).cloned().collect();
        match what.as_str() {
            "flush_handlers" => self.flush_handlers(&hosts).await,
            "end_play" if !hosts.is_empty() => self.play.abort(),
            "end_host" => hosts.iter().for_each(|h| h.state().ended = true),
            "end_batch" => {
                for h in self.play.batch() {
                    self.engine.host(&h).state().ended = true;
                }
            }
            "clear_host_errors" => {
                for h in &self.play.hosts {
                    self.engine.host(h).state().failed = false;
                }
            }
            "clear_facts" => hosts.iter().for_each(|h| h.state().clear_facts()),
            "reset_connection" => {
                for h in &hosts {
                    let conns: Vec<_> = h.conn.lock().await.drain().map(|(_, c)| c).collect();
                    for c in conns {
                        c.reset().await;
                    }
                }
            }
            "end_role" => hosts
                .iter()
                .for_each(|h| h.state().ended_role = task.role.clone()),
            // "noop", or end_play on no host: the loader accepts only the words matched
            // above (modules::actions::META_ACTIONS; Ansible does not template them).
            _ => {}
        }
    }
}
