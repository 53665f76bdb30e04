//! `--list-tasks` compatibility: for every playbook of tests/compat/playbooks, the text
//! `rsible play --list-tasks` prints is the text `ansible-playbook --list-tasks` prints
//! (task names with their role prefixes, unnamed tasks by their module as written,
//! `include_role` tasks, argument spec validation tasks, and every task's tags, those of
//! role dependencies reached through `import_role` included). No hosts are contacted.
//!
//! Needs ansible-core (RSIBLE_ANSIBLE_PLAYBOOK, and RSIBLE_ANSIBLE_COLLECTIONS for
//! community.general), as the compat suite does. `RSIBLE_COMPAT_CASES=16,17` lists only the
//! playbooks whose names start with one of those prefixes.

mod common;
#[allow(dead_code)]
#[path = "compat/tool.rs"]
mod tool;

use common::run::hygiene;
use common::Rsible;
use std::path::Path;
use std::process::Command;

/// The listing one tool prints for `playbook`: `cmd` runs the tool (in the playbooks
/// directory) up to the playbook argument.
fn listing(mut cmd: Command, playbook: &str, collections: &Path) -> String {
    let out = cmd
        .args([playbook, "-i", "localhost,", "--list-tasks"])
        .env("ANSIBLE_COLLECTIONS_PATH", collections)
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{:?} --list-tasks {playbook} failed:\n{}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn list_tasks_text_matches_ansible() {
    let ansible = tool::ansible_playbook();
    let collections = tool::ansible_collections();
    let home = tempfile::tempdir().expect("tempdir");
    let only = std::env::var("RSIBLE_COMPAT_CASES").unwrap_or_default();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/playbooks");
    let ansible_cmd = || {
        let mut c = Command::new(&ansible);
        hygiene(&mut c, home.path());
        c.current_dir(&dir);
        c
    };
    let rsible_cmd = || Rsible::new(home.path()).dir(&dir).arg("play").command();
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
        let want = listing(ansible_cmd(), b, &collections);
        let got = listing(rsible_cmd(), b, &collections);
        if want != got {
            differ.push(format!(
                "{b}:\n--- ansible-playbook\n{want}\n--- rsible\n{got}"
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
