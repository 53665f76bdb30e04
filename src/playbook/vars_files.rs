//! The load-time check of a play's `vars_files`: an entry written without a template names a
//! file that must exist (beside the playbook or in its `vars/` directory), else the playbook
//! is refused with the entry's location. Templated entries depend on host variables and are
//! read at run time; `find` is also where the run looks each file up. Knows nothing of
//! reading the files or of hosts.

use std::path::Path;

use super::load::Loader;
use super::yaml::{Kind, Node};

/// Checks the entries of `vars_files` (`v`, written in `file`); a nested list is a list of
/// candidates of which one must exist. Records an error per missing entry.
pub(crate) fn check(ld: &mut Loader, file: &Path, v: &Node) {
    let entries: Vec<&Node> = match &v.kind {
        Kind::Seq(items) => items.iter().collect(),
        Kind::Null => Vec::new(),
        _ => vec![v],
    };
    for entry in entries {
        let candidates: Vec<&Node> = match &entry.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![entry],
        };
        let mut names = Vec::new();
        for c in &candidates {
            match c.as_text() {
                Some(t) if crate::template::is_template(&t) => break,
                Some(t) => names.push(t),
                None => {
                    ld.err_at(
                        file,
                        c,
                        format!(
                            "a vars_files entry must be a file name, found {}",
                            c.type_name()
                        ),
                        None,
                    );
                    break;
                }
            }
        }
        if names.len() < candidates.len() {
            continue;
        }
        let dir = ld.search.playbook_dir().to_path_buf();
        if names.iter().any(|n| find(&dir, n).is_some()) {
            continue;
        }
        let shown = if dir.as_os_str().is_empty() {
            ".".to_string()
        } else {
            dir.display().to_string()
        };
        ld.err_at(
            file,
            entry,
            format!("vars file {} was not found", names.join(" or ")),
            Some(format!(
                "rsible looks in {shown} and {shown}/vars (ansible-playbook 2.19 skips a missing \
                 vars file without a word; rsible refuses it)"
            )),
        );
    }
}

/// Where vars file `name` is: relative to `dir`, else to `dir/vars` (or an absolute path),
/// as Ansible looks; the one lookup of both the loader's check and the run.
pub fn find(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
    [dir.join(name), dir.join("vars").join(name)]
        .into_iter()
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_beside_and_in_vars() {
        let d = std::env::temp_dir().join(format!("rsible-vf-{}", std::process::id()));
        std::fs::create_dir_all(d.join("vars")).unwrap();
        std::fs::write(d.join("a.yml"), "x: 1").unwrap();
        std::fs::write(d.join("vars/b.yml"), "x: 1").unwrap();
        assert_eq!(find(&d, "a.yml"), Some(d.join("a.yml")));
        assert_eq!(find(&d, "b.yml"), Some(d.join("vars/b.yml")));
        assert_eq!(find(&d, "c.yml"), None);
        assert!(find(&d, d.join("a.yml").to_str().unwrap()).is_some());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
