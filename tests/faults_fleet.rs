//! 50 tier-1 lab hosts (t1-31..t1-80) of which 5 fail, each in its own way: sshd stopped
//! (UNREACHABLE, connection refused), a changed host key (UNREACHABLE with the key message),
//! a key the server refuses (UNREACHABLE, permission denied), a command exiting 1 (FAILED),
//! and a blackholed link (UNREACHABLE after the connect timeout). The 45 others must finish
//! every task; the recap, the exit code and the wall time must say so. Broken hosts are
//! repaired by guards, even when an assertion fails. Fails loudly when the lab is missing.

mod common;

use common::fault::{play_json, LinkDown, Running, SshdKilled};
use common::{write, Lab};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const FIRST: usize = 31;
const LAST: usize = 80;
/// The connect timeout (`ansible_timeout`): 10 forks of sshd handshakes share 2 cores.
const TIMEOUT: u64 = 5;

/// known_hosts where host `wrong` carries host `other`'s keys.
fn swapped_known_hosts(lab: &Lab, wrong: usize, other: usize) -> String {
    let text = std::fs::read_to_string(lab.known_hosts()).unwrap();
    let (w, o) = (
        format!("{} ", Lab::addr(wrong)),
        format!("{} ", Lab::addr(other)),
    );
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(&w) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if let Some(key) = line.strip_prefix(&o) {
            out.push_str(&format!("{w}{key}\n"));
        }
    }
    out
}

#[test]
fn fifty_hosts_with_five_failing_in_five_ways() {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let (stopped, rekeyed, refused, failing, dark) = (76, 77, 78, 79, 80);
    write(
        dir,
        "known_hosts",
        &swapped_known_hosts(&lab, rekeyed, FIRST),
    );
    let stranger = dir.join("stranger");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .expect("ssh-keygen");
    assert!(st.success());
    let mut inv = String::from("[t]\n");
    for i in FIRST..=LAST {
        inv.push_str(&format!("h{i} ansible_host={}", Lab::addr(i)));
        if i == refused {
            inv.push_str(&format!(
                " ansible_ssh_private_key_file={}",
                stranger.display()
            ));
        }
        inv.push('\n');
    }
    inv.push_str(&format!(
        "[t:vars]\n{}\nansible_timeout={TIMEOUT}\n",
        lab.root_login().replace(" ", "\n")
    ));
    write(dir, "hosts", &inv);
    let out_dir = tempfile::tempdir_in("/var/tmp").unwrap();
    write(
        dir,
        "site.yml",
        &format!(
            "- hosts: t\n  gather_facts: false\n  tasks:\n\
             \x20   - name: check\n      command: test {{{{ inventory_hostname }}}} != h{failing}\n\
             \x20   - name: write\n      copy: {{content: '{{{{ inventory_hostname }}}}', dest: '{}/{{{{ inventory_hostname }}}}'}}\n\
             \x20   - name: read\n      command: cat {}/{{{{ inventory_hostname }}}}\n",
            out_dir.path().display(),
            out_dir.path().display()
        ),
    );
    let _sshd = SshdKilled::now(stopped);
    let _link = LinkDown::blackhole(dark, &Lab::addr(dark));
    let cmd = play_json(dir, Path::new("known_hosts")).args(["--forks", "10"]);
    let out = Running::start(cmd, Duration::from_secs(120)).finish();
    let text = out.dump();
    let first = |h: usize| {
        let r = out.results(&format!("h{h}"));
        assert_eq!(r.len(), 1, "h{h}: one result, then out of the play\n{text}");
        let (t, v) = r[0];
        (
            t,
            v["status"].as_str().unwrap_or_default().to_string(),
            v["result"]["msg"].as_str().unwrap_or_default().to_string(),
        )
    };
    let expect = [
        (stopped, "unreachable", "Connection refused"),
        (
            rekeyed,
            "unreachable",
            "REMOTE HOST IDENTIFICATION HAS CHANGED",
        ),
        (refused, "unreachable", "permission denied"),
        (failing, "failed", "non-zero return code"),
        (dark, "unreachable", "timed out"),
    ];
    for (h, status, words) in expect {
        let (t, s, msg) = first(h);
        assert_eq!(s, status, "h{h}\n{text}");
        assert!(msg.contains(words), "h{h}: {words:?} in {msg:?}");
        let key = if status == "failed" {
            "failed"
        } else {
            "unreachable"
        };
        assert_eq!(out.count(&format!("h{h}"), key), 1, "h{h}\n{text}");
        eprintln!("h{h}: {s} at {:.2}s: {msg}", t.as_secs_f64());
    }
    // Its connection attempt starts when a fork frees up, so only the lower bound is exact.
    let (t, ..) = first(dark);
    assert!(
        t >= Duration::from_secs(TIMEOUT),
        "the blackholed host is given up after the {TIMEOUT}s timeout, not before: {t:?}"
    );
    let broken = [stopped, rekeyed, refused, failing, dark];
    for i in (FIRST..=LAST).filter(|i| !broken.contains(i)) {
        let h = format!("h{i}");
        assert_eq!(out.count(&h, "ok"), 3, "{h}\n{text}");
        assert_eq!(
            out.count(&h, "failed") + out.count(&h, "unreachable"),
            0,
            "{h}"
        );
        let written = std::fs::read_to_string(out_dir.path().join(&h)).unwrap();
        assert_eq!(written, h);
    }
    assert_eq!(
        out.code, 3,
        "unreachable hosts win over failed ones\n{text}"
    );
    assert!(
        out.wall < Duration::from_secs(90),
        "wall time {:?}\n{text}",
        out.wall
    );
    eprintln!("50 hosts, 5 broken: {:.2}s", out.wall.as_secs_f64());
}
