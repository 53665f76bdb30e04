//! Ansible compatibility: every playbook of tests/compat/playbooks runs once with the real
//! ansible-playbook and once with `rsible play`, each on its own fresh tier-2 hosts that carry
//! the same inventory names, and the two must agree on the PLAY RECAP lines (verbatim), the
//! exit code, and the state left on the targets and the controller.
//!
//! Needs the tier-2 lab with 6 hosts and ansible-core (scripts/test.sh provides both); without
//! them the test fails. `RSIBLE_COMPAT_SELFTEST=1` runs ansible-playbook on both sides, to
//! check the harness and the playbooks themselves. `RSIBLE_COMPAT_CASES=04,07_tags` runs
//! only the playbooks whose file names start with one of those prefixes.
//! `RSIBLE_COMPAT_FIRST_HOST=N` moves the suite to tier-2 hosts N..N+5 (default 1), so that
//! two runs of the suite on one lab do not reset each other's hosts.
//! Debian packages a case installs (`DEBIAN_PACKAGES` in cases.rs) are put into the lab's
//! local apt repository first.

#[path = "compat/cases.rs"]
mod cases;
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

use cases::{Case, CASES, DEBIAN_PACKAGES};
use common::http::HttpServer;
use lab::Lab;
use side::Side;
use std::path::Path;
use tool::Tool;

fn playbooks_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/playbooks")
}

fn report(side: &Side, run: &tool::Run, all: bool) {
    println!(
        "  {} ({}): exit {:?} in {:.1}s",
        side.label,
        side.tool.name(),
        run.code,
        run.secs
    );
    for l in recap::lines(&run.stdout) {
        println!("    {l}");
    }
    if all {
        println!(
            "  ---- {} stdout:\n{}\n  ---- {} stderr:\n{}",
            side.label, run.stdout, side.label, run.stderr
        );
    }
}

/// Runs one case on both sides; returns what differed.
fn check(lab: &Lab, case: &Case, sides: &[Side; 2], out_dir: &Path) -> Vec<String> {
    let reset = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/reset.sh");
    let addrs: Vec<String> = sides.iter().flat_map(|s| s.addrs.clone()).collect();
    for (addr, said) in addrs.iter().zip(lab.run_script(&addrs, &reset)) {
        assert!(
            said.is_empty(),
            "{addr}: {said}(rebuild the tier-2 lab: scripts/test.sh)"
        );
    }
    let playbook = playbooks_dir().join(case.playbook);
    let mut problems = Vec::new();
    for n in 1..=case.runs {
        println!("== {} (run {n} of {})", case.playbook, case.runs);
        let [a, b] = std::thread::scope(|s| {
            let jobs = sides
                .each_ref()
                .map(|side| s.spawn(|| side.run(lab, &playbook, case.args, out_dir)));
            jobs.map(|j| j.join().expect("run thread"))
        });
        let (ra, rb) = (recap::lines(&a.stdout), recap::lines(&b.stdout));
        let mut bad = Vec::new();
        if ra.is_empty() {
            bad.push(format!("{}: no PLAY RECAP", sides[0].label));
        }
        if ra != rb {
            bad.push("PLAY RECAP lines differ".to_string());
        }
        if a.code != b.code {
            bad.push(format!("exit codes differ: {:?} vs {:?}", a.code, b.code));
        }
        if case.converges && n == case.runs {
            for (side, lines) in sides.iter().zip([&ra, &rb]) {
                for l in lines
                    .iter()
                    .filter(|l| recap::count(l, "changed") != Some(0))
                {
                    bad.push(format!("{}: second run changed something: {l}", side.label));
                }
            }
        }
        report(&sides[0], &a, !bad.is_empty());
        report(&sides[1], &b, !bad.is_empty());
        problems.extend(
            bad.into_iter()
                .map(|p| format!("{} run {n}: {p}", case.playbook)),
        );
    }
    let [sa, sb] = sides
        .each_ref()
        .map(|s| state::collect(lab, &s.addrs, s.label, out_dir));
    for d in state::differences((sides[0].label, &sa), (sides[1].label, &sb)) {
        println!("{d}");
        problems.push(format!(
            "{}: {}",
            case.playbook,
            d.lines().next().unwrap_or("")
        ));
    }
    problems
}

#[test]
fn every_playbook_is_a_case() {
    let mut files: Vec<String> = std::fs::read_dir(playbooks_dir())
        .expect("read tests/compat/playbooks")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    files.sort();
    let cases: Vec<&str> = CASES.iter().map(|c| c.playbook).collect();
    assert_eq!(files, cases);
}

#[test]
fn ansible_and_rsible_agree_on_recaps_and_state() {
    let selftest = std::env::var("RSIBLE_COMPAT_SELFTEST").is_ok_and(|v| v == "1");
    let ansible = tool::ansible_playbook();
    let first: usize = std::env::var("RSIBLE_COMPAT_FIRST_HOST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let lab = Lab::open(first);
    let work = tempfile::tempdir().expect("a temp dir");
    let out_dir = work.path().join("controller");
    std::fs::create_dir_all(&out_dir).expect("make the controller dir");
    let (b_tool, b_label) = if selftest {
        (Tool::Ansible(ansible.clone()), "selftest")
    } else {
        (Tool::Rsible, "rsible")
    };
    let sides = [
        Side::new(&lab, Tool::Ansible(ansible), "ansible", first, work.path()),
        Side::new(&lab, b_tool, b_label, first + lab::NAMES.len(), work.path()),
    ];
    lab.connect(
        &sides
            .iter()
            .flat_map(|s| s.addrs.clone())
            .collect::<Vec<_>>(),
    );
    // 11_net.yml downloads from the controller: serve playbooks/files on the tier-2 bridge.
    let _http = HttpServer::start(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/playbooks/files"),
        "10.214.0.1",
        18080,
    );
    // 23_net_modules.yml's requests (uri, get_url) go to tests/compat/uri_server.py.
    let _uri_http = HttpServer::spawn(
        std::process::Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/uri_server.py"))
            .args(["10.214.0.1", "18081"]),
        "10.214.0.1",
        18081,
    );
    let t0 = std::time::Instant::now();
    let only = std::env::var("RSIBLE_COMPAT_CASES").unwrap_or_default();
    let chosen: Vec<&Case> = CASES
        .iter()
        .filter(|c| {
            only.is_empty()
                || only
                    .split(',')
                    .any(|p| !p.is_empty() && c.playbook.starts_with(p))
        })
        .collect();
    assert!(
        !chosen.is_empty(),
        "RSIBLE_COMPAT_CASES={only} matches no playbook"
    );
    let debs: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(p, _)| chosen.iter().any(|c| c.playbook == *p))
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    if !debs.is_empty() {
        common::tier2::Tier2::lab().debian_packages(&debs);
    }
    let problems: Vec<String> = chosen
        .iter()
        .flat_map(|case| check(&lab, case, &sides, &out_dir))
        .collect();
    println!(
        "== {} playbooks in {:.1}s",
        chosen.len(),
        t0.elapsed().as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "{} and {} disagree:\n{}",
        sides[0].label,
        sides[1].label,
        problems.join("\n")
    );
}
