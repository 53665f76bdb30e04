//! ansible-core's own routing of module names (`config/ansible_builtin_runtime.yml` in the
//! controller's ansible-core): short names such as `docker_container`, `ufw` or `seboolean`,
//! which ansible-core no longer ships, redirect to collection modules. Read once per run, the
//! way a collection's `meta/runtime.yml` is read. Knows nothing of where ansible-core is: the
//! caller says.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::routing::{read_runtime, route_in, Route};

/// The route ansible-core gives module `short` (also written `ansible.builtin.NAME` or
/// `ansible.legacy.NAME`), ansible-core being installed at `core`.
pub fn builtin_route(core: &Path, name: &str) -> Route {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    if short.contains('.') {
        return Route::None;
    }
    let file = core.join("config/ansible_builtin_runtime.yml");
    static READ: OnceLock<(PathBuf, Option<Value>)> = OnceLock::new();
    let (cached, doc) = READ.get_or_init(|| (file.clone(), read_runtime(&file)));
    let doc = if *cached == file {
        doc.clone()
    } else {
        read_runtime(&file)
    };
    doc.map_or(Route::None, |d| route_in(&d, short))
}

/// The short names ansible-core 2.19 has an action plugin for (`plugins/action/`): under a
/// `collections:` search list these stay ansible-core's, unless a listed collection has an
/// action plugin of the same name.
const CORE_ACTIONS: &[&str] = &[
    "add_host",
    "assemble",
    "assert",
    "async_status",
    "command",
    "copy",
    "debug",
    "dnf",
    "fail",
    "fetch",
    "gather_facts",
    "group_by",
    "include_vars",
    "package",
    "pause",
    "raw",
    "reboot",
    "script",
    "service",
    "set_fact",
    "set_stats",
    "shell",
    "template",
    "unarchive",
    "uri",
    "validate_argument_spec",
    "wait_for_connection",
];

/// Whether short name `name` is one of ansible-core's action plugins ([`CORE_ACTIONS`]).
pub fn is_core_action(name: &str) -> bool {
    CORE_ACTIONS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_route_to_collections() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
        std::fs::write(
            dir.path().join("config/ansible_builtin_runtime.yml"),
            "plugin_routing:\n  modules:\n    ufw:\n      redirect: community.general.ufw\n",
        )
        .expect("write");
        let to = Route::Redirect("community.general.ufw".into());
        assert_eq!(builtin_route(dir.path(), "ufw"), to);
        assert_eq!(builtin_route(dir.path(), "ansible.builtin.ufw"), to);
        assert_eq!(builtin_route(dir.path(), "ansible.legacy.ufw"), to);
        assert_eq!(builtin_route(dir.path(), "copy"), Route::None);
        assert_eq!(builtin_route(dir.path(), "ns.coll.ufw"), Route::None);
        assert_eq!(builtin_route(&dir.path().join("none"), "ufw"), Route::None);
    }
}
