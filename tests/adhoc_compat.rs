//! Ad hoc compatibility: the same ad hoc commands run with Ansible's `ansible` binary and with
//! `rsible run`, each on its own fresh tier-2 hosts carrying the same inventory names (the
//! compat suite's layout, tests/compat/hosts.ini.in), must print the same thing for each host
//! and end with the same exit code.
//!
//! What legitimately differs, and is left out of the comparison:
//! - stderr (Ansible's `[ERROR]: Task failed` blocks, rsible's warnings), the order hosts
//!   report in, and rsible's SUMMARY after the results;
//! - for `command`, `shell` and `raw`: Ansible glues stdout, stderr and `msg` into one text,
//!   rsible prints stdout and keeps stderr apart under `STDERR:`, so only the status line
//!   (`host | FAILED | rc=3 >>`) must be equal and rsible's stdout must begin Ansible's text;
//!   a success with no stderr must print the same text, trailing newlines included;
//! - `copy`'s `src` (the temporary file Ansible uploaded; rsible uploads none);
//! - an unreachable host's `msg` (each tool's own connection error) and its exit code:
//!   ansible-core returns 4, rsible 3 as documented (README, "Exit codes").
//!
//! Needs the tier-2 lab and ansible-core, as tests/compat.rs; `RSIBLE_COMPAT_FIRST_HOST=N`
//! moves it to tier-2 hosts N..N+5 (default 1), the hosts the compat suite uses.

mod common;
#[allow(dead_code)]
#[path = "compat/lab.rs"]
mod lab;

use common::run::hygiene;
use common::Rsible;
use lab::{Lab, NAMES};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The ad hoc commands, run in this order on both sides (later ones see earlier changes).
const CASES: &[&[&str]] = &[
    &["-m", "ping"],
    &["-a", "uname -s"],
    &["-m", "shell", "-a", "echo out; exit 3"],
    // `command` expands `$VAR` (an unset one stays as written) and both commands lose their
    // output's trailing newlines, as in a playbook task.
    &["-a", "echo $HOME ~ $RSIBLE_COMPAT_NEVER_SET '$HOME'"],
    &["-a", "printf 'a\\n\\n'"],
    &["-m", "shell", "-a", "printf 'b\\n\\n\\n'"],
    &["-b", "-m", "command", "-a", "id -un"],
    &[
        "-m",
        "file",
        "-a",
        "path=/srv/compat/d state=directory mode=0750",
    ],
    &[
        "-m",
        "copy",
        "-a",
        "content=hello dest=/srv/compat/d/f.txt mode=0644",
    ],
    &[
        "-m",
        "copy",
        "-a",
        "content=hello dest=/srv/compat/d/f.txt mode=0644",
    ],
    &[
        "-m",
        "ansible.builtin.file",
        "-a",
        "path=/srv/compat/d/f.txt mode=0600",
    ],
    &["-m", "file", "-a", "path=/nonexistent/x state=file"],
    &[
        "-m",
        "lineinfile",
        "-a",
        "path=/srv/compat/d/f.txt line=two",
    ],
    &["-m", "setup", "-a", "filter=ansible_os_family"],
    &["-m", "debug", "-a", "msg={{ inventory_hostname }}"],
    &["-C", "-a", "rm -rf /srv/compat"],
    &["-m", "ping", "-e", "ansible_port=1"],
];

/// The `ansible` binary beside ansible-playbook (see tests/compat/tool.rs).
fn ansible_bin() -> PathBuf {
    let path = std::env::var_os("RSIBLE_ANSIBLE_PLAYBOOK")
        .map(|p| PathBuf::from(p).with_file_name("ansible"))
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible"));
    assert!(
        path.is_file(),
        "ansible not found at {} (run scripts/test.sh, which installs ansible-core)",
        path.display()
    );
    path
}

/// One side: its inventory and scratch directory (HOME).
struct Side {
    inventory: PathBuf,
    scratch: PathBuf,
    addrs: Vec<String>,
}

impl Side {
    fn new(lab: &Lab, first: usize, dir: &Path) -> Side {
        let addrs: Vec<String> = (first..first + NAMES.len()).map(Lab::addr).collect();
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/hosts.ini.in");
        let inventory = lab.inventory(&template, &addrs, dir);
        let scratch = dir.join("scratch");
        std::fs::create_dir_all(&scratch).expect("make the scratch dir");
        Side {
            inventory,
            scratch,
            addrs,
        }
    }
}

/// `ansible compat ARGS` as tests/compat/tool.rs runs ansible-playbook: the tests' hygiene,
/// no ansible.cfg, no colour, pipelining, the lab's known_hosts, /usr/bin/python3 (no interpreter discovery).
fn ansible(side: &Side, lab: &Lab, args: &[&str]) -> (Option<i32>, String) {
    let s = &side.scratch;
    let ssh_args = format!(
        "-o ControlMaster=auto -o ControlPersist=30s -o StrictHostKeyChecking=yes \
         -o UserKnownHostsFile={} -o IdentitiesOnly=yes -o KexAlgorithms=curve25519-sha256",
        lab.known_hosts().display()
    );
    let collections = std::env::var_os("RSIBLE_ANSIBLE_COLLECTIONS")
        .unwrap_or_else(|| "/var/cache/rsible/collections".into());
    let mut c = Command::new(ansible_bin());
    hygiene(&mut c, s);
    let out = c
        .arg("compat")
        .arg("-i")
        .arg(&side.inventory)
        .args(args)
        .current_dir(s)
        .env("ANSIBLE_COLLECTIONS_PATH", collections)
        .env("ANSIBLE_HOME", s.join("ansible"))
        .env("ANSIBLE_LOCAL_TEMP", s.join("ansible/tmp"))
        .env("ANSIBLE_SSH_CONTROL_PATH_DIR", s.join("cp"))
        .env("ANSIBLE_SSH_ARGS", ssh_args)
        .env("ANSIBLE_HOST_KEY_CHECKING", "True")
        .env("ANSIBLE_PIPELINING", "True")
        .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "False")
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .output()
        .expect("run ansible");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `rsible run compat ARGS` with the lab's known_hosts.
fn rsible(side: &Side, lab: &Lab, args: &[&str]) -> (Option<i32>, String) {
    let out = Rsible::new(&side.scratch)
        .args(["run", "compat"])
        .inventory(&side.inventory)
        .known_hosts(lab.known_hosts())
        .args(args)
        .run();
    let text = out.stdout;
    let results = match text.find("\nSUMMARY\n") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    (Some(out.code), results)
}

/// Each host's block of output: its `host | ...` line and what follows up to the next host
/// line or an `[ERROR]`/`[WARNING]` line.
fn blocks(stdout: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String, String)> = None;
    for line in stdout.lines() {
        let host = NAMES.iter().find(|n| line.starts_with(&format!("{n} | ")));
        let noise = line.starts_with("[ERROR]") || line.starts_with("[WARNING]");
        if host.is_some() || noise {
            if let Some((h, head, body)) = current.take() {
                out.insert(h, (head, body));
            }
        }
        if let Some(h) = host {
            current = Some((h.to_string(), line.to_string(), String::new()));
        } else if let Some((_, _, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((h, head, body)) = current {
        out.insert(h, (head, body));
    }
    out
}

/// A JSON block (`host | X => {`) as the value after `=> `, with the keys that legitimately
/// differ removed; `None` for the other kinds of block.
fn json_of(head: &str, body: &str) -> Option<Value> {
    let (_, first) = head.split_once(" => ")?;
    let text = format!("{first}\n{body}");
    let end = text.find("\n}").map_or(text.len(), |i| i + 2);
    let mut v: Value =
        serde_json::from_str(&text[..end]).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    if let Some(m) = v.as_object_mut() {
        m.remove("src");
        if head.contains("| UNREACHABLE! =>") {
            m.remove("msg");
        }
    }
    Some(v)
}

/// What differs between Ansible's and rsible's blocks of one host.
fn compare(host: &str, a: &(String, String), r: &(String, String)) -> Option<String> {
    let (ahead, abody) = a;
    let (rhead, rbody) = r;
    let status = |h: &str| h.split(" => ").next().unwrap_or("").to_string();
    if status(ahead) != status(rhead) {
        return Some(format!("{host}: `{ahead}` vs `{rhead}`"));
    }
    match (json_of(ahead, abody), json_of(rhead, rbody)) {
        (Some(x), Some(y)) if x != y => Some(format!("{host}: {x:#} vs {y:#}")),
        (Some(_), Some(_)) => None,
        _ if rhead.contains("| CHANGED |") && !rbody.contains("STDERR:\n") => {
            // A command's success without stderr: nothing glued, the same text.
            (abody != rbody).then(|| format!("{host}: output {abody:?} vs {rbody:?}"))
        }
        _ => {
            // Output of command/shell/raw: rsible's stdout begins Ansible's glued text.
            let stdout = rbody.split("STDERR:\n").next().unwrap_or("").trim_end();
            (!abody.starts_with(stdout))
                .then(|| format!("{host}: output {abody:?} vs stdout {stdout:?}"))
        }
    }
}

#[test]
fn ansible_and_rsible_ad_hoc_print_the_same_results() {
    let first: usize = std::env::var("RSIBLE_COMPAT_FIRST_HOST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let lab = Lab::open(first);
    let work = tempfile::tempdir().expect("a temp dir");
    let a = Side::new(&lab, first, &work.path().join("ansible"));
    let r = Side::new(&lab, first + NAMES.len(), &work.path().join("rsible"));
    let all: Vec<String> = a.addrs.iter().chain(&r.addrs).cloned().collect();
    lab.connect(&all);
    let reset = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/reset.sh");
    for (addr, said) in all.iter().zip(lab.run_script(&all, &reset)) {
        assert!(said.is_empty(), "{addr}: {said}");
    }
    let mut problems = Vec::new();
    for args in CASES {
        let ((acode, aout), (rcode, rout)) = std::thread::scope(|s| {
            let ta = s.spawn(|| ansible(&a, &lab, args));
            let tr = s.spawn(|| rsible(&r, &lab, args));
            (ta.join().expect("ansible"), tr.join().expect("rsible"))
        });
        println!(
            "== {}\n-- ansible (exit {acode:?}):\n{aout}-- rsible (exit {rcode:?}):\n{rout}",
            args.join(" ")
        );
        let expected = match acode {
            Some(4) => Some(3),
            other => other,
        };
        if expected != rcode {
            problems.push(format!("{args:?}: exit {acode:?} vs {rcode:?}"));
        }
        let (ab, rb) = (blocks(&aout), blocks(&rout));
        for host in NAMES {
            match (ab.get(host), rb.get(host)) {
                (Some(x), Some(y)) => {
                    problems.extend(compare(host, x, y).map(|p| format!("{args:?}: {p}")))
                }
                (x, y) => problems.push(format!("{args:?}: {host}: {x:?} vs {y:?}")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "ansible and rsible differ:\n{}",
        problems.join("\n")
    );
}
