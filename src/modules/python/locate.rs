//! Finding a module's Python file as Ansible's module loader would: the playbook's and
//! roles' `library/` directories and the configured library path for short and
//! `ansible.legacy` names, collection roots for `ns.coll.name`, then ansible-core's own
//! `ansible/modules/` for short, `ansible.builtin` and `ansible.legacy` names. Also notices a
//! same-named action plugin (controller code rsible cannot run). Knows nothing of payloads,
//! hosts or playbooks.

use std::path::{Path, PathBuf};

/// Where to look.
#[derive(Debug, Clone, Copy)]
pub struct Search<'a> {
    /// `library/` directories (playbook's, roles', configured), in order.
    pub library: &'a [PathBuf],
    /// Directories holding `ansible_collections/`.
    pub collections: &'a [PathBuf],
    /// ansible-core's package directory (`.../site-packages/ansible`), when found.
    pub core: Option<&'a Path>,
}

/// A module found as a Python file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The name it answers to in output (`community.general.timezone`,
    /// `ansible.builtin.getent`, or a `library/` module's short name).
    pub name: String,
    /// Its file on the controller.
    pub path: PathBuf,
    /// Its Python module name inside the payload (`ansible.modules.getent`,
    /// `ansible_collections.community.general.plugins.modules.timezone`).
    pub fqn: String,
    /// A same-named action plugin: the module cannot run without that controller code.
    pub action_plugin: Option<PathBuf>,
}

/// The module written as `name`, if it is a Python module found on the controller.
pub fn locate(name: &str, s: &Search) -> Option<Located> {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.iter().any(|p| !is_ident(p)) {
        return None;
    }
    match parts.as_slice() {
        [short] => library(short, s).or_else(|| core(short, s)),
        ["ansible", "legacy", short] => library(short, s).or_else(|| core(short, s)),
        ["ansible", "builtin", short] => core(short, s),
        [ns, coll, rest @ ..] if !rest.is_empty() => collection(ns, coll, rest, s),
        _ => None,
    }
}

fn is_ident(p: &str) -> bool {
    p.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && p.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn library(short: &str, s: &Search) -> Option<Located> {
    s.library.iter().find_map(|dir| {
        let path = [dir.join(format!("{short}.py")), dir.join(short)]
            .into_iter()
            .find(|p| p.is_file())?;
        Some(Located {
            name: short.to_string(),
            path,
            fqn: format!("ansible.modules.{short}"),
            action_plugin: None,
        })
    })
}

fn core(short: &str, s: &Search) -> Option<Located> {
    let core = s.core?;
    let path = core.join("modules").join(format!("{short}.py"));
    path.is_file().then(|| Located {
        name: format!("ansible.builtin.{short}"),
        path,
        fqn: format!("ansible.modules.{short}"),
        action_plugin: existing(core.join("plugins/action").join(format!("{short}.py"))),
    })
}

fn collection(ns: &str, coll: &str, rest: &[&str], s: &Search) -> Option<Located> {
    let last = rest.last()?;
    s.collections.iter().find_map(|root| {
        let base = root.join("ansible_collections").join(ns).join(coll);
        let mut path = base.join("plugins/modules");
        rest.iter().for_each(|p| path.push(p));
        path.set_extension("py");
        path.is_file().then(|| Located {
            name: format!("{ns}.{coll}.{}", rest.join(".")),
            fqn: format!(
                "ansible_collections.{ns}.{coll}.plugins.modules.{}",
                rest.join(".")
            ),
            path: path.clone(),
            action_plugin: existing(base.join("plugins/action").join(format!("{last}.py"))),
        })
    })
}

fn existing(p: PathBuf) -> Option<PathBuf> {
    p.is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "#!/usr/bin/python\n").unwrap();
    }

    #[test]
    fn lookup_order_and_names() {
        let d = tempfile::tempdir().unwrap();
        let lib = d.path().join("library");
        let colls = d.path().join("colls");
        let core = d.path().join("ansible");
        touch(&lib.join("mine.py"));
        touch(&lib.join("getent.py"));
        touch(&core.join("modules/getent.py"));
        touch(&core.join("modules/copy.py"));
        touch(&core.join("plugins/action/copy.py"));
        let c = colls.join("ansible_collections/ns/coll/plugins");
        touch(&c.join("modules/thing.py"));
        touch(&c.join("modules/sync.py"));
        touch(&c.join("action/sync.py"));
        let libs = [lib.clone()];
        let roots = [d.path().join("nothing"), colls.clone()];
        let s = Search {
            library: &libs,
            collections: &roots,
            core: Some(&core),
        };
        let l = locate("mine", &s).unwrap();
        assert_eq!(
            (l.name.as_str(), l.fqn.as_str()),
            ("mine", "ansible.modules.mine")
        );
        // library/ comes before ansible-core, except for the ansible.builtin name
        assert_eq!(locate("getent", &s).unwrap().path, lib.join("getent.py"));
        assert_eq!(
            locate("ansible.legacy.getent", &s).unwrap().path,
            lib.join("getent.py")
        );
        let b = locate("ansible.builtin.getent", &s).unwrap();
        assert_eq!(b.path, core.join("modules/getent.py"));
        assert_eq!(b.name, "ansible.builtin.getent");
        assert_eq!(
            locate("copy", &s).unwrap().action_plugin,
            Some(core.join("plugins/action/copy.py"))
        );
        let t = locate("ns.coll.thing", &s).unwrap();
        assert_eq!(t.fqn, "ansible_collections.ns.coll.plugins.modules.thing");
        assert_eq!(t.action_plugin, None);
        assert_eq!(
            locate("ns.coll.sync", &s).unwrap().action_plugin,
            Some(c.join("action/sync.py"))
        );
        assert_eq!(locate("ns.coll.missing", &s), None);
        assert_eq!(locate("nowhere", &s), None);
        assert_eq!(locate("../etc", &s), None);
    }
}
