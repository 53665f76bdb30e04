//! The `collections` keyword (play, block, task, role `meta/main.yml`): the search list for
//! unqualified module and role names, and module names resolved through it. rsible's native
//! modules win for the names they have; other names are looked up in the listed collections
//! (and a fully qualified name in its own), redirects followed, then ansible-core's own
//! routing of short names. Knows nothing of how a module runs: a module found in a
//! collection is handed to the registry as a Python module.

use serde_json::Value;

use super::load::Loader;
use super::yaml::{Kind, Node};
use crate::collections::{
    builtin_route, is_collection_name, is_core_action, is_implicit, Fqcr, Module, Route,
};
use crate::modules::registry;

/// The names of a `collections:` value (a list of names, or one name), problems recorded.
pub(crate) fn keyword(ld: &mut Loader, file: &std::path::Path, v: &Node) -> Vec<String> {
    let items: Vec<&Node> = match &v.kind {
        Kind::Null => Vec::new(),
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![v],
    };
    let mut out = Vec::new();
    for n in items {
        match n.as_text() {
            Some(name) if is_collection_name(name.trim()) => out.push(name.trim().to_string()),
            _ => ld.err_at(
                file,
                n,
                "'collections' must list collection names (namespace.collection)",
                Some("write e.g. `collections: [community.general]`".into()),
            ),
        }
    }
    out
}

/// The effective list when `first` (a role's own collection) comes first and `listed`
/// follows, each name once.
pub(crate) fn chain(first: Option<&str>, listed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = first.map(str::to_string).into_iter().collect();
    for c in listed {
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

/// The search list of a task as kept in its keywords (for what the engine loads later).
pub fn of_task(keywords: &serde_json::Map<String, Value>) -> Vec<String> {
    match keywords.get("collections") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// What a module name written in a task is.
pub(crate) enum Resolved {
    /// A module rsible runs (native, or Ansible's Python module): its canonical name.
    Known(&'static str),
    /// Refused at load: why, and a hint.
    Refused(String, Option<String>),
    /// Not found anywhere.
    Unknown,
}

/// Resolves module `written` with the loader's current search list, in Ansible's order: a
/// name of a collection through the collection (redirects followed); a short name first as
/// an action plugin of the listed collections (ansible-core's own, and rsible's engine
/// actions, where `ansible.builtin`/`ansible.legacy` stands in the list or at its end), then
/// as a module of the listed collections (a listed collection's `timezone` wins over
/// ansible-core's routing and over rsible's native module), then as the registry finds it
/// (native, then `library/` and ansible-core's Python modules, as `--python-modules` says),
/// then through ansible-core's routing.
pub(crate) fn module(ld: &Loader, written: &str) -> Resolved {
    let native = |n: &str| registry::is_native(n);
    let cs = ld.search.collections();
    let qualified = Fqcr::parse(written, true).filter(|f| !is_implicit(&f.collection));
    if qualified.is_some() {
        return found(written, cs.module(written, &native));
    }
    let core_action = is_core_action(written) || registry::is_engine_action(written);
    for c in &ld.collections {
        if is_implicit(c) {
            if core_action {
                break;
            }
            continue;
        }
        let plugin = cs.find(c).map(|d| d.join("plugins/action").join(written));
        if plugin.is_some_and(|p| p.with_extension("py").is_file()) {
            return found(written, cs.module(&format!("{c}.{written}"), &native));
        }
    }
    if !core_action {
        for c in &ld.collections {
            if is_implicit(c) {
                match registry::resolve(written) {
                    Ok(None) => continue,
                    r => return known(r),
                }
            }
            match cs.module(&format!("{c}.{written}"), &native) {
                Module::Missing(_) => continue,
                m => return found(written, m),
            }
        }
    }
    match registry::resolve(written) {
        Ok(None) => {}
        r => return known(r),
    }
    // Last, ansible-core's routing of names it no longer ships (`docker_container` to
    // community.docker), as Ansible's `ansible.legacy` lookup ends.
    let settings = crate::modules::python::settings();
    let Some(core) = crate::modules::python::controller::core_dir(&settings.python) else {
        return Resolved::Unknown;
    };
    match builtin_route(core, written) {
        Route::Redirect(to) => found(written, cs.module(&to, &native)),
        Route::Removed(why) => Resolved::Refused(
            format!("module '{written}' cannot be used (ansible-core's routing): {why}"),
            None,
        ),
        Route::None => Resolved::Unknown,
    }
}

/// What the registry's answer for a name means here.
fn known(r: Result<Option<&'static str>, String>) -> Resolved {
    match r {
        Ok(Some(c)) => Resolved::Known(c),
        Ok(None) => Resolved::Unknown,
        Err(msg) => Resolved::Refused(msg, None),
    }
}

fn found(written: &str, m: Module) -> Resolved {
    match m {
        Module::Native(n) => known(registry::resolve(&n)),
        Module::File { fqcn, path } => match registry::resolve_file(&fqcn, &path) {
            Ok(Some(c)) => Resolved::Known(c),
            Ok(None) => Resolved::Refused(
                format!(
                    "module '{written}' ({fqcn}, {}) is not a Python module rsible can run",
                    path.display()
                ),
                None,
            ),
            Err(msg) => Resolved::Refused(msg, None),
        },
        Module::Removed(fqcn, why) => Resolved::Refused(
            format!("module '{written}' ({fqcn}) cannot be used: {why}"),
            None,
        ),
        Module::Missing(_) => Resolved::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::playbook::{load_role, load_with, Location, RoleFiles, Task};

    const COLL: &str = "path/ansible_collections/ns/coll";

    /// A playbook directory with collection `ns.coll` on a configured path.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let fixed = [
            (
                "path/ansible_collections/ns/coll/meta/runtime.yml",
                "plugin_routing:\n  modules:\n    say:\n      redirect: ansible.builtin.debug\n",
            ),
            ("path/ansible_collections/ns/coll/plugins/modules/py.py", ""),
            (
                "path/ansible_collections/ns/coll/roles/web/tasks/main.yml",
                "- say: msg=web\n- include_role: name=db\n",
            ),
            (
                "path/ansible_collections/ns/coll/roles/web/meta/main.yml",
                "dependencies: [db]\n",
            ),
            (
                "path/ansible_collections/ns/coll/roles/db/tasks/main.yml",
                "- debug: msg=db\n",
            ),
            (
                "path/ansible_collections/ns/coll/playbooks/extra.yml",
                "- hosts: all\n  roles: [db]\n  tasks:\n    - say: msg=extra\n",
            ),
        ];
        for (name, text) in fixed.iter().chain(files) {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        dir
    }

    fn names(tasks: &[Task]) -> Vec<String> {
        tasks
            .iter()
            .map(|t| {
                let role = t.role_name().unwrap_or("-");
                format!("{role}:{}", t.action.as_deref().unwrap_or("block"))
            })
            .collect()
    }

    #[test]
    fn roles_modules_and_playbooks_of_collections() {
        let dir = tree(&[(
            "site.yml",
            "- hosts: all\n  collections: [ns.coll]\n  roles: [ns.coll.web]\n  tasks:\n    \
             - say: msg=play\n    - import_role: name=db\n- import_playbook: ns.coll.extra\n",
        )]);
        let pb = load_with(
            &dir.path().join("site.yml"),
            Vec::new(),
            &[dir.path().join("path")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let web = &pb.plays[0].roles[0];
        assert_eq!(web.name, "ns.coll.web");
        assert_eq!(web.role_ref.collection.as_deref(), Some("ns.coll"));
        assert_eq!(web.dependencies[0].name, "ns.coll.db");
        assert_eq!(
            names(&web.tasks),
            ["ns.coll.web:say", "ns.coll.web:include_role"]
        );
        assert_eq!(web.tasks[0].module.as_deref(), Some("debug"));
        // The include keeps its search list: the engine loads `db` from the collection.
        let list = super::of_task(&web.tasks[1].keywords);
        assert_eq!(list, ["ns.coll"]);
        let from = Location::new("x.yml", 1, 1);
        let db = load_role(
            &pb.role_search,
            &list,
            "db",
            &RoleFiles::default(),
            Default::default(),
            &from,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(db.path, dir.path().join(COLL).join("roles/db"));
        assert!(load_role(
            &pb.role_search,
            &[],
            "db",
            &RoleFiles::default(),
            Default::default(),
            &from
        )
        .is_err());
        let play = &pb.plays[0];
        assert_eq!(play.tasks[0].module.as_deref(), Some("debug"));
        assert_eq!(names(&play.tasks[1].imported), ["ns.coll.db:debug"]);
        // The collection's playbook searches its own collection first.
        let extra = &pb.plays[1];
        assert_eq!(extra.roles[0].name, "ns.coll.db");
        assert_eq!(extra.tasks[0].module.as_deref(), Some("debug"));
    }

    #[test]
    fn unqualified_names_need_the_keyword() {
        let dir = tree(&[
            (
                "site.yml",
                "- hosts: all\n  roles: [legacy]\n  tasks:\n    - say: msg=x\n    \
                 - ns.coll.py:\n    - name: b\n      collections: [ns.coll]\n      block:\n        \
                 - py:\n",
            ),
            ("roles/legacy/meta/main.yml", "collections: [ns.coll]\n"),
            ("roles/legacy/tasks/main.yml", "- say: msg=legacy\n"),
        ]);
        let e = load_with(
            &dir.path().join("site.yml"),
            Vec::new(),
            &[dir.path().join("path")],
        )
        .expect_err("errors");
        let got: Vec<(usize, String)> =
            e.0.iter()
                .map(|d| (d.location.line, d.message.clone()))
                .collect();
        // ns.coll.py is found (a Python module) written in full and through the block's
        // search list; `say` is not, outside the role that lists the collection. Whether
        // the Python module may run depends on this controller's ansible-core: if it has
        // none, both lines are refused for that reason, naming the module.
        let (refused, rest): (Vec<_>, Vec<_>) = got
            .into_iter()
            .partition(|(_, m)| m.contains("cannot import ansible"));
        assert_eq!(rest, [(4, "unknown module 'say'".to_string())]);
        for (line, m) in &refused {
            assert!(
                [5, 9].contains(line) && m.contains("'ns.coll.py'"),
                "{line}: {m}"
            );
        }
        assert!(Path::new(&e.0[0].location.file).ends_with("site.yml"));
    }

    #[test]
    fn listed_collections_come_before_builtin_modules_but_not_core_actions() {
        let module = "#!/usr/bin/python\nfrom ansible.module_utils.basic import AnsibleModule\n";
        let dir = tree(&[
            (
                "site.yml",
                "- hosts: all\n  collections: [ns.coll]\n  tasks:\n    - ping:\n    \
                 - copy: content=x dest=/x\n    - timezone: name=UTC\n    - debug: msg=x\n\
                 - hosts: all\n  collections: [ansible.builtin, ns.coll]\n  tasks:\n    \
                 - timezone: name=UTC\n",
            ),
            (
                "path/ansible_collections/ns/coll/plugins/modules/ping.py",
                module,
            ),
            (
                "path/ansible_collections/ns/coll/plugins/modules/copy.py",
                module,
            ),
            (
                "path/ansible_collections/ns/coll/plugins/modules/timezone.py",
                module,
            ),
            (
                "path/ansible_collections/ns/coll/plugins/modules/debug.py",
                module,
            ),
        ]);
        let got = match load_with(
            &dir.path().join("site.yml"),
            Vec::new(),
            &[dir.path().join("path")],
        ) {
            Ok(pb) => pb
                .plays
                .iter()
                .flat_map(|p| p.tasks.iter().map(|t| t.module.clone().unwrap_or_default()))
                .collect::<Vec<_>>(),
            // Without ansible-core on this controller the collection's Python modules are
            // refused at load, naming them: the names found are the same.
            Err(e) => {
                let lines: Vec<usize> = e.0.iter().map(|d| d.location.line).collect();
                assert_eq!(lines, [4, 6], "{e}");
                assert!(e.0[0].message.contains("ns.coll.ping"), "{e}");
                return;
            }
        };
        assert_eq!(
            got,
            [
                "ns.coll.ping",
                "copy",
                "ns.coll.timezone",
                "debug",
                "timezone"
            ]
        );
    }
}
