//! `ansible.cfg`: which file Ansible would read (`ANSIBLE_CONFIG`, `./ansible.cfg` unless the
//! directory is world-writable, `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`: the first that
//! exists), and reading its keys into [`Config`] through the settings table. A key no setting
//! reads is returned for the "not used" warning; a bad value is an error at its line and
//! column. Knows nothing of `rsible.toml` or the environment's other variables.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::settings::{Side, SETTINGS};
use super::values::Raw;
use super::{ini, Config, ConfigError, Origin, Process};
use crate::playbook::diagnostic::Diagnostic;
use crate::playbook::Location;

/// The variable naming the file (or a directory holding `ansible.cfg`).
pub const ANSIBLE_CONFIG: &str = "ANSIBLE_CONFIG";

/// The file Ansible would read, if any, and a warning when `./ansible.cfg` was skipped because
/// the directory is world-writable.
pub fn find(p: &Process) -> Result<(Option<PathBuf>, Option<String>), ConfigError> {
    let mut candidates = Vec::new();
    let from_env = (p.env)(ANSIBLE_CONFIG).map(|v| {
        let path = p.cwd.join(super::values::expand(&v, None));
        match path.is_dir() {
            true => path.join("ansible.cfg"),
            false => path,
        }
    });
    candidates.extend(from_env.clone());
    let cwd_cfg = p.cwd.join("ansible.cfg");
    let dir = if p.cwd.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p.cwd
    };
    let world_writable = std::fs::metadata(dir)
        .map(|m| m.permissions().mode() & 0o002 != 0)
        .unwrap_or(false);
    let mut warning = None;
    if !world_writable {
        candidates.push(cwd_cfg.clone());
    }
    candidates.extend(p.home.map(|h| h.join(".ansible.cfg")));
    candidates.push(p.system.to_path_buf());
    let found = candidates.into_iter().find(|c| c.exists());
    if world_writable && cwd_cfg.exists() && found != from_env.clone().filter(|f| f.exists()) {
        warning = Some(format!(
            "Ansible is being run in a world writable directory ({}), ignoring it as an \
             ansible.cfg source.",
            std::path::absolute(dir)
                .unwrap_or(dir.to_path_buf())
                .display()
        ));
    }
    if let Some(f) = &found {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "cfg" | "ini") {
            return Err(ConfigError::Unsupported(f.clone()));
        }
    }
    let found = found.map(|f| std::path::absolute(&f).unwrap_or(f));
    Ok((found, warning))
}

/// Reads `text` (the file at `path`) over `cfg`.
pub fn apply(cfg: &mut Config, text: &str, path: &Path, p: &Process) -> Result<(), ConfigError> {
    let located = |line: usize, column: usize, msg: String| {
        let loc = Location::new(path, line, column);
        ConfigError::File(Box::new(Diagnostic::new(loc, msg, Some(text), None)))
    };
    let entries = ini::parse(text).map_err(|e| located(e.line, e.column, e.message))?;
    cfg.ansible_cfg = Some(path.to_path_buf());
    let base = path.parent();
    let mut used = vec![false; entries.len()];
    for s in SETTINGS {
        for (section, key) in s.ini {
            // As configparser: a key of [DEFAULT] is in every section.
            let found = entries
                .iter()
                .position(|e| e.section == *section && e.key == *key)
                .or_else(|| {
                    entries
                        .iter()
                        .position(|e| e.section == "DEFAULT" && e.key == *key)
                });
            let Some(i) = found else { continue };
            used[i] = true;
            let e = &entries[i];
            let raw = Raw {
                text: &e.value,
                base,
                env: p.env,
                from_ini: true,
            };
            let mut side = Side::default();
            (s.set)(cfg, &raw, &mut side)
                .map_err(|why| located(e.line, e.column, format!("[{section}] {key} {why}")))?;
            let origin = Origin::File(path.to_path_buf());
            cfg.origins.insert(s.name, origin.clone());
            for other in side.also_set {
                cfg.origins.insert(other, origin.clone());
            }
            cfg.not_used.extend(
                side.not_understood
                    .into_iter()
                    .map(|part| format!("[{section}] {key} ({part})")),
            );
        }
    }
    cfg.not_used.extend(
        entries
            .iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(e, _)| format!("[{}] {}", e.section, e.key)),
    );
    Ok(())
}
