//! The HTML report without the lab (hosts on the local connection): `--report FILE.html` of a
//! run with a failure and a diff on 50 hosts, and `rsible report html` of the same playbook
//! run as 2 shards, hold the same recap rows, the failure with its message and location, the
//! diffs and one timeline lane per host; the page is self-contained (no script, no link to
//! anything outside it). Rendering in a real browser is not checked here yet.

mod common;

use common::{write, Rsible};
use std::path::Path;

fn hosts(n: usize) -> String {
    let mut inv = String::from("[fleet]\n");
    for i in 1..=n {
        inv.push_str(&format!("n{i:02} ansible_connection=local\n"));
    }
    inv
}

fn site(out: &Path) -> String {
    let o = out.display();
    format!(
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n\
         \x20   - name: the config\n      copy: {{dest: '{o}/{{{{ inventory_hostname }}}}', content: \"a\\nb {{{{ inventory_hostname }}}}\\n\"}}\n\
         \x20   - name: the check\n      command: test {{{{ inventory_hostname }}}} != n13\n"
    )
}

/// The recap rows of a page (a host and its counts).
fn rows(page: &str) -> Vec<&str> {
    page.lines()
        .filter(|l| {
            (l.starts_with("<tr><td>n") || l.starts_with("<tr class=\"bad\"><td>n"))
                && l.contains("<td class=\"n\">")
        })
        .collect()
}

#[test]
fn a_run_and_its_shards_give_the_same_page() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for sub in ["whole", "sharded"] {
        std::fs::create_dir(dir.join(sub)).unwrap();
        write(dir, &format!("{sub}.yml"), &site(&dir.join(sub)));
    }
    let whole = Rsible::new(dir)
        .play("whole.yml")
        .inventory(hosts(50))
        .args(["--diff", "--report", "whole.html"])
        .run();
    assert_eq!(whole.code, 2, "{}", whole.stderr);
    for k in 1..=2 {
        let r = Rsible::new(dir)
            .play("sharded.yml")
            .inventory(hosts(50))
            .args([
                "--diff",
                "--shard",
                &format!("{k}/2"),
                "--events",
                &format!("s{k}.json"),
            ])
            .run();
        assert!(r.code == 0 || r.code == 2, "{}", r.stderr);
    }
    let merged = Rsible::new(dir)
        .args(["report", "html", "s1.json", "s2.json", "-o", "sharded.html"])
        .run();
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let page = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let (w, s) = (page("whole.html"), page("sharded.html"));
    assert_eq!(rows(&w).len(), 50);
    assert_eq!(rows(&w), rows(&s));
    for p in [&w, &s] {
        assert!(p.contains("exit code 2"), "{p}");
        assert!(
            p.contains("Failures (1)") && p.contains("whole.yml:6:7")
                || p.contains("sharded.yml:6:7")
        );
        assert!(p.contains("Diffs (50)"));
        assert_eq!(p.matches("<div class=\"lane\">").count(), 50);
        assert!(!p.contains("<script") && !p.contains("http://") && !p.contains("https://"));
    }
}
