//! Become to the user the connection already logs in as is skipped, as Ansible does by
//! default (`become_allow_same_user` is false): `become_user: root` on a root login runs the
//! program directly, so a host without sudo still works. The login user counts as known only
//! when something names it that the connection also logs in with: `ansible_user` (or
//! `ansible_ssh_user`), `-u`/the configuration, or the local connection (the controller's own
//! user). When nothing names it (ssh falls back to ssh_config or the local account name),
//! become runs, as in Ansible, where the remote user is then unset. Knows nothing of
//! connections.

use crate::inventory::Vars;
use serde_json::Value;

/// What decides the login user of one task's connection.
pub struct Login<'a> {
    /// The task's variables (inventory, play, ...), rendered.
    pub vars: &'a Vars,
    /// `-u` or the configuration's `remote_user`.
    pub cli_user: Option<&'a str>,
    /// `-c`.
    pub cli_connection: Option<&'a str>,
}

impl Login<'_> {
    /// The user the connection logs in as, when it is known for sure.
    pub fn user(&self) -> Option<String> {
        let text = |k: &str| match self.vars.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let connection = text("ansible_connection")
            .or_else(|| self.cli_connection.map(str::to_string))
            .unwrap_or_default();
        if connection
            .strip_prefix("ansible.builtin.")
            .unwrap_or(&connection)
            == "local"
        {
            return controller_user();
        }
        text("ansible_user")
            .or_else(|| text("ansible_ssh_user"))
            .or_else(|| self.cli_user.map(str::to_string))
    }

    /// Whether becoming `become_user` changes nothing: the login user is known and is it.
    pub fn is_same(&self, become_user: &str) -> bool {
        self.user().as_deref() == Some(become_user)
    }
}

/// The user rsible runs as: `root` when the effective uid is 0, else `$USER` (`None` when
/// unset: the local connection's become then runs).
fn controller_user() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return Some("root".into());
    }
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty() && u != "root")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Vars {
        match v {
            Value::Object(m) => m.into_iter().collect(),
            _ => Vars::new(),
        }
    }

    fn login(v: &Vars) -> Login<'_> {
        Login {
            vars: v,
            cli_user: None,
            cli_connection: None,
        }
    }

    #[test]
    fn the_inventory_user_wins_over_the_command_line() {
        let v = vars(json!({"ansible_user": "root"}));
        let l = Login {
            cli_user: Some("ops"),
            ..login(&v)
        };
        assert!(l.is_same("root"));
        assert!(!l.is_same("ops"));
        let v = Vars::new();
        let l = Login {
            cli_user: Some("ops"),
            ..login(&v)
        };
        assert!(l.is_same("ops"));
    }

    #[test]
    fn an_unknown_login_user_keeps_become() {
        let v = Vars::new();
        assert!(!login(&v).is_same("root"));
        assert_eq!(login(&v).user(), None);
    }
}
