//! Ansible's Jinja layer on minijinja: renders task arguments, variables, `when:` conditions
//! and template files for one host's variables.
//!
//! Layout: `templar` (the public entry points and the compiled-template cache), `scope` (the
//! lazy, cycle-checked variable object a template sees), `native` (the "exactly `{{ expr }}`"
//! rule and value conversions), `newlines` (the final newlines of a result), `error` (user-facing messages), `environment` (one configured
//! minijinja `Environment`), `prepass` (Jinja syntax minijinja lacks), `plugin_names` (the filters and
//! tests a template names that rsible lacks, found at load), `filters/`,
//! `predicates` (Jinja tests), `lookups`, `pyrepr` (Python-style printing), `truth`
//! (Ansible's booleans) and `version`.
//!
//! Knows nothing of inventories, playbooks, modules or connections: it gets variables as
//! JSON maps and a list of directories to search.

mod environment;
mod error;
mod filters;
mod lookups;
mod native;
mod newlines;
mod options;
mod plugin_names;
mod predicates;
mod prepass;
mod pyrepr;
mod scope;
mod templar;
mod truth;
pub mod vault_locked;
mod version;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::TemplateError;
pub use lookups::{known as known_lookup, runs as lookups_run, NAMES as LOOKUP_NAMES};
pub use options::TemplateOptions;
pub use plugin_names::PluginKind;
pub use templar::Templar;

/// Whether `s` holds Jinja markup (`{{`, `{%`, `{#`): a value that is a template, which
/// only rendering can check.
pub fn is_template(s: &str) -> bool {
    native::has_markup(s)
}

/// Python's `repr` of a JSON value (`{'a': 1}`, `['x', True, None]`), as Ansible's messages
/// and loop labels show it: the one home of that text outside templates.
pub fn python_repr(v: &serde_json::Value) -> String {
    pyrepr::repr(&native::to_value(v))
}

/// The name Python gives the type of a JSON value (`NoneType`, `int`, `float`, `str`, ...).
pub fn python_type(v: &serde_json::Value) -> &'static str {
    templar::py_type(&native::to_value(v))
}

/// Variables in definition order (the same shape as `rsible::inventory::Vars`).
pub type Vars = indexmap::IndexMap<String, serde_json::Value>;

/// The placeholder `omit` renders to; the engine drops arguments equal to it.
pub const OMIT: &str = "__omit_place_holder__8f4d2c1b9e7a6053";

/// `v` as Python's `json.dumps` writes it with its defaults (`[1, "a"]`, `{"k": 1}`,
/// non-ASCII escaped): how Ansible turns a list or dict into text for a module.
pub fn python_json(v: &serde_json::Value) -> String {
    filters::python_json(v)
}

/// `v` as Python's `json.dumps(v, sort_keys=True, indent=4, ensure_ascii=...)` writes it:
/// how Ansible shows a result (`ensure_ascii=False`) and the side of a diff that is not text
/// (non-ASCII escaped). The one home of that text: modules and reporters both call it.
pub fn python_json_sorted(v: &serde_json::Value, ensure_ascii: bool) -> String {
    filters::python_json_sorted(v, ensure_ascii)
}

/// Another host's variables, for `hostvars`.
pub trait HostVars: Send + Sync {
    /// Every host name, in inventory order.
    fn host_names(&self) -> Vec<String>;
    /// The flattened variables of `host`, or `None` for an unknown host.
    fn vars_of(&self, host: &str) -> Option<Arc<Vars>>;
}

/// What a template sees: the flattened variables of one host for one task.
#[derive(Clone)]
pub struct Scope {
    /// The variables, possibly holding templates themselves (rendered lazily when used).
    pub vars: Arc<Vars>,
    /// Variables every host sees alike (`groups`, `ansible_play_hosts`, ...), built once and
    /// shared instead of copied into each host's `vars`; they take precedence over `vars`.
    pub shared: Option<Arc<Vars>>,
    /// Every host's variables, for `hostvars[name]`.
    pub hostvars: Option<Arc<dyn HostVars>>,
    /// Directories searched, in order, by lookup('file'|'template') and relative paths.
    pub search_paths: Vec<PathBuf>,
}

impl Scope {
    /// A scope over `vars` alone: no other hosts, no search paths.
    pub fn new(vars: Vars) -> Scope {
        Scope {
            vars: Arc::new(vars),
            shared: None,
            hostvars: None,
            search_paths: Vec::new(),
        }
    }

    /// This scope with `vars` as the host's own variables (a loop item's, a registered
    /// result's), keeping the shared ones, `hostvars` and the search paths.
    pub fn with_vars(&self, vars: Vars) -> Scope {
        Scope {
            vars: Arc::new(vars),
            ..self.clone()
        }
    }

    /// The raw value of variable `name`: shared first, then the host's own.
    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.shared
            .as_ref()
            .and_then(|s| s.get(name))
            .or_else(|| self.vars.get(name))
    }

    /// Every variable name, each once: the host's own, then the shared ones.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let shared = self.shared.iter().flat_map(|s| s.keys());
        let own = self.vars.keys();
        own.chain(shared.filter(|k| !self.vars.contains_key(*k)))
            .map(String::as_str)
    }
}
