//! End-to-end tests of `copy`, `template` and `file`: `rsible play` against a local host
//! (`ansible_connection=local`) writing into a temp directory, run twice (the second run
//! changes nothing), in check mode (nothing changes) and with `--diff`; a few cases over SSH
//! on tier-1 lab hosts n15..n19 with become from an unprivileged user.

mod common;

use common::run::json_lines;
use common::{Lab, Rsible};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes `text` to `dir/name`, creating parent directories.
fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write fixture");
}

/// Runs `rsible play site.yml` in `dir` with `args`; returns (exit code, stdout+stderr).
fn play(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Rsible::new(dir)
        .args(["play", "site.yml", "-i", "hosts"])
        .args(args)
        .run();
    let text = format!("{}{}", out.stdout, out.stderr);
    (out.code, text)
}

/// `play` with `--format json`; returns the recap of `host` as "ok=N changed=N failed=N".
fn recap(dir: &Path, host: &str, args: &[&str]) -> String {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (_, text) = play(dir, &all);
    eprintln!("{text}");
    let json: String = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .collect::<Vec<_>>()
        .join("\n");
    let ev: Vec<Value> = json_lines(&json);
    let r = ev
        .iter()
        .find(|e| e["event"] == "recap")
        .unwrap_or_else(|| panic!("no recap in {text}"));
    let s = &r["stats"][host];
    format!(
        "ok={} changed={} failed={}",
        s["ok"], s["changed"], s["failed"]
    )
}

fn local_project(playbook: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "hosts",
        "[nodes]\nh1 ansible_connection=local\n",
    );
    let t = dir.path().join("t");
    std::fs::create_dir_all(&t).expect("mkdir");
    write(
        dir.path(),
        "site.yml",
        &playbook.replace("@T@", &t.display().to_string()),
    );
    dir
}

/// A project directory for plays over SSH, with `t/` open to every user (tier-1 hosts share
/// this filesystem, and the lab's login users write there).
fn ssh_project() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("t");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o777)).unwrap();
    (dir, t)
}

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o7777
}

#[test]
fn copy_converges_checks_and_diffs() {
    let dir = local_project(
        r#"
- hosts: nodes
  gather_facts: false
  tasks:
    - copy: {content: "one\ntwo\n", dest: "@T@/a.txt", mode: "u=rw,g=r,o="}
    - copy: {src: data.bin, dest: "@T@/sub/"}
    - copy: {src: files-only.txt, dest: "@T@", mode: "0600"}
    - copy: {src: tree/, dest: "@T@/flat"}
    - copy: {src: tree, dest: "@T@/nested", directory_mode: "0750"}
    - copy: {src: "@T@/a.txt", dest: "@T@/remote.txt", remote_src: true, mode: preserve}
    - copy: {content: "keep", dest: "@T@/kept", force: false}
"#,
    );
    let p = dir.path();
    write(p, "data.bin", "\u{0}\u{1}binary");
    write(p, "files/files-only.txt", "from files/\n");
    write(p, "tree/x", "x\n");
    write(p, "tree/d/y", "y\n");
    let t = p.join("t");
    std::fs::write(t.join("kept"), "old").expect("write");
    assert_eq!(recap(p, "h1", &[]), "ok=7 changed=6 failed=0");
    assert_eq!(
        std::fs::read_to_string(t.join("a.txt")).unwrap(),
        "one\ntwo\n"
    );
    assert_eq!(mode_of(&t.join("a.txt")), 0o640);
    assert_eq!(
        std::fs::read(t.join("sub/data.bin")).unwrap(),
        b"\x00\x01binary"
    );
    assert_eq!(mode_of(&t.join("files-only.txt")), 0o600);
    assert_eq!(std::fs::read_to_string(t.join("flat/d/y")).unwrap(), "y\n");
    assert_eq!(
        std::fs::read_to_string(t.join("nested/tree/x")).unwrap(),
        "x\n"
    );
    assert_eq!(mode_of(&t.join("nested/tree/d")), 0o750);
    assert_eq!(mode_of(&t.join("remote.txt")), 0o640);
    assert_eq!(std::fs::read_to_string(t.join("kept")).unwrap(), "old");
    assert_eq!(recap(p, "h1", &[]), "ok=7 changed=0 failed=0");
    // Only the mode differs: fixed, reported in the diff; new text shows as a unified diff.
    std::fs::set_permissions(t.join("a.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(t.join("files-only.txt"), "changed\n").unwrap();
    assert_eq!(recap(p, "h1", &["--check"]), "ok=7 changed=3 failed=0");
    assert_eq!(
        mode_of(&t.join("a.txt")),
        0o644,
        "check mode changed a mode"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("files-only.txt")).unwrap(),
        "changed\n"
    );
    let (code, text) = play(p, &["--diff"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("--- before: mode\n+++ after: mode\n-0644\n+0640"),
        "{text}"
    );
    let f = t.join("files-only.txt").display().to_string();
    assert!(
        text.contains(&format!(
            "--- before: {f}\n+++ after: {f}\n@@ -1 +1 @@\n-changed\n+from files/"
        )),
        "{text}"
    );
    assert_eq!(mode_of(&t.join("a.txt")), 0o640);
}

#[test]
fn backup_validate_and_a_large_file() {
    let dir = local_project(
        r#"
- hosts: nodes
  gather_facts: false
  tasks:
    - copy: {content: "bad\n", dest: "@T@/conf", validate: "grep -q good %s"}
      ignore_errors: true
    - copy: {content: "good\n", dest: "@T@/conf", backup: true, validate: "grep -q good %s"}
      register: r
    - assert: {that: ["r.backup_file is defined or not r.changed", "r.checksum | length == 40"]}
    - copy: {src: big.bin, dest: "@T@/big.bin"}
"#,
    );
    let p = dir.path();
    let big: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(p.join("big.bin"), &big).unwrap();
    let t = p.join("t");
    std::fs::write(t.join("conf"), "old\n").unwrap();
    let (code, text) = play(p, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("failed to validate"), "{text}");
    assert_eq!(std::fs::read_to_string(t.join("conf")).unwrap(), "good\n");
    let backups: Vec<_> = std::fs::read_dir(&t)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("conf."))
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read_to_string(backups[0].path()).unwrap(), "old\n");
    assert!(std::fs::read(t.join("big.bin")).unwrap() == big);
    assert_eq!(recap(p, "h1", &[]), "ok=4 changed=0 failed=0");
}

#[test]
fn template_renders_loops_conditions_and_host_vars() {
    let dir = local_project(
        r#"
- hosts: nodes
  gather_facts: false
  vars:
    users: [ann, bob]
  tasks:
    - template: {src: app.conf.j2, dest: "@T@/app.conf", mode: "0640"}
"#,
    );
    let p = dir.path();
    write(p, "host_vars/h1.yml", "port: 8080\ndebug: true\n");
    write(
        p,
        "templates/app.conf.j2",
        "# {{ ansible_managed }}\nport={{ port }}\n{% for u in users %}\nuser={{ u }}\n{% endfor %}\n{% if debug %}\ndebug=on\n{% endif %}\n",
    );
    assert_eq!(recap(p, "h1", &[]), "ok=1 changed=1 failed=0");
    let got = std::fs::read_to_string(p.join("t/app.conf")).unwrap();
    assert_eq!(
        got,
        "# Ansible managed\nport=8080\nuser=ann\nuser=bob\ndebug=on\n"
    );
    assert_eq!(mode_of(&p.join("t/app.conf")), 0o640);
    assert_eq!(recap(p, "h1", &[]), "ok=1 changed=0 failed=0");
    write(p, "host_vars/h1.yml", "port: 9090\ndebug: false\n");
    let (_, text) = play(p, &["--diff", "--check"]);
    assert!(text.contains("-port=8080\n+port=9090"), "{text}");
    assert!(std::fs::read_to_string(p.join("t/app.conf"))
        .unwrap()
        .contains("8080"));
}

#[test]
fn file_states_converge() {
    let dir = local_project(
        r#"
- hosts: nodes
  gather_facts: false
  tasks:
    - file: {path: "@T@/d/e", state: directory, mode: "0750"}
    - file: {path: "@T@/d/f", state: touch, access_time: preserve, modification_time: preserve}
    - file: {path: "@T@/d/f", mode: "u=rw,g=r,o="}
    - file: {path: "@T@/l", src: "@T@/d/f", state: link}
    - file: {path: "@T@/h", src: "@T@/d/f", state: hard}
    - file: {path: "@T@/d", state: directory, recurse: true, mode: "u+rwX,g+rX"}
    - file: {path: "@T@/gone", state: absent}
"#,
    );
    let p = dir.path();
    let t = p.join("t");
    std::fs::create_dir_all(t.join("gone/x")).unwrap();
    assert_eq!(recap(p, "h1", &[]), "ok=7 changed=6 failed=0");
    assert_eq!(mode_of(&t.join("d/e")), 0o750);
    assert_eq!(mode_of(&t.join("d/f")), 0o640);
    assert_eq!(std::fs::read_link(t.join("l")).unwrap(), t.join("d/f"));
    assert!(t.join("h").is_file() && !t.join("gone").exists());
    assert_eq!(recap(p, "h1", &[]), "ok=7 changed=0 failed=0");
    assert_eq!(recap(p, "h1", &["--check"]), "ok=7 changed=0 failed=0");
    std::fs::set_permissions(t.join("d/e"), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::create_dir_all(t.join("gone")).unwrap();
    assert_eq!(recap(p, "h1", &["--check"]), "ok=7 changed=2 failed=0");
    assert_eq!(mode_of(&t.join("d/e")), 0o700);
    assert!(t.join("gone").exists());
    let (_, text) = play(p, &["--diff"]);
    assert!(
        text.contains("--- before: state\n+++ after: state\n-directory\n+absent"),
        "{text}"
    );
    write(p, "site.yml", &format!(
        "- hosts: nodes\n  gather_facts: false\n  tasks:\n    - file: {{path: \"{}\", state: file}}\n",
        t.join("missing").display()
    ));
    let (code, text) = play(p, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is absent, cannot continue"), "{text}");
}

#[test]
fn copy_template_and_file_over_ssh_with_become() {
    let lab = Lab::tier1();
    let (dir, t) = ssh_project();
    let p = dir.path();
    let mut inv = String::from("[lab]\n");
    for i in 15..=17 {
        inv.push_str(&format!(
            "n{i} ansible_host={} ansible_user=rslab ansible_become_password=rslab-pass ansible_ssh_private_key_file={}\n",
            Lab::addr(i),
            lab.key("id_ed25519").display()
        ));
    }
    write(p, "hosts", &inv);
    write(p, "templates/motd.j2", "host={{ inventory_hostname }}\n");
    write(
        p,
        "site.yml",
        &r#"
- hosts: lab
  gather_facts: false
  become: true
  tasks:
    - file: {path: "@T@/{{ inventory_hostname }}", state: directory, owner: root, mode: "0755"}
    - copy: {content: "hello\n", dest: "@T@/{{ inventory_hostname }}/c", owner: root, group: root, mode: "0600"}
    - template: {src: motd.j2, dest: "@T@/{{ inventory_hostname }}/motd"}
"#
        .replace("@T@", &t.display().to_string()),
    );
    let kh = lab.known_hosts().display().to_string();
    let args = ["--known-hosts", kh.as_str()];
    assert_eq!(recap(p, "n15", &args), "ok=3 changed=3 failed=0");
    assert_eq!(recap(p, "n16", &args), "ok=3 changed=0 failed=0");
    assert_eq!(
        std::fs::read_to_string(t.join("n17/motd")).unwrap(),
        "host=n17\n"
    );
    assert_eq!(mode_of(&t.join("n16/c")), 0o600);
}

#[test]
fn remote_src_directory_copies_on_the_target_like_rsync() {
    let dir = local_project(
        "- hosts: nodes\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: {src: '@T@/src/', dest: '@T@/inside', remote_src: true, mode: '0600', directory_mode: '0750'}\n\
         \x20   - copy: {src: '@T@/src', dest: '@T@/whole/', remote_src: true}\n",
    );
    let t = dir.path().join("t");
    write(&t, "src/a.txt", "alpha\n");
    write(&t, "src/sub dir/b 'q'.txt", "beta\n");
    std::os::unix::fs::symlink("a.txt", t.join("src/link")).expect("symlink");
    assert_eq!(recap(dir.path(), "h1", &[]), "ok=2 changed=2 failed=0");
    assert_eq!(
        std::fs::read_to_string(t.join("inside/sub dir/b 'q'.txt")).unwrap(),
        "beta\n"
    );
    assert_eq!(mode_of(&t.join("inside/a.txt")), 0o600);
    assert_eq!(mode_of(&t.join("inside/sub dir")), 0o750);
    assert_eq!(
        std::fs::read_link(t.join("whole/src/link")).unwrap(),
        Path::new("a.txt")
    );
    assert_eq!(
        std::fs::read_to_string(t.join("whole/src/a.txt")).unwrap(),
        "alpha\n"
    );
    assert_eq!(recap(dir.path(), "h1", &[]), "ok=2 changed=0 failed=0");

    // A changed source file: check mode reports it and writes nothing; a real run copies it.
    write(&t, "src/a.txt", "alpha 2\n");
    assert_eq!(
        recap(dir.path(), "h1", &["--check"]),
        "ok=2 changed=2 failed=0"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("inside/a.txt")).unwrap(),
        "alpha\n"
    );
    assert_eq!(recap(dir.path(), "h1", &[]), "ok=2 changed=2 failed=0");
    assert_eq!(
        std::fs::read_to_string(t.join("inside/a.txt")).unwrap(),
        "alpha 2\n"
    );
    assert_eq!(mode_of(&t.join("inside/a.txt")), 0o600);
    assert_eq!(recap(dir.path(), "h1", &[]), "ok=2 changed=0 failed=0");
}

/// A missing file is written by the program that found it missing (the probe's one round
/// trip); a file whose content differs takes a second program; a write into a missing
/// directory or one that fails validation leaves nothing and says why; check mode writes
/// nothing. Over SSH (t1-15, its own directory), programs counted in the debug log.
#[test]
fn a_missing_file_is_written_by_its_probe() {
    let lab = Lab::tier1();
    let (dir, t) = ssh_project();
    let p = dir.path();
    write(
        p,
        "hosts",
        &format!(
            "n15 ansible_host={} ansible_user=rslab ansible_ssh_private_key_file={}\n",
            Lab::addr(15),
            lab.key("id_ed25519").display()
        ),
    );
    let play_of = |tasks: &str| {
        format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}")
            .replace("@T@", &t.display().to_string())
    };
    let kh = lab.known_hosts().display().to_string();
    // Programs run for the play's tasks (the shell's own start is not one), and the output.
    let run = |args: &[&str]| {
        let out = Rsible::new(p)
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
        (common::programs_run(&text), text)
    };
    let one = "    - copy: {content: \"one\\n\", dest: \"@T@/new\", mode: \"0640\"}\n";
    write(p, "site.yml", &play_of(one));
    let (n, text) = run(&["--check"]);
    assert!(text.contains("changed=1"), "{text}");
    assert!(!t.join("new").exists(), "check mode wrote");
    assert_eq!(n, 1, "{text}");
    let (n, text) = run(&[]);
    assert!(text.contains("changed=1"), "{text}");
    assert_eq!(n, 1, "a missing file costs one program: {text}");
    assert_eq!(std::fs::read_to_string(t.join("new")).unwrap(), "one\n");
    assert_eq!(mode_of(&t.join("new")), 0o640);
    let (n, text) = run(&[]);
    assert!(text.contains("changed=0"), "{text}");
    assert_eq!(n, 1, "{text}");
    std::fs::write(t.join("new"), "two\n").unwrap();
    let (n, text) = run(&[]);
    assert!(text.contains("changed=1"), "{text}");
    assert_eq!(n, 2, "a file that differs is read, then written: {text}");
    assert_eq!(std::fs::read_to_string(t.join("new")).unwrap(), "one\n");
    write(
        p,
        "site.yml",
        &play_of(
            "    - copy: {content: \"x\\n\", dest: \"@T@/no/such/f\"}\n      ignore_errors: true\n\
             \x20   - copy: {content: \"bad\\n\", dest: \"@T@/v\", validate: \"grep -q good %s\"}\n      ignore_errors: true\n",
        ),
    );
    let (_, text) = run(&[]);
    assert!(text.contains("Destination directory"), "{text}");
    assert!(text.contains("failed to validate"), "{text}");
    assert!(text.contains("ignored=2"), "{text}");
    let left: Vec<_> = std::fs::read_dir(&t)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["new"], "nothing else is left");
}
