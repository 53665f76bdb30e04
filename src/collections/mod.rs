//! Ansible collections on the controller: where they are installed ([`roots`]), a collection
//! found by name, and what playbook content takes from one: its roles (`roles/NAME`), its
//! playbooks (`playbooks/NAME.yml`) and its modules (`plugins/modules/NAME.py`, following
//! `meta/runtime.yml` redirects), and ansible-core's own routing of short names
//! ([`builtin_route`]). Knows nothing of playbook syntax, of rsible's native modules (the
//! caller says which names are native) nor of how a module runs.

mod builtin;
mod fqcr;
pub mod roots;
mod routing;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use builtin::{builtin_route, is_core_action};
pub use fqcr::{is_collection_name, Fqcr};
pub use routing::Route;

/// The collection roots of one playbook, in search order. Cheap to clone; the roots on the
/// controller Python's `sys.path` are asked for only when a lookup gets that far.
#[derive(Debug, Clone, Default)]
pub struct Collections {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// `collections/` beside the playbook, then the configured path (roots only).
    first: Vec<PathBuf>,
    /// The Python whose `sys.path` is searched last, if any.
    python: Option<String>,
    python_roots: OnceLock<Vec<PathBuf>>,
    all: OnceLock<Vec<PathBuf>>,
}

impl PartialEq for Collections {
    fn eq(&self, other: &Self) -> bool {
        self.inner.first == other.inner.first && self.inner.python == other.inner.python
    }
}

impl Eq for Collections {}

/// A module found in a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Module {
    /// One of the caller's native modules, by the name it was found under (after
    /// redirects).
    Native(String),
    /// A module file of a collection.
    File {
        /// Its fully qualified name (after redirects).
        fqcn: String,
        /// `plugins/modules/NAME.py` (or another extension) of its collection.
        path: PathBuf,
    },
    /// Removed from its collection: the name and why.
    Removed(String, String),
    /// Not found: the last name looked up (after redirects).
    Missing(String),
}

/// Whether `name` is one of the collections ansible-core implies (`ansible.builtin`, its own
/// modules, and `ansible.legacy`, which adds the roles path and `library/`): no directory.
pub fn is_implicit(name: &str) -> bool {
    matches!(name, "ansible.builtin" | "ansible.legacy")
}

/// Redirects followed at most (Ansible stops loops the same way).
const MAX_REDIRECTS: usize = 10;

impl Collections {
    /// The roots for a playbook in `playbook_dir` (its `collections/`), then `configured`
    /// (the collections path, defaults applied by the caller), then those on `python`'s
    /// `sys.path` when one is given.
    pub fn new(playbook_dir: Option<&Path>, configured: &[PathBuf], python: Option<&str>) -> Self {
        let near = playbook_dir.map(|d| match d.as_os_str().is_empty() {
            true => PathBuf::from("collections"),
            false => d.join("collections"),
        });
        Collections {
            inner: Arc::new(Inner {
                first: roots::keep_roots(near.into_iter().chain(configured.iter().cloned())),
                python: python.map(str::to_string),
                python_roots: OnceLock::new(),
                all: OnceLock::new(),
            }),
        }
    }

    /// Every root, in search order (each holds `ansible_collections/`).
    pub fn roots(&self) -> &[PathBuf] {
        self.inner.all.get_or_init(|| {
            let mut all = self.inner.first.clone();
            for r in self.python_roots() {
                if !all.contains(r) {
                    all.push(r.clone());
                }
            }
            all
        })
    }

    fn python_roots(&self) -> &[PathBuf] {
        self.inner
            .python_roots
            .get_or_init(|| match &self.inner.python {
                Some(p) => roots::python_roots(p),
                None => Vec::new(),
            })
    }

    /// The directory of collection `name` (`ns.coll`): the first root that has it. Never
    /// `ansible.builtin` nor `ansible.legacy`: ansible-core's own, with no directory.
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        if !is_collection_name(name) || is_implicit(name) {
            return None;
        }
        let rel: PathBuf = ["ansible_collections"]
            .into_iter()
            .chain(name.split('.'))
            .collect();
        self.inner
            .first
            .iter()
            .chain(self.python_roots())
            .map(|r| r.join(&rel))
            .find(|d| d.is_dir())
    }

    /// The directory of role `name` of collection `collection`. As in Ansible, an
    /// unqualified name may be a path below `roles/` (`kubernetes/node`), without dots.
    pub fn role(&self, collection: &str, name: &str) -> Option<PathBuf> {
        let parts_ok = name
            .split('/')
            .all(|p| !p.is_empty() && !p.contains('.') && !p.contains('\\'));
        if !parts_ok {
            return None;
        }
        let dir = self.find(collection)?.join("roles").join(name);
        dir.is_dir().then_some(dir)
    }

    /// The file of playbook `name`: `ns.coll[.sub].NAME`, with or without `.yml`/`.yaml`,
    /// is `playbooks/[sub/]NAME.yml` (else `.yaml`) of its collection.
    pub fn playbook(&self, name: &str) -> Option<PathBuf> {
        let (stem, exts): (&str, &[&str]) = match name.rsplit_once('.') {
            Some((s, "yml")) => (s, &["yml"]),
            Some((s, "yaml")) => (s, &["yaml"]),
            _ => (name, &["yml", "yaml"]),
        };
        let r = Fqcr::parse(stem, true)?;
        let base = self
            .find(&r.collection)?
            .join("playbooks")
            .join(r.relative());
        exts.iter()
            .map(|e| base.with_extension(e))
            .find(|p| p.is_file())
    }

    /// Module `name` (a FQCN) found through redirects; `is_native` says which names (short
    /// or FQCN) the caller runs itself, and is asked before each collection is searched.
    pub fn module(&self, name: &str, is_native: &dyn Fn(&str) -> bool) -> Module {
        let mut name = name.to_string();
        let mut seen = Vec::new();
        while seen.len() <= MAX_REDIRECTS && !seen.contains(&name) {
            if is_native(&name) {
                return Module::Native(name);
            }
            let Some(r) = Fqcr::parse(&name, true) else {
                return Module::Missing(name);
            };
            let Some(dir) = self.find(&r.collection) else {
                return Module::Missing(name);
            };
            let routed = [r.subdirs.join("."), r.name.clone()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(".");
            match routing::module_route(&dir, &routed) {
                Route::Redirect(to) => {
                    seen.push(std::mem::replace(&mut name, to));
                    continue;
                }
                Route::Removed(why) => return Module::Removed(name, why),
                Route::None => {}
            }
            let base = dir.join("plugins/modules").join(r.relative());
            return match ["py", "ps1", "sh"]
                .iter()
                .map(|e| base.with_extension(e))
                .find(|p| p.is_file())
            {
                Some(path) => Module::File { fqcn: name, path },
                None => Module::Missing(name),
            };
        }
        Module::Missing(name)
    }
}

#[cfg(test)]
mod tests;
