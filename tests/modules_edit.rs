//! End-to-end tests of the text-editing modules (`lineinfile`, `blockinfile`, `replace`,
//! `ini_file`): `rsible play` against files in a tempdir, on a local host and over SSH on
//! tier-1 lab hosts n15..n16 (which share this machine's filesystem). Each play converges:
//! the second run changes nothing, `--check` changes nothing, `--diff` shows the edit.

mod common;

use common::run::{json_lines, recap_stats};
use common::{write, Lab, Rsible};
use serde_json::Value;
use std::path::Path;

/// Runs `rsible play site.yml -i hosts --format json` in `dir`; (exit code, events, stdout).
fn play(dir: &Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Rsible::new(dir)
        .args(["play", "site.yml", "-i", "hosts"])
        .args(args)
        .run();
    eprintln!("stderr: {}", out.stderr);
    let stdout = out.stdout.clone();
    let events = if args.contains(&"json") {
        json_lines(&out.stdout)
    } else {
        Vec::new()
    };
    (out.code, events, stdout)
}

/// (ok, changed, failed) of `host` in the recap.
fn recap(events: &[Value], host: &str) -> (u64, u64, u64) {
    let s = recap_stats(events, host);
    let n = |k: &str| s[k].as_u64().unwrap_or(u64::MAX);
    (n("ok"), n("changed"), n("failed"))
}

/// The result fields of each host_result, in order.
fn results(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["event"] == "host_result")
        .map(|e| e["result"].clone())
        .collect()
}

/// A project with a local host `h1` and a playbook of `tasks` (YAML, indented 4).
fn project(tasks: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "hosts", "h1 ansible_connection=local\n");
    let book = format!("- hosts: all\n  gather_facts: false\n  tasks:\n{tasks}");
    write(dir.path(), "site.yml", &book);
    dir
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs the play: `--check` first (nothing changes), then for real (`changed` tasks), then
/// again (nothing changes). Returns the first real run's results.
fn converge(dir: &Path, files: &[&Path], tasks: usize, changed: u64) -> Vec<Value> {
    let before: Vec<Option<String>> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let (code, ev, _) = play(dir, &["--format", "json", "--check"]);
    assert_eq!(code, 0, "{ev:#?}");
    assert_eq!(
        recap(&ev, "h1"),
        (tasks as u64, changed, 0),
        "check run: {ev:#?}"
    );
    let after: Vec<Option<String>> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).ok())
        .collect();
    assert_eq!(before, after, "--check changed a file");
    let (code, ev, _) = play(dir, &["--format", "json"]);
    assert_eq!(code, 0, "{ev:#?}");
    assert_eq!(
        recap(&ev, "h1"),
        (tasks as u64, changed, 0),
        "first run: {ev:#?}"
    );
    let first = results(&ev);
    let (code, ev2, _) = play(dir, &["--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        recap(&ev2, "h1"),
        (tasks as u64, 0, 0),
        "second run: {ev2:#?}"
    );
    first
}

#[test]
fn lineinfile_adds_replaces_removes_and_converges() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("conf");
    let new = tmp.path().join("sub/dir/new");
    std::fs::write(&f, "# comment\nPort 22\n#PermitRootLogin yes\nUseDNS yes\n").expect("fixture");
    let (fp, np) = (f.display(), new.display());
    let dir = project(&format!(
        r#"    - lineinfile: {{path: {fp}, regexp: '^#?PermitRootLogin', line: PermitRootLogin no}}
    - lineinfile: {{path: {fp}, regexp: '^Port (\d+)$', line: 'Port \1 # kept', backrefs: true}}
    - lineinfile: {{path: {fp}, line: Banner none, insertafter: '^# comment'}}
    - lineinfile: {{path: {fp}, line: first, insertbefore: BOF}}
    - lineinfile: {{path: {fp}, regexp: '^UseDNS', state: absent}}
    - lineinfile: {{dest: {np}, line: hello, create: true, mode: '0600'}}
"#
    ));
    let res = converge(dir.path(), &[&f, &new], 6, 6);
    assert_eq!(
        read(&f),
        "first\n# comment\nBanner none\nPort 22 # kept\nPermitRootLogin no\n"
    );
    assert_eq!(read(&new), "hello\n");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&new).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let msgs: Vec<&str> = res
        .iter()
        .map(|r| r["msg"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        msgs,
        [
            "line replaced",
            "line replaced",
            "line added",
            "line added",
            "1 line(s) removed",
            "line added and ownership, perms or SE linux context changed"
        ]
    );
}

#[test]
fn lineinfile_diff_backup_and_validate() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("f");
    std::fs::write(&f, "a\nb\n").expect("fixture");
    let fp = f.display();
    let dir = project(&format!(
        "    - lineinfile: {{path: {fp}, line: c, backup: true, validate: 'grep -q c %s'}}\n"
    ));
    let (code, _, out) = play(dir.path(), &["--check", "--diff"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "--- before: {fp} (content)\n+++ after: {fp} (content)\n"
        )),
        "{out}"
    );
    assert!(out.contains("\n+c\n"), "{out}");
    assert_eq!(read(&f), "a\nb\n");
    let (code, ev, _) = play(dir.path(), &["--format", "json"]);
    assert_eq!(code, 0);
    let backup = results(&ev)[0]["backup"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!backup.is_empty(), "{ev:#?}");
    assert_eq!(read(Path::new(&backup)), "a\nb\n");
    assert_eq!(read(&f), "a\nb\nc\n");
    // A failing validation leaves the file as it was.
    let dir = project(&format!(
        "    - lineinfile: {{path: {fp}, line: d, validate: 'grep -q never %s'}}\n"
    ));
    let (code, ev, _) = play(dir.path(), &["--format", "json"]);
    assert_eq!(code, 2);
    assert_eq!(recap(&ev, "h1").2, 1);
    assert!(
        results(&ev)[0]["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("failed to validate"),
        "{ev:#?}"
    );
    assert_eq!(read(&f), "a\nb\nc\n");
}

#[test]
fn blockinfile_inserts_updates_and_removes_blocks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("hosts");
    let g = tmp.path().join("html");
    std::fs::write(&f, "127.0.0.1 localhost\n# end\n").expect("fixture");
    std::fs::write(
        &g,
        "<body>\n<!-- BEGIN x -->\nold\n<!-- END x -->\n</body>\n",
    )
    .expect("fixture");
    let (fp, gp) = (f.display(), g.display());
    let dir = project(&format!(
        r#"    - blockinfile:
        path: {fp}
        block: |
          10.0.0.1 a
          10.0.0.2 b
        insertbefore: '^# end'
    - blockinfile: {{path: {gp}, marker: '<!-- {{mark}} x -->', state: absent}}
"#
    ));
    let res = converge(dir.path(), &[&f, &g], 2, 2);
    assert_eq!(
        read(&f),
        "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 a\n10.0.0.2 b\n\
         # END ANSIBLE MANAGED BLOCK\n# end\n"
    );
    assert_eq!(read(&g), "<body>\n</body>\n");
    assert_eq!(res[0]["msg"], "Block inserted");
    assert_eq!(res[1]["msg"], "Block removed");
}

#[test]
fn replace_rewrites_matches_between_after_and_before() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("cfg");
    std::fs::write(&f, "x = 1\n[s]\nx = 1\nx = 1\n[t]\nx = 1\n").expect("fixture");
    let fp = f.display();
    let dir = project(&format!(
        r#"    - replace: {{path: {fp}, regexp: '^x = (\d)$', replace: 'x = \g<1>0', after: '\[s\]', before: '\[t\]'}}
"#
    ));
    let (code, _, out) = play(dir.path(), &["--check", "--diff"]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("--- before: {fp}\n")), "{out}");
    let res = converge(dir.path(), &[&f], 1, 1);
    assert_eq!(read(&f), "x = 1\n[s]\nx = 10\nx = 10\n[t]\nx = 1\n");
    assert_eq!(res[0]["msg"], "2 replacements made");
}

#[test]
fn ini_file_sets_options_and_sections() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let f = tmp.path().join("app.ini");
    std::fs::write(&f, "[main]\n# debug = true\nlevel = 1\n\n[other]\nk = v\n").expect("fixture");
    let fp = f.display();
    let dir = project(&format!(
        r#"    - ini_file: {{path: {fp}, section: main, option: debug, value: 'false'}}
    - ini_file: {{path: {fp}, section: main, option: level, value: 2, no_extra_spaces: true}}
    - community.general.ini_file: {{path: {fp}, section: new, option: a, value: b}}
    - ini_file: {{path: {fp}, section: other, state: absent}}
"#
    ));
    let res = converge(dir.path(), &[&f], 4, 4);
    assert_eq!(read(&f), "[main]\ndebug = false\nlevel=2\n\n[new]\na = b\n");
    let msgs: Vec<&str> = res
        .iter()
        .map(|r| r["msg"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        msgs,
        [
            "option changed",
            "option changed",
            "section and option added",
            "section removed"
        ]
    );
}

#[test]
fn edits_over_ssh_on_lab_hosts() {
    let lab = Lab::tier1();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    // Lab hosts share this filesystem: one file per host.
    let mut inv = String::from("[lab]\n");
    for i in 15..=16 {
        inv.push_str(&format!(
            "n{i} ansible_host={} {}\n",
            Lab::addr(i),
            lab.root_login()
        ));
        std::fs::write(dir.join(format!("f-n{i}")), "[a]\nk = 1\nold\n").expect("fixture");
    }
    write(dir, "hosts", &inv);
    let d = dir.display();
    let book = format!(
        r#"- hosts: lab
  gather_facts: false
  tasks:
    - lineinfile: {{path: "{d}/f-{{{{ inventory_hostname }}}}", line: "host={{{{ inventory_hostname }}}}"}}
    - replace: {{path: "{d}/f-{{{{ inventory_hostname }}}}", regexp: '^old$', replace: new}}
    - blockinfile: {{path: "{d}/f-{{{{ inventory_hostname }}}}", block: b}}
    - ini_file: {{path: "{d}/f-{{{{ inventory_hostname }}}}", section: a, option: k, value: 2, mode: '0640'}}
"#
    );
    write(dir, "site.yml", &book);
    let run = || {
        let out = Rsible::new(dir)
            .args(["play", "site.yml", "-i", "hosts", "--known-hosts"])
            .arg(lab.known_hosts())
            .json()
            .run();
        eprintln!("stderr: {}", out.stderr);
        (out.code, json_lines(&out.stdout))
    };
    let (code, ev) = run();
    assert_eq!(code, 0, "{ev:#?}");
    for h in ["n15", "n16"] {
        assert_eq!(recap(&ev, h), (4, 4, 0), "{ev:#?}");
        assert_eq!(
            read(&dir.join(format!("f-{h}"))),
            format!(
                "[a]\nk = 2\nnew\nhost={h}\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n"
            )
        );
    }
    let (code, ev) = run();
    assert_eq!(code, 0);
    for h in ["n15", "n16"] {
        assert_eq!(recap(&ev, h), (4, 0, 0), "{ev:#?}");
    }
}
