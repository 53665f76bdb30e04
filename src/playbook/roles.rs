//! Resolving a role (a `roles:` entry, a `meta/main.yml` dependency or an `import_role`)
//! through the `RoleSearch`, and loading its tasks, handlers, defaults and vars, each task
//! pointing to the role's `RoleRef`. Identical entries in one play share one `RoleRef`.
//! Knows nothing of task syntax beyond handing files to the task loader.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::argument_specs;
use super::diagnostic::did_you_mean;
use super::files::mapping_file;
use super::load::Loader;
use super::location::Location;
use super::model::{tags_of, Role, RoleRef, Task};
use super::role_files;
use super::task;
use super::unsupported::{self, Level};
use super::yaml::{Kind, Node};

/// Which files of a role to load instead of `main.yml` (`import_role`/`include_role`
/// arguments `tasks_from`, `vars_from`, `defaults_from`, `handlers_from`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleFiles {
    /// A file of `tasks/`.
    pub tasks_from: Option<String>,
    /// A file of `vars/`.
    pub vars_from: Option<String>,
    /// A file of `defaults/`.
    pub defaults_from: Option<String>,
    /// A file of `handlers/`.
    pub handlers_from: Option<String>,
    /// `rolespec_validate: false`: no argument spec validation task.
    pub skip_validation: bool,
}

impl RoleFiles {
    /// The `*_from` arguments of an `import_role`/`include_role` task (already templated).
    pub fn from_args(args: &Map<String, Value>) -> Self {
        let get = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
        RoleFiles {
            tasks_from: get("tasks_from"),
            vars_from: get("vars_from"),
            defaults_from: get("defaults_from"),
            handlers_from: get("handlers_from"),
            skip_validation: matches!(
                args.get("rolespec_validate"),
                Some(v) if crate::modules::framework::args::to_bool(v) == Some(false)
            ),
        }
    }
}

/// What makes two role entries of a play the same instance (Ansible's role hash: path,
/// params, `when`, tags and `*_from` files).
#[derive(Debug, PartialEq)]
pub(crate) struct RoleKey {
    path: PathBuf,
    params: Map<String, Value>,
    when: Option<Value>,
    tags: Vec<String>,
    files: RoleFiles,
}

/// A role to load: the entry as written.
pub(crate) struct Request {
    /// The role name (or path) as written.
    pub name: String,
    /// Which files instead of `main.yml`.
    pub files: RoleFiles,
    /// Variables given with the entry.
    pub params: Map<String, Value>,
    /// Keywords given with the entry (`when`, `become`, ...).
    pub keywords: Map<String, Value>,
    /// `tags:` of the entry.
    pub tags: Vec<String>,
    /// Where the entry is written (errors point here).
    pub location: Location,
    /// The parent directory of the role that depends on this one, if any.
    pub near: Option<PathBuf>,
    /// The collections searched for an unqualified name (the `collections` keyword in
    /// force where the entry is written).
    pub collections: Vec<String>,
}

/// Parses a play's `roles:` list and loads each role.
pub(crate) fn role_list(ld: &mut Loader, file: &Path, node: &Node) -> Vec<Role> {
    role_list_at(ld, file, node, None)
}

fn role_list_at(ld: &mut Loader, file: &Path, node: &Node, near: Option<&Path>) -> Vec<Role> {
    match &node.kind {
        Kind::Null => Vec::new(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|n| {
                let req = entry(ld, file, n, near)?;
                load(ld, req)
            })
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

/// One `roles:`/`dependencies:` entry: a name, or a mapping with `role:` and the rest.
fn entry(ld: &mut Loader, file: &Path, node: &Node, near: Option<&Path>) -> Option<Request> {
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
                            // Kept as a keyword too: they are not parameters an argument
                            // spec checks.
                            keywords.insert(key, Value::Object(m.clone()));
                            params.extend(m);
                        }
                    }
                    "collections" => ld.err_at(
                        file,
                        k,
                        "the role entry keyword 'collections' is not supported by rsible",
                        Some(
                            "list the collections on the play, or in the role's meta/main.yml"
                                .into(),
                        ),
                    ),
                    _ if unsupported::is_role_keyword(&key) => {
                        if let Some((msg, hint)) = unsupported::keyword(Level::Role, &key, v) {
                            ld.err_at(file, k, msg, hint);
                        } else if let Some((msg, hint)) = super::keyword_types::check(&key, v) {
                            // The same value checks as on a task (`module_defaults` naming a
                            // module rsible lacks, `become: maybe`, ...).
                            ld.err_at(file, v, msg, hint);
                        } else {
                            keywords.insert(key, v.to_json());
                        }
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
    Some(Request {
        name,
        files: RoleFiles::default(),
        params,
        keywords,
        tags,
        location: Location::new(file, node.line, node.col),
        near: near.map(Path::to_path_buf),
        collections: ld.collections.clone(),
    })
}

/// Finds and loads a role with its dependencies; `None` (with errors recorded) when it
/// cannot be found or depends on itself.
pub(crate) fn load(ld: &mut Loader, req: Request) -> Option<Role> {
    let loc = req.location.clone();
    let err = |ld: &mut Loader, msg: String, hint: Option<String>| {
        ld.err(&loc.file, loc.line, loc.column, msg, hint);
    };
    let near = req.near.as_deref();
    let Some(found) = ld.search.find_role(&req.name, near, &req.collections) else {
        let hint = not_found_hint(ld, &req);
        err(ld, format!("the role '{}' was not found", req.name), hint);
        return None;
    };
    let path = found.path;
    let mut req = req;
    if let Some(c) = &found.collection {
        // Ansible shows a collection's role by its fully qualified name.
        let short = req.name.rsplit('.').next().unwrap_or_default().to_string();
        req.name = format!("{c}.{short}");
    }
    let collection = found.collection;
    let key = RoleKey {
        path: std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
        params: req.params.clone(),
        when: req.keywords.get("when").cloned(),
        tags: req.tags.clone(),
        files: req.files.clone(),
    };
    if let Some((_, r)) = ld.role_cache.iter().find(|(k, _)| *k == key) {
        return Some(Role {
            location: req.location,
            ..r.clone()
        });
    }
    let frame = (key.path.clone(), req.files.tasks_from.clone());
    if ld.role_stack.contains(&frame) {
        let msg = format!("role '{}' depends on itself (a dependency loop)", req.name);
        err(ld, msg, None);
        return None;
    }
    ld.role_stack.push(frame);
    let role = load_found(ld, req, path, collection);
    ld.role_stack.pop();
    ld.role_cache.push((key, role.clone()));
    Some(role)
}

/// Why role `req` was not found, and where it was looked for.
fn not_found_hint(ld: &Loader, req: &Request) -> Option<String> {
    let near = req.near.as_deref();
    if let Some(r) = crate::collections::Fqcr::parse(&req.name, false) {
        return Some(match ld.search.collections().find(&r.collection) {
            Some(dir) => format!("the collection {} at {} has no role '{}'", r.collection, dir.display(), r.name),
            None => format!(
                "no collection '{}' is installed (collections are looked up in collections/ beside the playbook, the collections path and Python's sys.path)",
                r.collection
            ),
        });
    }
    let known = ld.search.known_roles(near);
    did_you_mean(&req.name, known.iter().map(String::as_str)).or_else(|| {
        let listed = req
            .collections
            .iter()
            .filter(|c| !crate::collections::is_implicit(c))
            .map(String::as_str)
            .collect::<Vec<_>>();
        let also = match listed.is_empty() {
            true => String::new(),
            false => format!(" and in the collections {}", listed.join(", ")),
        };
        Some(format!(
            "roles are looked up in {}{also}",
            ld.search.describe(near)
        ))
    })
}

/// Loads the files of the role found at `path` (a role of `collection`, if any).
fn load_found(ld: &mut Loader, req: Request, path: PathBuf, collection: Option<String>) -> Role {
    crate::modules::python::add_library(path.join("library"));
    let loc = req.location.clone();
    let meta = Meta::read(ld, &path, &loc);
    // The role's own collection (for a legacy role, its playbook's) first, then its meta's.
    let first = collection.as_deref().or(ld.default_collection.as_deref());
    let list = super::collection_search::chain(first, &meta.collections);
    ld.searching(list, |ld| load_files(ld, req, path, collection, meta))
}

/// The rest of [`load_found`], with the role's collection search list in force.
fn load_files(
    ld: &mut Loader,
    req: Request,
    path: PathBuf,
    collection: Option<String>,
    meta: Meta,
) -> Role {
    let loc = req.location.clone();
    let defaults = vars_part(
        ld,
        &path,
        "defaults",
        req.files.defaults_from.as_deref(),
        &loc,
    );
    let vars = vars_part(ld, &path, "vars", req.files.vars_from.as_deref(), &loc);
    let twin = Arc::new(RoleRef {
        name: req.name.clone(),
        path: path.clone(),
        params: req.params.clone(),
        defaults,
        vars,
        handlers: Vec::new(),
        allow_duplicates: meta.allow_duplicates,
        collection: collection.clone(),
    });
    let handlers = part(
        ld,
        &path,
        "handlers",
        req.files.handlers_from.as_deref(),
        &loc,
    )
    .map(|p| ld.section(true, |ld| task::task_file(ld, &p, Some(&loc), Some(&twin))))
    .unwrap_or_default();
    let role_ref = Arc::new(RoleRef {
        name: twin.name.clone(),
        path: path.clone(),
        params: twin.params.clone(),
        defaults: twin.defaults.clone(),
        vars: twin.vars.clone(),
        handlers: handlers.clone(),
        allow_duplicates: meta.allow_duplicates,
        collection,
    });
    let dependencies = match (&meta.dependencies, &meta.file) {
        (Some(deps), Some(file)) => role_list_at(ld, file, deps, path.parent()),
        _ => Vec::new(),
    };
    let mut tasks = part(ld, &path, "tasks", req.files.tasks_from.as_deref(), &loc)
        .map(|p| {
            ld.section(false, |ld| {
                task::task_file(ld, &p, Some(&loc), Some(&role_ref))
            })
        })
        .unwrap_or_default();
    if !req.files.skip_validation {
        let entry = req.files.tasks_from.as_deref().unwrap_or("main");
        let entry_vars = req.keywords.get("vars").and_then(Value::as_object);
        let provided: Map<String, Value> = req
            .params
            .iter()
            .filter(|(k, _)| !entry_vars.is_some_and(|v| v.contains_key(*k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(t) = spec_task(ld, &path, &meta, entry, &role_ref, provided) {
            tasks.insert(0, t);
        }
    }
    Role {
        name: req.name,
        path,
        params: req.params,
        keywords: req.keywords,
        tags: req.tags,
        defaults: role_ref.defaults.clone(),
        vars: role_ref.vars.clone(),
        dependencies,
        tasks,
        handlers,
        location: req.location,
        role_ref,
    }
}

/// A role's `tasks` (its dependencies' first, each in its [`dependency_block`]), as
/// `import_role` runs them.
pub fn flatten_tasks(role: &Role) -> Vec<Task> {
    let mut out: Vec<Task> = role
        .dependencies
        .iter()
        .map(|d| dependency_block(d, flatten_tasks(d)))
        .collect();
    out.extend(role.tasks.iter().cloned());
    out
}

/// The argument that marks a block as a role dependency's (blocks have no other arguments):
/// the engine runs such a block once per host, as Ansible runs a dependency.
pub const DEPENDENCY_MARK: &str = "_role_dependency";

/// `tasks` of role dependency `dep` in a block that carries what its entry in
/// `dependencies:` says (`tags`, `when`, `become`, ...), so they reach each task wherever
/// the dependency's tasks end up.
pub fn dependency_block(dep: &Role, tasks: Vec<Task>) -> Task {
    Task {
        name: None,
        module: None,
        action: None,
        args: Map::from_iter([(DEPENDENCY_MARK.to_string(), Value::Bool(true))]),
        keywords: dep.keywords.clone(),
        tags: dep.tags.clone(),
        block: tasks,
        rescue: Vec::new(),
        always: Vec::new(),
        imported: Vec::new(),
        role: Some(dep.role_ref.clone()),
        location: dep.location.clone(),
    }
}

/// The argument spec validation task for entry point `entry` of the role at `role`, when its
/// spec (`meta/argument_specs.*`, else `argument_specs` of `meta/main.yml`) has that entry.
fn spec_task(
    ld: &mut Loader,
    role: &Path,
    meta: &Meta,
    entry: &str,
    role_ref: &Arc<RoleRef>,
    provided: Map<String, Value>,
) -> Option<Task> {
    let own = role_files::find(role, "meta", Some("argument_specs"), false)
        .into_iter()
        .next();
    let (file, specs) = match own {
        Some(p) => {
            let node = ld.read(&p, None)?;
            let Kind::Map(entries) = node.kind else {
                return None;
            };
            let specs = entries
                .into_iter()
                .find(|(k, _)| k.key_text() == "argument_specs")?
                .1;
            (p, specs)
        }
        None => (meta.file.clone()?, meta.argument_specs.clone()?),
    };
    match argument_specs::entry_spec(&specs, entry) {
        Ok(Some(spec)) => {
            let at = Location::new(&file, spec.line, spec.col);
            Some(argument_specs::validation_task(
                spec, entry, role_ref, provided, &at,
            ))
        }
        Ok(None) => None,
        Err((node, msg)) => {
            ld.err_at(&file, node, msg, Some(argument_specs::HINT.into()));
            None
        }
    }
}

/// What `meta/main.yml` says: the dependency list (with its file), `allow_duplicates`, the
/// `collections` searched by the role's tasks and the argument specs.
struct Meta {
    file: Option<PathBuf>,
    dependencies: Option<Node>,
    allow_duplicates: bool,
    collections: Vec<String>,
    argument_specs: Option<Node>,
}

impl Meta {
    fn read(ld: &mut Loader, role: &Path, from: &Location) -> Meta {
        let mut meta = Meta {
            file: None,
            dependencies: None,
            allow_duplicates: false,
            collections: Vec::new(),
            argument_specs: None,
        };
        let Some(p) = part(ld, role, "meta", None, from) else {
            return meta;
        };
        let Some(node) = ld.read(&p, Some(from)) else {
            return meta;
        };
        let Kind::Map(entries) = node.kind else {
            return meta;
        };
        for (k, v) in entries {
            match k.key_text().as_str() {
                "dependencies" => meta.dependencies = Some(v),
                "allow_duplicates" => {
                    meta.allow_duplicates =
                        crate::modules::framework::args::to_bool(&v.to_json()) == Some(true)
                }
                "collections" => meta.collections = super::collection_search::keyword(ld, &p, &v),
                "argument_specs" => meta.argument_specs = Some(v),
                _ => {}
            }
        }
        meta.file = Some(p);
        meta
    }
}

/// `DIR/main.yml` of a role (or `DIR/FROM` when a `*_from` names a file), found as
/// [`role_files::find`] does. A missing main file is `None`; a missing named file is an
/// error at `from`.
fn part(
    ld: &mut Loader,
    role: &Path,
    dir: &str,
    named: Option<&str>,
    from: &Location,
) -> Option<PathBuf> {
    let found = role_files::find(role, dir, named, false).into_iter().next();
    if found.is_none() {
        missing(ld, role, dir, named, from);
    }
    found
}

/// The variables of a role's `vars` or `defaults`: the main (or named) file, or every file
/// of the directory of that name, merged in name order (a later file's top-level keys win).
fn vars_part(
    ld: &mut Loader,
    role: &Path,
    dir: &str,
    named: Option<&str>,
    from: &Location,
) -> Map<String, Value> {
    let files = role_files::find(role, dir, named, true);
    if files.is_empty() {
        missing(ld, role, dir, named, from);
    }
    let mut out = Map::new();
    for f in files {
        out.extend(mapping_file(ld, &f, Some(from)));
    }
    out
}

/// The error for a `*_from` file that is not there (a missing `main` is no error).
fn missing(ld: &mut Loader, role: &Path, dir: &str, named: Option<&str>, from: &Location) {
    if let Some(n) = named {
        let msg = format!("the role at {} has no {dir} file '{n}'", role.display());
        ld.err(&from.file, from.line, from.column, msg, None);
    }
}
