//! Resolving a play's `roles:` (and role `meta/main.yml` dependencies) to directories in
//! `roles/` beside the playbook, and loading their tasks, handlers, defaults and vars.
//! Knows nothing of task syntax beyond handing files to the task loader.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::diagnostic::did_you_mean;
use super::load::Loader;
use super::location::Location;
use super::model::{tags_of, Role};
use super::task;
use super::validate::is_task_keyword;
use super::yaml::{Kind, Node};

/// How deep role dependencies may nest before we call it a loop.
const MAX_DEPTH: usize = 32;

/// Parses a `roles:` list (or `dependencies:`) and loads each role.
pub(crate) fn role_list(ld: &mut Loader, file: &Path, node: &Node) -> Vec<Role> {
    role_list_at(ld, file, node, 0)
}

fn role_list_at(ld: &mut Loader, file: &Path, node: &Node, depth: usize) -> Vec<Role> {
    match &node.kind {
        Kind::Null => Vec::new(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|n| role_entry(ld, file, n, depth))
            .collect(),
        _ => {
            ld.err_at(
                file,
                node,
                format!("'roles' must be a list, found {}", node.type_name()),
                None,
            );
            Vec::new()
        }
    }
}

fn role_entry(ld: &mut Loader, file: &Path, node: &Node, depth: usize) -> Option<Role> {
    let mut name = None;
    let mut params = Map::new();
    let mut keywords = Map::new();
    let mut tags = Vec::new();
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                let key = k.key_text();
                match key.as_str() {
                    "role" | "name" => name = v.as_text(),
                    "tags" => tags = tags_of(&v.to_json()),
                    "vars" => {
                        if let Value::Object(m) = v.to_json() {
                            params.extend(m);
                        }
                    }
                    _ if is_task_keyword(&key) => {
                        keywords.insert(key, v.to_json());
                    }
                    _ => {
                        params.insert(key, v.to_json());
                    }
                }
            }
        }
        _ => name = node.as_text(),
    }
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        ld.err_at(
            file,
            node,
            "a role entry needs a role name",
            Some("write `- role: NAME`".into()),
        );
        return None;
    };
    let location = Location::new(file, node.line, node.col);
    if depth > MAX_DEPTH {
        ld.err_at(
            file,
            node,
            format!("role '{name}' depends on itself (a dependency loop)"),
            None,
        );
        return None;
    }
    let Some(path) = find_role(ld, &name) else {
        let roles_dir = ld.playbook_dir.join("roles");
        let known: Vec<String> = std::fs::read_dir(&roles_dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let hint = did_you_mean(&name, known.iter().map(String::as_str))
            .or_else(|| Some(format!("roles are looked up in {}", roles_dir.display())));
        ld.err_at(file, node, format!("the role '{name}' was not found"), hint);
        return None;
    };
    let dependencies = dependencies(ld, &path, depth);
    let tasks = main_file(&path, "tasks")
        .map(|p| task::task_file(ld, &p, Some(&location), Some(&name)))
        .unwrap_or_default();
    let handlers = main_file(&path, "handlers")
        .map(|p| task::task_file(ld, &p, Some(&location), Some(&name)))
        .unwrap_or_default();
    let defaults = vars_file(ld, &path, "defaults", &location);
    let vars = vars_file(ld, &path, "vars", &location);
    Some(Role {
        name,
        path,
        params,
        keywords,
        tags,
        defaults,
        vars,
        dependencies,
        tasks,
        handlers,
        location,
    })
}

/// `roles/NAME` beside the playbook, or NAME as a path relative to the playbook.
fn find_role(ld: &Loader, name: &str) -> Option<PathBuf> {
    [
        ld.playbook_dir.join("roles").join(name),
        ld.playbook_dir.join(name),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// `DIR/main.yml` (or `main.yaml`) of a role, when present.
fn main_file(role: &Path, dir: &str) -> Option<PathBuf> {
    ["main.yml", "main.yaml"]
        .iter()
        .map(|f| role.join(dir).join(f))
        .find(|p| p.is_file())
}

fn vars_file(ld: &mut Loader, role: &Path, dir: &str, from: &Location) -> Map<String, Value> {
    let Some(p) = main_file(role, dir) else {
        return Map::new();
    };
    let Some(node) = ld.read(&p, Some(from)) else {
        return Map::new();
    };
    match node.to_json() {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => {
            ld.err_at(
                &p,
                &node,
                format!(
                    "{dir}/main.yml must be a mapping, found {}",
                    node.type_name()
                ),
                None,
            );
            Map::new()
        }
    }
}

fn dependencies(ld: &mut Loader, role: &Path, depth: usize) -> Vec<Role> {
    let Some(p) = main_file(role, "meta") else {
        return Vec::new();
    };
    let Some(node) = ld.read(&p, None) else {
        return Vec::new();
    };
    let Kind::Map(entries) = &node.kind else {
        return Vec::new();
    };
    entries
        .iter()
        .find(|(k, _)| k.key_text() == "dependencies")
        .map(|(_, v)| role_list_at(ld, &p, v, depth + 1))
        .unwrap_or_default()
}
