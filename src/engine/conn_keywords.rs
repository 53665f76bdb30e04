//! The connection keywords of a task (`remote_user`, `port`, `connection`), read from the
//! task, its blocks, role and play and templated. Ansible ranks them under the connection
//! variables (`ansible_user`, `ansible_port`, `ansible_connection`, from the host or from the
//! play's, role's, block's or task's `vars:`) and over the command line (`-u`, `-c`) and
//! configuration; [`Overrides::apply`] puts them in that place of the connection options, and
//! [`Overrides::vars`] carries such variables set by the task's own `vars:`. Knows nothing of
//! how a connection is opened or kept.

use super::context::Inherited;
use super::host::HostCell;
use super::{vars, Runner};
use crate::connection::options::ConnOptions;
use crate::inventory::Vars;
use crate::modules::Failure;
use crate::playbook::Task;
use crate::template::Scope;
use serde_json::Value;

/// The connection variables a task's `vars:` may set, that win over the keywords.
const CONNECTION_VARS: &[&str] = &[
    "ansible_user",
    "ansible_ssh_user",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_connection",
];

/// What a task's keywords say about its connection; all `None` when they say nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `remote_user`.
    pub user: Option<String>,
    /// `port`.
    pub port: Option<u16>,
    /// `connection` (`ssh`, `smart`, `local`, or their FQCN).
    pub connection: Option<String>,
    /// Connection variables the task's own `vars:` (play, role, block, task) set to something
    /// other than the host's, rendered.
    pub vars: Vec<(String, Value)>,
}

impl Overrides {
    /// Whether no keyword is set: the host's own connection serves the task.
    pub fn is_empty(&self) -> bool {
        self == &Overrides::default()
    }

    /// The connection options with the keywords in place of the command line's (the host's
    /// `ansible_*` variables, read later, still win over both).
    pub fn apply(&self, opts: &ConnOptions) -> ConnOptions {
        let mut o = opts.clone();
        if let Some(u) = &self.user {
            o.user = Some(u.clone());
        }
        if let Some(p) = self.port {
            o.port = Some(p);
        }
        if let Some(c) = &self.connection {
            o.connection = Some(c.clone());
        }
        o
    }

    /// The host's connection variables with the task's own over them.
    pub fn overlay(&self, host: &Vars) -> Vars {
        let mut v = host.clone();
        for (k, x) in &self.vars {
            v.insert(k.clone(), x.clone());
        }
        v
    }
}

impl Runner {
    /// The task's connection keywords (task, blocks, role, play), templated, and the
    /// connection variables its `vars:` set on `host` (none for a delegated task: it reaches
    /// another host, with that host's variables).
    pub fn conn_overrides(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
        host: &HostCell,
        delegated: bool,
    ) -> Result<Overrides, Failure> {
        let get = |k: &str| -> Result<Option<String>, Failure> {
            let Some(raw) = inh
                .keyword(task, k)
                .or_else(|| self.play.play.keywords.get(k))
            else {
                return Ok(None);
            };
            let v = self
                .engine
                .templar
                .render_value(raw, scope)
                .map_err(|e| Failure::Failed(format!("{k}: {e}")))?;
            Ok(match v {
                Value::Null => None,
                Value::String(s) if s.is_empty() => None,
                Value::String(s) => Some(s),
                other => Some(other.to_string()),
            })
        };
        let port = match get("port")? {
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| Failure::Failed(format!("port: '{p}' is not a port number")))?,
            ),
            None => None,
        };
        let mut own_vars = Vec::new();
        if !delegated && CONNECTION_VARS.iter().any(|k| scope.vars.contains_key(*k)) {
            let host_level = vars::host_level(&self.engine, host);
            for k in CONNECTION_VARS {
                let Some(v) = scope.vars.get(*k) else {
                    continue;
                };
                if host_level.get(*k) != Some(v) {
                    let r = self
                        .engine
                        .templar
                        .render_value(v, scope)
                        .map_err(|e| Failure::Failed(format!("{k}: {e}")))?;
                    own_vars.push(((*k).to_string(), r));
                }
            }
        }
        Ok(Overrides {
            user: get("remote_user")?,
            port,
            connection: get("connection")?,
            vars: own_vars,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_replace_the_command_line_options() {
        let cli = ConnOptions {
            user: Some("cli".into()),
            connection: Some("ssh".into()),
            ..ConnOptions::default()
        };
        assert!(Overrides::default().is_empty());
        let o = Overrides {
            user: Some("deploy".into()),
            port: Some(2222),
            connection: Some("local".into()),
            vars: vec![("ansible_user".into(), Value::from("root"))],
        };
        let applied = o.apply(&cli);
        assert_eq!(applied.user.as_deref(), Some("deploy"));
        assert_eq!(applied.port, Some(2222));
        assert_eq!(applied.connection.as_deref(), Some("local"));
        let kept = Overrides::default().apply(&cli);
        assert_eq!(kept.user.as_deref(), Some("cli"));
        let host: Vars = [("ansible_user".to_string(), Value::from("ops"))]
            .into_iter()
            .collect();
        assert_eq!(o.overlay(&host)["ansible_user"], Value::from("root"));
    }
}
