//! Unit tests of the template layer, one file per area; expectations are Ansible's
//! (checked against ansible-core 2.19 where noted).

mod conditions;
mod core;
mod filter_table;
mod filters;
mod lookups;
mod predicates;

use std::sync::Arc;

use serde_json::{json, Value as Json};

use super::{HostVars, Scope, Templar, Vars};

/// A scope over the variables of a JSON object.
pub(crate) fn scope(vars: Json) -> Scope {
    let vars: Vars = match vars {
        Json::Object(map) => map.into_iter().collect(),
        _ => Vars::new(),
    };
    Scope::new(vars)
}

/// Renders `s` with `vars`; panics with the error message on failure.
pub(crate) fn render(s: &str, vars: Json) -> Json {
    match Templar::new().render_str(s, &scope(vars)) {
        Ok(v) => v,
        Err(e) => panic!("{s}: {e}"),
    }
}

/// Renders `s` with no variables, as text (strings unquoted, others as JSON).
pub(super) fn text(s: &str) -> String {
    match render(s, json!({})) {
        Json::String(s) => s,
        other => other.to_string(),
    }
}

/// The error message of rendering `s` with `vars`.
pub(super) fn error(s: &str, vars: Json) -> String {
    match Templar::new().render_str(s, &scope(vars)) {
        Ok(v) => panic!("{s}: expected an error, got {v}"),
        Err(e) => e.message,
    }
}

/// Fixed hosts for `hostvars` tests.
pub(super) struct Hosts(pub Vec<(String, Arc<Vars>)>);

impl HostVars for Hosts {
    fn host_names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }
    fn vars_of(&self, host: &str) -> Option<Arc<Vars>> {
        self.0
            .iter()
            .find(|(n, _)| n == host)
            .map(|(_, v)| v.clone())
    }
}
