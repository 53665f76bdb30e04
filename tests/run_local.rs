//! `rsible run` over the local connection: needs no lab.

mod common;

use common::{write, Rsible};

#[test]
fn implicit_localhost_runs_locally_and_keeps_streams_apart() {
    let home = tempfile::tempdir().unwrap();
    let out = Rsible::new(home.path())
        .args([
            "run",
            "localhost",
            "-m",
            "shell",
            "-a",
            "echo out; echo err >&2",
        ])
        .json()
        .run();
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let r = &out.by_host()["localhost"];
    // Trailing newlines stripped, as `ansible` strips them (strip_empty_ends).
    assert_eq!(r["stdout"], "out");
    assert_eq!(r["stderr"], "err");
    assert_eq!(r["rc"], 0);
}

#[test]
fn failing_command_exits_2_and_human_output_shows_rc_and_summary() {
    let home = tempfile::tempdir().unwrap();
    let inv = write(home.path(), "inv", "[here]\nme ansible_connection=local\n");
    let out = Rsible::new(home.path())
        .args(["run", "here", "-i"])
        .arg(&inv)
        .args(["-m", "shell", "-a", "echo boom >&2; exit 7"])
        .run();
    assert_eq!(out.code, 2);
    let text = &out.stdout;
    assert!(text.contains("me | FAILED | rc=7 >>"), "{text}");
    assert!(text.contains("STDERR:\nboom\n"), "{text}");
    assert!(text.contains("SUMMARY"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when not a terminal: {text}"
    );
}

#[test]
fn command_module_does_not_use_a_shell() {
    let home = tempfile::tempdir().unwrap();
    let out = Rsible::new(home.path())
        .args(["run", "localhost", "-a", "echo $HOME `id` ; x"])
        .json()
        .run();
    assert_eq!(out.code, 0);
    // `$HOME` is expanded as `ansible` expands it (expand_argument_vars); the rest is kept.
    assert_eq!(
        out.by_host()["localhost"]["stdout"],
        format!("{} `id` ; x", home.path().display())
    );
}

#[test]
fn unknown_module_is_a_bad_option() {
    let home = tempfile::tempdir().unwrap();
    let out = Rsible::new(home.path())
        .args(["run", "localhost", "-m", "frobnicate", "-a", "x"])
        .run();
    assert_eq!(out.code, 5);
    assert!(out.stderr.contains("frobnicate"));
}

#[test]
fn unmatched_pattern_warns_like_ansible() {
    let home = tempfile::tempdir().unwrap();
    let inv = write(home.path(), "inv", "[web]\nw1 ansible_connection=local\n");
    let out = Rsible::new(home.path())
        .args(["run", "nosuch", "-i"])
        .arg(&inv)
        .args(["-a", "true"])
        .run();
    assert_eq!(out.code, 0);
    let err = &out.stderr;
    assert!(
        err.contains("Could not match supplied host pattern, ignoring: nosuch"),
        "{err}"
    );
    assert!(err.contains("No hosts matched"), "{err}");
}

#[test]
fn task_timeout_kills_a_long_command() {
    let home = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = Rsible::new(home.path())
        .args(["run", "localhost", "-a", "sleep 30", "--task-timeout", "1"])
        .run();
    assert_eq!(out.code, 2);
    assert!(started.elapsed().as_secs() < 10);
    assert!(out.stdout.contains("timed out"));
}

#[test]
fn become_prompt_nobody_answers_times_out_instead_of_hanging() {
    let home = tempfile::tempdir().unwrap();
    // A sudo that asks for a second factor rsible cannot answer.
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = write(
        &bin,
        "sudo",
        "#!/bin/sh\nprintf 'Verification code: ' >&2\nread x\n",
    );
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap();
    // Another user than the controller's: become to the login user itself is skipped, as in
    // Ansible, and the fake sudo would never be asked.
    let inv = write(
        home.path(),
        "inv",
        "me ansible_connection=local ansible_become=true ansible_become_user=nobody \
         ansible_become_password=pw ansible_timeout=1\n",
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = std::time::Instant::now();
    let out = Rsible::new(home.path())
        .env("PATH", path)
        .args(["run", "all", "-a", "id", "-i"])
        .arg(&inv)
        .json()
        .run();
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 2);
    let r = &out.by_host()["me"];
    assert!(
        r["msg"].as_str().unwrap().contains("privilege escalation"),
        "{r}"
    );
}

#[test]
fn a_host_with_bad_settings_fails_alone() {
    let home = tempfile::tempdir().unwrap();
    let inv = write(
        home.path(),
        "inv",
        "good ansible_connection=ansible.builtin.local\n\
         bad ansible_connection=local ansible_become=yes ansible_become_method=doas\n",
    );
    let out = Rsible::new(home.path())
        .args(["run", "all", "-a", "echo hi", "-i"])
        .arg(&inv)
        .json()
        .run();
    assert_eq!(out.code, 2);
    let r = out.by_host();
    assert_eq!(r["good"]["stdout"], "hi");
    assert!(
        r["bad"]["msg"].as_str().unwrap().contains("doas"),
        "{}",
        r["bad"]
    );
}
