//! `rsible inventory` against the real `ansible-inventory` (ansible-core from PyPI, installed
//! by scripts/test.sh): the same JSON for --list and the same --graph text on every fixture.
//! Without ansible-inventory the test fails: a skipped comparison would prove nothing.

mod common;

use common::Rsible;
use std::path::{Path, PathBuf};
use std::process::Command;

fn ansible_inventory() -> PathBuf {
    let path = std::env::var_os("RSIBLE_ANSIBLE_INVENTORY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible-inventory"));
    assert!(
        path.is_file(),
        "ansible-inventory not found at {} (set RSIBLE_ANSIBLE_INVENTORY, or run scripts/test.sh, which installs it)",
        path.display()
    );
    path
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory")
        .join(name)
}

fn theirs(bin: &Path, src: &Path, action: &[&str]) -> Vec<u8> {
    let out = Command::new(bin)
        .arg("-i")
        .arg(src)
        .args(action)
        .env("ANSIBLE_DEPRECATION_WARNINGS", "0")
        .env("ANSIBLE_LOCALHOST_WARNING", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ansible-inventory failed on {}: {}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn ours(src: &Path, action: &[&str]) -> Vec<u8> {
    let home = tempfile::tempdir().unwrap();
    let out = Rsible::new(home.path())
        .arg("inventory")
        .inventory(src)
        .args(action)
        .run();
    assert!(
        out.code == 0,
        "rsible inventory failed on {}: {}",
        src.display(),
        out.stderr
    );
    out.stdout.into_bytes()
}

#[test]
fn list_and_graph_match_ansible_inventory() {
    let bin = ansible_inventory();
    for name in [
        "hosts.ini",
        "hosts.yml",
        "dir",
        "script.sh",
        "script_nometa.sh",
    ] {
        let src = fixture(name);
        let a: serde_json::Value =
            serde_json::from_slice(&theirs(&bin, &src, &["--list"])).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&ours(&src, &["--list"])).unwrap();
        assert_eq!(b, a, "--list differs for {name}");
        let a = String::from_utf8(theirs(&bin, &src, &["--graph"])).unwrap();
        let b = String::from_utf8(ours(&src, &["--graph"])).unwrap();
        assert_eq!(b.trim_end(), a.trim_end(), "--graph differs for {name}");
    }
}

#[test]
fn host_matches_ansible_inventory() {
    let bin = ansible_inventory();
    let src = fixture("hosts.ini");
    let inv: serde_json::Value = serde_json::from_slice(&ours(&src, &["--list"])).unwrap();
    let hosts: Vec<String> = inv["_meta"]["hostvars"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(!hosts.is_empty());
    for h in hosts {
        let a: serde_json::Value =
            serde_json::from_slice(&theirs(&bin, &src, &["--host", &h])).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&ours(&src, &["--host", &h])).unwrap();
        assert_eq!(b, a, "--host {h} differs");
    }
}

#[test]
fn parse_errors_name_file_line_and_column_and_exit_4() {
    let home = tempfile::tempdir().unwrap();
    let inv = common::write(home.path(), "bad.ini", "[web]\nweb[10:1].example.com\n");
    let out = Rsible::new(home.path())
        .arg("inventory")
        .inventory(&inv)
        .arg("--list")
        .run();
    assert_eq!(out.code, 4);
    let err = &out.stderr;
    assert!(err.contains(&format!("{}:2:", inv.display())), "{err}");
}
