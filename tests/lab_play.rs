//! The playbook engine against real OpenSSH targets of the tier-1 lab: facts gathered by the
//! POSIX sh program, several hosts at once over SSH, become with a sudo password, an
//! unreachable host among reachable ones, a converging play whose second run changes
//! nothing, and the process a `shell` task's code runs in (t1-86). Fails loudly when the lab
//! is missing.

mod common;

use common::run::Run;
use common::{write, Lab, Rsible};
use std::path::Path;

fn recap(run: &Run, host: &str) -> String {
    let s = run.stats(host);
    format!(
        "ok={} changed={} unreachable={} failed={} skipped={}",
        s["ok"], s["changed"], s["unreachable"], s["failed"], s["skipped"]
    )
}

fn play(dir: &Path, lab: &Lab, args: &[&str]) -> Run {
    Rsible::new(dir)
        .play("site.yml")
        .inventory(Path::new("hosts"))
        .json()
        .known_hosts(lab.known_hosts())
        .args(args)
        .run()
}

/// An inventory of lab hosts `range` logged in as root with the lab key.
fn inventory(dir: &Path, lab: &Lab, range: std::ops::RangeInclusive<usize>, extra: &str) {
    let mut inv = String::from("[lab]\n");
    for i in range {
        inv.push_str(&format!(
            "n{i} ansible_host={} {}\n",
            Lab::addr(i),
            lab.root_login()
        ));
    }
    inv.push_str(extra);
    write(dir, "hosts", &inv);
}

#[test]
fn facts_and_commands_over_ssh_on_several_hosts() {
    let lab = Lab::tier1();
    let dir = tempfile::tempdir().expect("tempdir");
    inventory(dir.path(), &lab, 1..=6, "");
    write(
        dir.path(),
        "site.yml",
        r#"
- hosts: lab
  tasks:
    - assert:
        that:
          - ansible_facts.os_family == 'Debian'
          - ansible_distribution == 'Debian'
          - ansible_default_ipv4.address == ansible_host
          - ansible_user_id == 'root'
          - ansible_processor_vcpus | int >= 1
          - ansible_memtotal_mb | int > 0
    - command: hostname -I
      register: ips
      changed_when: false
    - assert:
        that: ansible_host in ips.stdout
"#,
    );
    let r = play(dir.path(), &lab, &[]);
    assert_eq!(r.code, 0, "{}\n{:#?}", r.stderr, r.events);
    for i in 1..=6 {
        assert_eq!(
            recap(&r, &format!("n{i}")),
            "ok=4 changed=0 unreachable=0 failed=0 skipped=0"
        );
    }
}

#[test]
fn become_root_from_an_unprivileged_login_with_a_sudo_password() {
    let lab = Lab::tier1();
    let dir = tempfile::tempdir().expect("tempdir");
    let k = lab.key("id_ed25519");
    write(
        dir.path(),
        "hosts",
        &format!(
            "[lab]\nb1 ansible_host={} ansible_user=rslab ansible_become_password=rslab-pass ansible_ssh_private_key_file={}\n",
            Lab::addr(7),
            k.display()
        ),
    );
    write(
        dir.path(),
        "site.yml",
        r#"
- hosts: lab
  gather_facts: false
  tasks:
    - command: id -un
      register: plain
    - command: id -un
      become: true
      register: root
    - assert:
        that:
          - plain.stdout == 'rslab'
          - root.stdout == 'root'
"#,
    );
    let r = play(dir.path(), &lab, &[]);
    assert_eq!(r.code, 0, "{}\n{:#?}", r.stderr, r.events);
    let all = serde_json::to_string(&r.events).expect("json") + &r.stderr;
    assert!(
        !all.contains("rslab-pass"),
        "the password must never be printed"
    );
}

#[test]
fn an_unreachable_host_is_reported_while_the_others_finish() {
    let lab = Lab::tier1();
    let dir = tempfile::tempdir().expect("tempdir");
    inventory(
        dir.path(),
        &lab,
        8..=10,
        &format!("gone ansible_host=10.213.0.250 {}\n", lab.root_login()),
    );
    write(
        dir.path(),
        "site.yml",
        "- hosts: lab\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n    - command: \"true\"\n",
    );
    let started = std::time::Instant::now();
    let r = play(dir.path(), &lab, &["-T", "2"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        started.elapsed().as_secs() < 20,
        "detected within the connect timeout"
    );
    assert_eq!(
        recap(&r, "gone"),
        "ok=0 changed=0 unreachable=1 failed=0 skipped=0"
    );
    for h in ["n8", "n9", "n10"] {
        assert_eq!(
            recap(&r, h),
            "ok=2 changed=2 unreachable=0 failed=0 skipped=0"
        );
    }
}

#[test]
fn a_converging_play_changes_nothing_the_second_time() {
    let lab = Lab::tier1();
    let dir = tempfile::tempdir().expect("tempdir");
    inventory(dir.path(), &lab, 11..=14, "");
    let base = dir.path().join("state");
    write(
        dir.path(),
        "site.yml",
        &format!(
            r#"
- hosts: lab
  gather_facts: false
  tasks:
    - command: mkdir -p {b}/{{{{ inventory_hostname }}}}
      args:
        creates: "{b}/{{{{ inventory_hostname }}}}"
    - shell: echo {{{{ inventory_hostname }}}} > {b}/{{{{ inventory_hostname }}}}/name
      args:
        creates: "{b}/{{{{ inventory_hostname }}}}/name"
      notify: done
  handlers:
    - name: done
      command: touch {b}/{{{{ inventory_hostname }}}}/handled
"#,
            b = base.display()
        ),
    );
    let r = play(dir.path(), &lab, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        recap(&r, "n11"),
        "ok=3 changed=3 unreachable=0 failed=0 skipped=0"
    );
    let r = play(dir.path(), &lab, &[]);
    assert_eq!(r.code, 0);
    for i in 11..=14 {
        let h = format!("n{i}");
        assert_eq!(
            recap(&r, &h),
            "ok=2 changed=0 unreachable=0 failed=0 skipped=0"
        );
        assert!(base.join(&h).join("handled").exists());
    }
}

/// On the shared shell rsible's own programs run in a subshell, but a `shell` task's code gets
/// a `/bin/sh` of its own: its `$$` is its own and its parent is the long-lived shell, as when
/// each task had its own session. With `executable` the named shell is that process.
#[test]
fn a_shell_task_has_a_process_of_its_own_on_the_shared_shell() {
    let lab = Lab::tier1();
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path(), &lab, 86..=86, "");
    write(
        dir.path(),
        "site.yml",
        r#"- hosts: lab
  gather_facts: false
  tasks:
    - shell: echo $$ $PPID
      register: a
    - shell: echo $$ $PPID
      register: b
    - shell: echo $$ $BASH_VERSION
      args: {executable: /bin/bash}
      register: c
    - assert:
        that:
          - (a.stdout.split())[0] != (b.stdout.split())[0]
          - (a.stdout.split())[1] == (b.stdout.split())[1]
          - (a.stdout.split())[0] != (a.stdout.split())[1]
          - (c.stdout.split())[0] != (a.stdout.split())[1]
          - (c.stdout.split()) | length == 2
"#,
    );
    let r = play(dir.path(), &lab, &[]);
    assert_eq!(r.code, 0, "{} {:#?}", r.stderr, r.events);
    assert_eq!(
        recap(&r, "n86"),
        "ok=4 changed=3 unreachable=0 failed=0 skipped=0"
    );
}
