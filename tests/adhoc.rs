//! `rsible run` with modules other than the commands, over the local connection (no lab):
//! the ad hoc task goes through the engine like a playbook task, its arguments are checked
//! before any host is contacted, and its results print as the `ansible` binary prints them.

mod common;

use common::run::{by_host, json_lines};
use common::{write, Rsible};
use std::path::Path;

/// `rsible run` on one local host `me` with `args`: exit code, stdout, stderr.
fn run(home: &Path, args: &[&str]) -> (i32, String, String) {
    let inv = write(home, "inv", "me ansible_connection=local\n");
    let out = Rsible::new(home)
        .args(["run", "me"])
        .inventory(&inv)
        .args(args)
        .run();
    (out.code, out.stdout, out.stderr)
}

#[test]
fn copy_changes_once_and_check_mode_only_shows_the_diff() {
    let home = tempfile::tempdir().unwrap();
    let dest = home.path().join("f.txt");
    let args = format!("content=hello dest={} mode=0600", dest.display());
    let (code, out, err) = run(home.path(), &["-m", "copy", "-a", &args]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("me | CHANGED => {\n    \"changed\": true,\n    \"checksum\": \"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\",\n"), "{out}");
    assert!(out.contains("\n    \"mode\": \"0600\",\n"), "{out}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello");
    let (code, out, _) = run(home.path(), &["-m", "ansible.builtin.copy", "-a", &args]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("me | SUCCESS => {\n    \"changed\": false,"),
        "{out}"
    );
    let other = format!("content=bye dest={}", dest.display());
    let (code, out, _) = run(home.path(), &["-C", "--diff", "-m", "copy", "-a", &other]);
    assert_eq!(code, 0);
    assert!(out.contains("-hello\n") && out.contains("+bye\n"), "{out}");
    assert!(out.contains("me | CHANGED => {"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "hello",
        "check mode changed nothing"
    );
}

#[test]
fn file_makes_a_directory_and_reports_it_in_json() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("d");
    let args = format!("path={} state=directory mode=0750", dir.display());
    let (code, out, err) = run(
        home.path(),
        &["-m", "file", "-a", &args, "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let r = &by_host(&json_lines(&out))["me"];
    assert_eq!(r["status"], "changed", "{r}");
    assert_eq!(r["result"]["state"], "directory", "{r}");
    assert_eq!(r["result"]["mode"], "0750", "{r}");
    assert!(dir.is_dir());
    let summary = out.lines().last().unwrap_or("");
    assert!(
        summary.contains("\"event\":\"summary\"") && summary.contains("\"exit_code\":0"),
        "{out}"
    );
}

#[test]
fn setup_and_ping_succeed_without_change() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(home.path(), &["-m", "setup", "-a", "filter=ansible_system"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("me | SUCCESS => {\n    \"ansible_facts\": {\n        \"ansible_system\": \"Linux\"\n    },\n    \"changed\": false\n}\n"),
        "{out}"
    );
    let (code, out, _) = run(home.path(), &["-m", "ping"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("me | SUCCESS => {\n    \"changed\": false,\n    \"ping\": \"pong\"\n}\n"),
        "{out}"
    );
    assert!(
        out.contains("\nSUMMARY\nme  SUCCESS      rc=-    "),
        "{out}"
    );
}

#[test]
fn a_failing_module_prints_failed_with_its_json_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nope/x");
    let args = format!("path={} state=file", missing.display());
    let (code, out, _) = run(home.path(), &["-m", "file", "-a", &args]);
    assert_eq!(code, 2);
    assert!(
        out.starts_with("me | FAILED! => {\n    \"changed\": false,\n    \"msg\": \"file ("),
        "{out}"
    );
    assert!(
        !out.contains("\"failed\"") && !out.contains("exception"),
        "{out}"
    );
}

#[test]
fn a_misspelt_argument_stops_the_run_before_any_host_with_exit_5() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(home.path(), &["-m", "file", "-a", "path=/x modee=1"]);
    assert_eq!(code, 5, "{out}{err}");
    assert!(out.is_empty(), "no host was contacted: {out}");
    assert!(
        err.contains("ERROR! unknown argument 'modee' for module 'file'"),
        "{err}"
    );
    assert!(err.contains("hint: did you mean 'mode'?"), "{err}");
    let (code, _, err) = run(home.path(), &["-m", "ping", "-a", "dat=1"]);
    assert_eq!(code, 5);
    assert!(
        err.contains("unknown argument 'dat' for module 'ping'"),
        "{err}"
    );
    let (code, _, err) = run(home.path(), &["-m", "shell"]);
    assert_eq!(code, 5);
    assert!(err.contains("No argument passed to shell module"), "{err}");
    let (code, _, err) = run(home.path(), &["-m", "debug", "-a", "msg={{ x"]);
    assert_eq!(code, 5);
    assert!(err.contains("argument 'msg' of 'debug'"), "{err}");
}

#[test]
fn extra_vars_and_become_to_the_login_user() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        home.path(),
        &[
            "-m",
            "debug",
            "-a",
            "msg='{{ greeting }} from {{ inventory_hostname }}'",
            "-e",
            "greeting=hi",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("me | SUCCESS => {\n    \"msg\": \"hi from me\"\n}\n"),
        "{out}"
    );
    // Become to the user rsible already runs as is skipped (as in Ansible): no sudo needed,
    // even with a sudo that would fail.
    if !is_root() {
        return;
    }
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    write(&bin, "sudo", "#!/bin/sh\nexit 1\n");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let inv = write(home.path(), "inv", "me ansible_connection=local\n");
    let out = Rsible::new(home.path())
        .env("PATH", path)
        .args(["run", "me", "-b", "-a", "id -un"])
        .inventory(&inv)
        .run();
    let text = &out.stdout;
    assert_eq!(out.code, 0, "{text}");
    assert!(text.starts_with("me | CHANGED | rc=0 >>\nroot\n"), "{text}");
}

/// Whether the tests run as root (the lab's CI does).
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
