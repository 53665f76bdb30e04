//! What `service` and `systemd` share: the checked request for one unit ([`Want`]), the
//! shell variables their programs read ([`vars`]), the systemctl probe and apply
//! ([`systemctl`]) that `service` runs too when the target runs systemd, and the reading of
//! what those programs print ([`report`]). Knows nothing of either module's arguments.

pub mod report;
pub mod systemctl;

use crate::connection::quote::quote_str;
use crate::modules::framework::report::MARK_FN;
use serde::Deserialize;

/// A run state a task may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Running (started when it is not).
    Started,
    /// Not running.
    Stopped,
    /// Restarted (started when it is not running).
    Restarted,
    /// Reloaded (started when it is not running).
    Reloaded,
}

impl State {
    /// Ansible's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Started => "started",
            State::Stopped => "stopped",
            State::Restarted => "restarted",
            State::Reloaded => "reloaded",
        }
    }
}

/// Which service manager `scope` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The system's (the default).
    System,
    /// The login user's (`--user`).
    User,
    /// Every user's unit files (`--global`): no running manager.
    Global,
}

impl Scope {
    /// The systemctl flag ([`Want::scope_flag`]).
    pub fn flag(self) -> &'static str {
        match self {
            Scope::System => "",
            Scope::User => "--user",
            Scope::Global => "--global",
        }
    }
}

/// What the task asks of one unit, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Want {
    /// The unit (`name`); `None` for a bare daemon-reload.
    pub name: Option<String>,
    /// The run state.
    pub state: Option<State>,
    /// Enabled at boot.
    pub enabled: Option<bool>,
    /// Masked.
    pub masked: Option<bool>,
    /// `systemctl daemon-reload` first.
    pub daemon_reload: bool,
    /// `systemctl daemon-reexec` first.
    pub daemon_reexec: bool,
    /// `--user` / `--global` (empty for the system manager).
    pub scope_flag: &'static str,
    /// `--no-block` on start/stop.
    pub no_block: bool,
    /// `--force` on enable/mask.
    pub force: bool,
}

/// The shell variables the programs read (`u` unit, `st` state, `en` enabled, `mk` masked,
/// `dr`/`dx` daemon reload/reexec, `nb`/`fo`/`sf` systemctl flags), every value quoted, then
/// the report functions `m` and `mx` ([`MARK_FN`]) the programs answer with.
pub fn vars(w: &Want) -> String {
    let b = |x: bool| if x { "1" } else { "0" };
    let opt = |x: Option<bool>| x.map(b).unwrap_or("");
    format!(
        "u={}\nst={}\nen={}\nmk={}\ndr={}\ndx={}\nnb={}\nfo={}\nsf={}\n{MARK_FN}",
        quote_str(w.name.as_deref().unwrap_or("")),
        w.state.map_or("''", State::as_str),
        opt(w.enabled),
        opt(w.masked),
        b(w.daemon_reload),
        b(w.daemon_reexec),
        if w.no_block { "--no-block" } else { "''" },
        if w.force { "--force" } else { "''" },
        if w.scope_flag.is_empty() {
            "''"
        } else {
            w.scope_flag
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_quote_the_name() {
        let w = Want {
            name: Some("a'; rm -rf /".into()),
            state: Some(State::Stopped),
            ..Want::default()
        };
        let v = vars(&w);
        assert!(
            v.starts_with("u='a'\\''; rm -rf /'\nst=stopped\nen=\n"),
            "{v}"
        );
        assert!(v.contains("dr=0\n") && v.contains("sf=''\n"), "{v}");
    }
}
