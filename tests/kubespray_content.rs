//! Content kubespray's playbooks rely on, run on the controller (localhost, local
//! connection) by ansible-playbook and by `rsible play` (tests/fixtures/kubespray_content):
//! role argument specs with sub-options (lists of dicts, nested dicts; the messages of a
//! failing validation as `ansible_failed_result.argument_errors`), `set_fact` with
//! `cacheable` (facts in `ansible_facts`, the next play, `hostvars`), `import_playbook` with
//! `when` (every task and the fact gathering skipped, or run), and the SELinux context
//! arguments of file, copy and template on a host without SELinux. The output from the first
//! play banner through the recap must be the same, except how a failed task is shown (the
//! failure text of each tool is its own) and the directory each side ran in. Short module
//! names ansible-core routes to collections (`ufw`, `seboolean`) load with the collections
//! installed and fail without them, in both tools.
//!
//! Needs ansible-core (RSIBLE_ANSIBLE_PLAYBOOK), as the compat suite does.

mod common;
#[allow(dead_code)]
#[path = "compat/tool.rs"]
mod tool;

use common::run::hygiene;
use common::Rsible;
use std::path::Path;
use std::process::Command;

/// Copies the fixture tree into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read fixture dir").flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy fixture");
        }
    }
}

/// What one tool prints, from the first play banner through the recap line, with `dir`
/// shown as `DIR`, warnings left out, and each failure's text (from its `[ERROR]` or
/// `fatal:` line to the next task or play banner) left out.
fn output(mut cmd: Command, dir: &Path) -> String {
    let out = cmd
        .args(["site.yml", "-i", "localhost,", "-c", "local"])
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{:?} failed:\n{}\n{}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "DIR");
    let start = text.find("PLAY [").unwrap_or(0);
    let mut kept = Vec::new();
    let mut in_failure = false;
    for line in text[start..].lines() {
        if line.starts_with("TASK [") || line.starts_with("PLAY ") {
            in_failure = false;
        }
        if line.starts_with("[ERROR]") || line.starts_with("fatal: ") {
            in_failure = true;
        }
        if !in_failure && !line.starts_with("[WARNING]") {
            kept.push(line);
        }
        if line.starts_with("localhost ") && line.contains("rescued=") {
            break;
        }
    }
    kept.join("\n")
}

#[test]
fn kubespray_features_run_as_in_ansible() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubespray_content");
    let a_dir = tempfile::tempdir().expect("tempdir");
    let r_dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture, a_dir.path());
    copy_tree(&fixture, r_dir.path());
    let mut a = Command::new(tool::ansible_playbook());
    hygiene(&mut a, a_dir.path());
    a.current_dir(a_dir.path());
    let want = output(a, a_dir.path());
    let got = output(
        Rsible::new(r_dir.path()).arg("play").command(),
        r_dir.path(),
    );
    assert!(want.contains("Supported parameters include"), "{want}");
    assert_eq!(got, want, "rsible's output differs from ansible-playbook's");
}

/// `--list-tasks` of routed.yml with `collections` as the collections path: the exit code
/// and the listing (from the `playbook:` line) of each tool.
fn list_routed(collections: &Path) -> [(Option<i32>, String); 2] {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubespray_content");
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture, dir.path());
    let ansible = tool::ansible_playbook();
    let mut a = Command::new(&ansible);
    hygiene(&mut a, dir.path());
    a.current_dir(dir.path());
    let mut r = Rsible::new(dir.path()).arg("play").command();
    r.env("RSIBLE_PYTHON", ansible.with_file_name("python"));
    [a, r].map(|mut c| {
        let out = c
            .args(["routed.yml", "-i", "localhost,", "--list-tasks"])
            .env("ANSIBLE_COLLECTIONS_PATH", collections)
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let listing = text
            .find("playbook:")
            .map_or(String::new(), |i| text[i..].trim_end().to_string());
        (out.status.code(), listing)
    })
}

#[test]
fn short_names_route_to_collections_as_in_ansible() {
    let [ansible, rsible] = list_routed(&tool::ansible_collections());
    assert_eq!(ansible.0, Some(0), "ansible-playbook: {}", ansible.1);
    assert!(
        ansible.1.contains("written as ansible.builtin"),
        "{}",
        ansible.1
    );
    assert_eq!(rsible, ansible);
    let none = tempfile::tempdir().expect("tempdir");
    let [ansible, rsible] = list_routed(none.path());
    assert_ne!(ansible.0, Some(0), "ansible-playbook without collections");
    assert_ne!(rsible.0, Some(0), "rsible without collections");
}
