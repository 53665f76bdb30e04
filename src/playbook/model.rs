//! The typed playbook model: playbooks, plays, roles and tasks, each task keeping where it
//! was written. Plain data: knows nothing of YAML, files or how tasks run.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::location::Location;
use super::role_search::RoleSearch;

/// A loaded playbook: its plays in order, `import_playbook` already expanded.
#[derive(Debug, Clone, Default)]
pub struct Playbook {
    /// The file that was loaded.
    pub path: PathBuf,
    /// Every play, imported ones in place.
    pub plays: Vec<Play>,
    /// Where roles were looked up; `include_role` at run time looks in the same places.
    pub role_search: RoleSearch,
}

/// One play.
#[derive(Debug, Clone, Default)]
pub struct Play {
    /// `name:`.
    pub name: Option<String>,
    /// `hosts:` as a pattern string (a list is joined with `,`).
    pub hosts: String,
    /// `vars:`.
    pub vars: Map<String, Value>,
    /// `vars_files:` entries as written.
    pub vars_files: Vec<Value>,
    /// `gather_facts:` when set.
    pub gather_facts: Option<Value>,
    /// `become`, `become_user`, `become_method`, `become_flags`, `become_exe` when set.
    pub become_: Map<String, Value>,
    /// `serial:` when set.
    pub serial: Option<Value>,
    /// `strategy:` when set.
    pub strategy: Option<String>,
    /// `tags:`.
    pub tags: Vec<String>,
    /// Other play keywords (remote_user, environment, ...) as written.
    pub keywords: Map<String, Value>,
    /// `pre_tasks:`.
    pub pre_tasks: Vec<Task>,
    /// `roles:`, resolved.
    pub roles: Vec<Role>,
    /// `tasks:`.
    pub tasks: Vec<Task>,
    /// `post_tasks:`.
    pub post_tasks: Vec<Task>,
    /// `handlers:`.
    pub handlers: Vec<Task>,
    /// The `when:` of the `import_playbook` entries that brought the play in (outer first):
    /// as in Ansible, each of its tasks and its fact gathering (not its handlers) runs only
    /// where they hold.
    pub import_when: Vec<Value>,
    /// Where the play starts.
    pub location: Location,
}

impl Play {
    /// The name ansible-playbook shows: `name`, or the hosts pattern.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.hosts)
    }
}

/// A role applied by a play's `roles:` (or a role dependency), with its files loaded.
#[derive(Debug, Clone)]
pub struct Role {
    /// The role's name as written.
    pub name: String,
    /// The role's directory.
    pub path: PathBuf,
    /// Variables given with the role entry (`{role: x, foo: 1}` or `vars:`).
    pub params: Map<String, Value>,
    /// Keywords given with the role entry (`tags`, `when`, `become`, ...).
    pub keywords: Map<String, Value>,
    /// `tags:` of the entry.
    pub tags: Vec<String>,
    /// `defaults/main.yml`.
    pub defaults: Map<String, Value>,
    /// `vars/main.yml`.
    pub vars: Map<String, Value>,
    /// `meta/main.yml` dependencies, resolved, run before this role.
    pub dependencies: Vec<Role>,
    /// `tasks/main.yml`.
    pub tasks: Vec<Task>,
    /// `handlers/main.yml`.
    pub handlers: Vec<Task>,
    /// Where the role entry is written.
    pub location: Location,
    /// What the role's tasks point to; two entries naming the same role with the same
    /// params, tags, `when` and `*_from` files share one (Ansible runs it once per host).
    pub role_ref: Arc<RoleRef>,
}

/// What a task needs to know about the role it belongs to (no tasks inside: no cycles).
///
/// Identity matters: tasks of one role instance hold clones of one `Arc`, so the engine can
/// tell with [`Arc::ptr_eq`] that a role already ran on a host. The handlers kept here point
/// to a twin `RoleRef` with the same name, path and variables but no handlers, so that a
/// handler never holds the `Arc` it is stored in.
#[derive(Debug)]
pub struct RoleRef {
    /// The role's name as written.
    pub name: String,
    /// The role's directory (`files/` and `templates/` are looked up below it).
    pub path: PathBuf,
    /// Variables given with the role entry.
    pub params: Map<String, Value>,
    /// `defaults/main.yml` (or `defaults_from`).
    pub defaults: Map<String, Value>,
    /// `vars/main.yml` (or `vars_from`).
    pub vars: Map<String, Value>,
    /// `handlers/main.yml` (or `handlers_from`).
    pub handlers: Vec<Task>,
    /// `allow_duplicates: true` in `meta/main.yml`: run again when listed again.
    pub allow_duplicates: bool,
    /// `ns.coll` for a collection's role (its name is then `ns.coll.role`).
    pub collection: Option<String>,
}

/// One task, handler or block.
#[derive(Debug, Clone)]
pub struct Task {
    /// `name:`.
    pub name: Option<String>,
    /// The canonical short module name (`copy` for `ansible.builtin.copy`); `None` for a block.
    pub module: Option<String>,
    /// The module name as written (`ansible.builtin.debug`), the name of an unnamed task;
    /// `None` for a block.
    pub action: Option<String>,
    /// The module's arguments, free-form strings already split into `k=v` and `_raw_params`.
    pub args: Map<String, Value>,
    /// Task keywords as written (when, loop, with_*, register, notify, become, ...).
    pub keywords: Map<String, Value>,
    /// `tags:`.
    pub tags: Vec<String>,
    /// `block:` children.
    pub block: Vec<Task>,
    /// `rescue:` children.
    pub rescue: Vec<Task>,
    /// `always:` children.
    pub always: Vec<Task>,
    /// For `import_tasks`: the tasks of the imported file; for `import_role`: the role's
    /// tasks, its dependencies' first. Loaded at load time.
    pub imported: Vec<Task>,
    /// The role the task comes from, if any.
    pub role: Option<Arc<RoleRef>>,
    /// Where the task starts.
    pub location: Location,
}

impl Task {
    /// Whether this is a `block:` rather than a module call.
    pub fn is_block(&self) -> bool {
        self.module.is_none()
    }

    /// The name of the task's role, if any.
    pub fn role_name(&self) -> Option<&str> {
        self.role.as_deref().map(|r| r.name.as_str())
    }
}

/// Turns a `tags:` value (string with commas, list, or number) into tag names.
pub fn tags_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        Value::Array(items) => items.iter().flat_map(tags_of).collect(),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}
