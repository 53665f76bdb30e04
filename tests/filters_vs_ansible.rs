//! The filter table (tests/filters/cases.txt) run through both tools on the controller
//! (`-i localhost, -c local`): every case becomes a `set_fact` that records the case's value
//! (through `to_json`) or nothing when it fails, and one `copy` writes what was recorded.
//! Each tool must give the table's expectation for every case, so the table stays what
//! ansible-playbook 2.19 gives and rsible is held to it.
//!
//! Needs ansible-core with netaddr, jmespath and passlib, and the ansible.utils and
//! community.general collections (RSIBLE_ANSIBLE_PLAYBOOK, RSIBLE_ANSIBLE_COLLECTIONS), as
//! scripts/test.sh installs them.

mod common;
#[allow(dead_code)]
#[path = "compat/tool.rs"]
mod tool;

use common::run::hygiene;
use common::Rsible;

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

/// The cases: (expression, expected value or `None` for an error).
fn cases() -> Vec<(String, Option<Json>)> {
    include_str!("filters/cases.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (expr, want) = l.split_once(" => ").expect("case with ' => '");
            let want = (want != "!error").then(|| serde_json::from_str(want).expect("JSON"));
            (expr.to_string(), want)
        })
        .collect()
}

/// One playbook recording every case's value under its index.
fn playbook(cases: &[(String, Option<Json>)], out: &Path) -> String {
    let mut text = String::from(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n    results: {}\n  tasks:\n",
    );
    for (i, (expr, _)) in cases.iter().enumerate() {
        let value =
            format!("{{{{ results | combine({{'{i}': ({{'v': ({expr})}} | to_json)}}) }}}}");
        text.push_str(&format!(
            "    - set_fact:\n        results: {}\n      ignore_errors: true\n",
            serde_json::to_string(&value).expect("JSON string")
        ));
    }
    text.push_str(&format!(
        "    - copy:\n        content: \"{{{{ results | to_json }}}}\"\n        dest: {}\n",
        serde_json::to_string(&out.display().to_string()).expect("JSON string")
    ));
    text
}

/// What ansible-playbook at `ansible` (rsible when `None`) recorded for each case (`None`:
/// the case failed).
fn run(ansible: Option<&Path>, dir: &Path, cases: &[(String, Option<Json>)]) -> Vec<Option<Json>> {
    let name = if ansible.is_some() {
        "ansible-playbook"
    } else {
        "rsible"
    };
    let out = dir.join(format!("{name}.json"));
    let book = dir.join(format!("{}.yml", out.display()));
    std::fs::write(&book, playbook(cases, &out)).expect("write playbook");
    let mut cmd = match ansible {
        Some(ansible) => {
            let mut c = Command::new(ansible);
            hygiene(&mut c, dir);
            c
        }
        None => Rsible::new(dir).arg("play").command(),
    };
    let python = tool::ansible_playbook().with_file_name("python");
    let done = cmd
        .arg(&book)
        .args(["-i", "localhost,", "-c", "local", "-e"])
        .arg(format!("ansible_python_interpreter={}", python.display()))
        .current_dir(dir)
        .env("ANSIBLE_COLLECTIONS_PATH", collections())
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "{name} wrote no results:\n{}{}",
            String::from_utf8_lossy(&done.stdout),
            String::from_utf8_lossy(&done.stderr)
        )
    });
    let recorded: serde_json::Map<String, Json> =
        serde_json::from_str(&text).expect("results are JSON");
    (0..cases.len())
        .map(|i| {
            recorded.get(&i.to_string()).map(|v| {
                let wrapped: Json =
                    serde_json::from_str(v.as_str().expect("to_json text")).expect("JSON");
                wrapped["v"].clone()
            })
        })
        .collect()
}

/// The collections directory, with the two collections the table needs.
fn collections() -> std::path::PathBuf {
    let dir = tool::ansible_collections();
    let utils = dir.join("ansible_collections/ansible/utils/plugins/filter/ipaddr.py");
    assert!(
        utils.is_file(),
        "ansible.utils is missing ({} not found): run scripts/test.sh",
        utils.display()
    );
    dir
}

/// Integers and floats in the same places (24 and 24.0 differ in Ansible's output).
fn number_kinds(v: &Option<Json>) -> String {
    fn walk(v: &Json, out: &mut String) {
        match v {
            Json::Number(n) => out.push(if n.is_f64() { 'f' } else { 'i' }),
            Json::Array(items) => items.iter().for_each(|x| walk(x, out)),
            Json::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut s = String::new();
    if let Some(v) = v {
        walk(v, &mut s);
    }
    s
}

#[test]
fn both_tools_give_the_tables_values() {
    let cases = cases();
    let dir = tempfile::tempdir().expect("tempdir");
    let ansible = run(Some(&tool::ansible_playbook()), dir.path(), &cases);
    let rsible = run(None, dir.path(), &cases);
    let mut wrong = Vec::new();
    for (i, (expr, want)) in cases.iter().enumerate() {
        for (name, got) in [("ansible-playbook", &ansible[i]), ("rsible", &rsible[i])] {
            if got != want || number_kinds(got) != number_kinds(want) {
                wrong.push(format!("{name}: {expr}\n  want {want:?}\n  got  {got:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
