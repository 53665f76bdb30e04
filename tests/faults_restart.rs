//! A target restarted in the middle of a run: tier-2 lab host t2-20 (a full Debian under
//! systemd-nspawn) is powered off and booted again (`scripts/lab/tier2.sh restart 20`) while a
//! command runs on it. rsible must report it UNREACHABLE in that task, soon, and take it out
//! of the play, while a healthy peer (tier-1 host t1-30) finishes every task; once the host is
//! back, the same play succeeds on it. Each run has a hard wall-clock limit. Fails loudly when
//! either lab is missing.

mod common;

use common::fault::{lab_script, play_json, Running};
use common::tier2::Tier2;
use common::{write, Lab};
use std::path::Path;
use std::time::{Duration, Instant};

const HOST: usize = 20;

#[test]
fn a_target_restarted_mid_run_is_unreachable_then_comes_back() {
    let (t1, t2) = (Lab::tier1(), Tier2::lab());
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut kh = std::fs::read_to_string(t1.known_hosts()).unwrap();
    kh.push_str(&std::fs::read_to_string(t2.known_hosts()).unwrap());
    write(dir, "known_hosts", &kh);
    write(
        dir,
        "hosts",
        &format!(
            "[t]\nvictim ansible_host={} ansible_user=rslab ansible_ssh_private_key_file={} nap=60\n\
             peer ansible_host={} {} nap=2\n[t:vars]\nansible_timeout=3\n",
            Tier2::addr(HOST),
            t2.dir.join("keys/id_ed25519").display(),
            Lab::addr(30),
            t1.root_login()
        ),
    );
    // The mark lands in the container's /var/tmp, which is this machine's overlay mount.
    let mark = t2
        .dir
        .join(format!("hosts/{HOST}/root/var/tmp/rsible-fault-mark"));
    let _ = std::fs::remove_file(&mark);
    write(
        dir,
        "site.yml",
        "- hosts: t\n  gather_facts: false\n  tasks:\n\
         \x20   - name: first\n      command: 'true'\n\
         \x20   - name: long\n      shell: 'touch /var/tmp/rsible-fault-mark; sleep {{ nap }}'\n\
         \x20   - name: last\n      command: cat /etc/hostname\n",
    );
    let mut run = Running::start(
        play_json(dir, Path::new("known_hosts")),
        Duration::from_secs(40),
    );
    run.wait_for("the long command on t2-20", || mark.exists());
    let restart_started = Instant::now();
    let restart = std::thread::spawn(|| {
        lab_script("tier2.sh", &["restart", &HOST.to_string()]);
        Instant::now()
    });
    let broke_at = restart_started - run.started();
    let out = run.finish();
    let back = restart.join().expect("tier2.sh restart 20");
    let r = out.results("victim");
    assert_eq!(r.len(), 2, "first and long only\n{}", out.dump());
    let (t, long) = r[1];
    assert_eq!(long["status"], "unreachable", "{}", out.dump());
    let detected = t.saturating_sub(broke_at);
    // Powering off takes the container's systemd a moment; then sshd is gone.
    assert!(
        detected < Duration::from_secs(10),
        "{detected:?}\n{}",
        out.dump()
    );
    assert_eq!(out.count("peer", "ok"), 3, "{}", out.dump());
    assert_eq!(out.count("victim", "unreachable"), 1, "{}", out.dump());
    assert_eq!(out.code, 3, "{}", out.dump());
    eprintln!(
        "restart noticed after {:.2}s ({}); host back after {:.1}s",
        detected.as_secs_f64(),
        long["result"]["msg"],
        (back - restart_started).as_secs_f64()
    );
    // Back up: the same play runs through on both hosts.
    let again = Running::start(
        play_json(dir, Path::new("known_hosts")).args(["-e", "nap=0"]),
        Duration::from_secs(30),
    )
    .finish();
    assert_eq!(again.code, 0, "{}", again.dump());
    assert_eq!(again.count("victim", "ok"), 3, "{}", again.dump());
    let (_, last) = again.results("victim")[2];
    assert_eq!(
        last["result"]["stdout"],
        format!("t2-{HOST}"),
        "{}",
        again.dump()
    );
}
