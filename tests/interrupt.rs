//! Ctrl-C during `rsible play` (SIGINT sent to the process): the running program is abandoned
//! and its whole process group stopped, no further task starts, the recap so far is printed and
//! the exit code is 99 (and `--report` is still written); a second Ctrl-C exits at once. Local
//! connection, no lab needed.

mod common;

use common::Rsible;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn start(dir: &std::path::Path, playbook: &str) -> std::process::Child {
    Rsible::new(dir)
        .playbook(playbook)
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rsible")
}

fn sigint(child: &std::process::Child) {
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

/// Waits for `child` at most `limit`; returns its output and how long it took.
fn finish(child: std::process::Child, limit: Duration) -> (std::process::Output, Duration) {
    let t0 = Instant::now();
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(limit);
        let _ = Command::new("kill")
            .args(["-KILL", &id.to_string()])
            .status();
    });
    let out = child.wait_with_output().expect("wait");
    drop(watchdog);
    (out, t0.elapsed())
}

fn running(pattern: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn ctrl_c_stops_the_program_prints_the_recap_and_exits_99() {
    let d = tempfile::tempdir().unwrap();
    let marker = d.path().join("after");
    let child = start(
        d.path(),
        &format!(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
             \x20   - shell: sleep 37.25; echo late\n\
             \x20   - file: {{path: '{}', state: touch}}\n",
            marker.display()
        ),
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert!(running("sleep 37.25"), "the task did not start");
    sigint(&child);
    let (out, took) = finish(child, Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(99), "{stdout}{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(stdout.contains("interrupted by the user"), "{stdout}");
    assert!(stdout.contains("PLAY RECAP"), "{stdout}");
    assert!(stdout.contains("failed=1"), "{stdout}");
    assert!(stderr.contains("interrupted (Ctrl-C)"), "{stderr}");
    assert!(!marker.exists(), "a task started after Ctrl-C");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !running("sleep 37.25"),
        "the abandoned program is still running"
    );
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let d = tempfile::tempdir().unwrap();
    // `pause` waits on the controller and does not give way to the first Ctrl-C.
    let child = start(
        d.path(),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - pause: {seconds: 40}\n",
    );
    std::thread::sleep(Duration::from_millis(1500));
    sigint(&child);
    std::thread::sleep(Duration::from_millis(500));
    sigint(&child);
    let (out, took) = finish(child, Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(99), "{stderr}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(stderr.contains("interrupted twice"), "{stderr}");
}

#[test]
fn an_interrupted_run_still_writes_its_report() {
    let d = tempfile::tempdir().unwrap();
    let child = Rsible::new(d.path())
        .playbook(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
             \x20   - debug: {msg: before}\n\
             \x20   - shell: sleep 41.5\n",
        )
        .args(["--report", "run.html"])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rsible");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(running("sleep 41.5"), "the task did not start");
    sigint(&child);
    let (out, _) = finish(child, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(99));
    let page = std::fs::read_to_string(d.path().join("run.html")).expect("the report");
    assert!(page.contains("exit code 99"), "{page}");
    assert!(page.contains("Failures (1)"), "{page}");
}
