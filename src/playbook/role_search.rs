//! Where a role name is looked up, in Ansible's order: a fully qualified name (`ns.coll.role`)
//! and, when a collection search list is given (the `collections` keyword), each listed
//! collection's `roles/`; then `roles/` beside the playbook, the configured roles path, the
//! directory holding the role that depends on it, the playbook's directory itself, and
//! finally the name as a path. Knows nothing of what a role contains, nor of where the
//! configured paths come from (the caller passes them).

use std::path::{Path, PathBuf};

use crate::collections::{is_implicit, Collections, Fqcr};

/// A role found: its directory and, for a collection's role, the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRole {
    /// The role's directory.
    pub path: PathBuf,
    /// `ns.coll` when the role is a collection's.
    pub collection: Option<String>,
}

/// The directories roles are looked up in, built from the playbook path and the configured
/// roles path (rsible.toml `roles_path`, `RSIBLE_ROLES_PATH`, `ANSIBLE_ROLES_PATH`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSearch {
    playbook_dir: PathBuf,
    roles_path: Vec<PathBuf>,
    collections: Collections,
}

impl RoleSearch {
    /// Roles of the playbook in `playbook_dir`, then in `roles_path` (in order).
    pub fn new(playbook_dir: impl Into<PathBuf>, roles_path: Vec<PathBuf>) -> Self {
        RoleSearch {
            playbook_dir: playbook_dir.into(),
            roles_path,
            collections: Collections::default(),
        }
    }

    /// The same search with collections found in `collections`.
    pub fn with_collections(self, collections: Collections) -> Self {
        RoleSearch {
            collections,
            ..self
        }
    }

    /// The installed collections (roles, playbooks and modules of `ns.coll` names).
    pub fn collections(&self) -> &Collections {
        &self.collections
    }

    /// Role `name` looked up as Ansible does: a fully qualified name in its collection, an
    /// unqualified one in each collection of `search` (in order), then as [`RoleSearch::find`].
    pub fn find_role(
        &self,
        name: &str,
        near: Option<&Path>,
        search: &[String],
    ) -> Option<FoundRole> {
        let in_collection = |coll: &str, role: &str| {
            self.collections.role(coll, role).map(|path| FoundRole {
                path,
                collection: Some(coll.to_string()),
            })
        };
        let qualified =
            Fqcr::parse(name, false).and_then(|r| in_collection(&r.collection, &r.name));
        qualified
            .or_else(|| {
                search
                    .iter()
                    .filter(|c| !is_implicit(c))
                    .find_map(|c| in_collection(c, name))
            })
            .or_else(|| {
                self.find(name, near).map(|path| FoundRole {
                    path,
                    collection: None,
                })
            })
    }

    /// The directory of the playbook (also where `import_tasks` falls back to).
    pub fn playbook_dir(&self) -> &Path {
        &self.playbook_dir
    }

    /// The directories searched, in order; `near` is the parent directory of the role
    /// whose dependency is looked up, if any.
    pub fn dirs(&self, near: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs = vec![self.playbook_dir.join("roles")];
        dirs.extend(self.roles_path.iter().cloned());
        dirs.extend(near.map(Path::to_path_buf));
        dirs.push(self.playbook_dir.clone());
        dirs
    }

    /// The directory of role `name`: the first `DIR/name` that exists, else `name` itself
    /// when it is a directory (a path relative to the current directory or absolute).
    pub fn find(&self, name: &str, near: Option<&Path>) -> Option<PathBuf> {
        self.dirs(near)
            .into_iter()
            .map(|d| d.join(name))
            .chain(std::iter::once(PathBuf::from(name)))
            .find(|p| p.is_dir())
    }

    /// Names of the roles found in the searched directories (for "did you mean").
    pub fn known_roles(&self, near: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = self
            .dirs(near)
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flat_map(|rd| rd.filter_map(Result::ok))
            .filter(|e| e.path().join("tasks").is_dir() || e.path().join("meta").is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The searched directories joined with `:`, for error messages.
    pub fn describe(&self, near: Option<&Path>) -> String {
        self.dirs(near)
            .iter()
            .map(|d| match d.as_os_str().is_empty() {
                true => ".".to_string(),
                false => d.display().to_string(),
            })
            .collect::<Vec<_>>()
            .join(":")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_ansibles() {
        let s = RoleSearch::new("pb", vec![PathBuf::from("/etc/r")]);
        assert_eq!(
            s.dirs(Some(Path::new("pb/roles/x"))),
            vec![
                PathBuf::from("pb/roles"),
                PathBuf::from("/etc/r"),
                PathBuf::from("pb/roles/x"),
                PathBuf::from("pb"),
            ]
        );
        assert_eq!(s.describe(None), "pb/roles:/etc/r:pb");
    }

    #[test]
    fn finds_in_roles_path_after_playbook_roles() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shared = dir.path().join("shared");
        std::fs::create_dir_all(shared.join("a/tasks")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("pb/roles/b/tasks")).expect("mkdir");
        let s = RoleSearch::new(dir.path().join("pb"), vec![shared.clone()]);
        assert_eq!(s.find("a", None), Some(shared.join("a")));
        assert_eq!(s.find("b", None), Some(dir.path().join("pb/roles/b")));
        assert_eq!(s.find("c", None), None);
        assert_eq!(s.known_roles(None), vec!["a", "b"]);
    }

    #[test]
    fn collection_roles_come_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pb = dir.path().join("pb");
        let coll = pb.join("collections/ansible_collections/ns/coll/roles");
        for d in ["web", "db"] {
            std::fs::create_dir_all(coll.join(d).join("tasks")).expect("mkdir");
        }
        std::fs::create_dir_all(pb.join("roles/web/tasks")).expect("mkdir");
        std::fs::create_dir_all(pb.join("roles/ns.coll.db/tasks")).expect("mkdir");
        let cs = Collections::new(Some(&pb), &[], None);
        let s = RoleSearch::new(&pb, Vec::new()).with_collections(cs);
        let in_coll = |r: &str| FoundRole {
            path: coll.join(r),
            collection: Some("ns.coll".into()),
        };
        assert_eq!(s.find_role("ns.coll.db", None, &[]), Some(in_coll("db")));
        let listed = ["ansible.legacy".to_string(), "ns.coll".to_string()];
        assert_eq!(s.find_role("web", None, &listed), Some(in_coll("web")));
        let legacy = s.find_role("web", None, &[]).expect("legacy web");
        assert_eq!(
            (legacy.path, legacy.collection),
            (pb.join("roles/web"), None)
        );
        assert_eq!(s.find_role("ns.coll.nope", None, &listed), None);
        assert_eq!(s.find_role("db", None, &[]), None);
    }
}
