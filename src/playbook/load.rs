//! Reading playbook files: the list of plays, `import_playbook` relative to the importing
//! file, and the play keywords. Collects every problem instead of stopping at the first.
//! Knows nothing of inventories, connections or how tasks run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::diagnostic::{did_you_mean, Diagnostic, Diagnostics};
use super::location::Location;
use super::model::{tags_of, Play, Playbook, Role};
use super::role_search::RoleSearch;
use super::unsupported::Level;
use super::validate::{IMPORT_PLAYBOOK_KEYWORDS, PLAY_KEYWORDS};
use super::yaml::{self, Kind, Node};
use super::{roles, task};
use crate::collections::Collections;

/// Loads and validates a playbook and everything it imports, looking roles up only beside
/// the playbook and no collections; every problem is reported. See [`load_with`].
pub fn load(path: &Path) -> Result<Playbook, Diagnostics> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_in(path, RoleSearch::new(dir, Vec::new()))
}

/// As [`load`], looking roles up in `roles_path` too (after the playbook's `roles/`), and
/// collections in `collections/` beside the playbook, then `collections_path` (the
/// configured path, Ansible's default applied by the caller), then the controller's
/// `python3` `sys.path`.
pub fn load_with(
    path: &Path,
    roles_path: Vec<PathBuf>,
    collections_path: &[PathBuf],
) -> Result<Playbook, Diagnostics> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    crate::modules::python::add_library(dir.join("library"));
    let python = crate::modules::python::settings()
        .python
        .to_string_lossy()
        .into_owned();
    let collections = Collections::new(Some(&dir), collections_path, Some(&python));
    load_in(
        path,
        RoleSearch::new(dir, roles_path).with_collections(collections),
    )
}

/// Loads `path` looking roles and collections up with `search`.
fn load_in(path: &Path, search: RoleSearch) -> Result<Playbook, Diagnostics> {
    let mut ld = Loader::new(search);
    let mut plays = Vec::new();
    ld.playbook_file(path, None, &mut plays);
    let role_search = ld.search.clone();
    ld.finish(Playbook {
        path: path.to_path_buf(),
        plays,
        role_search,
    })
}

/// State shared while loading one playbook: where roles are, the errors so far, the text of
/// every file read (for snippets), the files being loaded (to stop import loops) and the
/// roles of the current play (so identical entries share one `RoleRef`).
pub(crate) struct Loader {
    /// Where roles are looked up; its playbook directory is where imports fall back to.
    pub search: RoleSearch,
    /// Every problem found so far.
    pub errors: Vec<Diagnostic>,
    /// Roles loaded in the current play, by identity (see `roles::RoleKey`).
    pub role_cache: Vec<(super::roles::RoleKey, Role)>,
    /// Directories of the roles being loaded, with their `tasks_from` (to stop dependency
    /// loops; a role importing itself with another tasks file is not one).
    pub role_stack: Vec<(PathBuf, Option<String>)>,
    /// Whether the tasks being loaded are handlers (or may be: `true` unless known not to
    /// be), where `listen` is valid.
    pub in_handlers: bool,
    /// The collections searched for unqualified module and role names here (the
    /// `collections` keyword in force, a collection role's own collection first).
    pub collections: Vec<String>,
    /// The collection of the playbook being loaded when it is a collection's (searched
    /// first by its plays and their legacy roles).
    pub default_collection: Option<String>,
    /// Whether `module_defaults` may give the tasks loaded more arguments: a file read
    /// mentions it, or the tasks are an include's (its play's defaults are not known here).
    pub module_defaults: bool,
    /// The errors (indices into `errors`) that such defaults could answer: a missing
    /// required argument, a rule between arguments. Dropped when `module_defaults` is set.
    completable: Vec<usize>,
    sources: HashMap<PathBuf, String>,
    stack: Vec<PathBuf>,
}

impl Loader {
    /// A loader that looks roles up with `search`.
    pub fn new(search: RoleSearch) -> Self {
        Loader {
            search,
            errors: Vec::new(),
            role_cache: Vec::new(),
            role_stack: Vec::new(),
            in_handlers: true,
            collections: Vec::new(),
            default_collection: None,
            module_defaults: false,
            completable: Vec::new(),
            sources: HashMap::new(),
            stack: Vec::new(),
        }
    }

    /// `value` when nothing went wrong, else every problem found.
    pub fn finish<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.module_defaults {
            for i in self.completable.iter().rev() {
                self.errors.remove(*i);
            }
        }
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Diagnostics(self.errors))
        }
    }

    /// Records an error at `file:line:col`.
    pub fn err(
        &mut self,
        file: &Path,
        line: usize,
        col: usize,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let src = self.sources.get(file).map(String::as_str);
        let d = Diagnostic::new(Location::new(file, line, col), message, src, hint);
        self.errors.push(d);
    }

    /// Records an error at a node of `file`.
    pub fn err_at(
        &mut self,
        file: &Path,
        node: &Node,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.err(file, node.line, node.col, message, hint);
    }

    /// As [`Loader::err_at`], for an argument error that `module_defaults` could answer
    /// (see [`Loader::module_defaults`]).
    pub fn err_completable(
        &mut self,
        file: &Path,
        node: &Node,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.completable.push(self.errors.len());
        self.err_at(file, node, message, hint);
    }

    /// Reads and parses `path`; on failure records an error at `from` (or in the file) and
    /// returns `None`. Also `None` when the file is already being loaded (an import loop).
    pub fn read(&mut self, path: &Path, from: Option<&Location>) -> Option<Node> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.stack.contains(&key) {
            let msg = format!("{} imports itself (an import loop)", path.display());
            match from {
                Some(l) => self.err(&l.file.clone(), l.line, l.column, msg, None),
                None => self.err(path, 1, 1, msg, None),
            }
            return None;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("cannot read {}: {e}", path.display());
                match from {
                    Some(l) => self.err(&l.file.clone(), l.line, l.column, msg, None),
                    None => self.err(path, 1, 1, msg, None),
                }
                return None;
            }
        };
        self.sources.insert(path.to_path_buf(), text.clone());
        match yaml::parse(&text) {
            Ok(node) => {
                let dups = yaml::duplicate_keys(&node);
                for (k, line, col) in &dups {
                    self.err(
                        path,
                        *line,
                        *col,
                        format!("duplicate key '{k}'"),
                        Some(
                            "each key may appear only once in a mapping; merge the two entries"
                                .into(),
                        ),
                    );
                }
                self.module_defaults |= mentions(&node, "module_defaults");
                dups.is_empty().then_some(node)
            }
            Err(e) => {
                let hint = if e.message.contains("duplicate") {
                    Some("each key may appear only once in a mapping; merge the two entries".into())
                } else if e.message.contains("tab") {
                    Some("YAML indentation must use spaces, not tabs".into())
                } else {
                    None
                };
                self.err(path, e.line, e.col, e.describe(), hint);
                None
            }
        }
    }

    /// Runs `f` with the collection search list set to `list`, then restores it.
    pub fn searching<T>(&mut self, list: Vec<String>, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.collections, list);
        let out = f(self);
        self.collections = saved;
        out
    }

    /// Runs `f` with `in_handlers` set to `handlers`, then restores it.
    pub fn section<T>(&mut self, handlers: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.in_handlers, handlers);
        let out = f(self);
        self.in_handlers = saved;
        out
    }

    /// Marks `path` as being loaded until `leave` is called.
    pub fn enter(&mut self, path: &Path) {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.stack.push(key);
    }

    /// Ends the current `enter`.
    pub fn leave(&mut self) {
        self.stack.pop();
    }

    /// Loads a playbook file's plays into `plays`.
    fn playbook_file(&mut self, path: &Path, from: Option<&Location>, plays: &mut Vec<Play>) {
        let Some(node) = self.read(path, from) else {
            return;
        };
        self.enter(path);
        match &node.kind {
            Kind::Seq(items) => {
                for item in items {
                    self.playbook_entry(path, item, plays);
                }
            }
            _ => self.err_at(
                path,
                &node,
                format!(
                    "a playbook must be a list of plays, found {}",
                    node.type_name()
                ),
                Some("start each play with `- hosts: ...`".into()),
            ),
        }
        self.leave();
    }

    fn playbook_entry(&mut self, file: &Path, node: &Node, plays: &mut Vec<Play>) {
        let Kind::Map(entries) = &node.kind else {
            self.err_at(
                file,
                node,
                format!("a play must be a mapping, found {}", node.type_name()),
                None,
            );
            return;
        };
        let import = entries.iter().find(|(k, _)| {
            crate::modules::registry::canonical(&k.key_text()) == Some("import_playbook")
        });
        let Some((ik, iv)) = import else {
            if let Some(p) = self.play(file, node, entries) {
                plays.push(p);
            }
            return;
        };
        for (k, _) in entries {
            let key = k.key_text();
            if !std::ptr::eq(k, ik) && !IMPORT_PLAYBOOK_KEYWORDS.contains(&key.as_str()) {
                let hint = did_you_mean(&key, IMPORT_PLAYBOOK_KEYWORDS.iter().copied());
                self.err_at(
                    file,
                    k,
                    format!("unknown keyword '{key}' for import_playbook"),
                    hint,
                );
            }
        }
        let Some(target) = iv.as_text() else {
            self.err_at(file, iv, "import_playbook needs a file name", None);
            return;
        };
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let loc = Location::new(file, iv.line, iv.col);
        let first = plays.len();
        // A collection's playbook (`ns.coll.name`) first, as in Ansible; its plays search
        // their own collection first.
        match self.search.collections().playbook(&target) {
            Some(p) => {
                let coll = target.split('.').take(2).collect::<Vec<_>>().join(".");
                let saved = self.default_collection.replace(coll);
                self.playbook_file(&p, Some(&loc), plays);
                self.default_collection = saved;
            }
            None => self.playbook_file(&dir.join(target), Some(&loc), plays),
        }
        // The import's `vars` and `tags` apply to every play it brings in (its vars over the
        // plays' own, as in Ansible).
        for (k, v) in entries {
            match k.key_text().as_str() {
                "vars" => match v.to_json() {
                    Value::Object(m) => {
                        for p in &mut plays[first..] {
                            p.vars.extend(m.clone());
                        }
                    }
                    Value::Null => {}
                    _ => self.err_at(file, v, "import_playbook 'vars' must be a mapping", None),
                },
                "tags" => {
                    let tags = tags_of(&v.to_json());
                    for p in &mut plays[first..] {
                        p.tags.extend(tags.iter().cloned());
                    }
                }
                "when" => {
                    let conds = match v.to_json() {
                        Value::Null => Vec::new(),
                        Value::Array(a) => a,
                        other => vec![other],
                    };
                    for p in &mut plays[first..] {
                        p.import_when.splice(0..0, conds.iter().cloned());
                    }
                }
                _ => {}
            }
        }
    }

    fn play(&mut self, file: &Path, node: &Node, entries: &[(Node, Node)]) -> Option<Play> {
        let play = Play {
            location: Location::new(file, node.line, node.col),
            ..Play::default()
        };
        self.role_cache.clear();
        let listed = match entries.iter().find(|(k, _)| k.key_text() == "collections") {
            Some((_, v)) => super::collection_search::keyword(self, file, v),
            None => Vec::new(),
        };
        let list = super::collection_search::chain(self.default_collection.as_deref(), &listed);
        let saved = std::mem::replace(&mut self.collections, list);
        let play = self.play_keys(file, node, entries, play);
        self.collections = saved;
        play
    }

    fn play_keys(
        &mut self,
        file: &Path,
        node: &Node,
        entries: &[(Node, Node)],
        mut play: Play,
    ) -> Option<Play> {
        let mut hosts = None;
        for (k, v) in entries {
            let key = k.key_text();
            if let Some((msg, hint)) = super::keyword_types::check(&key, v) {
                self.err_at(file, v, msg, hint);
                continue;
            }
            if let Some((msg, hint)) = super::unsupported::keyword(Level::Play, &key, v) {
                self.err_at(file, k, msg, hint);
                continue;
            }
            match key.as_str() {
                "name" => play.name = v.as_text(),
                "hosts" => {
                    hosts = match &v.kind {
                        Kind::Seq(items) => Some(
                            items
                                .iter()
                                .filter_map(Node::as_text)
                                .collect::<Vec<_>>()
                                .join(","),
                        ),
                        _ => v.as_text(),
                    }
                }
                "vars" => match v.to_json() {
                    Value::Object(m) => play.vars = m,
                    Value::Null => {}
                    _ => self.err_at(file, v, "play 'vars' must be a mapping", None),
                },
                "vars_files" => {
                    super::vars_files::check(self, file, v);
                    match v.to_json() {
                        Value::Array(a) => play.vars_files = a,
                        Value::Null => {}
                        other => play.vars_files = vec![other],
                    }
                }
                "gather_facts" => play.gather_facts = Some(v.to_json()),
                "serial" => play.serial = Some(v.to_json()),
                "strategy" => play.strategy = v.as_text(),
                "tags" => play.tags = tags_of(&v.to_json()),
                "pre_tasks" => {
                    play.pre_tasks = self.section(false, |ld| task::task_list(ld, file, v, None))
                }
                "tasks" => {
                    play.tasks = self.section(false, |ld| task::task_list(ld, file, v, None))
                }
                "post_tasks" => {
                    play.post_tasks = self.section(false, |ld| task::task_list(ld, file, v, None))
                }
                "handlers" => {
                    play.handlers = self.section(true, |ld| task::task_list(ld, file, v, None))
                }
                "roles" => play.roles = roles::role_list(self, file, v),
                k if k.starts_with("become") && PLAY_KEYWORDS.contains(&k) => {
                    play.become_.insert(key.clone(), v.to_json());
                }
                k if PLAY_KEYWORDS.contains(&k) => {
                    play.keywords.insert(key.clone(), v.to_json());
                }
                _ => {
                    let hint = did_you_mean(&key, PLAY_KEYWORDS.iter().copied()).or_else(|| {
                        crate::modules::registry::canonical(&key)
                            .map(|_| "a module goes in a task under `tasks:`".to_string())
                    });
                    self.err_at(file, k, format!("unknown play keyword '{key}'"), hint);
                }
            }
        }
        match hosts {
            Some(h) if !h.trim().is_empty() => play.hosts = h,
            _ => {
                self.err_at(
                    file,
                    node,
                    "the play has no 'hosts'",
                    Some("add `hosts: all` (or a group or host pattern)".into()),
                );
                return None;
            }
        }
        Some(play)
    }
}

/// Whether a mapping anywhere in `node` has the key `key`.
fn mentions(node: &Node, key: &str) -> bool {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.key_text() == key || mentions(v, key)),
        Kind::Seq(items) => items.iter().any(|n| mentions(n, key)),
        _ => false,
    }
}
