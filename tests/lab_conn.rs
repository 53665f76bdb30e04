//! The connection keywords against real OpenSSH targets of the tier-1 lab (t1-87..t1-90),
//! with an inventory that names no `ansible_user`: `remote_user` (play, block, task) picks
//! the login user, each user keeps a connection of its own, `port` picks the port, and
//! `become_exe`/`become_flags` reach sudo (become to the login user itself is skipped); and
//! connection variables in `vars:` win over the keywords. The same playbooks give the same
//! results under ansible-playbook 2.19. Fails loudly when the lab is missing.

mod common;

use common::{Lab, Rsible};

/// Runs `site` on t1-87..t1-90 (no `ansible_user` in the inventory) and checks each host's
/// recap: `ok` tasks, no failure, `ignored` ones.
fn run(site: &str, ok: u64, ignored: u64) {
    let lab = Lab::tier1();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut inv = String::from("[lab]\n");
    for i in 87..=90 {
        inv.push_str(&format!(
            "n{i} ansible_host={} ansible_ssh_private_key_file={}\n",
            Lab::addr(i),
            lab.key("id_ed25519").display()
        ));
    }
    let out = Rsible::new(dir.path())
        .playbook(site)
        .inventory(inv)
        .json()
        .known_hosts(lab.known_hosts())
        .run();
    let events = &out.events;
    let stderr = &out.stderr;
    for i in 87..=90 {
        let s = out.stats(&format!("n{i}"));
        assert_eq!(
            (
                s["ok"].as_u64(),
                s["failed"].as_u64(),
                s["ignored"].as_u64()
            ),
            (Some(ok), Some(0), Some(ignored)),
            "n{i}: {s}\n{events:#?}\n{stderr}"
        );
    }
    assert_eq!(out.code, 0, "{stderr}");
}

#[test]
fn remote_user_port_and_become_keywords_pick_the_connection() {
    run(
        r#"
- hosts: lab
  gather_facts: false
  remote_user: rslab2
  tasks:
    - command: id -un
      register: play_user
    - command: id -un
      remote_user: root
      register: task_user
    - block:
        - command: id -un
          register: block_user
      remote_user: root
    - command: id -un
      register: again
    - command: id -un
      port: 2299
      ignore_unreachable: true
      register: closed
    - command: id -un
      port: 22
      register: open_port
    - command: id -un
      become: true
      become_flags: "-H -S -n"
      register: flagged
    - command: id -un
      become: true
      become_flags: "-H -S -n --rsible-bogus"
      ignore_errors: true
      register: bogus
    - command: id -un
      become: true
      become_user: rslab2
      become_exe: /nonexistent/sudo
      register: same
    - command: id -un
      become: true
      become_exe: /nonexistent/sudo
      ignore_errors: true
      register: missing_exe
    - assert:
        that:
          - play_user.stdout == 'rslab2'
          - task_user.stdout == 'root'
          - block_user.stdout == 'root'
          - again.stdout == 'rslab2'
          - closed.unreachable
          - "'2299' in closed.msg"
          - open_port.stdout == 'rslab2'
          - flagged.stdout == 'root'
          - bogus is failed
          - same.stdout == 'rslab2'
          - missing_exe is failed
"#,
        11,
        3,
    );
}

#[test]
fn connection_variables_in_vars_win_over_the_keywords() {
    run(
        r#"
- hosts: lab
  gather_facts: false
  remote_user: rslab2
  vars:
    ansible_user: root
  tasks:
    - command: id -un
      register: a
    - command: id -un
      vars:
        ansible_user: rslab2
      remote_user: root
      register: b
    - command: id -un
      vars:
        ansible_port: 2299
      port: 22
      ignore_unreachable: true
      register: c
    - command: id -un
      become: true
      become_user: root
      become_exe: /nonexistent/sudo
      register: d
    - assert:
        that:
          - a.stdout == 'root'
          - b.stdout == 'rslab2'
          - c.unreachable
          - d.stdout == 'root'
"#,
        5,
        1,
    );
}
