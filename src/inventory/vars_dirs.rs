//! `host_vars/` and `group_vars/` beside inventory sources and in extra (playbook)
//! directories: NAME, NAME.yml, NAME.yaml, NAME.json, or a directory NAME/ of such files
//! merged in sorted order. Knows nothing of inventory formats or patterns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{yaml, Inventory, InventoryError, Vars, LOCALHOST_NAMES};

const EXTENSIONS: [&str; 4] = ["", ".yml", ".yaml", ".json"];

/// Reads `group_vars/` and `host_vars/` from each dir (later dirs win) into `inv`.
pub fn apply(inv: &mut Inventory, dirs: &[PathBuf]) -> Result<(), InventoryError> {
    inv.vars_dir_count = dirs.len();
    for (d, dir) in dirs.iter().enumerate() {
        let gdir = dir.join("group_vars");
        if let Some(listing) = listing(&gdir)? {
            for g in 0..inv.groups.len() {
                let name = inv.group_name(g).to_string();
                if let Some(vars) = load_entity(&gdir, &listing, &name)? {
                    inv.groups[g].file_vars.push((d, vars));
                }
            }
        }
        let hdir = dir.join("host_vars");
        if let Some(listing) = listing(&hdir)? {
            for h in 0..inv.hosts.len() {
                let name = inv.host_name(h).to_string();
                if let Some(vars) = load_entity(&hdir, &listing, &name)? {
                    for (k, v) in vars {
                        inv.hosts[h].file_vars.insert(k, v);
                    }
                }
            }
            for name in LOCALHOST_NAMES {
                if inv.hosts.contains_key(name) {
                    continue;
                }
                if let Some(vars) = load_entity(&hdir, &listing, name)? {
                    let slot = inv.implicit_file_vars.entry(name.to_string()).or_default();
                    for (k, v) in vars {
                        slot.insert(k, v);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Entry names of `dir` mapped to "is a directory"; `None` when it does not exist.
fn listing(dir: &Path) -> Result<Option<HashMap<String, bool>>, InventoryError> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
        Err(e) => return Err(InventoryError::io(dir, &e)),
    };
    let mut out = HashMap::new();
    for e in rd.filter_map(Result::ok) {
        let is_dir = e.path().is_dir();
        out.insert(e.file_name().to_string_lossy().into_owned(), is_dir);
    }
    Ok(Some(out))
}

/// The merged variables of one host or group, if any file names it.
fn load_entity(
    dir: &Path,
    listing: &HashMap<String, bool>,
    name: &str,
) -> Result<Option<Vars>, InventoryError> {
    if name.starts_with('/') {
        return Ok(None);
    }
    for ext in EXTENSIONS {
        let entry = format!("{name}{ext}");
        let Some(&is_dir) = listing.get(&entry) else {
            continue;
        };
        let path = dir.join(&entry);
        let files = if is_dir {
            let mut v = Vec::new();
            dir_files(&path, &mut v)?;
            v
        } else {
            vec![path]
        };
        let mut out = Vars::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| InventoryError::io(&f, &e))?;
            for (k, v) in yaml::load_vars_text(&text, &f)? {
                out.insert(k, v);
            }
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// Files of a vars directory, sorted, recursing into extension-less subdirectories.
fn dir_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InventoryError> {
    let rd = std::fs::read_dir(dir).map_err(|e| InventoryError::io(dir, &e))?;
    let mut names: Vec<String> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        if n.starts_with('.') || n.ends_with('~') {
            continue;
        }
        let p = dir.join(&n);
        let ext = Path::new(&n)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        if p.is_dir() {
            if ext.is_empty() {
                dir_files(&p, out)?;
            }
        } else if ext.is_empty() || EXTENSIONS.contains(&ext.as_str()) {
            out.push(p);
        }
    }
    Ok(())
}
