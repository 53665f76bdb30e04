//! Atomicity under a killed controller: 100 times, `rsible play` copies a 4 MiB file (or
//! renders a template) over SSH to tier-1 lab host n23 and is SIGKILLed at a pseudo-random
//! moment; afterwards the destination is always exactly the old or the new content, never a
//! mix or a truncation. (Tier-1 hosts share this machine's filesystem, so the test reads the
//! destination directly.) Fails loudly when the lab is missing.

mod common;

use common::{write, Lab, Rsible};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const RUNS: usize = 100;

/// A small deterministic generator (xorshift): the same kill moments on every run of the test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn sha(b: &[u8]) -> Vec<u8> {
    Sha256::digest(b).to_vec()
}

#[test]
fn a_killed_controller_leaves_the_old_or_the_new_file() {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let target = tempfile::tempdir_in("/var/tmp").unwrap();
    let dest = target.path().join("dest.bin");
    let page = target.path().join("page.txt");
    // Two large contents that differ everywhere, and two template outputs.
    let a: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
    let b: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 241) as u8 ^ 0x5a).collect();
    std::fs::write(dir.join("a.bin"), &a).unwrap();
    std::fs::write(dir.join("b.bin"), &b).unwrap();
    write(
        dir,
        "page.j2",
        "{% for i in range(400) %}{% for j in range(500) %}{{ version }}-{{ i }}-{{ j }}\n{% endfor %}{% endfor %}",
    );
    write(
        dir,
        "hosts",
        &format!(
            "[t]\nn23 ansible_host={} {}\n",
            Lab::addr(23),
            lab.root_login()
        ),
    );
    write(
        dir,
        "site.yml",
        &format!(
            "- hosts: t\n  gather_facts: false\n  tasks:\n\
             \x20   - copy: {{src: '{{{{ src }}}}', dest: '{}'}}\n\
             \x20   - template: {{src: page.j2, dest: '{}'}}\n",
            dest.display(),
            page.display()
        ),
    );
    let render = |v: &str| -> Vec<u8> {
        let mut s = String::new();
        for i in 0..400 {
            for j in 0..500 {
                s.push_str(&format!("{v}-{i}-{j}\n"));
            }
        }
        s.into_bytes()
    };
    let (page_a, page_b) = (render("a"), render("b"));
    let command = |src: &str, version: &str| {
        Rsible::new(dir)
            .play("site.yml")
            .inventory(Path::new("hosts"))
            .known_hosts(lab.known_hosts())
            .args([
                "-e",
                &format!("src={src}"),
                "-e",
                &format!("version={version}"),
            ])
            .command()
    };
    let run = |src: &str, version: &str| {
        command(src, version)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rsible")
    };
    // Start from a complete old state.
    let first = command("a.bin", "a").output().expect("run rsible");
    assert!(
        first.status.success(),
        "the first full run failed:\n{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut old, mut new) = (0, 0);
    for i in 0..RUNS {
        let (src, version) = if i % 2 == 0 {
            ("b.bin", "b")
        } else {
            ("a.bin", "a")
        };
        let before = (
            sha(&std::fs::read(&dest).unwrap()),
            sha(&std::fs::read(&page).unwrap()),
        );
        let mut child = run(src, version);
        std::thread::sleep(Duration::from_millis(50 + rng.next() % 2000));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the remote side was doing when the connection dropped has settled.
        std::thread::sleep(Duration::from_millis(150));
        let now = (
            sha(&std::fs::read(&dest).unwrap()),
            sha(&std::fs::read(&page).unwrap()),
        );
        let file_ok = now.0 == sha(&a) || now.0 == sha(&b);
        let page_ok = now.1 == sha(&page_a) || now.1 == sha(&page_b);
        assert!(
            file_ok,
            "run {i}: {} is neither the old nor the new content",
            dest.display()
        );
        assert!(
            page_ok,
            "run {i}: {} is neither the old nor the new content",
            page.display()
        );
        if now == before {
            old += 1;
        } else {
            new += 1;
        }
    }
    let leftovers = std::fs::read_dir(target.path()).unwrap().count() - 2;
    eprintln!(
        "{RUNS} killed runs: {old} left the old state, {new} changed something; \
         every file was whole; {leftovers} temp files left beside the destinations"
    );
    assert!(
        old > 0 && new > 0,
        "the kill moments never hit a write ({old} old, {new} new)"
    );
}
