//! rsible's output into a pipe whose reader is gone (`rsible ... | head -1`): it ends
//! quietly, by SIGPIPE as other Unix tools, never with a panic (exit 101). Needs no lab.

mod common;

use common::Rsible;
use std::fs::File;
use std::os::fd::FromRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

/// A pipe whose read end is already closed: writing to the file gives EPIPE.
fn closed_pipe() -> File {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned here only.
    unsafe {
        drop(File::from_raw_fd(fds[0]));
        File::from_raw_fd(fds[1])
    }
}

/// Runs rsible with `args` (in a temporary directory holding `files`), stdout into a closed
/// pipe; returns the exit status and stderr.
fn run_closed(files: &[(&str, &str)], args: &[&str]) -> (std::process::ExitStatus, String) {
    let dir = std::env::temp_dir().join(format!(
        "rsible-closed-pipe-{}-{}",
        std::process::id(),
        args.join("_").replace(['/', ' '], "")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let out = Rsible::new(&dir)
        .args(args)
        .command()
        .stdout(Stdio::from(closed_pipe()))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_quiet_end(status: std::process::ExitStatus, stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?} {stderr}");
}

const PLAY: &str = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - debug: msg=one\n    - debug: msg=two\n";
const INV: &str = "[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\n";

#[test]
fn list_tasks_into_a_closed_pipe() {
    let (status, err) = run_closed(&[("p.yml", PLAY)], &["play", "p.yml", "--list-tasks"]);
    assert_quiet_end(status, &err);
}

#[test]
fn syntax_check_into_a_closed_pipe() {
    let (status, err) = run_closed(&[("p.yml", PLAY)], &["play", "p.yml", "--syntax-check"]);
    assert_quiet_end(status, &err);
}

#[test]
fn inventory_list_and_graph_into_a_closed_pipe() {
    for what in ["--list", "--graph"] {
        let (status, err) = run_closed(&[("h.ini", INV)], &["inventory", "-i", "h.ini", what]);
        assert_quiet_end(status, &err);
    }
}

#[test]
fn run_list_hosts_into_a_closed_pipe() {
    let (status, err) = run_closed(
        &[("h.ini", INV)],
        &["run", "all", "-i", "h.ini", "-a", "true", "--list-hosts"],
    );
    assert_quiet_end(status, &err);
}

#[test]
fn a_play_into_a_closed_pipe_still_runs() {
    // The play reporter ignores a closed stdout so that a run is never cut half way.
    let (status, err) = run_closed(&[("p.yml", PLAY)], &["play", "p.yml"]);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}

#[test]
fn ad_hoc_and_json_output_into_a_closed_pipe_still_run() {
    let (status, err) = run_closed(
        &[("h.ini", INV)],
        &["run", "all", "-i", "h.ini", "-a", "true"],
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
    let (status, err) = run_closed(&[("p.yml", PLAY)], &["play", "p.yml", "--format", "json"]);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}
