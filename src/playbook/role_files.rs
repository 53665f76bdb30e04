//! Which files make up one part of a role (`tasks`, `handlers`, `vars`, `defaults`, `meta`),
//! in Ansible's order: `main.yml`, `main.yaml`, `main.json`, then `main` (for a `*_from`
//! name: the name as written first, then with those extensions). For `vars` and `defaults`
//! the name may be a directory: every file below it, in name order, recursively (hidden
//! files, `~` backups and files with other extensions skipped). Knows nothing of what the
//! files contain.

use std::path::{Path, PathBuf};

/// The extensions a role file may have; `""` is the bare name.
const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// The files of part `dir` of the role at `role`: `named` (a `*_from` value) or `main`.
/// `allow_dir` (vars and defaults) lets a directory stand for the files below it. Empty
/// when nothing matches.
pub(crate) fn find(role: &Path, dir: &str, named: Option<&str>, allow_dir: bool) -> Vec<PathBuf> {
    let base = role.join(dir).join(named.unwrap_or("main"));
    let mut exts: Vec<&str> = EXTENSIONS.to_vec();
    match named {
        None => exts.push(""),
        Some(_) => exts.insert(0, ""),
    }
    for ext in exts {
        let mut p = base.clone().into_os_string();
        p.push(ext);
        let p = PathBuf::from(p);
        if p.is_dir() {
            if allow_dir {
                return dir_files(&p);
            }
            continue;
        }
        if p.exists() {
            return vec![p];
        }
    }
    Vec::new()
}

/// Every file below `dir` a role loads, in name order, descending into subdirectories
/// whose names have no extension.
fn dir_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.ends_with('~'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        let p = dir.join(&n);
        let ext = extension(&n);
        if p.is_dir() && ext.is_empty() {
            out.extend(dir_files(&p));
        } else if p.is_file() && (ext.is_empty() || EXTENSIONS.contains(&ext)) {
            out.push(p);
        }
    }
    out
}

/// The extension of a file name with its dot (`.yml`), or `""`; a leading dot does not
/// start one.
fn extension(name: &str) -> &str {
    let trimmed = name.trim_start_matches('.');
    match trimmed.rfind('.') {
        Some(i) => &trimmed[i..],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, "a: 1\n").expect("write");
    }

    #[test]
    fn main_file_wins_over_directory_and_yml_first() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        touch(&r.join("vars/main.yaml"));
        touch(&r.join("vars/main.yml"));
        touch(&r.join("vars/main/x.yml"));
        assert_eq!(find(r, "vars", None, true), vec![r.join("vars/main.yml")]);
    }

    #[test]
    fn directory_files_in_name_order_recursively() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        for f in [
            "b.yml",
            "a.json",
            "c",
            "sub/z.yaml",
            ".hidden.yml",
            "x.yml~",
            "n.txt",
            "d.d/q.yml",
        ] {
            touch(&r.join("defaults/main").join(f));
        }
        let got: Vec<String> = find(r, "defaults", None, true)
            .iter()
            .map(|p| {
                p.strip_prefix(r.join("defaults/main"))
                    .expect("below")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(got, vec!["a.json", "b.yml", "c", "sub/z.yaml"]);
        // tasks never read a directory
        std::fs::create_dir_all(r.join("tasks/main")).expect("mkdir");
        touch(&r.join("tasks/main/a.yml"));
        assert!(find(r, "tasks", None, false).is_empty());
    }

    #[test]
    fn named_file_as_written_first() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        touch(&r.join("tasks/other.yml"));
        touch(&r.join("tasks/other.yml.yml"));
        assert_eq!(
            find(r, "tasks", Some("other.yml"), false),
            vec![r.join("tasks/other.yml")]
        );
        assert_eq!(
            find(r, "tasks", Some("other"), false),
            vec![r.join("tasks/other.yml")]
        );
    }
}
