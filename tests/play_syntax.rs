//! `rsible play --syntax-check` / `--list-tasks` / `--list-hosts` on the playbook fixtures:
//! valid playbooks pass, broken ones exit 4 with file:line:column and a suggestion. No host
//! is contacted.

mod common;

use common::Rsible;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/playbook")
        .join(rel)
}

#[test]
fn valid_playbook_with_role_passes_syntax_check() {
    let home = tempfile::tempdir().expect("tempdir");
    let site = fixture("ok/site.yml");
    let out = Rsible::new(home.path())
        .args(["play", "--syntax-check"])
        .arg(&site)
        .run();
    let stdout = &out.stdout;
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert!(
        stdout.contains(&format!("playbook: {}", site.display())),
        "{stdout}"
    );
}

#[test]
fn broken_playbook_exits_4_with_locations_and_hints() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Rsible::new(home.path())
        .args(["play", "--syntax-check"])
        .arg(fixture("broken/site.yml"))
        .run();
    let stderr = &out.stderr;
    assert_eq!(out.code, 4, "{stderr}");
    assert!(
        stderr.contains("site.yml:4:7: unknown module 'comand'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  4 |       comand: ls\n    |       ^\n"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: did you mean 'command'?"), "{stderr}");
    assert!(
        stderr.contains("site.yml:7:7: conflicting action statements"),
        "{stderr}"
    );
    assert!(
        stderr.contains("site.yml:8:7: no module/action detected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("site.yml:12:7: unknown task keyword 'registr'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("site.yml:14:3: unknown play keyword 'gather_fact'"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean 'gather_facts'?"), "{stderr}");
}

#[test]
fn list_tasks_and_hosts() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Rsible::new(home.path())
        .args(["play", "--list-tasks", "--list-hosts", "-i"])
        .arg(fixture("ok/hosts.ini"))
        .arg(fixture("ok/site.yml"))
        .run();
    let stdout = &out.stdout;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(stdout.contains("  play #1 (all): Base setup\tTAGS: [setup]\n    pattern: ['all']\n    hosts (3):\n      web1\n      web2\n      db1\n"), "{stdout}");
    assert!(
        stdout.contains("      web : Install nginx\tTAGS: [setup, web]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  play #2 (web): web\tTAGS: []\n    pattern: ['web']\n    hosts (2):\n"),
        "{stdout}"
    );
}

#[test]
fn a_misspelled_module_argument_is_refused_before_any_host_is_contacted() {
    let home = tempfile::tempdir().expect("tempdir");
    let pb = home.path().join("site.yml");
    std::fs::write(
        &pb,
        "- hosts: unreachable.invalid\n  tasks:\n    - name: t\n      command:\n        cmd: ls\n        chdri: /tmp\n",
    )
    .expect("write");
    let out = Rsible::new(home.path())
        .args(["play", "-i", "unreachable.invalid,"])
        .arg(&pb)
        .run();
    let stderr = &out.stderr;
    assert_eq!(out.code, 4, "{stderr}");
    assert!(
        stderr.contains("site.yml:4:7: unknown argument 'chdri' for module 'command'"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean 'chdir'?"), "{stderr}");
}
