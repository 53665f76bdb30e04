//! Shards over SSH, as an engine would run them: 4 `rsible play --shard K/4` processes at
//! once against 40 tier-1 lab hosts (t1-161..200), their events merged by `rsible report
//! merge`, compared with one unsharded run of the same playbook on the same hosts: the same
//! recap, the same exit code, the same files on every host. Fails loudly when the lab is
//! missing.

mod common;

use common::{files_in, recap_lines, write, Lab, Rsible};
use std::path::Path;
use std::process::Stdio;

const FIRST: usize = 161;
const LAST: usize = 200;
const SHARDS: usize = 4;

/// The inventory of the 40 hosts, root with the lab key.
fn inventory(lab: &Lab) -> String {
    let mut inv = String::from("[fleet]\n");
    for i in FIRST..=LAST {
        inv.push_str(&format!("h{i} ansible_host={}\n", Lab::addr(i)));
    }
    inv.push_str(&format!(
        "[fleet:vars]\n{}\n",
        lab.root_login().replace(' ', "\n")
    ));
    inv
}

/// Every host writes files of its own under `out` (the lab's hosts share the controller's
/// file system), one fails, a registered result feeds a later task, a handler runs.
fn site(out: &Path) -> String {
    let o = out.display();
    format!(
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: {{dest: '{o}/{{{{ inventory_hostname }}}}', content: '{{{{ inventory_hostname }}}} {{{{ groups.fleet | length }}}}'}}\n      notify: seen\n\
         \x20   - command: cat {o}/{{{{ inventory_hostname }}}}\n      register: r\n\
         \x20   - command: test {{{{ inventory_hostname }}}} != h170\n\
         \x20   - copy: {{dest: '{o}/{{{{ inventory_hostname }}}}.2', content: '{{{{ r.stdout }}}}'}}\n\
         \x20 handlers:\n    - name: seen\n      copy: {{dest: '{o}/{{{{ inventory_hostname }}}}.h', content: 'h'}}\n"
    )
}

#[test]
fn four_shards_at_once_merge_into_the_unsharded_run() {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "hosts", &inventory(&lab));
    let sharded = tempfile::tempdir_in("/var/tmp").unwrap();
    write(dir, "sharded.yml", &site(sharded.path()));
    let whole = tempfile::tempdir_in("/var/tmp").unwrap();
    write(dir, "whole.yml", &site(whole.path()));
    let base = || {
        Rsible::new(dir)
            .inventory(Path::new("hosts"))
            .known_hosts(lab.known_hosts())
    };
    let children: Vec<_> = (1..=SHARDS)
        .map(|k| {
            base()
                .play("sharded.yml")
                .args(["--shard", &format!("{k}/{SHARDS}")])
                .args(["--events", &format!("shard-{k}.json")])
                .command()
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a shard")
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(
                o.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            o.status.code().unwrap_or(-1)
        })
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 2).count(),
        1,
        "only h170's shard fails: {codes:?}"
    );
    let files: Vec<String> = (1..=SHARDS).map(|k| format!("shard-{k}.json")).collect();
    let merged = Rsible::new(dir)
        .args(["report", "merge"])
        .args(&files)
        .run();
    let unsharded = base().play("whole.yml").run();
    assert_eq!(unsharded.code, 2, "{}", unsharded.stderr);
    assert_eq!(merged.code, unsharded.code, "{}", merged.stderr);
    assert_eq!(recap_lines(&merged.stdout), recap_lines(&unsharded.stdout));
    assert_eq!(recap_lines(&merged.stdout).len(), 1 + LAST - FIRST + 1);
    let (s, w) = (files_in(sharded.path()), files_in(whole.path()));
    assert_eq!(s, w);
    // 40 first files; 39 second ones and handler runs (h170 failed before both).
    assert_eq!(s.len(), 40 + 39 + 39);
    assert_eq!(
        s["h163"], "h163 40",
        "a shard sees the whole inventory's groups"
    );
}
