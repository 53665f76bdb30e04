//! A collection's `meta/runtime.yml` `plugin_routing` entries for modules: a redirect to
//! another name, or a tombstone (the module was removed). Deprecations change nothing that
//! runs and are not read. Knows nothing of where collections are installed.

use std::path::Path;

use serde_json::Value;

/// What `plugin_routing.modules.NAME` of a collection says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Nothing: the module is looked up in the collection itself.
    None,
    /// The module is another one: this name (usually a FQCN).
    Redirect(String),
    /// The module was removed; Ansible's message for it.
    Removed(String),
}

/// The route of module `name` (`sub.name` for a module in a subdirectory) in the collection
/// at `dir`. A missing or unreadable `meta/runtime.yml` routes nothing.
pub fn module_route(dir: &Path, name: &str) -> Route {
    match read_runtime(&dir.join("meta/runtime.yml")) {
        Some(doc) => route_in(&doc, name),
        None => Route::None,
    }
}

/// A runtime file (`meta/runtime.yml`, or ansible-core's `ansible_builtin_runtime.yml`) as
/// data; `None` when it is missing or unreadable.
pub fn read_runtime(file: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(file).ok()?;
    crate::yaml_node::parse(&text).ok().map(|n| n.to_json())
}

/// The route of module `name` in the runtime data `doc`.
pub fn route_in(doc: &Value, name: &str) -> Route {
    let Some(entry) = doc
        .pointer("/plugin_routing/modules")
        .and_then(|m| m.get(name))
    else {
        return Route::None;
    };
    if let Some(t) = entry.get("tombstone") {
        let text = t.get("warning_text").and_then(Value::as_str);
        let when = t
            .get("removal_version")
            .or_else(|| t.get("removal_date"))
            .and_then(|v| v.as_str().map(str::to_string).or(Some(v.to_string())));
        let mut msg = String::from("it was removed from its collection");
        if let Some(w) = when {
            msg.push_str(&format!(" in {w}"));
        }
        if let Some(w) = text {
            msg.push_str(&format!(": {w}"));
        }
        return Route::Removed(msg);
    }
    match entry.get("redirect").and_then(Value::as_str) {
        Some(r) if !r.trim().is_empty() => Route::Redirect(r.trim().to_string()),
        _ => Route::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_and_tombstones() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("meta")).expect("mkdir");
        std::fs::write(
            dir.path().join("meta/runtime.yml"),
            "plugin_routing:\n  modules:\n    old:\n      redirect: other.coll.new\n    \
             gone:\n      tombstone:\n        removal_version: 2.0.0\n        \
             warning_text: Use other.coll.new.\n    kept:\n      deprecation:\n        \
             warning_text: soon\n",
        )
        .expect("write");
        assert_eq!(
            module_route(dir.path(), "old"),
            Route::Redirect("other.coll.new".into())
        );
        assert_eq!(
            module_route(dir.path(), "gone"),
            Route::Removed(
                "it was removed from its collection in 2.0.0: Use other.coll.new.".into()
            )
        );
        assert_eq!(module_route(dir.path(), "kept"), Route::None);
        assert_eq!(module_route(dir.path(), "absent"), Route::None);
        assert_eq!(module_route(&dir.path().join("nope"), "old"), Route::None);
    }
}
