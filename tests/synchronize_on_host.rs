//! `synchronize` with `delegate_to: "{{ inventory_hostname }}"` (kubespray's form): rsync runs
//! on the task's own host between two of its paths. Run by ansible-playbook (ansible.posix
//! from the collections scripts/test.sh unpacks) and by rsible on the same host (the local
//! connection: the host is this machine), in check mode, for real and again: the registered
//! results (changed, itemized lines, the command) and the trees must be equal. Fails loudly
//! when ansible-playbook is missing.

mod common;

use common::run::hygiene;
use common::{write, Rsible};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The reference ansible-playbook.
fn ansible_playbook() -> PathBuf {
    let p = std::env::var_os("RSIBLE_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible-playbook"));
    assert!(
        p.is_file(),
        "{} is missing: run scripts/test.sh",
        p.display()
    );
    p
}

/// The collections holding ansible.posix.
fn collections() -> String {
    std::env::var("RSIBLE_ANSIBLE_COLLECTIONS")
        .unwrap_or_else(|_| "/var/cache/rsible/collections".into())
}

/// The playbook: check mode, a real run and a second one, all delegated to the host itself;
/// the results written as one JSON file.
fn playbook(d: &Path, tool: &str) -> String {
    let sync = format!(
        "ansible.posix.synchronize: {{src: '{src}/', dest: '{dest}/', compress: false, perms: true, owner: false, group: false}}\n      delegate_to: \"{{{{ inventory_hostname }}}}\"",
        src = d.join("src").display(),
        dest = d.join(tool).display()
    );
    format!(
        "- hosts: t\n  gather_facts: false\n  tasks:\n\
         \x20   - {sync}\n      check_mode: true\n      register: c\n\
         \x20   - {sync}\n      register: r\n\
         \x20   - {sync}\n      register: r2\n\
         \x20   - copy:\n        dest: '{out}'\n        content: \"{{{{ [c.changed, c.stdout_lines, r.changed, r.stdout_lines, r.cmd, r2.changed, r2.stdout_lines] | to_nice_json }}}}\"\n",
        out = d.join(format!("{tool}.json")).display()
    )
}

#[test]
fn on_the_hosts_own_paths_as_ansible() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::create_dir_all(dir.join("src/sub")).unwrap();
    write(&dir.join("src"), "a", "hi\n");
    write(&dir.join("src/sub"), "b", "yo\n");
    let python = ansible_playbook().parent().unwrap().join("python");
    let hosts = format!(
        "[t]\nnode1 ansible_connection=local ansible_python_interpreter={}\n",
        python.display()
    );
    write(dir, "hosts", &hosts);
    write(dir, "ansible.yml", &playbook(dir, "ansible"));
    let mut a = Command::new(ansible_playbook());
    hygiene(&mut a, dir);
    let a = a
        .current_dir(dir)
        .env("ANSIBLE_COLLECTIONS_PATH", collections())
        .args(["-i", "hosts", "ansible.yml"])
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stdout));
    let r = Rsible::new(dir)
        .playbook(&playbook(dir, "rsible"))
        .inventory(Path::new("hosts"))
        .env("ANSIBLE_COLLECTIONS_PATH", collections())
        .run();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let read = |n: &str| {
        std::fs::read_to_string(dir.join(n)).unwrap().replace(
            &dir.join(n.trim_end_matches(".json")).display().to_string(),
            "DEST",
        )
    };
    assert_eq!(read("rsible.json"), read("ansible.json"));
    assert!(
        read("rsible.json").contains("\"cd+++++++++ sub/\""),
        "{}",
        read("rsible.json")
    );
    let tree = |t: &str| {
        let out = Command::new("find")
            .arg(dir.join(t))
            .arg("-printf")
            .arg("%P %m %s\n")
            .output()
            .unwrap();
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(tree("rsible"), tree("ansible"));
}
