//! Whole-layer tests of the inventory: fixtures under tests/fixtures/inventory, precedence,
//! patterns, ansible-inventory output and a 10k-host load. The differential test against the
//! real `ansible-inventory` is an integration test (tests/compat_inventory.rs).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory")
        .join(name)
}

fn load(names: &[&str]) -> Inventory {
    let srcs: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    match Inventory::load(&srcs, &LoadOptions::default()) {
        Ok(inv) => inv,
        Err(e) => panic!("load failed: {e}"),
    }
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsible-inv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn ini_fixture_precedence_and_types() {
    let inv = load(&["hosts.ini"]);
    let w = inv.host_vars("web01.example.com").unwrap();
    // web (depth 2, priority 5) beats prod (depth 1) beats all.
    assert_eq!(w["env"], json!("web-env"));
    assert_eq!(w["quoted"], json!(42));
    assert_eq!(w["note"], json!("a b"));
    assert_eq!(w["timeout"], json!(30));
    assert_eq!(w["raw"], json!("hello # not a comment"));
    assert_eq!(w["dict"], json!({"k": 1, "j": [true, false]}));
    assert!(!w.contains_key("ansible_group_priority"));
    assert_eq!(inv.host_vars("jump").unwrap()["ansible_port"], json!(2222));
    assert_eq!(inv.host_vars("solo").unwrap()["env"], json!("all-env"));
    assert_eq!(
        inv.group_names("db-a"),
        vec!["db".to_string(), "prod".to_string()]
    );
    assert_eq!(
        inv.select("stride").unwrap().hosts,
        vec!["s1", "s4", "s7", "s10"]
    );
}

#[test]
fn group_priority_breaks_depth_ties() {
    let d = tmpdir("prio");
    let f = d.join("inv.ini");
    std::fs::write(
        &f,
        "[a]\nh\n[b]\nh\n[a:vars]\nx=a\nansible_group_priority=10\n[b:vars]\nx=b\n",
    )
    .unwrap();
    let inv = Inventory::load(&[f], &LoadOptions::default()).unwrap();
    // Same depth: priority 10 sorts after b's default 1, so a wins.
    assert_eq!(inv.host_vars("h").unwrap()["x"], json!("a"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn yaml_fixture() {
    let inv = load(&["hosts.yml"]);
    assert_eq!(
        inv.host_names(),
        vec![
            "solo",
            "web01.example.com",
            "web02.example.com",
            "alpha",
            "db1",
            "db2",
            "lonely"
        ]
    );
    let db2 = inv.host_vars("db2").unwrap();
    assert_eq!(db2["env"], json!("db"));
    assert_eq!(db2["mode"], json!(420));
    assert_eq!(db2["role"], json!("replica"));
    assert_eq!(inv.host_vars("alpha").unwrap()["enabled"], json!(true));
}

#[test]
fn list_json_matches_ansible_shape() {
    let inv = load(&["hosts.yml"]);
    let v = inv.to_list_json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec!["_meta", "all", "db", "other", "prod", "ungrouped", "web"]
    );
    assert_eq!(
        v["all"],
        json!({"children": ["ungrouped", "web", "prod", "other"]})
    );
    assert_eq!(v["prod"], json!({"children": ["web", "db"]}));
    assert_eq!(v["ungrouped"], json!({"hosts": ["solo"]}));
    assert_eq!(v["_meta"]["profile"], json!("inventory_legacy"));
    assert_eq!(
        v["_meta"]["hostvars"]["db2"],
        json!({"env": "db", "mode": 420, "ntp": "pool.ntp.org", "role": "replica"})
    );
}

#[test]
fn directory_with_vars_files() {
    let inv = load(&["dir"]);
    assert_eq!(inv.host_names(), vec!["w1", "w2", "d1", "a1"]);
    let w1 = inv.host_vars("w1").unwrap();
    assert_eq!(w1["scope"], json!("web-file"));
    assert_eq!(w1["web_json"], json!(true));
    assert_eq!(w1["x"], json!("from-all"));
    assert_eq!(inv.host_vars("w2").unwrap()["x"], json!("from-host-file"));
    assert_eq!(inv.host_vars("a1").unwrap()["scope"], json!("app-file"));
    assert_eq!(inv.host_vars("d1").unwrap()["scope"], json!("all-file"));
    assert!(!inv.has_host("b1"), "old.bak must be ignored");
    let v = inv.to_list_json();
    assert_eq!(v["all"], json!({"children": ["ungrouped", "app", "db"]}));
    assert_eq!(v["app"], json!({"children": ["web"], "hosts": ["a1"]}));
}

#[test]
fn playbook_dir_vars_win() {
    let d = tmpdir("pbdir");
    std::fs::create_dir_all(d.join("group_vars")).unwrap();
    std::fs::create_dir_all(d.join("host_vars")).unwrap();
    std::fs::write(d.join("group_vars/all.yml"), "scope: playbook-all\n").unwrap();
    std::fs::write(d.join("host_vars/w1.yml"), "x: playbook-host\n").unwrap();
    std::fs::write(d.join("host_vars/localhost.yml"), "lh: 1\n").unwrap();
    let opts = LoadOptions {
        extra_vars_dirs: vec![d.clone()],
    };
    let inv = Inventory::load(&[fixture("dir")], &opts).unwrap();
    let w1 = inv.host_vars("w1").unwrap();
    assert_eq!(w1["x"], json!("playbook-host"));
    // group_vars/web (inventory) still beats group_vars/all (playbook).
    assert_eq!(w1["scope"], json!("web-file"));
    assert_eq!(inv.host_vars("d1").unwrap()["scope"], json!("playbook-all"));
    let lh = inv.host_vars("localhost").unwrap();
    assert_eq!(lh["lh"], json!(1));
    assert_eq!(lh["ansible_connection"], json!("local"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn scripts() {
    let inv = load(&["script.sh"]);
    assert_eq!(inv.host_vars("s-web1").unwrap()["x"], json!(1));
    assert_eq!(inv.host_vars("s-edge1").unwrap()["http_port"], json!(80));
    assert_eq!(inv.group_names("s-edge1"), vec!["edge", "web"]);
    let inv = load(&["script_nometa.sh"]);
    assert_eq!(inv.host_vars("h2").unwrap()["me"], json!("h2"));
}

#[cfg(unix)]
#[test]
fn failing_script_reports_stderr() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmpdir("badscript");
    let f = d.join("inv");
    std::fs::write(&f, "#!/bin/sh\necho 'kaboom' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = Inventory::load(std::slice::from_ref(&f), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("failed"), "{e}");
    assert!(e.contains("kaboom"), "{e}");
    std::fs::write(&f, "#!/bin/sh\necho 'not json'\n").unwrap();
    let e = Inventory::load(&[f], &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("valid JSON"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn several_sources_merge() {
    let inv = load(&["hosts.ini", "hosts.yml"]);
    // solo is in both; the later YAML's `ansible_host` is the same, ntp too.
    assert!(inv.has_host("lonely"));
    assert!(inv.has_host("db-z"));
    assert_eq!(inv.select("web").unwrap().hosts.len(), 4);
    assert_eq!(inv.select("all").unwrap().hosts.len(), 17);
}

#[test]
fn patterns() {
    let inv = load(&["hosts.ini"]);
    let sel = |p: &str| inv.select(p).unwrap().hosts;
    assert_eq!(sel("all").len(), 14);
    assert_eq!(sel("*").len(), 14);
    assert_eq!(
        sel("web"),
        vec![
            "web01.example.com",
            "web02.example.com",
            "web03.example.com",
            "alpha"
        ]
    );
    assert_eq!(sel("*.example.com").len(), 3);
    assert_eq!(sel("web:db").len(), 8);
    assert_eq!(sel("web,db"), sel("web:db"));
    assert_eq!(sel("prod:&db"), vec!["db-a", "db-b", "db-c", "db-z"]);
    assert_eq!(sel("prod:!web"), sel("db"));
    assert_eq!(sel("!web:prod"), sel("db"));
    assert_eq!(sel("~db-[ab]"), vec!["db-a", "db-b"]);
    assert_eq!(sel("web[0]"), vec!["web01.example.com"]);
    assert_eq!(sel("web[-1]"), vec!["alpha"]);
    assert_eq!(
        sel("web[1:2]"),
        vec!["web02.example.com", "web03.example.com"]
    );
    assert_eq!(sel("web[2:]"), vec!["web03.example.com", "alpha"]);
    assert_eq!(sel("solo:web[0]"), vec!["solo", "web01.example.com"]);
    assert!(inv.select("web[10]").is_err());
    assert!(inv.select("~(").is_err());

    let s = inv.select("nosuch:solo").unwrap();
    assert_eq!(s.hosts, vec!["solo"]);
    assert_eq!(
        s.warnings,
        vec!["Could not match supplied host pattern, ignoring: nosuch"]
    );
    let s = inv.select("nosuch").unwrap();
    assert!(s.hosts.is_empty());

    // Implicit localhost: selectable by name, not part of `all`, not listed.
    assert_eq!(sel("localhost"), vec!["localhost"]);
    assert!(!sel("all").contains(&"localhost".to_string()));
    assert_eq!(
        inv.host_vars("localhost").unwrap()["ansible_connection"],
        json!("local")
    );
    assert!(inv.to_list_json()["_meta"]["hostvars"]
        .get("localhost")
        .is_none());

    let d = tmpdir("limit");
    let f = d.join("limit.txt");
    std::fs::write(&f, "solo\n\njump\n").unwrap();
    assert_eq!(sel(&format!("@{}", f.display())), vec!["solo", "jump"]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn graph_output() {
    let inv = load(&["hosts.yml"]);
    let g = inv.graph(None).unwrap();
    let expected = "@all:
  |--@ungrouped:
  |  |--solo
  |--@web:
  |  |--web01.example.com
  |  |--web02.example.com
  |  |--alpha
  |--@prod:
  |  |--@web:
  |  |  |--web01.example.com
  |  |  |--web02.example.com
  |  |  |--alpha
  |  |--@db:
  |  |  |--db1
  |  |  |--db2
  |--@other:
  |  |--lonely";
    assert_eq!(g, expected);
    assert_eq!(inv.graph(Some("db")).unwrap(), "@db:\n  |--db1\n  |--db2");
    assert!(inv.graph(Some("nope")).is_err());
}

#[test]
fn host_json_is_sorted() {
    let inv = load(&["hosts.yml"]);
    let v = inv.host_json("db2").unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["env", "mode", "ntp", "role"]);
    assert!(inv.host_json("nobody").is_none());
}

/// An INI inventory of `groups` groups with `per_group` hosts each, nested in pairs.
fn big_ini(groups: usize, per_group: usize) -> String {
    let mut s = String::from("[all:vars]\nglobal=1\n");
    for g in 0..groups {
        s.push_str(&format!("[g{g}]\n"));
        for h in 0..per_group {
            s.push_str(&format!("h{g}-{h} idx={h} name='host {h}'\n"));
        }
        s.push_str(&format!("[g{g}:vars]\nlevel={g}\n"));
    }
    for g in (0..groups).step_by(2) {
        s.push_str(&format!("[parent{g}:children]\ng{g}\ng{}\n", g + 1));
        s.push_str(&format!("[parent{g}:vars]\nlevel=-1\npv={g}\n"));
    }
    s
}

#[test]
fn ten_thousand_hosts() {
    let d = tmpdir("big");
    let f = d.join("big.ini");
    std::fs::write(&f, big_ini(200, 50)).unwrap();
    let t = std::time::Instant::now();
    let inv = Inventory::load(&[f], &LoadOptions::default()).unwrap();
    let names = inv.host_names();
    assert_eq!(names.len(), 10_000);
    let mut folded = 0;
    for n in &names {
        let v = inv.host_vars(n).unwrap();
        folded += v.len();
    }
    let list = inv.to_list_json();
    eprintln!(
        "10k hosts: load+fold+list in {:?} ({folded} vars)",
        t.elapsed()
    );
    assert_eq!(list["_meta"]["hostvars"].as_object().unwrap().len(), 10_000);
    let v = inv.host_vars("h7-3").unwrap();
    assert_eq!(v["level"], json!(7));
    assert_eq!(v["pv"], json!(6));
    assert_eq!(v["idx"], json!(3));
    assert_eq!(v["name"], json!("host 3"));
    assert_eq!(v["global"], json!(1));
    assert_eq!(inv.select("parent6").unwrap().hosts.len(), 100);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn ten_thousand_hosts_yaml() {
    let mut s = String::from("all:\n  children:\n");
    for g in 0..200 {
        s.push_str(&format!(
            "    g{g}:\n      vars:\n        level: {g}\n      hosts:\n"
        ));
        for h in 0..50 {
            s.push_str(&format!("        h{g}-{h}:\n          idx: {h}\n"));
        }
    }
    let d = tmpdir("bigyaml");
    let f = d.join("big.yml");
    std::fs::write(&f, s).unwrap();
    let t = std::time::Instant::now();
    let inv = Inventory::load(&[f], &LoadOptions::default()).unwrap();
    eprintln!("10k hosts YAML: load in {:?}", t.elapsed());
    assert_eq!(inv.host_names().len(), 10_000);
    assert_eq!(inv.host_vars("h199-49").unwrap()["level"], json!(199));
    let _ = std::fs::remove_dir_all(&d);
}
