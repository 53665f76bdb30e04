//! `rsible.toml`: rsible's own configuration file, strictly typed. Every mistake in it is an
//! error with its line and column and, for an unknown key, a "did you mean". Knows nothing of
//! the other sources; the caller decides what it overrides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::{Spanned, Value};

use super::values::expand;
use super::{settings, Config, ConfigError, Origin};
use crate::connection::ssh::known_hosts::HostKeyPolicy;
use crate::playbook::diagnostic::{did_you_mean, Diagnostic};
use crate::playbook::Location;

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

/// Reads the text of `path` over `cfg`; relative paths in it are taken from the file's
/// directory.
pub fn apply(cfg: &mut Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    let err = |span: std::ops::Range<usize>, msg: String, hint: Option<String>| {
        let (line, col) = line_col(text, span.start);
        let loc = Location::new(path, line, col);
        ConfigError::File(Box::new(Diagnostic::new(loc, msg, Some(text), hint)))
    };
    let top: BTreeMap<Spanned<String>, Spanned<Value>> = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        err(span, format!("TOML syntax error: {}", e.message()), None)
    })?;
    cfg.file = Some(path.to_path_buf());
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
            set(cfg, key.get_ref(), value.get_ref(), base).map_err(
                |(msg, unknown)| match unknown {
                    true => err(
                        key.span(),
                        msg,
                        did_you_mean(key.get_ref(), KEYS.iter().copied()),
                    ),
                    false => err(value.span(), msg, None),
                },
            )?;
            if let Some(s) = settings::SETTINGS
                .iter()
                .find(|s| s.toml == Some(key.get_ref().as_str()))
            {
                cfg.origins.insert(s.name, Origin::File(path.to_path_buf()));
            }
        }
    }
    Ok(())
}

/// Sets `key` from the file; `Err((message, unknown_key))` on a mistake.
fn set(cfg: &mut Config, key: &str, v: &Value, base: Option<&Path>) -> Result<(), (String, bool)> {
    let bad = |what: &str| Err((format!("'{key}' must be {what}"), false));
    match (key, v) {
        ("inventory", Value::String(s)) => cfg.inventory = vec![inventory_source(s, base)],
        ("inventory", Value::Array(items)) => {
            let strs: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let Some(strs) = strs else {
                return bad("a string or a list of strings");
            };
            cfg.inventory = strs
                .into_iter()
                .map(|s| inventory_source(s, base))
                .collect();
        }
        ("inventory", _) => return bad("a string or a list of strings"),
        ("forks", Value::Integer(n)) if *n >= 1 => cfg.forks = usize::try_from(*n).ok(),
        ("forks", _) => return bad("a positive integer"),
        ("roles_path", Value::String(s)) => cfg.roles_path = split_paths(s, base),
        ("roles_path", Value::Array(items)) => {
            let strs: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let Some(strs) = strs else {
                return bad("a string or a list of strings");
            };
            cfg.roles_path = strs.into_iter().map(|s| expand(s, base)).collect();
        }
        ("roles_path", _) => return bad("a string or a list of strings"),
        ("host_key_checking", Value::Boolean(b)) => {
            cfg.host_key_checking = Some(if *b {
                HostKeyPolicy::Strict
            } else {
                HostKeyPolicy::Off
            })
        }
        ("host_key_checking", Value::String(s)) => match s.parse() {
            Ok(p) => cfg.host_key_checking = Some(p),
            Err(_) => return bad("true, false, \"strict\", \"accept-new\" or \"off\""),
        },
        ("host_key_checking", _) => {
            return bad("true, false, \"strict\", \"accept-new\" or \"off\"")
        }
        ("remote_user", Value::String(s)) => cfg.remote_user = Some(s.clone()),
        ("timeout", Value::Integer(n)) if *n >= 0 => cfg.timeout = u64::try_from(*n).ok(),
        ("timeout", _) => return bad("a number of seconds"),
        ("control_persist", Value::Integer(n)) if *n >= 0 => {
            cfg.control_persist = u64::try_from(*n).ok()
        }
        ("control_persist", _) => return bad("a number of seconds (0: not kept)"),
        ("become", Value::Boolean(b)) => cfg.become_ = Some(*b),
        ("become", _) => return bad("true or false"),
        ("become_user", Value::String(s)) => cfg.become_user = Some(s.clone()),
        ("become_method", Value::String(s)) => match s.parse() {
            Ok(m) => cfg.become_method = Some(m),
            Err(e) => return Err((e, false)),
        },
        ("remote_user" | "become_user" | "become_method", _) => return bad("a string"),
        _ => return Err((format!("unknown key '{key}' in [defaults]"), true)),
    }
    Ok(())
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
