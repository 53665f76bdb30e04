//! `rsible.toml` (in the current directory, or the file `RSIBLE_CONFIG` names) and the
//! environment variables that override it: the defaults that command-line flags override in
//! turn. Every mistake in the file is an error with its line and column and, for an unknown
//! key, a "did you mean". Knows nothing of the command line, inventories or playbooks; the
//! caller decides what a flag overrides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::{Spanned, Value};

use crate::connection::ssh::known_hosts::HostKeyPolicy;
use crate::connection::BecomeMethod;
use crate::env_vars as ev;
use crate::playbook::diagnostic::{did_you_mean, Diagnostic};
use crate::playbook::Location;

/// The file looked for in the current directory.
pub const FILE_NAME: &str = "rsible.toml";

/// Keys of `[defaults]`.
const KEYS: &[&str] = &[
    "inventory",
    "forks",
    "roles_path",
    "host_key_checking",
    "remote_user",
    "timeout",
    "become",
    "become_user",
    "become_method",
    "control_persist",
];

/// Ansible's default roles path, used when none is configured.
const DEFAULT_ROLES_PATH: &[&str] = &[
    "~/.ansible/roles",
    "/usr/share/ansible/roles",
    "/etc/ansible/roles",
];

/// Settings from `rsible.toml` with the environment applied; `None`/empty: not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// Inventory sources (paths relative to the file's directory already joined).
    pub inventory: Vec<String>,
    /// Hosts worked on at once.
    pub forks: Option<usize>,
    /// Directories searched for roles after the playbook's `roles/`; Ansible's default
    /// (`~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles`) when not set.
    pub roles_path: Vec<PathBuf>,
    /// Host key policy.
    pub host_key_checking: Option<HostKeyPolicy>,
    /// Remote user when the inventory names none.
    pub remote_user: Option<String>,
    /// Connect timeout in seconds.
    pub timeout: Option<u64>,
    /// Become by default.
    pub become_: Option<bool>,
    /// The user to become.
    pub become_user: Option<String>,
    /// The become method.
    pub become_method: Option<BecomeMethod>,
    /// Seconds SSH connections are kept after a run (0: not kept).
    pub control_persist: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            file: None,
            inventory: Vec::new(),
            forks: None,
            roles_path: DEFAULT_ROLES_PATH.iter().map(|p| expand(p, None)).collect(),
            host_key_checking: None,
            remote_user: None,
            timeout: None,
            become_: None,
            become_user: None,
            become_method: None,
            control_persist: None,
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A mistake in the file, located.
    #[error("{0}")]
    File(Box<Diagnostic>),
    /// The file cannot be read.
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
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

impl Config {
    /// Reads `RSIBLE_CONFIG` or `./rsible.toml` (absent: defaults), then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        Self::load_from(Path::new(""), &|k| std::env::var(k).ok())
    }

    /// As [`Config::load`] with `cwd` as the current directory and `env` as the environment.
    pub fn load_from(
        cwd: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let (path, must_exist) = match env(ev::RSIBLE_CONFIG).filter(|p| !p.is_empty()) {
            Some(p) => (cwd.join(p), true),
            None => (cwd.join(FILE_NAME), false),
        };
        let mut cfg = match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path)?,
            Err(e) if must_exist || e.kind() != std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Read { path, source: e })
            }
            Err(_) => Config::default(),
        };
        cfg.apply_env(env)?;
        Ok(cfg)
    }

    /// Parses the text of `path`; relative paths in it are taken from the file's directory.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |span: std::ops::Range<usize>, msg: String, hint: Option<String>| {
            let (line, col) = line_col(text, span.start);
            let loc = Location::new(path, line, col);
            ConfigError::File(Box::new(Diagnostic::new(loc, msg, Some(text), hint)))
        };
        let top: BTreeMap<Spanned<String>, Spanned<Value>> = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            err(span, format!("TOML syntax error: {}", e.message()), None)
        })?;
        let mut cfg = Config {
            file: Some(path.to_path_buf()),
            ..Config::default()
        };
        let base = path.parent();
        for (section, value) in sorted(top) {
            if section.get_ref() != "defaults" {
                let hint = did_you_mean(section.get_ref(), ["defaults"]).or_else(|| {
                    KEYS.contains(&section.get_ref().as_str())
                        .then(|| "put it under `[defaults]`".to_string())
                });
                let msg = format!("unknown section '{}'", section.get_ref());
                return Err(err(section.span(), msg, hint));
            }
            let span = value.span();
            let Value::Table(_) = value.get_ref() else {
                return Err(err(span, "'defaults' must be a table".into(), None));
            };
            #[derive(serde::Deserialize)]
            struct Defaults {
                defaults: BTreeMap<Spanned<String>, Spanned<Value>>,
            }
            let d: Defaults = toml::from_str(text).map_err(|e| {
                err(
                    e.span().unwrap_or(span.clone()),
                    e.message().to_string(),
                    None,
                )
            })?;
            for (key, value) in sorted(d.defaults) {
                cfg.set(key.get_ref(), value.get_ref(), base)
                    .map_err(|(msg, unknown)| match unknown {
                        true => err(
                            key.span(),
                            msg,
                            did_you_mean(key.get_ref(), KEYS.iter().copied()),
                        ),
                        false => err(value.span(), msg, None),
                    })?;
            }
        }
        Ok(cfg)
    }

    /// Sets `key` from the file; `Err((message, unknown_key))` on a mistake.
    fn set(&mut self, key: &str, v: &Value, base: Option<&Path>) -> Result<(), (String, bool)> {
        let bad = |what: &str| Err((format!("'{key}' must be {what}"), false));
        match (key, v) {
            ("inventory", Value::String(s)) => self.inventory = vec![inventory_source(s, base)],
            ("inventory", Value::Array(items)) => {
                let strs: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                let Some(strs) = strs else {
                    return bad("a string or a list of strings");
                };
                self.inventory = strs
                    .into_iter()
                    .map(|s| inventory_source(s, base))
                    .collect();
            }
            ("inventory", _) => return bad("a string or a list of strings"),
            ("forks", Value::Integer(n)) if *n >= 1 => self.forks = usize::try_from(*n).ok(),
            ("forks", _) => return bad("a positive integer"),
            ("roles_path", Value::String(s)) => self.roles_path = split_paths(s, base),
            ("roles_path", Value::Array(items)) => {
                let strs: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                let Some(strs) = strs else {
                    return bad("a string or a list of strings");
                };
                self.roles_path = strs.into_iter().map(|s| expand(s, base)).collect();
            }
            ("roles_path", _) => return bad("a string or a list of strings"),
            ("host_key_checking", Value::Boolean(b)) => {
                self.host_key_checking = Some(if *b {
                    HostKeyPolicy::Strict
                } else {
                    HostKeyPolicy::Off
                })
            }
            ("host_key_checking", Value::String(s)) => match s.parse() {
                Ok(p) => self.host_key_checking = Some(p),
                Err(_) => return bad("true, false, \"strict\", \"accept-new\" or \"off\""),
            },
            ("host_key_checking", _) => {
                return bad("true, false, \"strict\", \"accept-new\" or \"off\"")
            }
            ("remote_user", Value::String(s)) => self.remote_user = Some(s.clone()),
            ("timeout", Value::Integer(n)) if *n >= 0 => self.timeout = u64::try_from(*n).ok(),
            ("timeout", _) => return bad("a number of seconds"),
            ("control_persist", Value::Integer(n)) if *n >= 0 => {
                self.control_persist = u64::try_from(*n).ok()
            }
            ("control_persist", _) => return bad("a number of seconds (0: not kept)"),
            ("become", Value::Boolean(b)) => self.become_ = Some(*b),
            ("become", _) => return bad("true or false"),
            ("become_user", Value::String(s)) => self.become_user = Some(s.clone()),
            ("become_method", Value::String(s)) => match s.parse() {
                Ok(m) => self.become_method = Some(m),
                Err(e) => return Err((e, false)),
            },
            ("remote_user" | "become_user" | "become_method", _) => return bad("a string"),
            _ => return Err((format!("unknown key '{key}' in [defaults]"), true)),
        }
        Ok(())
    }

    /// Applies `RSIBLE_INVENTORY`, `RSIBLE_FORKS`, `RSIBLE_ROLES_PATH` (else
    /// `ANSIBLE_ROLES_PATH`), `RSIBLE_REMOTE_USER`, `RSIBLE_TIMEOUT` and `RSIBLE_CONTROL_PERSIST`
    /// over the file.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let get = |var: &str| env(var).filter(|v| !v.is_empty());
        if let Some(v) = get(ev::RSIBLE_INVENTORY) {
            self.inventory = vec![v];
        }
        if let Some(v) = get(ev::RSIBLE_FORKS) {
            self.forks = Some(number(ev::RSIBLE_FORKS, &v).and_then(|n| match n {
                0 => Err(env_error(ev::RSIBLE_FORKS, &v, "must be at least 1")),
                n => Ok(n),
            })?);
        }
        let roles = get(ev::RSIBLE_ROLES_PATH).or_else(|| get(ev::ANSIBLE_ROLES_PATH));
        if let Some(v) = roles {
            self.roles_path = split_paths(&v, None);
        }
        if let Some(v) = get(ev::RSIBLE_REMOTE_USER) {
            self.remote_user = Some(v);
        }
        if let Some(v) = get(ev::RSIBLE_TIMEOUT) {
            self.timeout = Some(number(ev::RSIBLE_TIMEOUT, &v)? as u64);
        }
        if let Some(v) = get(ev::RSIBLE_CONTROL_PERSIST) {
            self.control_persist = Some(number(ev::RSIBLE_CONTROL_PERSIST, &v)? as u64);
        }
        Ok(())
    }
}

fn number(var: &'static str, v: &str) -> Result<usize, ConfigError> {
    v.trim()
        .parse()
        .map_err(|_| env_error(var, v, "must be a whole number"))
}

fn env_error(var: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Env {
        var,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// Entries in the order they are written (a `BTreeMap` sorts them by name).
fn sorted<V>(m: BTreeMap<Spanned<String>, Spanned<V>>) -> Vec<(Spanned<String>, Spanned<V>)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

/// An inventory source from the file: a host list (`a,b,`) as written, a path from `base`.
fn inventory_source(s: &str, base: Option<&Path>) -> String {
    if s.contains(',') {
        s.to_string()
    } else {
        expand(s, base).to_string_lossy().into_owned()
    }
}

/// `a:b:c` as paths, each expanded.
fn split_paths(s: &str, base: Option<&Path>) -> Vec<PathBuf> {
    s.split(':')
        .filter(|p| !p.is_empty())
        .map(|p| expand(p, base))
        .collect()
}

/// `~/x` from the home directory; a relative path from `base` when given.
fn expand(p: &str, base: Option<&Path>) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = dirs::home_dir() {
            return home.join(rest);
        }
    }
    match base {
        Some(b) => b.join(p),
        None => PathBuf::from(p),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
