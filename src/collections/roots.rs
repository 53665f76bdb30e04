//! Where collections are installed, in Ansible's order: `collections/` beside the playbook,
//! the configured collections path (`config`: ansible.cfg, ANSIBLE_COLLECTIONS_PATH, Ansible's
//! default), then the `ansible_collections`
//! directories on the controller Python's `sys.path` (where the `ansible` package puts its
//! bundled collections). A root is a directory holding `ansible_collections/`. Knows nothing
//! of what a collection contains, nor of where the configured path comes from.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The roots among `dirs`, in order, each once: a directory named `ansible_collections`
/// stands for its parent, and a directory without `ansible_collections/` is no root.
pub fn keep_roots(dirs: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for d in dirs {
        let d = match d.file_name() {
            Some(n) if n == "ansible_collections" => {
                d.parent().map(Path::to_path_buf).unwrap_or_default()
            }
            _ => d,
        };
        if !out.contains(&d) && d.join("ansible_collections").is_dir() {
            out.push(d);
        }
    }
    out
}

/// The roots on `python`'s `sys.path` (asked once; none when it cannot run).
pub fn python_roots(python: &str) -> Vec<PathBuf> {
    let out = Command::new(python)
        .args(["-c", "import sys\nfor p in sys.path: print(p)"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => keep_roots(
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from),
        ),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_directories_with_ansible_collections_are_roots() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        std::fs::create_dir_all(a.join("ansible_collections")).expect("mkdir");
        let roots = keep_roots([
            dir.path().join("missing"),
            a.join("ansible_collections"),
            a.clone(),
            dir.path().to_path_buf(),
        ]);
        assert_eq!(roots, [a]);
    }

    #[test]
    fn python_path_roots() {
        assert!(python_roots("/nonexistent/python3").is_empty());
    }
}
