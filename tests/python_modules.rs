//! Ansible's own Python modules run by rsible (a collection's, a playbook `library/` module
//! with its own module_utils, `ansible.posix.authorized_key` forced through the Python path
//! with `--python-modules prefer`), compared with ansible-playbook on twin tier-2 hosts: the
//! same PLAY RECAP and exit code in check mode, a first run and a second run, and the same
//! state left behind (every registered result is written under /srv/compat by the
//! playbook). Also: `-v` names the Python module that ran, and a host without the module's
//! interpreter fails with a message saying why.
//!
//! Uses the compat suite's harness and tier-2 hosts `RSIBLE_COMPAT_FIRST_HOST..+5` (default
//! 21); needs ansible-core and the unpacked collections (scripts/test.sh).

mod common;
#[path = "compat/lab.rs"]
mod lab;
#[path = "compat/recap.rs"]
mod recap;
#[path = "compat/side.rs"]
mod side;
#[path = "compat/state.rs"]
mod state;
#[path = "compat/tool.rs"]
mod tool;

use lab::Lab;
use side::Side;
use std::path::Path;
use tool::Tool;

/// The runs in order, with the flags both tools get.
const RUNS: &[&[&str]] = &[
    &["--check", "--diff", "-v", "-e", "run=check"],
    &["--diff", "-e", "run=first"],
    &["-e", "run=second"],
];

#[test]
fn python_modules_agree_with_ansible_playbook() {
    let ansible = tool::ansible_playbook();
    // The Python path even where a native module exists (the harness gives the rsible side
    // the venv's python and the collections ansible-playbook is given).
    std::env::set_var("RSIBLE_COMPAT_PYTHON_MODULES", "prefer");
    let first: usize = std::env::var("RSIBLE_COMPAT_FIRST_HOST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    let lab = Lab::open(first);
    let work = tempfile::tempdir().expect("a temp dir");
    let out_dir = work.path().join("controller");
    std::fs::create_dir_all(&out_dir).expect("make the controller dir");
    let sides = [
        Side::new(&lab, Tool::Ansible(ansible), "ansible", first, work.path()),
        Side::new(
            &lab,
            Tool::Rsible,
            "rsible",
            first + lab::NAMES.len(),
            work.path(),
        ),
    ];
    let addrs: Vec<String> = sides.iter().flat_map(|s| s.addrs.clone()).collect();
    lab.connect(&addrs);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python_modules");
    for (addr, said) in addrs
        .iter()
        .zip(lab.run_script(&addrs, &fixtures.join("reset.sh")))
    {
        assert!(said.is_empty(), "{addr}: {said}");
    }
    let playbook = fixtures.join("site.yml");
    let mut problems = Vec::new();
    for (n, args) in RUNS.iter().enumerate() {
        let [a, b] = std::thread::scope(|s| {
            let jobs = sides
                .each_ref()
                .map(|side| s.spawn(|| side.run(&lab, &playbook, args, &out_dir)));
            jobs.map(|j| j.join().expect("run thread"))
        });
        let (ra, rb) = (recap::lines(&a.stdout), recap::lines(&b.stdout));
        println!("== run {} ({}):", n + 1, args.join(" "));
        for (label, run, lines) in [("ansible", &a, &ra), ("rsible", &b, &rb)] {
            println!("  {label}: exit {:?} in {:.1}s", run.code, run.secs);
            lines.iter().for_each(|l| println!("    {l}"));
        }
        let mut bad = Vec::new();
        if ra.is_empty() || ra != rb {
            bad.push("PLAY RECAP lines differ".to_string());
        }
        if a.code != b.code {
            bad.push(format!("exit codes differ: {:?} vs {:?}", a.code, b.code));
        }
        if n == 0 {
            let shown = "python module community.general.timezone from ";
            if !b.stderr.contains(shown) {
                bad.push(format!("-v did not show `{shown}...`"));
            }
            let no_python = "rsible_note is one of Ansible's Python modules and db1 has no \
                             python3 or python to run it (rsible's native modules need only sh";
            if !b.stdout.contains(no_python) {
                bad.push("no clear failure for the host without Python".into());
            }
        }
        if !bad.is_empty() {
            println!(
                "---- ansible stdout:\n{}\n---- rsible stdout:\n{}\n---- rsible stderr:\n{}",
                a.stdout, b.stdout, b.stderr
            );
        }
        problems.extend(bad.into_iter().map(|p| format!("run {}: {p}", n + 1)));
    }
    let [sa, sb] = sides
        .each_ref()
        .map(|s| state::collect(&lab, &s.addrs, s.label, &out_dir));
    for d in state::differences(("ansible", &sa), ("rsible", &sb)) {
        println!("{d}");
        problems.push(d.lines().next().unwrap_or("").to_string());
    }
    assert!(
        problems.is_empty(),
        "ansible-playbook and rsible disagree:\n{}",
        problems.join("\n")
    );
}

/// `rsible play --syntax-check` on a one-task playbook calling `module` (with `args`), in a
/// temp dir, under `--python-modules mode`: exit code and stderr.
fn load(module: &str, args: &str, mode: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let pb = dir.path().join("pb.yml");
    let text = format!(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - {module}:\n        {args}\n"
    );
    std::fs::write(&pb, text).expect("write the playbook");
    let ansible = tool::ansible_playbook();
    let out = common::Rsible::new(dir.path())
        .args(["play", "--syntax-check", "--python-modules", mode])
        .arg(&pb)
        .env("RSIBLE_PYTHON", ansible.with_file_name("python"))
        .env("ANSIBLE_COLLECTIONS_PATH", tool::ansible_collections())
        .run();
    (Some(out.code), out.stderr)
}

#[test]
fn modes_and_refusals_at_load() {
    // A collection module rsible has no native version of (timezone has one now).
    let ufw = ("community.general.ufw", "state: enabled");
    assert_eq!(load(ufw.0, ufw.1, "auto").0, Some(0));
    let (code, err) = load(ufw.0, ufw.1, "never");
    assert_eq!(code, Some(4), "{err}");
    assert!(
        err.contains("pb.yml:4:7") && err.contains("--python-modules never"),
        "{err}"
    );
    // A module whose work is in an action plugin (controller code) is refused, naming it.
    let (code, err) = load("ansible.posix.patch", "src: /tmp/p.diff", "auto");
    assert_eq!(code, Some(4), "{err}");
    assert!(
        err.contains("plugins/action/patch.py") && err.contains("not supported by rsible"),
        "{err}"
    );
    // Found nowhere: still an unknown module, with a suggestion from the collection.
    let (code, err) = load("community.general.timezon", "name: UTC", "auto");
    assert_eq!(code, Some(4), "{err}");
    assert!(
        err.contains("unknown module 'community.general.timezon'")
            && err.contains("community.general.timezone"),
        "{err}"
    );
    // ansible-core's own modules, by short name and FQCN.
    assert_eq!(load("getent", "database: passwd", "auto").0, Some(0));
    assert_eq!(
        load("ansible.builtin.getent", "database: passwd", "auto").0,
        Some(0)
    );
}
