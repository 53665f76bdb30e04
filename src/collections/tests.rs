//! Lookups in collections laid out in temporary directories.

use super::*;

/// A root with collection `ns.coll` holding `files` (path, content).
fn root(base: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let (ns, coll) = name.split_once('.').expect("ns.coll");
    let dir = base.join("ansible_collections").join(ns).join(coll);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    std::fs::create_dir_all(&dir).expect("mkdir");
    base.to_path_buf()
}

#[test]
fn playbook_collections_come_before_the_configured_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pb = dir.path().join("pb");
    root(
        &pb.join("collections"),
        "a.b",
        &[("roles/r/tasks/main.yml", "")],
    );
    let conf = root(
        &dir.path().join("conf"),
        "a.b",
        &[("roles/r/tasks/main.yml", "")],
    );
    root(&conf, "c.d", &[]);
    let cs = Collections::new(Some(&pb), &[conf.clone(), dir.path().join("none")], None);
    assert_eq!(cs.roots(), [pb.join("collections"), conf.clone()]);
    assert_eq!(
        cs.find("a.b"),
        Some(pb.join("collections/ansible_collections/a/b"))
    );
    assert_eq!(cs.find("c.d"), Some(conf.join("ansible_collections/c/d")));
    assert_eq!(cs.find("e.f"), None);
    assert_eq!(cs.find("a"), None);
}

#[test]
fn roles_and_playbooks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = root(
        dir.path(),
        "ns.coll",
        &[
            ("roles/web/tasks/main.yml", ""),
            ("roles/k8s/node-x/tasks/main.yml", ""),
            ("playbooks/site.yml", ""),
            ("playbooks/ops/reset.yaml", ""),
        ],
    );
    let cs = Collections::new(None, &[r], None);
    let c = dir.path().join("ansible_collections/ns/coll");
    assert_eq!(cs.role("ns.coll", "web"), Some(c.join("roles/web")));
    assert_eq!(cs.role("ns.coll", "db"), None);
    assert_eq!(
        cs.role("ns.coll", "k8s/node-x"),
        Some(c.join("roles/k8s/node-x"))
    );
    assert_eq!(cs.role("ns.coll", "k8s/../web"), None);
    assert_eq!(cs.role("ns.coll", "/web"), None);
    assert_eq!(
        cs.playbook("ns.coll.site"),
        Some(c.join("playbooks/site.yml"))
    );
    assert_eq!(
        cs.playbook("ns.coll.site.yml"),
        Some(c.join("playbooks/site.yml"))
    );
    assert_eq!(cs.playbook("ns.coll.site.yaml"), None);
    assert_eq!(
        cs.playbook("ns.coll.ops.reset"),
        Some(c.join("playbooks/ops/reset.yaml"))
    );
    assert_eq!(cs.playbook("site.yml"), None);
}

#[test]
fn modules_follow_redirects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = "plugin_routing:\n  modules:\n    old:\n      redirect: x.y.new\n    \
                   loop:\n      redirect: ns.coll.loop\n    native:\n      \
                   redirect: ansible.builtin.debug\n    gone:\n      tombstone:\n        \
                   removal_version: '3.0'\n";
    let r = root(
        dir.path(),
        "ns.coll",
        &[
            ("meta/runtime.yml", runtime),
            ("plugins/modules/here.py", ""),
            ("plugins/modules/net/sub.py", ""),
        ],
    );
    root(dir.path(), "x.y", &[("plugins/modules/new.py", "")]);
    let cs = Collections::new(None, &[r], None);
    let native = |n: &str| n == "ansible.builtin.debug";
    let base = dir.path().join("ansible_collections");
    assert_eq!(
        cs.module("ns.coll.here", &native),
        Module::File {
            fqcn: "ns.coll.here".into(),
            path: base.join("ns/coll/plugins/modules/here.py")
        }
    );
    assert_eq!(
        cs.module("ns.coll.old", &native),
        Module::File {
            fqcn: "x.y.new".into(),
            path: base.join("x/y/plugins/modules/new.py")
        }
    );
    assert_eq!(
        cs.module("ns.coll.net.sub", &native),
        Module::File {
            fqcn: "ns.coll.net.sub".into(),
            path: base.join("ns/coll/plugins/modules/net/sub.py")
        }
    );
    assert_eq!(
        cs.module("ns.coll.native", &native),
        Module::Native("ansible.builtin.debug".into())
    );
    assert!(
        matches!(cs.module("ns.coll.gone", &native), Module::Removed(n, w) if n == "ns.coll.gone" && w.contains("3.0"))
    );
    assert_eq!(
        cs.module("ns.coll.loop", &native),
        Module::Missing("ns.coll.loop".into())
    );
    assert_eq!(
        cs.module("ns.coll.absent", &native),
        Module::Missing("ns.coll.absent".into())
    );
    assert_eq!(
        cs.module("no.such.mod", &native),
        Module::Missing("no.such.mod".into())
    );
}

#[test]
fn python_roots_are_searched_last() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = root(&dir.path().join("site"), "p.q", &[]);
    let script = dir.path().join("python3");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho\necho /nonexistent\necho {}\n",
            site.display()
        ),
    )
    .expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cs = Collections::new(None, &[], Some(script.to_str().expect("utf-8")));
    root(&site, "ansible.builtin", &[]);
    assert_eq!(cs.find("ansible.builtin"), None);
    assert_eq!(cs.find("p.q"), Some(site.join("ansible_collections/p/q")));
    assert_eq!(cs.roots(), [site]);
}
