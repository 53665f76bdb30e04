//! `--list-tasks` compatibility: for every playbook of tests/compat/playbooks, the text
//! `rsible play --list-tasks` prints is the text `ansible-playbook --list-tasks` prints
//! (task names with their role prefixes, unnamed tasks by their module as written,
//! `include_role` tasks, argument spec validation tasks, and every task's tags, those of
//! role dependencies reached through `import_role` included). No hosts are contacted.
//!
//! Needs ansible-core (RSIBLE_ANSIBLE_PLAYBOOK, and RSIBLE_ANSIBLE_COLLECTIONS for
//! community.general), as the compat suite does. `RSIBLE_COMPAT_CASES=16,17` lists only the
//! playbooks whose names start with one of those prefixes.
//!
//! The same for tests/fixtures/collections/site.yml (`--syntax-check`, `--list-tasks`,
//! `--list-tags`): collections beside the playbook and on `ANSIBLE_COLLECTIONS_PATH`, roles by
//! fully qualified name and through the `collections` keyword, module redirects and
//! collection playbooks.

mod common;
#[allow(dead_code)]
#[path = "compat/tool.rs"]
mod tool;

use common::run::hygiene;
use common::Rsible;
use std::path::Path;
use std::process::Command;

/// What one tool prints for `playbook` with `flag`: `cmd` runs the tool (in the playbook's
/// directory) up to the playbook argument; collections are looked up in `collections`; the
/// run must succeed.
fn output(mut cmd: Command, playbook: &str, flag: &str, collections: &Path) -> String {
    let out = cmd
        .args([playbook, "-i", "localhost,", flag])
        .env("ANSIBLE_COLLECTIONS_PATH", collections)
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{:?} {flag} {playbook} failed:\n{}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ansible-playbook` and `rsible play`, each run in `dir` with the tests' hygiene.
fn tools(home: &Path, dir: &Path) -> (impl Fn() -> Command, impl Fn() -> Command) {
    let ansible = tool::ansible_playbook();
    let (home, dir) = (home.to_path_buf(), dir.to_path_buf());
    let (h2, d2) = (home.clone(), dir.clone());
    let ansible_cmd = move || {
        let mut c = Command::new(&ansible);
        hygiene(&mut c, &home);
        c.current_dir(&dir);
        c
    };
    let rsible_cmd = move || Rsible::new(&h2).dir(&d2).arg("play").command();
    (ansible_cmd, rsible_cmd)
}

#[test]
fn list_tasks_text_matches_ansible() {
    let collections = tool::ansible_collections();
    let home = tempfile::tempdir().expect("tempdir");
    let only = std::env::var("RSIBLE_COMPAT_CASES").unwrap_or_default();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/playbooks");
    let (ansible_cmd, rsible_cmd) = tools(home.path(), &dir);
    let mut books: Vec<String> = std::fs::read_dir(&dir)
        .expect("playbooks dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .filter(|n| only.is_empty() || only.split(',').any(|p| !p.is_empty() && n.starts_with(p)))
        .collect();
    books.sort();
    assert!(!books.is_empty(), "no playbook matches {only}");
    let mut differ = Vec::new();
    for b in &books {
        let want = output(ansible_cmd(), b, "--list-tasks", &collections);
        let got = output(rsible_cmd(), b, "--list-tasks", &collections);
        if want != got {
            differ.push(format!(
                "{b}:\n--- ansible-playbook\n{want}\n--- rsible\n{got}"
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn collections_fixture_matches_ansible() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/collections");
    let path = dir.join("path");
    let (ansible_cmd, rsible_cmd) = tools(home.path(), &dir);
    for flag in ["--syntax-check", "--list-tasks", "--list-tags"] {
        let want = output(ansible_cmd(), "site.yml", flag, &path);
        let got = output(rsible_cmd(), "site.yml", flag, &path);
        assert_eq!(want, got, "{flag}: ansible-playbook, then rsible");
    }
    // The listing really reaches into both collections.
    let got = output(rsible_cmd(), "site.yml", "--list-tasks", &path);
    assert!(got.contains("rsible_test.other.tools : tools from the configured path"));
    assert!(got.contains("play #3 (all): more play"));
}
