//! The table of every setting rsible takes from `ansible.cfg`, `rsible.toml` and the
//! environment: its name in `ansible-config dump`, the `ansible.cfg` keys and `ANSIBLE_*`
//! variables Ansible 2.19 reads it from (in Ansible's order: a later one wins), rsible's own
//! variable and `rsible.toml` key, how its text is read into [`Config`], and how its value is
//! shown. Knows nothing of where the text comes from or of what reads the setting.

use super::ssh_args;
use super::values::Raw;
use super::Config;
use crate::connection::ssh::known_hosts::HostKeyPolicy;
use std::path::{Path, PathBuf};

/// Reads one value into the configuration; `Err`: what is wrong with it.
pub type Setter = fn(&mut Config, &Raw, &mut Side) -> Result<(), String>;

/// What setting one value did besides its own setting.
#[derive(Debug, Default)]
pub struct Side {
    /// Parts of the value rsible has no equivalent for.
    pub not_understood: Vec<String>,
    /// Other settings it set (`ssh_args`' ControlPersist sets `CONTROL_PERSIST`).
    pub also_set: Vec<&'static str>,
}

/// One setting.
pub struct Setting {
    /// Its name in `rsible config dump` (Ansible's, where Ansible has one).
    pub name: &'static str,
    /// `(section, key)` in `ansible.cfg`.
    pub ini: &'static [(&'static str, &'static str)],
    /// Ansible's environment variables.
    pub ansible_env: &'static [&'static str],
    /// rsible's environment variable (wins over Ansible's).
    pub rsible_env: Option<&'static str>,
    /// Its key under `[defaults]` in `rsible.toml`.
    pub toml: Option<&'static str>,
    /// Reads `ansible.cfg` and `ANSIBLE_*` text.
    pub set: Setter,
    /// Reads the `RSIBLE_*` text, when it differs from `set`.
    pub set_rsible: Option<Setter>,
    /// The value as `rsible config dump` shows it.
    pub show: fn(&Config) -> String,
}

/// The name of the setting `ssh_args`' ControlPersist feeds.
pub const CONTROL_PERSIST: &str = "CONTROL_PERSIST";

/// Every setting, by name.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "ANSIBLE_PIPELINING",
        ini: &[
            ("defaults", "pipelining"),
            ("connection", "pipelining"),
            ("ssh_connection", "pipelining"),
        ],
        ansible_env: &["ANSIBLE_PIPELINING", "ANSIBLE_SSH_PIPELINING"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.pipelining = Some(r.boolean()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_bool(c.pipelining),
    },
    Setting {
        name: "CALLBACKS_ENABLED",
        ini: &[("defaults", "callbacks_enabled")],
        ansible_env: &["ANSIBLE_CALLBACKS_ENABLED"],
        rsible_env: None,
        toml: None,
        set: |c, r, side| {
            c.profile_tasks = false;
            for name in r.list() {
                match name.as_str() {
                    "profile_tasks" | "ansible.posix.profile_tasks" => c.profile_tasks = true,
                    other => side.not_understood.push(other.to_string()),
                }
            }
            Ok(())
        },
        set_rsible: None,
        show: |c| {
            if c.profile_tasks {
                "['ansible.posix.profile_tasks']".into()
            } else {
                "[]".into()
            }
        },
    },
    Setting {
        name: "COLLECTIONS_PATHS",
        ini: &[("defaults", "collections_path")],
        ansible_env: &["ANSIBLE_COLLECTIONS_PATH"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.collections_path = r.pathspec();
            Ok(())
        },
        set_rsible: None,
        show: |c| paths(&c.collections_path),
    },
    Setting {
        name: CONTROL_PERSIST,
        ini: &[],
        ansible_env: &[],
        rsible_env: Some(crate::env_vars::RSIBLE_CONTROL_PERSIST),
        toml: Some("control_persist"),
        set: |c, r, _| {
            c.control_persist = Some(r.integer()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| {
            c.control_persist
                .unwrap_or(super::DEFAULT_CONTROL_PERSIST)
                .to_string()
        },
    },
    Setting {
        name: "CONTROL_PATH_DIR",
        ini: &[("ssh_connection", "control_path_dir")],
        ansible_env: &["ANSIBLE_SSH_CONTROL_PATH_DIR"],
        rsible_env: Some(crate::env_vars::RSIBLE_CONTROL_PATH_DIR),
        toml: None,
        set: |c, r, _| {
            c.control_path_dir = r.path();
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_path(c.control_path_dir.as_deref()),
    },
    Setting {
        name: "DEFAULT_ASK_PASS",
        ini: &[("defaults", "ask_pass")],
        ansible_env: &["ANSIBLE_ASK_PASS"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.ask_pass = Some(r.boolean()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_bool(c.ask_pass),
    },
    Setting {
        name: "DEFAULT_ASK_VAULT_PASS",
        ini: &[("defaults", "ask_vault_pass")],
        ansible_env: &["ANSIBLE_ASK_VAULT_PASS"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.ask_vault_pass = Some(r.boolean()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_bool(c.ask_vault_pass),
    },
    Setting {
        name: "DEFAULT_BECOME",
        ini: &[("privilege_escalation", "become")],
        ansible_env: &["ANSIBLE_BECOME"],
        rsible_env: None,
        toml: Some("become"),
        set: |c, r, _| {
            c.become_ = Some(r.boolean()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_bool(c.become_),
    },
    Setting {
        name: "DEFAULT_BECOME_ASK_PASS",
        ini: &[("privilege_escalation", "become_ask_pass")],
        ansible_env: &["ANSIBLE_BECOME_ASK_PASS"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.become_ask_pass = Some(r.boolean()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_bool(c.become_ask_pass),
    },
    Setting {
        name: "DEFAULT_BECOME_METHOD",
        ini: &[("privilege_escalation", "become_method")],
        ansible_env: &["ANSIBLE_BECOME_METHOD"],
        rsible_env: None,
        toml: Some("become_method"),
        set: |c, r, _| {
            c.become_method = Some(r.string().parse()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| match c.become_method {
            Some(crate::connection::BecomeMethod::Su) => "su".into(),
            Some(crate::connection::BecomeMethod::Sudo) => "sudo".into(),
            None => "None".into(),
        },
    },
    Setting {
        name: "DEFAULT_BECOME_USER",
        ini: &[("privilege_escalation", "become_user")],
        ansible_env: &["ANSIBLE_BECOME_USER"],
        rsible_env: None,
        toml: Some("become_user"),
        set: |c, r, _| {
            c.become_user = r.nonempty();
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.become_user.as_ref()),
    },
    Setting {
        name: "DEFAULT_FORKS",
        ini: &[("defaults", "forks")],
        ansible_env: &["ANSIBLE_FORKS"],
        rsible_env: Some(crate::env_vars::RSIBLE_FORKS),
        toml: Some("forks"),
        set: |c, r, _| match r.integer()? {
            0 => Err("must be at least 1".into()),
            n => {
                c.forks = Some(n as usize);
                Ok(())
            }
        },
        set_rsible: None,
        show: |c| opt(c.forks.as_ref()),
    },
    Setting {
        name: "DEFAULT_GATHERING",
        ini: &[("defaults", "gathering")],
        ansible_env: &["ANSIBLE_GATHERING"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.gathering = r.string().parse()?;
            Ok(())
        },
        set_rsible: None,
        show: |c| c.gathering.to_string(),
    },
    Setting {
        name: "DEFAULT_HOST_LIST",
        ini: &[("defaults", "inventory")],
        ansible_env: &["ANSIBLE_INVENTORY"],
        rsible_env: Some(crate::env_vars::RSIBLE_INVENTORY),
        toml: Some("inventory"),
        set: |c, r, _| {
            c.inventory = r.pathlist().iter().map(|p| text(p)).collect();
            Ok(())
        },
        // rsible's variable names one source as `-i` takes it (a host list `a,b,` too).
        set_rsible: Some(|c, r, _| {
            c.inventory = vec![r.text.to_string()];
            Ok(())
        }),
        show: |c| list(c.inventory.iter().map(String::as_str)),
    },
    Setting {
        name: "DEFAULT_MODULE_PATH",
        ini: &[("defaults", "library")],
        ansible_env: &["ANSIBLE_LIBRARY"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.library = r.pathspec();
            Ok(())
        },
        set_rsible: None,
        show: |c| paths(&c.library),
    },
    Setting {
        name: "DEFAULT_MODULE_UTILS_PATH",
        ini: &[("defaults", "module_utils")],
        ansible_env: &["ANSIBLE_MODULE_UTILS"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.module_utils = r.pathspec();
            Ok(())
        },
        set_rsible: None,
        show: |c| paths(&c.module_utils),
    },
    Setting {
        name: "DEFAULT_PRIVATE_KEY_FILE",
        ini: &[("defaults", "private_key_file")],
        ansible_env: &["ANSIBLE_PRIVATE_KEY_FILE"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.private_key_file = r.path();
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_path(c.private_key_file.as_deref()),
    },
    Setting {
        name: "DEFAULT_REMOTE_PORT",
        ini: &[("defaults", "remote_port")],
        ansible_env: &["ANSIBLE_REMOTE_PORT"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            let p = r.integer()?;
            c.remote_port = Some(u16::try_from(p).map_err(|_| "must be a port number")?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.remote_port.as_ref()),
    },
    Setting {
        name: "DEFAULT_REMOTE_USER",
        ini: &[("defaults", "remote_user")],
        ansible_env: &["ANSIBLE_REMOTE_USER"],
        rsible_env: Some(crate::env_vars::RSIBLE_REMOTE_USER),
        toml: Some("remote_user"),
        set: |c, r, _| {
            c.remote_user = r.nonempty();
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.remote_user.as_ref()),
    },
    Setting {
        name: "DEFAULT_ROLES_PATH",
        ini: &[("defaults", "roles_path")],
        ansible_env: &["ANSIBLE_ROLES_PATH"],
        rsible_env: Some(crate::env_vars::RSIBLE_ROLES_PATH),
        toml: Some("roles_path"),
        set: |c, r, _| {
            c.roles_path = r.pathspec();
            Ok(())
        },
        set_rsible: None,
        show: |c| paths(&c.roles_path),
    },
    Setting {
        name: "DEFAULT_TIMEOUT",
        ini: &[("defaults", "timeout"), ("ssh_connection", "timeout")],
        ansible_env: &["ANSIBLE_TIMEOUT", "ANSIBLE_SSH_TIMEOUT"],
        rsible_env: Some(crate::env_vars::RSIBLE_TIMEOUT),
        toml: Some("timeout"),
        set: |c, r, _| {
            c.timeout = Some(r.integer()?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.timeout.as_ref()),
    },
    Setting {
        name: "DEFAULT_TRANSPORT",
        ini: &[("defaults", "transport")],
        ansible_env: &["ANSIBLE_TRANSPORT"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            let t = r.string();
            match t.strip_prefix("ansible.builtin.").unwrap_or(&t) {
                "ssh" | "smart" | "paramiko" | "paramiko_ssh" | "local" => {}
                other => {
                    return Err(format!(
                        "'{other}' is not supported (rsible knows ssh and local)"
                    ))
                }
            }
            c.transport = Some(t);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.transport.as_ref()),
    },
    Setting {
        name: "DEFAULT_VAULT_IDENTITY_LIST",
        ini: &[("defaults", "vault_identity_list")],
        ansible_env: &["ANSIBLE_VAULT_IDENTITY_LIST"],
        rsible_env: None,
        toml: None,
        set: |c, r, _| {
            c.vault_identity_list = r.list();
            Ok(())
        },
        set_rsible: None,
        show: |c| list(c.vault_identity_list.iter().map(String::as_str)),
    },
    Setting {
        name: "DEFAULT_VAULT_PASSWORD_FILE",
        ini: &[("defaults", "vault_password_file")],
        ansible_env: &["ANSIBLE_VAULT_PASSWORD_FILE"],
        rsible_env: Some(crate::env_vars::RSIBLE_VAULT_PASSWORD_FILE),
        toml: None,
        set: |c, r, _| {
            c.vault_password_file = r.path();
            Ok(())
        },
        set_rsible: None,
        show: |c| opt_path(c.vault_password_file.as_deref()),
    },
    Setting {
        name: "HOST_KEY_CHECKING",
        ini: &[
            ("defaults", "host_key_checking"),
            ("ssh_connection", "host_key_checking"),
        ],
        ansible_env: &["ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_SSH_HOST_KEY_CHECKING"],
        rsible_env: Some(crate::env_vars::RSIBLE_HOST_KEY_CHECKING),
        toml: Some("host_key_checking"),
        set: |c, r, _| {
            let strict = r.boolean()?;
            {
                c.host_key_checking = Some(match strict {
                    true => HostKeyPolicy::Strict,
                    false => HostKeyPolicy::Off,
                });
                Ok(())
            }
        },
        // rsible's variable takes a policy: strict, accept-new or off.
        set_rsible: Some(|c, r, _| {
            let p = r.text.parse().map_err(|e| format!("{e}"))?;
            {
                c.host_key_checking = Some(p);
                Ok(())
            }
        }),
        show: |c| opt(c.host_key_checking.as_ref()),
    },
    Setting {
        name: "SSH_ARGS",
        ini: &[("ssh_connection", "ssh_args")],
        ansible_env: &["ANSIBLE_SSH_ARGS"],
        rsible_env: None,
        toml: None,
        set: |c, r, side| {
            c.ssh_args = Some(only_understood(c, r, side)?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.ssh_args.as_ref()),
    },
    Setting {
        name: "SSH_COMMON_ARGS",
        ini: &[("ssh_connection", "ssh_common_args")],
        ansible_env: &["ANSIBLE_SSH_COMMON_ARGS"],
        rsible_env: None,
        toml: None,
        set: |c, r, side| {
            c.ssh_common_args = Some(only_understood(c, r, side)?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.ssh_common_args.as_ref()),
    },
    Setting {
        name: "SSH_EXTRA_ARGS",
        ini: &[("ssh_connection", "ssh_extra_args")],
        ansible_env: &["ANSIBLE_SSH_EXTRA_ARGS"],
        rsible_env: None,
        toml: None,
        set: |c, r, side| {
            c.ssh_extra_args = Some(only_understood(c, r, side)?);
            Ok(())
        },
        set_rsible: None,
        show: |c| opt(c.ssh_extra_args.as_ref()),
    },
];

/// The arguments of an `ssh_args`-style value the connection layer applies; a
/// `ControlPersist` among them sets `control_persist`; the others are listed as not
/// understood.
fn only_understood(c: &mut Config, r: &Raw, side: &mut Side) -> Result<String, String> {
    let s = ssh_args::split(&r.string())?;
    if let Some(p) = s.control_persist {
        c.control_persist = Some(p);
        side.also_set.push(CONTROL_PERSIST);
    }
    side.not_understood.extend(s.not_understood);
    Ok(s.kept)
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn opt<T: std::fmt::Display>(v: Option<&T>) -> String {
    v.map_or("None".into(), |v| v.to_string())
}

fn opt_bool(v: Option<bool>) -> String {
    v.map_or("None".into(), |b| if b { "True" } else { "False" }.into())
}

fn opt_path(p: Option<&Path>) -> String {
    p.map_or("None".into(), |p| p.display().to_string())
}

fn paths(ps: &[PathBuf]) -> String {
    list(ps.iter().map(|p| p.to_str().unwrap_or("?")))
}

/// `['a', 'b']`, as Ansible prints a list.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(|s| format!("'{s}'")).collect();
    format!("[{}]", items.join(", "))
}
