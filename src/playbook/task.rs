//! Turning one YAML task (or handler, or block) into a `Task`: finding its module among the
//! keys (`module: args`, `action:`, `local_action:`), splitting free-form arguments, merging
//! `args:`, checking every key, and expanding `import_tasks`/`import_role` (the static
//! parts of `include_tasks`/`include_role` are checked; they load at run time). Knows
//! nothing of plays, roles' directory layout or how tasks run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::collection_search::{self, Resolved};
use super::diagnostic::did_you_mean;
use super::load::Loader;
use super::location::Location;
use super::model::{tags_of, RoleRef, Task};
use super::roles::{self, RoleFiles};
use super::unsupported::{self, Level};
use super::validate::{
    classify_unknown_task_key, include_args, include_keyword_allowed, is_task_keyword, Unknown,
};
use super::yaml::{map_json, Kind, Node};
use super::{free_form, module_args, template_names, variable_params};
use crate::modules::registry;

/// Parses a list of tasks (`tasks:`, `handlers:`, `block:`, a tasks file). `role` is the
/// role the tasks belong to.
pub(crate) fn task_list(
    ld: &mut Loader,
    file: &Path,
    node: &Node,
    role: Option<&Arc<RoleRef>>,
) -> Vec<Task> {
    match &node.kind {
        Kind::Null => Vec::new(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|n| task(ld, file, n, role))
            .collect(),
        _ => {
            ld.err_at(
                file,
                node,
                format!("a list of tasks was expected, found {}", node.type_name()),
                Some("write each task as a list item starting with `- `".into()),
            );
            Vec::new()
        }
    }
}

/// Loads a whole tasks file (the target of `import_tasks`, a role's tasks/main.yml).
pub(crate) fn task_file(
    ld: &mut Loader,
    path: &Path,
    from: Option<&Location>,
    role: Option<&Arc<RoleRef>>,
) -> Vec<Task> {
    let Some(node) = ld.read(path, from) else {
        return Vec::new();
    };
    ld.enter(path);
    let tasks = task_list(ld, path, &node, role);
    ld.leave();
    tasks
}

/// A module found among a task's keys.
struct Found<'a> {
    written: String,
    canonical: &'static str,
    key: &'a Node,
    args: Map<String, Value>,
}

fn task(ld: &mut Loader, file: &Path, node: &Node, role: Option<&Arc<RoleRef>>) -> Option<Task> {
    let Kind::Map(entries) = &node.kind else {
        ld.err_at(
            file,
            node,
            format!("a task must be a mapping, found {}", node.type_name()),
            None,
        );
        return None;
    };
    // `collections:` on a task or block replaces the search list for it (and the block's
    // tasks), wherever it is written among the keys.
    let list = match entries.iter().find(|(k, _)| k.key_text() == "collections") {
        Some((_, v)) => collection_search::keyword(ld, file, v),
        None => ld.collections.clone(),
    };
    let kept = list.clone();
    let mut t = ld.searching(list, |ld| task_keys(ld, file, node, entries, role))?;
    // Kept for what the engine loads for this task (`include_role`, `include_tasks`).
    t.keywords.remove("collections");
    if !kept.is_empty() {
        t.keywords.insert("collections".into(), Value::from(kept));
    }
    Some(t)
}

fn task_keys(
    ld: &mut Loader,
    file: &Path,
    node: &Node,
    entries: &[(Node, Node)],
    role: Option<&Arc<RoleRef>>,
) -> Option<Task> {
    let mut t = Task {
        name: None,
        module: None,
        action: None,
        args: Map::new(),
        keywords: Map::new(),
        tags: Vec::new(),
        block: Vec::new(),
        rescue: Vec::new(),
        always: Vec::new(),
        imported: Vec::new(),
        role: role.cloned(),
        location: Location::new(file, node.line, node.col),
    };
    let mut found: Vec<Found> = Vec::new();
    let mut unknown: Vec<&Node> = Vec::new();
    let mut extra_args = Map::new();
    let mut is_block = false;
    // A module found but refused (already reported): the task is dropped.
    let mut refused = false;
    for (k, v) in entries {
        let key = k.key_text();
        if let Some((msg, hint)) = super::keyword_types::check(&key, v) {
            ld.err_at(file, v, msg, hint);
            continue;
        }
        match key.as_str() {
            "name" => t.name = v.as_text(),
            "tags" => t.tags = tags_of(&v.to_json()),
            "block" => {
                is_block = true;
                t.block = task_list(ld, file, v, role);
            }
            "rescue" => t.rescue = task_list(ld, file, v, role),
            "always" => t.always = task_list(ld, file, v, role),
            "args" => match &v.kind {
                Kind::Map(m) => extra_args = map_json(m),
                Kind::Null => {}
                Kind::Str(s) if variable_params::is_whole_template(s) => {
                    extra_args.insert(variable_params::KEY.into(), Value::String(s.clone()));
                }
                _ => ld.err_at(file, v, "'args' must be a mapping", None),
            },
            "action" | "local_action" => {
                if key == "local_action" {
                    t.keywords.insert("delegate_to".into(), "localhost".into());
                }
                match action(ld, file, k, v) {
                    Some(Some(f)) => found.push(f),
                    Some(None) => {}
                    None => refused = true,
                }
            }
            _ if is_task_keyword(&key) => {
                if let Some((msg, hint)) = super::with_lookup::check(&key, v) {
                    ld.err_at(file, k, msg, hint);
                    continue;
                }
                let value = v.to_json();
                for (kind, name) in template_names::in_keyword(&key, &value) {
                    let refusal = template_names::refusal(kind, &name);
                    let hint = Some(template_names::HINT.into());
                    ld.err_at(file, v, format!("'{key}': {refusal}"), hint);
                }
                t.keywords.insert(key, value);
            }
            _ => match collection_search::module(ld, &key) {
                Resolved::Known(canonical) => found.push(Found {
                    written: key,
                    canonical,
                    key: k,
                    args: module_args(ld, file, canonical, v),
                }),
                Resolved::Refused(msg, hint) => {
                    ld.err_at(file, k, msg, hint);
                    refused = true;
                }
                Resolved::Unknown => unknown.push(k),
            },
        }
    }
    let level = if is_block { Level::Block } else { Level::Task };
    for (k, v) in entries {
        let key = k.key_text();
        if !is_task_keyword(&key) {
            continue;
        }
        if let Some((msg, hint)) = unsupported::keyword(level, &key, v) {
            ld.err_at(file, k, msg, hint);
        } else if key == "listen" && !ld.in_handlers {
            let hint = Some("`listen` belongs on a handler, under `handlers:`".into());
            ld.err_at(
                file,
                k,
                "'listen' is not a valid attribute for a Task",
                hint,
            );
        }
    }
    let has_module = !found.is_empty() || is_block || refused;
    for k in &unknown {
        let key = k.key_text();
        match classify_unknown_task_key(&key, has_module) {
            Unknown::Module(hint) => ld.err_at(file, k, format!("unknown module '{key}'"), hint),
            Unknown::Keyword(hint) => {
                ld.err_at(file, k, format!("unknown task keyword '{key}'"), hint)
            }
        }
    }
    if found.len() > 1 {
        let names: Vec<&str> = found.iter().map(|f| f.written.as_str()).collect();
        ld.err_at(
            file,
            found[1].key,
            format!("conflicting action statements: {}", names.join(", ")),
            Some("a task runs exactly one module; split it into two tasks".into()),
        );
        return None;
    }
    if is_block || found.len() == 1 {
        let module = found.first().map(|f| f.canonical).filter(|_| !is_block);
        super::async_check::check(ld, file, entries, module);
        refuse_delegated_sync(ld, file, entries, module);
    }
    if is_block {
        if let Some(f) = found.first() {
            ld.err_at(
                file,
                f.key,
                format!("a block cannot also run module '{}'", f.written),
                Some("move the module into a task inside `block:`".into()),
            );
        }
        return Some(t);
    }
    if !t.rescue.is_empty() || !t.always.is_empty() {
        ld.err_at(file, node, "'rescue' and 'always' need a 'block'", None);
        return None;
    }
    let Some(f) = found.pop() else {
        if unknown.is_empty() && !refused {
            ld.err_at(
                file,
                node,
                "no module/action detected in task",
                Some("name a module, e.g. `- debug: msg=hello`".into()),
            );
        }
        return None;
    };
    let mut args = extra_args;
    args.extend(f.args);
    variable_params::set_aside(f.canonical, &mut args);
    t.module = Some(f.canonical.to_string());
    t.action = Some(f.written.clone());
    t.args = args;
    if matches!(f.canonical, "include_tasks" | "include_role") {
        for (k, _) in entries {
            let key = k.key_text();
            if is_task_keyword(&key) && !include_keyword_allowed(&key) {
                let class = match f.canonical {
                    "include_role" => "IncludeRole",
                    _ => "TaskInclude",
                };
                ld.err_at(
                    file,
                    k,
                    format!("'{key}' is not a valid attribute for a {class}"),
                    Some(format!(
                        "keywords for the included tasks go under `apply:`; {} takes only {}",
                        f.written,
                        "name, tags, when, vars, loop, register, ignore_errors, no_log, run_once, timeout"
                    )),
                );
            }
        }
    }
    if let Some(allowed) = include_args(f.canonical) {
        if !check_include_args(ld, file, f.key, f.canonical, &t.args, allowed) {
            return Some(t);
        }
    }
    for p in module_args::problems(f.canonical, &f.written, &t.args) {
        if p.completable {
            ld.err_completable(file, f.key, p.message, p.hint);
        } else {
            ld.err_at(file, f.key, p.message, p.hint);
        }
    }
    if f.canonical == "meta" {
        check_end_role(ld, file, f.key, &t.args, role.is_some());
    }
    if matches!(f.canonical, "import_tasks" | "import_role") {
        for (k, _) in entries {
            let key = k.key_text();
            if key == "loop" || key.starts_with("with_") {
                let include = f.canonical.replace("import", "include");
                ld.err_at(
                    file,
                    k,
                    format!("you cannot use loops on '{}' statements", f.canonical),
                    Some(format!("use '{include}' instead: it runs once per item")),
                );
            }
        }
    }
    match f.canonical {
        "import_tasks" => t.imported = import_tasks(ld, file, &t, f.key, role),
        "import_role" => t.imported = import_role(ld, file, &t, f.key),
        _ => {}
    }
    Some(t)
}

/// `meta: end_role` ends the role it is written in, so Ansible refuses it in a handler and
/// outside a role before the play starts; so does rsible, with the location.
fn check_end_role(
    ld: &mut Loader,
    file: &Path,
    key: &Node,
    args: &Map<String, Value>,
    in_role: bool,
) {
    if args
        .get("_raw_params")
        .and_then(Value::as_str)
        .map(str::trim)
        != Some("end_role")
    {
        return;
    }
    let place = if ld.in_handlers {
        "a handler"
    } else if !in_role {
        "outside of a role"
    } else {
        return;
    };
    ld.err_at(
        file,
        key,
        format!("Cannot execute 'end_role' from {place}"),
        Some(
            "end_role ends the role its task belongs to; use end_host or a `when:` elsewhere"
                .into(),
        ),
    );
}

/// Checks the arguments of an import/include: only `allowed` names, and the role name or
/// file given. Returns whether they are usable.
fn check_include_args(
    ld: &mut Loader,
    file: &Path,
    key: &Node,
    module: &str,
    args: &Map<String, Value>,
    allowed: &[&str],
) -> bool {
    let mut ok = true;
    let needed = if module.ends_with("_role") {
        "name"
    } else {
        "file"
    };
    for k in args.keys().filter(|k| !allowed.contains(&k.as_str())) {
        let (msg, hint) = match k.as_str() {
            "_raw_params" => (
                format!("{module} takes its arguments as a mapping"),
                Some(format!("write `{module}: {{{needed}: ...}}`")),
            ),
            _ => (
                format!("unknown argument '{k}' for {module}"),
                did_you_mean(k, allowed.iter().copied()),
            ),
        };
        ld.err_at(file, key, msg, hint);
        ok = false;
    }
    let given = args
        .get(needed)
        .or_else(|| args.get("_raw_params"))
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty());
    if ok && !given {
        let hint = format!("write `{module}: {{{needed}: ...}}`");
        ld.err_at(file, key, format!("{module} needs a {needed}"), Some(hint));
        ok = false;
    }
    ok
}

/// Loads the role an `import_role` names: its dependencies' tasks, then its own.
fn import_role(ld: &mut Loader, file: &Path, t: &Task, key: &Node) -> Vec<Task> {
    let name = t
        .args
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.contains("{{") {
        ld.err_at(
            file,
            key,
            "import_role is static: its name cannot be a template",
            Some("use include_role to choose the role at run time".into()),
        );
        return Vec::new();
    }
    let req = roles::Request {
        name: name.to_string(),
        files: RoleFiles::from_args(&t.args),
        params: Map::new(),
        keywords: Map::new(),
        tags: Vec::new(),
        location: Location::new(file, key.line, key.col),
        near: None,
        collections: ld.collections.clone(),
    };
    roles::load(ld, req)
        .map(|r| roles::flatten_tasks(&r))
        .unwrap_or_default()
}

/// `action: module args` / `local_action: {module: x, ...}`: `Some(None)` when there is a
/// problem (recorded), `None` when the module is found but refused (recorded).
fn action<'a>(ld: &mut Loader, file: &Path, key: &'a Node, v: &Node) -> Option<Option<Found<'a>>> {
    let (name, args) = match &v.kind {
        Kind::Map(m) => {
            let mut args = map_json(m);
            let name = args
                .remove("module")
                .and_then(|n| n.as_str().map(str::to_string));
            (name, Some(args))
        }
        _ => (v.as_text(), None),
    };
    let Some(written) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) else {
        ld.err_at(
            file,
            v,
            format!("'{}' needs a module name", key.key_text()),
            None,
        );
        return Some(None);
    };
    let (mod_name, rest) = match args {
        Some(_) => (written.as_str(), ""),
        None => written
            .split_once(char::is_whitespace)
            .unwrap_or((written.as_str(), "")),
    };
    let canonical = match collection_search::module(ld, mod_name) {
        Resolved::Known(c) => c,
        Resolved::Refused(msg, hint) => {
            ld.err_at(file, v, msg, hint);
            return None;
        }
        Resolved::Unknown => {
            let names = registry::names_near(mod_name);
            let hint = super::diagnostic::did_you_mean(mod_name, names.iter().map(String::as_str));
            ld.err_at(file, v, format!("unknown module '{mod_name}'"), hint);
            return Some(None);
        }
    };
    let args = match args {
        Some(a) => a,
        None => free_form::parse(rest.trim(), registry::is_raw_command(canonical)),
    };
    Some(Some(Found {
        written: mod_name.to_string(),
        canonical,
        key,
        args,
    }))
}

/// A module's value as arguments: a mapping, a free-form string, or nothing.
fn module_args(ld: &mut Loader, file: &Path, module: &str, v: &Node) -> Map<String, Value> {
    match &v.kind {
        Kind::Null => Map::new(),
        Kind::Map(m) => map_json(m),
        Kind::Seq(_) => {
            ld.err_at(
                file,
                v,
                format!("arguments of '{module}' must be a mapping or a string, found a list"),
                None,
            );
            Map::new()
        }
        _ => free_form::parse(
            &v.as_text().unwrap_or_default(),
            registry::is_raw_command(module),
        ),
    }
}

/// Loads the file an `import_tasks` names: beside the current file, then in the playbook's
/// directory. Templated names cannot be resolved before run time and are left empty.
fn import_tasks(
    ld: &mut Loader,
    file: &Path,
    t: &Task,
    key: &Node,
    role: Option<&Arc<RoleRef>>,
) -> Vec<Task> {
    let target = t
        .args
        .get("file")
        .or_else(|| t.args.get("_raw_params"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(target) = target else {
        return Vec::new();
    };
    if target.contains("{{") {
        return Vec::new();
    }
    let here = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let candidates: Vec<PathBuf> = vec![here.join(&target), ld.search.playbook_dir().join(&target)];
    let loc = Location::new(file, key.line, key.col);
    match candidates.iter().find(|p| p.is_file()) {
        Some(p) => task_file(ld, &p.clone(), Some(&loc), role),
        None => {
            ld.err_at(
                file,
                key,
                format!("could not find imported tasks file '{target}'"),
                Some(format!(
                    "looked in {} and {}",
                    display_dir(&here),
                    display_dir(ld.search.playbook_dir())
                )),
            );
            Vec::new()
        }
    }
}

fn display_dir(d: &Path) -> String {
    if d.as_os_str().is_empty() {
        ".".into()
    } else {
        d.display().to_string()
    }
}

/// `synchronize` with `delegate_to` (or as a `local_action`): Ansible then runs rsync on the
/// delegate against the task's host. rsible runs it on the controller, or on the task's own
/// host when `delegate_to` names it (`"{{ inventory_hostname }}"`, Ansible's "dest is local"
/// case); any other delegate is refused.
fn refuse_delegated_sync(
    ld: &mut Loader,
    file: &Path,
    entries: &[(Node, Node)],
    module: Option<&str>,
) {
    if module != Some("synchronize") {
        return;
    }
    for (k, v) in entries {
        let key = k.key_text();
        let own_host = || {
            v.as_text().is_some_and(|t| {
                t.split_whitespace().collect::<String>() == "{{inventory_hostname}}"
            })
        };
        if key == "local_action" || (key == "delegate_to" && !own_host()) {
            ld.err_at(
                file,
                k,
                format!("'{key}' on module 'synchronize' is not supported by rsible"),
                Some(
                    "rsible runs rsync on the controller against the task's host, as Ansible \
                     does without delegate_to, or on the task's own host with delegate_to: \
                     \"{{ inventory_hostname }}\""
                        .into(),
                ),
            );
        }
    }
}
