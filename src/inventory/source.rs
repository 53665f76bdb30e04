//! Dispatch of inventory sources: comma-separated host lists, directories (every file,
//! sorted, minus Ansible's ignore list), executable scripts, YAML and INI files.
//! Knows nothing of variable files, patterns or output formats.

use std::path::{Path, PathBuf};

use super::{ini, parent_dir, script, yaml, Inventory, InventoryError, UNGROUPED};

/// File name endings Ansible's `inventory_ignore_extensions` skips in inventory directories.
pub const IGNORED_ENDINGS: [&str; 12] = [
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];

/// Loads one source into `inv`; returns the directory where its host_vars/group_vars live.
pub fn load_source(inv: &mut Inventory, src: &Path) -> Result<Option<PathBuf>, InventoryError> {
    let text = src.to_string_lossy();
    if text.contains(',') && !src.exists() {
        load_host_list(inv, &text);
        return Ok(None);
    }
    let meta = std::fs::metadata(src).map_err(|e| InventoryError::io(src, &e))?;
    if meta.is_dir() {
        load_dir(inv, src)?;
        Ok(Some(src.to_path_buf()))
    } else {
        load_file(inv, src)?;
        Ok(Some(parent_dir(src)))
    }
}

/// Ansible's `host_list` plugin: `a,b:2222,` (no ranges).
fn load_host_list(inv: &mut Inventory, list: &str) {
    for h in list.split(',') {
        let h = h.trim();
        if h.is_empty() {
            continue;
        }
        let (name, port) = match ini::split_port(h) {
            Ok((n, p)) => (n, p),
            Err(_) => (h, None),
        };
        if !inv.hosts.contains_key(name) {
            inv.add_host(name, Some(UNGROUPED), port);
        }
    }
}

/// Whether a directory entry is skipped (hidden, host_vars/group_vars, ignored extension).
pub fn ignored_entry(name: &str) -> bool {
    name.starts_with('.')
        || matches!(name, "host_vars" | "group_vars" | "vars_plugins")
        || IGNORED_ENDINGS.iter().any(|e| name.ends_with(e))
}

fn load_dir(inv: &mut Inventory, dir: &Path) -> Result<(), InventoryError> {
    let rd = std::fs::read_dir(dir).map_err(|e| InventoryError::io(dir, &e))?;
    let mut names: Vec<_> = rd.filter_map(Result::ok).map(|e| e.file_name()).collect();
    names.sort();
    for name in names {
        if ignored_entry(&name.to_string_lossy()) {
            continue;
        }
        let path = dir.join(&name);
        if path.is_dir() {
            load_dir(inv, &path)?;
        } else {
            load_file(inv, &path)?;
        }
    }
    Ok(())
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

fn load_file(inv: &mut Inventory, path: &Path) -> Result<(), InventoryError> {
    let meta = std::fs::metadata(path).map_err(|e| InventoryError::io(path, &e))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let data_ext = matches!(ext.as_str(), "yml" | "yaml" | "json" | "ini");
    if is_executable(&meta) && !data_ext {
        return script::load(inv, path);
    }
    let bytes = std::fs::read(path).map_err(|e| InventoryError::io(path, &e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        InventoryError::parse(
            path,
            1,
            1,
            format!("inventory file is not valid UTF-8 ({e})"),
            None,
        )
    })?;
    let is_yaml = match ext.as_str() {
        "yml" | "yaml" | "json" => true,
        "ini" => false,
        _ => yaml::looks_like_yaml(&text),
    };
    if is_yaml {
        yaml::parse_inventory(inv, &text, path)
    } else {
        ini::parse(inv, &text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_list() {
        let mut inv = Inventory::empty();
        load_source(&mut inv, Path::new("a,b:2222, c")).unwrap();
        inv.finalize();
        assert_eq!(inv.host_names(), vec!["a", "b", "c"]);
        assert_eq!(
            inv.host_vars("b").unwrap()["ansible_port"],
            serde_json::json!(2222)
        );
        assert_eq!(inv.group_names("a"), vec!["ungrouped"]);
    }

    #[test]
    fn ignore_list() {
        assert!(ignored_entry("notes.md"));
        assert!(ignored_entry("hosts~"));
        assert!(ignored_entry("hosts.bak"));
        assert!(ignored_entry(".hidden"));
        assert!(ignored_entry("group_vars"));
        assert!(!ignored_entry("hosts.ini"));
        assert!(!ignored_entry("01-base"));
    }

    #[test]
    fn missing_source_is_an_error() {
        let mut inv = Inventory::empty();
        let e = load_source(&mut inv, Path::new("/nonexistent/inv.ini")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/inv.ini"));
    }
}
