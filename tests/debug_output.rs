//! `debug` and skipped-task output compatibility: on the controller (localhost, local
//! connection), the text `rsible play` prints from the first `PLAY [` banner to the end of
//! the recap is the text `ansible-playbook` prints for the same playbook: `debug: var=` in
//! loops (the loop's `item` shown beside the variable), nested and undefined variables, None
//! inside text, skipped tasks and loop items (no result fields at default verbosity, the
//! closing `skipping: [host]` line of a loop whose every item was skipped).
//!
//! Needs ansible-core (RSIBLE_ANSIBLE_PLAYBOOK), as the compat suite does.

mod common;
#[allow(dead_code)]
#[path = "compat/tool.rs"]
mod tool;

use common::run::hygiene;
use common::Rsible;
use std::process::Command;

const PLAYBOOK: &str = r#"- hosts: localhost
  gather_facts: false
  vars:
    nn: null
    some: {nested: {x: [1, 2]}}
  tasks:
    - debug: var=item
      loop: [1, "a", {k: v}]
    - debug: var=some.nested
      loop: [1]
    - debug: msg="x{{ nn }}y {{ item }}"
      loop: [1]
    - debug: var=undefined_thing
    - debug: var=some.missing
    - debug: msg=hi
      when: false
    - debug: var=item
      loop: [1, 2]
      when: item == 1
    - debug: var=item
      loop: [1, 2]
      when: false
"#;

/// What one tool prints on standard output, from the first play banner through the recap:
/// `cmd` runs the tool (in the playbook's directory) up to the playbook argument.
fn output(mut cmd: Command) -> String {
    let out = cmd
        .args(["site.yml", "-i", "localhost,", "-c", "local"])
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{:?} failed:\n{}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find("PLAY [").unwrap_or(0);
    let end = text
        .find("PLAY RECAP")
        .and_then(|i| text[i..].find("\n\n").map(|j| i + j))
        .unwrap_or(text.len());
    text[start..end].to_string()
}

#[test]
fn debug_and_skipped_output_match_ansible() {
    let ansible = tool::ansible_playbook();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("site.yml"), PLAYBOOK).expect("write playbook");
    let mut a = Command::new(&ansible);
    hygiene(&mut a, dir.path());
    a.current_dir(dir.path());
    let want = output(a);
    let got = output(Rsible::new(dir.path()).arg("play").command());
    assert_eq!(got, want, "rsible's output differs from ansible-playbook's");
}
