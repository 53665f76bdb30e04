//! Reading ahead for runs of file tasks: a no-change run of consecutive `file`, `copy`,
//! `template` and `lineinfile` tasks costs one program per host, and what was read ahead is
//! never used once it may be stale. Over SSH on tier-1 hosts t1-91 and t1-92, which share
//! the controller's filesystem (two inventory hosts that are one machine, where a change
//! made for one host must be seen by the other's next task); a lookup's effect is checked
//! over the local connection. Programs are counted in the debug log.

mod common;

use common::{write, Lab, Rsible};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Runs `site.yml` in `dir` against `hosts`; returns (programs run, output).
fn run(dir: &Path, lab: &Lab, args: &[&str]) -> (usize, String) {
    let kh = lab.known_hosts().display().to_string();
    let out = Rsible::new(dir)
        .args([
            "play",
            "site.yml",
            "-i",
            "hosts",
            "--known-hosts",
            kh.as_str(),
        ])
        .args(args)
        .env("RSIBLE_LOG", "rsible=debug")
        .run();
    let text = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, 0, "{text}");
    (common::programs_run(&text), text)
}

/// A project for t1-91 and t1-92 logging in as the lab's `rslab` user, with `t/` open to it.
fn project(lab: &Lab) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o777)).unwrap();
    let key = lab.key("id_ed25519").display().to_string();
    let hosts: String = [91, 92]
        .iter()
        .map(|i| {
            format!(
                "h{i} ansible_host={} ansible_user=rslab ansible_ssh_private_key_file={key}\n",
                Lab::addr(*i)
            )
        })
        .collect();
    write(dir.path(), "hosts", &hosts);
    write(dir.path(), "hello.j2", "hello {{ inventory_hostname }}\n");
    (dir, t)
}

/// Six kinds of file tasks (loops included) and a command guarded by `creates` on two hosts:
/// the first run writes, the second changes nothing in one program per host, and so does
/// check mode; `--diff` reads for itself.
#[test]
fn a_no_change_run_of_file_tasks_costs_one_program_per_host() {
    let lab = Lab::tier1();
    let (dir, t) = project(&lab);
    let site = r#"
- hosts: all
  gather_facts: false
  vars:
    d: "@T@/{{ inventory_hostname }}"
  tasks:
    - file: {path: "{{ d }}", state: directory, mode: "0755"}
    - file: {path: "{{ d }}/{{ item }}", state: directory}
      loop: [a, b]
    - copy: {dest: "{{ d }}/a/one.txt", content: "one\n", mode: "0640"}
    - template: {src: hello.j2, dest: "{{ d }}/hello.txt"}
    - lineinfile: {path: "{{ d }}/b/conf", line: "{{ item }}", create: true}
      loop: [x=1, y=2]
    - file: {src: "{{ d }}/hello.txt", dest: "{{ d }}/hello.link", state: link}
    - command: touch {{ d }}/marker
      args: {creates: "{{ d }}/marker"}
      register: guarded
    - file: {path: "{{ d }}/b", mode: "0700"}
      register: last
    - assert:
        that:
          - last.mode == '0700' and last.state == 'directory' and not last.changed
          - "'not run command since' in guarded.msg and guarded.stdout is search('skipped, since')"
      when: last is not changed
"#
    .replace("@T@", &t.display().to_string());
    write(dir.path(), "site.yml", &site);
    let (_, text) = run(dir.path(), &lab, &[]);
    assert!(text.contains("changed=8"), "{text}");
    let (n, text) = run(dir.path(), &lab, &[]);
    assert!(
        text.contains("changed=0") && !text.contains("changed=1"),
        "{text}"
    );
    assert_eq!(n, 2, "one program per host: {text}");
    let (n, text) = run(dir.path(), &lab, &["--check"]);
    assert!(text.contains("changed=0"), "{text}");
    assert_eq!(n, 2, "{text}");
    let (n, text) = run(dir.path(), &lab, &["--diff"]);
    assert!(text.contains("changed=0"), "{text}");
    assert!(n > 2 * 9, "--diff reads task by task: {n} programs\n{text}");
    for h in ["h91", "h92"] {
        let d = t.join(h);
        assert_eq!(
            std::fs::read_to_string(d.join("b/conf")).unwrap(),
            "x=1\ny=2\n"
        );
        assert_eq!(
            std::fs::read_to_string(d.join("hello.txt")).unwrap(),
            format!("hello {h}\n")
        );
        let m = std::fs::metadata(d.join("b")).unwrap().permissions().mode() & 0o777;
        assert_eq!(m, 0o700);
    }
}

/// What one host changes is seen by the other host's next task, though both read the file
/// ahead before the change (they are one machine): no update is lost.
#[test]
fn a_change_for_one_host_is_seen_by_the_next_task_of_another() {
    let lab = Lab::tier1();
    let (dir, t) = project(&lab);
    let shared = t.join("shared");
    std::fs::write(&shared, "start\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
    let site = r#"
- hosts: all
  gather_facts: false
  tasks:
    - file: {path: "@T@", state: directory}
    - lineinfile: {path: "@T@/shared", line: "from h91"}
      when: inventory_hostname == 'h91'
    - lineinfile: {path: "@T@/shared", line: "from h92"}
      when: inventory_hostname == 'h92'
"#
    .replace("@T@", &t.display().to_string());
    write(dir.path(), "site.yml", &site);
    let (_, text) = run(dir.path(), &lab, &[]);
    assert_eq!(
        std::fs::read_to_string(&shared).unwrap(),
        "start\nfrom h91\nfrom h92\n",
        "{text}"
    );
    let (_, text) = run(dir.path(), &lab, &[]);
    assert!(!text.contains("changed=1"), "{text}");
}

/// A lookup may change what was read ahead (`pipe` runs a command): the tasks after it read
/// again. Lookups are never run to read ahead (the command runs once, when its task runs).
#[test]
fn a_lookup_makes_what_was_read_ahead_stale_and_is_not_run_to_read_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    std::fs::create_dir_all(&t).unwrap();
    // The copy finds its file as it wants it: only the lookup can make the read stale.
    std::fs::write(t.join("g"), "done").unwrap();
    write(dir.path(), "hosts", "local ansible_connection=local\n");
    let site = r#"
- hosts: all
  gather_facts: false
  tasks:
    - file: {path: "@T@", state: directory}
    - copy:
        dest: "@T@/g"
        content: "{{ lookup('pipe', 'echo from-pipe >> @T@/f; echo ran >> @T@/count; echo done') }}"
    - lineinfile: {path: "@T@/f", line: "second", create: true}
"#
    .replace("@T@", &t.display().to_string());
    write(dir.path(), "site.yml", &site);
    let out = Rsible::new(dir.path())
        .args(["play", "site.yml", "-i", "hosts"])
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        std::fs::read_to_string(t.join("f")).unwrap(),
        "from-pipe\nsecond\n"
    );
    assert_eq!(std::fs::read_to_string(t.join("count")).unwrap(), "ran\n");
}
