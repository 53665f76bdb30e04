//! The connection keywords of a task (`remote_user`, `port`, `connection`), read from the
//! task, its blocks, role and play and templated. Ansible ranks them under the host's
//! connection variables (`ansible_user`, `ansible_port`, `ansible_connection`) and over the
//! command line (`-u`, `-c`) and configuration; [`Overrides::apply`] puts them in that place
//! of the connection options. Knows nothing of how a connection is opened or kept.

use super::context::Inherited;
use super::Runner;
use crate::modules::Failure;
use crate::playbook::Task;
use crate::runner::target::ConnOptions;
use crate::template::Scope;
use serde_json::Value;

/// What a task's keywords say about its connection; all `None` when they say nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `remote_user`.
    pub user: Option<String>,
    /// `port`.
    pub port: Option<u16>,
    /// `connection` (`ssh`, `smart`, `local`, or their FQCN).
    pub connection: Option<String>,
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
}

impl Runner {
    /// The task's connection keywords (task, blocks, role, play), templated.
    pub fn conn_overrides(
        &self,
        task: &Task,
        inh: &Inherited,
        scope: &Scope,
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
        Ok(Overrides {
            user: get("remote_user")?,
            port,
            connection: get("connection")?,
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
        };
        let applied = o.apply(&cli);
        assert_eq!(applied.user.as_deref(), Some("deploy"));
        assert_eq!(applied.port, Some(2222));
        assert_eq!(applied.connection.as_deref(), Some("local"));
        let kept = Overrides::default().apply(&cli);
        assert_eq!(kept.user.as_deref(), Some("cli"));
    }
}
