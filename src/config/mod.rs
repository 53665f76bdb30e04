//! The configuration: the defaults that command-line flags override. Read, lowest precedence
//! first, from Ansible's `ansible.cfg` ([`ansible_cfg`]), rsible's own `rsible.toml`
//! ([`toml_file`]), then the environment ([`env`]: `ANSIBLE_*`, then `RSIBLE_*`), each through
//! the one table of settings ([`settings`]), remembering where every value came from (for
//! `rsible config dump`, [`dump`]). A mistake in a file is an error with its line and column;
//! an `ansible.cfg` key or `ANSIBLE_*` variable rsible has no equivalent for is listed in one
//! warning. Knows nothing of the command line, inventories or playbooks; the caller decides
//! what a flag overrides.

mod ansible_cfg;
pub mod dump;
mod env;
mod ini;
pub mod settings;
mod ssh_args;
mod toml_file;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::connection::ssh::known_hosts::HostKeyPolicy;
use crate::connection::BecomeMethod;
use crate::engine::Gathering;
use crate::env_vars as ev;
use crate::playbook::diagnostic::Diagnostic;

/// The file looked for in the current directory.
pub const FILE_NAME: &str = "rsible.toml";

/// Ansible's system-wide `ansible.cfg`, the last one looked for.
pub const SYSTEM_ANSIBLE_CFG: &str = "/etc/ansible/ansible.cfg";

/// Ansible's default roles path, used when none is configured.
const DEFAULT_ROLES_PATH: &[&str] = &[
    "~/.ansible/roles",
    "/usr/share/ansible/roles",
    "/etc/ansible/roles",
];

/// Ansible's default collections path.
const DEFAULT_COLLECTIONS_PATH: &[&str] =
    &["~/.ansible/collections", "/usr/share/ansible/collections"];

/// Ansible's default module path (`library`).
const DEFAULT_LIBRARY: &[&str] = &[
    "~/.ansible/plugins/modules",
    "/usr/share/ansible/plugins/modules",
];

/// Ansible's default module_utils path.
const DEFAULT_MODULE_UTILS: &[&str] = &[
    "~/.ansible/plugins/module_utils",
    "/usr/share/ansible/plugins/module_utils",
];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Not set anywhere.
    Default,
    /// An environment variable.
    Env(&'static str),
    /// `ansible.cfg` or `rsible.toml`, by path.
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::Env(v) => write!(f, "env: {v}"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Seconds SSH connections are kept after a run when nothing says otherwise: Ansible's
/// default (its `ssh_args` carry `ControlPersist=60s`), so that a second run within a minute
/// skips the key exchanges, logins and shell starts, as with Ansible.
pub const DEFAULT_CONTROL_PERSIST: u64 = 60;

/// The configuration; `None`/empty: not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The `rsible.toml` read, if any.
    pub file: Option<PathBuf>,
    /// The `ansible.cfg` read, if any.
    pub ansible_cfg: Option<PathBuf>,
    /// Inventory sources (paths relative to their file's directory already joined).
    pub inventory: Vec<String>,
    /// Hosts worked on at once (`None`: all).
    pub forks: Option<usize>,
    /// Directories searched for roles after the playbook's `roles/`; Ansible's default
    /// (`~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles`) when not set.
    pub roles_path: Vec<PathBuf>,
    /// Directories holding `ansible_collections/NAMESPACE/NAME` trees, searched in order
    /// (Ansible's `collections_path`; default `~/.ansible/collections:/usr/share/ansible/collections`).
    pub collections_path: Vec<PathBuf>,
    /// Directories searched for modules not built into rsible (Ansible's `library`; default
    /// `~/.ansible/plugins/modules:/usr/share/ansible/plugins/modules`).
    pub library: Vec<PathBuf>,
    /// Directories searched for Python `module_utils` those modules import (Ansible's
    /// `module_utils`; default `~/.ansible/plugins/module_utils:/usr/share/ansible/plugins/module_utils`).
    pub module_utils: Vec<PathBuf>,
    /// Host key policy.
    pub host_key_checking: Option<HostKeyPolicy>,
    /// Remote user when the inventory names none.
    pub remote_user: Option<String>,
    /// Port when the inventory and the play name none (over ssh_config's, as Ansible's `-o
    /// Port`).
    pub remote_port: Option<u16>,
    /// The connection type when the inventory names none (as `-c`).
    pub transport: Option<String>,
    /// Ask for the SSH password (as `-k`).
    pub ask_pass: Option<bool>,
    /// Ask for the vault password (as `--ask-vault-pass`).
    pub ask_vault_pass: Option<bool>,
    /// Private key file when the inventory names none.
    pub private_key_file: Option<PathBuf>,
    /// Connect timeout in seconds.
    pub timeout: Option<u64>,
    /// Whether a play without `gather_facts` gathers them.
    pub gathering: Gathering,
    /// A vault password file, used besides the command line's.
    pub vault_password_file: Option<PathBuf>,
    /// Vault ids (`label@source`), tried before the command line's.
    pub vault_identity_list: Vec<String>,
    /// Become by default.
    pub become_: Option<bool>,
    /// The user to become.
    pub become_user: Option<String>,
    /// The become method.
    pub become_method: Option<BecomeMethod>,
    /// Ask for the become password (as `-K`).
    pub become_ask_pass: Option<bool>,
    /// Ansible's pipelining switch: shown, with no effect (rsible always sends programs on
    /// the connection's stdin; it writes no module files to the target).
    pub pipelining: Option<bool>,
    /// `profile_tasks` is among Ansible's enabled callbacks: print the slowest tasks at the
    /// end (as `--profile`).
    pub profile_tasks: bool,
    /// The `ssh_args` rsible applies to every SSH host (OpenSSH arguments; ControlPersist
    /// taken out into `control_persist`).
    pub ssh_args: Option<String>,
    /// `ssh_common_args` for hosts without `ansible_ssh_common_args`.
    pub ssh_common_args: Option<String>,
    /// `ssh_extra_args` for hosts without `ansible_ssh_extra_args`.
    pub ssh_extra_args: Option<String>,
    /// The directory of the daemon keeping connections between runs.
    pub control_path_dir: Option<PathBuf>,
    /// Seconds SSH connections are kept after a run (0: not kept).
    pub control_persist: Option<u64>,
    /// Where each setting that is not at its default came from, by name.
    pub origins: BTreeMap<&'static str, Origin>,
    /// Settings read but not used: `ansible.cfg` keys, `ANSIBLE_*` variables, parts of
    /// `ssh_args`.
    pub not_used: Vec<String>,
    /// Other warnings from reading (a skipped world-writable `./ansible.cfg`).
    pub notes: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        let paths = |ps: &[&str]| ps.iter().map(|p| values::expand(p, None)).collect();
        Config {
            file: None,
            ansible_cfg: None,
            inventory: Vec::new(),
            forks: None,
            roles_path: paths(DEFAULT_ROLES_PATH),
            collections_path: paths(DEFAULT_COLLECTIONS_PATH),
            library: paths(DEFAULT_LIBRARY),
            module_utils: paths(DEFAULT_MODULE_UTILS),
            host_key_checking: None,
            remote_user: None,
            remote_port: None,
            transport: None,
            ask_pass: None,
            ask_vault_pass: None,
            private_key_file: None,
            timeout: None,
            gathering: Gathering::default(),
            vault_password_file: None,
            vault_identity_list: Vec::new(),
            become_: None,
            become_user: None,
            become_method: None,
            become_ask_pass: None,
            pipelining: None,
            profile_tasks: false,
            ssh_args: None,
            ssh_common_args: None,
            ssh_extra_args: None,
            control_path_dir: None,
            control_persist: None,
            origins: BTreeMap::new(),
            not_used: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A mistake in a file, located.
    #[error("{0}")]
    File(Box<Diagnostic>),
    /// A file cannot be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `ANSIBLE_CONFIG` names a file that is neither `.cfg` nor `.ini`, as Ansible refuses.
    #[error("Unsupported configuration file extension for {}", .0.display())]
    Unsupported(PathBuf),
    /// An environment variable holds a bad value.
    #[error("{var}={value:?}: {reason}")]
    Env {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

/// What the configuration is read from: the process's directories and environment, or a
/// test's.
pub struct Process<'a> {
    /// The current directory (empty: the process's own, paths kept relative).
    pub cwd: &'a Path,
    /// Looks up an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The names of every environment variable set.
    pub env_names: &'a [String],
    /// The home directory, for `~/.ansible.cfg`.
    pub home: Option<&'a Path>,
    /// The system-wide `ansible.cfg`.
    pub system: &'a Path,
}

impl Config {
    /// Reads the configuration of this process.
    pub fn load() -> Result<Config, ConfigError> {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let names: Vec<String> = vars.keys().cloned().collect();
        let home = dirs::home_dir();
        Self::load_from(&Process {
            cwd: Path::new(""),
            env: &|k| vars.get(k).cloned(),
            env_names: &names,
            home: home.as_deref(),
            system: Path::new(SYSTEM_ANSIBLE_CFG),
        })
    }

    /// Reads the configuration `p` sees: `ansible.cfg`, then `RSIBLE_CONFIG` or
    /// `./rsible.toml` (absent: nothing), then the environment.
    pub fn load_from(p: &Process) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        let (found, note) = ansible_cfg::find(p)?;
        cfg.notes.extend(note);
        if let Some(path) = found {
            let text = read(&path)?;
            ansible_cfg::apply(&mut cfg, &text, &path, p)?;
        }
        let (path, must_exist) = match (p.env)(ev::RSIBLE_CONFIG).filter(|v| !v.is_empty()) {
            Some(v) => (p.cwd.join(v), true),
            None => (p.cwd.join(FILE_NAME), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml_file::apply(&mut cfg, &text, &path)?,
            Err(e) if must_exist || e.kind() != std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Read { path, source: e })
            }
            Err(_) => {}
        }
        env::apply(&mut cfg, p)?;
        Ok(cfg)
    }

    /// `rsible.toml`'s text over the defaults (`path` names it in errors and bases its
    /// relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        toml_file::apply(&mut cfg, text, path)?;
        Ok(cfg)
    }

    /// Where the setting called `name` came from.
    pub fn origin(&self, name: &str) -> Origin {
        self.origins.get(name).cloned().unwrap_or(Origin::Default)
    }

    /// The warnings to print once per run: the notes, then one line listing every setting
    /// rsible does not use.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        if !self.not_used.is_empty() {
            out.push(format!(
                "ansible.cfg: settings rsible does not use: {}",
                self.not_used.join(", ")
            ));
        }
        out
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: e,
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod ansible_tests;
