//! Ansible's rule that a role dependency runs once per host and play: a dependency block (a
//! role reached through `dependencies:`, of a play's role or of an included or imported one)
//! is skipped, silently, on the hosts that already completed an equal role in this play (same
//! directory, parameters, keywords and tags), unless the role's meta says `allow_duplicates`.
//! A role from `roles:` completes too. Knows nothing of how tasks run.

use super::host::HostCell;
use super::Runner;
use crate::playbook::{Role, Task, DEPENDENCY_MARK};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

impl Runner {
    /// The hosts of `hosts` that run `block`: all, unless it is a role dependency that some
    /// of them already completed.
    pub(super) fn role_not_done(
        &self,
        block: &Task,
        hosts: &[Arc<HostCell>],
    ) -> Vec<Arc<HostCell>> {
        let Some(key) = dependency_key(block) else {
            return hosts.to_vec();
        };
        let done = self
            .play
            .roles_done
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        hosts
            .iter()
            .filter(|h| !done.contains(&(h.name.clone(), key.clone())))
            .cloned()
            .collect()
    }

    /// Records that the hosts of `hosts` still standing completed role dependency `block`.
    pub(super) fn role_dependency_done(&self, block: &Task, hosts: &[Arc<HostCell>]) {
        if let Some(key) = dependency_key(block) {
            self.mark(&key, hosts);
        }
    }

    /// Records that the hosts of `hosts` still standing completed `role`, a `roles:` entry,
    /// and its dependencies.
    pub(super) fn role_entry_done(&self, role: &Role, hosts: &[Arc<HostCell>]) {
        for d in &role.dependencies {
            self.role_entry_done(d, hosts);
        }
        let key = key(
            &role.path,
            &role.role_ref.params,
            &role.keywords,
            &role.tags,
        );
        self.mark(&key, hosts);
    }

    fn mark(&self, key: &str, hosts: &[Arc<HostCell>]) {
        let mut done = self
            .play
            .roles_done
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for h in hosts.iter().filter(|h| h.active()) {
            done.insert((h.name.clone(), key.to_string()));
        }
    }
}

/// The identity of a dependency block's role, when it is one that runs once per host.
fn dependency_key(block: &Task) -> Option<String> {
    let role = block.role.as_ref()?;
    if block.args.get(DEPENDENCY_MARK) != Some(&Value::Bool(true)) || role.allow_duplicates {
        return None;
    }
    Some(key(&role.path, &role.params, &block.keywords, &block.tags))
}

/// What makes two role entries the same role for Ansible.
fn key(
    path: &Path,
    params: &Map<String, Value>,
    keywords: &Map<String, Value>,
    tags: &[String],
) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        path.display(),
        Value::Object(params.clone()),
        Value::Object(keywords.clone()),
        tags.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::RoleRef;

    fn dep_block(allow_duplicates: bool, marked: bool) -> Task {
        let role = Arc::new(RoleRef {
            name: "a".into(),
            path: "/r/a".into(),
            params: Map::new(),
            defaults: Map::new(),
            vars: Map::new(),
            handlers: Vec::new(),
            allow_duplicates,
            collection: None,
        });
        let mut args = Map::new();
        if marked {
            args.insert(DEPENDENCY_MARK.into(), Value::Bool(true));
        }
        Task {
            name: None,
            module: None,
            action: None,
            args,
            keywords: Map::new(),
            tags: Vec::new(),
            block: Vec::new(),
            rescue: Vec::new(),
            always: Vec::new(),
            imported: Vec::new(),
            role: Some(role),
            location: Default::default(),
        }
    }

    #[test]
    fn only_marked_dependencies_without_allow_duplicates_have_a_key() {
        assert!(dependency_key(&dep_block(false, true)).is_some());
        assert!(dependency_key(&dep_block(true, true)).is_none());
        assert!(dependency_key(&dep_block(false, false)).is_none());
    }

    #[test]
    fn parameters_keywords_and_tags_tell_roles_apart() {
        let p = Path::new("/r/a");
        let mut one = Map::new();
        one.insert("p".into(), Value::from(1));
        let base = key(p, &Map::new(), &Map::new(), &[]);
        assert_eq!(base, key(p, &Map::new(), &Map::new(), &[]));
        assert_ne!(base, key(p, &one, &Map::new(), &[]));
        assert_ne!(base, key(p, &Map::new(), &one, &[]));
        assert_ne!(base, key(p, &Map::new(), &Map::new(), &["t".into()]));
        assert_ne!(base, key(Path::new("/r/b"), &Map::new(), &Map::new(), &[]));
    }
}
