//! The HTML report in a real browser: a lab run on 50 tier-1 hosts (t1-31..80, which the
//! fault suites use at other times) with a diff on every host and one failure writes
//! `--report`; headless Chromium (Debian's `chromium`, installed by scripts/test.sh) loads the
//! page, must log no console message, must render every host's recap row and lane into the
//! DOM, and leaves a screenshot in target/test-artifacts/report.png for a person to look at.
//! Fails loudly when the lab or Chromium is missing.

mod common;

use common::{write, Lab, Rsible};
use std::path::{Path, PathBuf};
use std::process::Command;

const FIRST: usize = 31;
const LAST: usize = 80;

/// Debian's Chromium.
fn chromium() -> PathBuf {
    let p = PathBuf::from("/usr/bin/chromium");
    assert!(
        p.is_file(),
        "Chromium is missing: apt-get install chromium (scripts/test.sh does it)"
    );
    p
}

/// Chromium, headless, on `page` with `args`; its stdout and stderr.
fn headless(page: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .env("HOME", page.parent().unwrap())
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_report_of_a_fifty_host_run_renders_in_chromium() {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut inv = String::from("[fleet]\n");
    for i in FIRST..=LAST {
        inv.push_str(&format!("h{i} ansible_host={}\n", Lab::addr(i)));
    }
    inv.push_str(&format!(
        "[fleet:vars]\n{}\n",
        lab.root_login().replace(' ', "\n")
    ));
    write(dir, "hosts", &inv);
    let out = tempfile::tempdir_in("/var/tmp").unwrap();
    let o = out.path().display();
    let r = Rsible::new(dir)
        .playbook(&format!(
            "- hosts: fleet\n  gather_facts: false\n  tasks:\n\
             \x20   - name: the motd\n      copy: {{dest: '{o}/{{{{ inventory_hostname }}}}', content: \"managed\\n{{{{ inventory_hostname }}}}\\n\"}}\n\
             \x20   - name: the check\n      command: test {{{{ inventory_hostname }}}} != h47\n"
        ))
        .inventory(Path::new("hosts"))
        .known_hosts(lab.known_hosts())
        .args(["--diff", "--forks", "10", "--report", "report.html"])
        .run();
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let page = dir.join("report.html");
    let (dom, log) = headless(&page, &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE(")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    assert_eq!(dom.matches("<div class=\"lane\">").count(), 50, "{dom}");
    assert!(dom.contains("Failures (1)") && dom.contains("h47"), "{dom}");
    assert!(dom.contains("Diffs (50)"), "{dom}");
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let size = format!("--screenshot={}", shot.display());
    headless(&page, &[&size, "--window-size=1200,2400"]);
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
