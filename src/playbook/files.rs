//! The files the engine loads at run time, with templated names already rendered: a role for
//! `include_role`, a tasks file for `include_tasks`, a vars file for `vars_files`,
//! `include_vars` or `-e @file`. Each call validates what it loads as the playbook loader
//! does and returns every problem, located. Knows nothing of hosts, variables or templating.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::load::Loader;
use super::location::Location;
use super::model::{Role, RoleRef, Task};
use super::role_search::RoleSearch;
use super::roles::{self, RoleFiles};
use super::task;

/// Loads role `name` (found through `search`, an unqualified name also in the collections of
/// `collections`, the including task's search list) with its dependencies, for
/// `include_role`. `params` are the role's parameters; `from` is the including task (errors
/// point there).
pub fn load_role(
    search: &RoleSearch,
    collections: &[String],
    name: &str,
    files: &RoleFiles,
    params: Map<String, Value>,
    from: &Location,
) -> Result<Role, Diagnostics> {
    let mut ld = Loader::new(search.clone());
    ld.collections = collections.to_vec();
    ld.module_defaults = true;
    let req = roles::Request {
        name: name.to_string(),
        files: files.clone(),
        params,
        keywords: Map::new(),
        tags: Vec::new(),
        location: from.clone(),
        near: None,
        collections: collections.to_vec(),
    };
    let role = roles::load(&mut ld, req);
    ld.finish(role)?.ok_or_else(|| {
        let msg = format!("the role '{name}' could not be loaded");
        Diagnostics(vec![Diagnostic::new(from.clone(), msg, None, None)])
    })
}

/// A tasks file for `include_tasks`/`import_tasks`: `path` relative to `base_dir` (the
/// including file's directory; for a role task, the role's `tasks/`), each task pointing to
/// `role`. `search` resolves any `import_role` inside, and module and role names with the
/// including task's `collections`; `from` is the including task.
pub fn load_tasks_file(
    search: &RoleSearch,
    collections: &[String],
    path: &Path,
    base_dir: &Path,
    role: Option<Arc<RoleRef>>,
    from: &Location,
) -> Result<Vec<Task>, Diagnostics> {
    let mut ld = Loader::new(search.clone());
    ld.collections = collections.to_vec();
    ld.module_defaults = true;
    let full = base_dir.join(path);
    let tasks = task::task_file(&mut ld, &full, Some(from), role.as_ref());
    ld.finish(tasks)
}

/// A YAML or JSON vars file (`vars_files`, `include_vars`, `-e @file`): must be a mapping
/// (an empty file is an empty one); errors are located (file:line:col).
pub fn load_vars_file(path: &Path) -> Result<Map<String, Value>, Diagnostics> {
    let mut ld = Loader::new(RoleSearch::default());
    let vars = mapping_file(&mut ld, path, None);
    ld.finish(vars)
}

/// Reads a file that must hold a mapping; problems are recorded in `ld` (at `from` when the
/// file cannot be read).
pub(crate) fn mapping_file(
    ld: &mut Loader,
    path: &Path,
    from: Option<&Location>,
) -> Map<String, Value> {
    let Some(node) = ld.read(path, from) else {
        return Map::new();
    };
    match node.to_json() {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => {
            let msg = format!(
                "{} must be a mapping of variables, found {}",
                path.display(),
                node.type_name()
            );
            ld.err_at(path, &node, msg, None);
            Map::new()
        }
    }
}
