//! A background job rsible starts is read by ansible-playbook's `async_status`: the job file
//! under ~/.ansible_async has the name, place and JSON shape of Ansible's own. Runs on the
//! last tier-2 host of the compat suite (RSIBLE_COMPAT_FIRST_HOST + 5; t2-06 by default); it
//! touches only ~/.ansible_async there, which the compat suite does not compare.

mod common;

use common::Rsible;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tier2() -> PathBuf {
    let dir = std::env::var_os("RSIBLE_LAB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-state"))
        .join("tier2");
    assert!(
        dir.join("hosts.ini").is_file(),
        "the tier-2 lab is missing ({}): run `scripts/lab/tier2.sh up 20` (scripts/test.sh does it)",
        dir.display()
    );
    dir
}

fn ansible_playbook() -> PathBuf {
    let path = std::env::var_os("RSIBLE_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible-playbook"));
    assert!(
        path.is_file(),
        "ansible-playbook not found at {} (set RSIBLE_ANSIBLE_PLAYBOOK)",
        path.display()
    );
    path
}

#[test]
fn ansibles_async_status_reads_a_job_rsible_started() {
    let lab = tier2();
    let first: usize = std::env::var("RSIBLE_COMPAT_FIRST_HOST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let n = first + 5;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let inv = common::write(
        dir,
        "inv.ini",
        &format!(
            "[t2]\nt2-{n:02} ansible_host=10.214.0.{} ansible_user=root ansible_ssh_private_key_file={} ansible_python_interpreter=/usr/bin/python3\n",
            10 + n,
            lab.join("keys/id_ed25519").display()
        ),
    );
    let jid_file = dir.join("jid");
    common::write(
        dir,
        "start.yml",
        &format!(
            "- hosts: t2\n  gather_facts: false\n  tasks:\n\
             \x20   - shell: sleep 1; printf 'from rsible\\n\"quoted\"\\n'; echo warn >&2\n\
             \x20     async: 60\n      poll: 0\n      register: job\n\
             \x20   - copy:\n        content: \"{{{{ job.ansible_job_id }}}}\"\n        dest: {}\n\
             \x20     delegate_to: localhost\n",
            jid_file.display()
        ),
    );
    let out = Rsible::new(dir)
        .play("start.yml")
        .inventory(Path::new("inv.ini"))
        .known_hosts(lab.join("known_hosts"))
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let jid = std::fs::read_to_string(&jid_file).unwrap();
    common::write(
        dir,
        "read.yml",
        "- hosts: t2\n  gather_facts: false\n  tasks:\n\
         \x20   - async_status:\n        jid: \"{{ jid }}\"\n      register: s\n\
         \x20     until: s.finished\n      retries: 30\n      delay: 1\n\
         \x20   - assert:\n        that:\n\
         \x20         - s.stdout_lines == ['from rsible', '\"quoted\"']\n\
         \x20         - s.stderr == 'warn'\n\
         \x20         - s.rc == 0\n\
         \x20         - s.changed\n\
         \x20         - s.cmd is string\n\
         \x20   - async_status:\n        jid: \"{{ jid }}\"\n        mode: cleanup\n",
    );
    let out = Command::new(ansible_playbook())
        .args(["read.yml", "-i"])
        .arg(&inv)
        .arg("-e")
        .arg(format!("jid={jid}"))
        .env(
            "ANSIBLE_SSH_ARGS",
            format!(
                "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes",
                lab.join("known_hosts").display()
            ),
        )
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
