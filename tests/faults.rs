//! Faults in the middle of a play, on tier-1 lab hosts t1-25..t1-27 (t1-29 and t1-30 are the
//! healthy peers): a target whose sshd and sessions are killed while a command runs, a target
//! whose link goes down (blackholed: no FIN, no RST), and a command past its task `timeout:`.
//! Each run has a connect timeout of 3 s and a hard wall-clock limit; the faulty host must be
//! reported within the timeout plus a margin, the healthy one must finish every task, and the
//! recap and exit code must say so. Every broken host is repaired by a guard, even when an
//! assertion fails. Fails loudly when the lab is missing.

mod common;

use common::fault::{play_json, LinkDown, Running, SshdKilled};
use common::{write, Lab};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The connect timeout the runs use (`ansible_timeout`).
const TIMEOUT: u64 = 3;
/// Slack for scheduling on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(3);
/// rsible's exit code when a host was unreachable (see README: ansible-playbook's documented
/// code).
const EXIT_UNREACHABLE: i32 = 3;

/// A play on `victim` (tier-1 host `v`) and `peer` (host `p`): a first command, a long one
/// that first leaves a mark in `marks`, then a last command.
fn setup(dir: &Path, lab: &Lab, v: usize, p: usize, marks: &Path, victim_nap: u32) {
    write(
        dir,
        "hosts",
        &format!(
            "[t]\nvictim ansible_host={} nap={victim_nap}\npeer ansible_host={} nap=2\n\
             [t:vars]\n{}\nansible_timeout={TIMEOUT}\n",
            Lab::addr(v),
            Lab::addr(p),
            lab.root_login().replace(" ", "\n")
        ),
    );
    write(
        dir,
        "site.yml",
        &format!(
            "- hosts: t\n  gather_facts: false\n  tasks:\n\
             \x20   - name: first\n      command: 'true'\n\
             \x20   - name: long\n      shell: 'touch {}/{{{{ inventory_hostname }}}}; sleep {{{{ nap }}}}'\n\
             \x20   - name: last\n      command: 'true'\n",
            marks.display()
        ),
    );
}

/// Runs the play, breaks the victim with `fault` once its long command runs, and checks what
/// Ansible would report: the victim UNREACHABLE in the long task within the timeout, no later
/// task on it, the peer through all three tasks, exit code 3. Returns the detection time.
fn mid_play<G>(v: usize, p: usize, fault: impl FnOnce() -> G) -> Duration {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let marks = d.path().join("marks");
    std::fs::create_dir(&marks).unwrap();
    setup(d.path(), &lab, v, p, &marks, 60);
    let mut run = Running::start(
        play_json(d.path(), &lab.known_hosts()),
        Duration::from_secs(40),
    );
    run.wait_for("the victim's long command", || {
        marks.join("victim").exists()
    });
    // The mark is written by the remote shell just before `sleep`: let it start.
    std::thread::sleep(Duration::from_millis(200));
    let broke = Instant::now();
    let guard = fault();
    let broke_at = broke - run.started();
    let out = run.finish();
    drop(guard);
    let r = out.results("victim");
    assert_eq!(r.len(), 2, "victim: first and long only\n{}", out.dump());
    let (t, long) = r[1];
    assert_eq!(long["status"], "unreachable", "{}", out.dump());
    let msg = long["result"]["msg"].as_str().unwrap_or_default();
    assert!(
        !msg.is_empty(),
        "an unreachable result says why\n{}",
        out.dump()
    );
    let detected = t.saturating_sub(broke_at);
    assert!(
        detected <= Duration::from_secs(TIMEOUT) + MARGIN,
        "detected {detected:?} after the fault (timeout {TIMEOUT}s)\n{}",
        out.dump()
    );
    assert_eq!(out.count("victim", "unreachable"), 1, "{}", out.dump());
    assert_eq!(out.count("victim", "ok"), 1, "{}", out.dump());
    assert_eq!(out.count("peer", "ok"), 3, "{}", out.dump());
    assert_eq!(out.count("peer", "failed"), 0, "{}", out.dump());
    assert_eq!(out.code, EXIT_UNREACHABLE, "{}", out.dump());
    eprintln!(
        "detected after {:.2}s ({msg}); run took {:.2}s",
        detected.as_secs_f64(),
        out.wall.as_secs_f64()
    );
    detected
}

#[test]
fn a_target_whose_sshd_is_killed_mid_command_is_unreachable() {
    let detected = mid_play(25, 29, || SshdKilled::now(25));
    // The kernel closes the dead processes' sockets: no waiting on a timeout at all.
    assert!(detected < Duration::from_secs(1), "{detected:?}");
}

#[test]
fn a_target_whose_link_goes_down_mid_command_is_unreachable_after_the_timeout() {
    let detected = mid_play(26, 30, || LinkDown::now(26));
    // Silence is only noticed by keepalives: not before most of the timeout went by.
    assert!(detected >= Duration::from_secs(TIMEOUT) / 2, "{detected:?}");
}

/// Processes on this machine (tier-1 hosts share it) whose command line is `cmdline`.
fn processes(cmdline: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(c) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let c = String::from_utf8_lossy(&c).replace('\0', " ");
        if c.trim_end() == cmdline {
            found.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[test]
fn a_command_past_its_timeout_is_killed_on_the_target_and_fails() {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(
        dir,
        "hosts",
        &format!(
            "[t]\nt27 ansible_host={}\n[t:vars]\n{}\nansible_timeout={TIMEOUT}\n",
            Lab::addr(27),
            lab.root_login().replace(" ", "\n")
        ),
    );
    // A program the shell execs (`command`) and one it forks and waits for (`shell`, a
    // pipeline): both must be gone afterwards. The odd durations name them in `ps`.
    write(
        dir,
        "site.yml",
        "- hosts: t\n  gather_facts: false\n  tasks:\n\
         \x20   - command: sleep 3617\n      timeout: 2\n      ignore_errors: true\n\
         \x20   - shell: 'sleep 3618 | cat; echo never'\n      timeout: 2\n      ignore_errors: true\n\
         \x20   - command: 'true'\n",
    );
    let out = Running::start(play_json(dir, &lab.known_hosts()), Duration::from_secs(30)).finish();
    let r = out.results("t27");
    assert_eq!(r.len(), 3, "{}", out.dump());
    for (i, (t, res)) in r.iter().take(2).enumerate() {
        assert_eq!(res["status"], "failed", "{}", out.dump());
        let msg = res["result"]["msg"].as_str().unwrap_or_default();
        assert!(
            msg.contains("failed to execute in the expected time frame (2) and was terminated"),
            "Ansible's message: {msg}"
        );
        eprintln!(
            "timed-out task {i} reported at {:.2}s: {msg}",
            t.as_secs_f64()
        );
    }
    assert_eq!(
        r[2].1["status"],
        "changed",
        "the host stays usable\n{}",
        out.dump()
    );
    assert_eq!(out.count("t27", "ignored"), 2, "{}", out.dump());
    assert_eq!(out.code, 0, "{}", out.dump());
    // Both sleeps were killed on the target: by its own deadline, 1 s after rsible's, counted
    // from when the program started there (late on a loaded machine).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<String> = ["sleep 3617", "sleep 3618"]
            .iter()
            .flat_map(|c| processes(c))
            .collect();
        if left.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            for p in &left {
                let _ = Command::new("kill").args(["-KILL", p]).status();
            }
            panic!("the timed-out programs still run on the target: pids {left:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(out.wall < Duration::from_secs(15), "{:?}", out.wall);
    eprintln!("timeout run took {:.2}s", out.wall.as_secs_f64());
}
