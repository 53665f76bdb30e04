//! `--shard K/N` without the lab (hosts on the local connection, each writing its own files):
//! what a shard refuses, at load and for tasks an include brings in at run time; how the
//! shard is chosen (`--shard`, `RSIBLE_SHARD`, `--shards N` with `JOB_COMPLETION_INDEX`); and
//! the shipped recipes (deploy/kubernetes, deploy/ci) checked for structure and then run as
//! their engines would run them: every shard at once with the recipe's own command line, the
//! events merged by `rsible report merge`, compared with one unsharded run (recap, exit
//! code, files written). The same over SSH against the lab is tests/shards_lab.rs.

mod common;

use common::run::hygiene;
use common::{files_in, recap_lines, write, Rsible};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// An inventory of `n` hosts on the local connection.
fn local_hosts(n: usize) -> String {
    let mut inv = String::from("[fleet]\n");
    for i in 1..=n {
        inv.push_str(&format!("node{i:02} ansible_connection=local\n"));
    }
    inv
}

/// A playbook whose every host writes its own files under `out`, one host fails, and a
/// registered result is used by a later task.
fn site(out: &Path) -> String {
    let o = out.display();
    format!(
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n\
         \x20   - copy: {{dest: '{o}/{{{{ inventory_hostname }}}}', content: '{{{{ inventory_hostname }}}} of {{{{ groups.fleet | length }}}}'}}\n\
         \x20   - command: cat {o}/{{{{ inventory_hostname }}}}\n      register: r\n\
         \x20   - command: test {{{{ inventory_hostname }}}} != node07\n\
         \x20   - copy: {{dest: '{o}/{{{{ inventory_hostname }}}}.2', content: '{{{{ r.stdout }}}}'}}\n"
    )
}

/// A `/bin/sh -c` command as a recipe's engine runs it: `rsible` on the PATH, `env` set.
fn sh(dir: &Path, script: &str, env: &[(&str, String)]) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_rsible")).parent().unwrap();
    let mut c = Command::new("/bin/sh");
    c.args(["-c", script]).current_dir(dir);
    hygiene(&mut c, dir);
    c.env(
        "PATH",
        format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    );
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// The unsharded run of the same playbook: its recap, exit code and files.
fn whole_run(n: usize) -> (Vec<String>, i32, BTreeMap<String, String>) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let r = Rsible::new(d.path())
        .playbook(&site(&out))
        .inventory(local_hosts(n))
        .run();
    (recap_lines(&r.stdout), r.code, files_in(&out))
}

#[test]
fn what_would_differ_in_a_shard_is_refused_at_load_with_its_location() {
    let d = tempfile::tempdir().unwrap();
    let cases = [
        (
            "- hosts: fleet\n  serial: 2\n  tasks:\n    - ping:\n",
            "site.yml:1:3",
            "serial",
        ),
        (
            "- hosts: fleet\n  any_errors_fatal: true\n  tasks:\n    - ping:\n",
            "site.yml:1:3",
            "any_errors_fatal",
        ),
        (
            "- hosts: fleet\n  tasks:\n    - block:\n        - ping:\n          run_once: true\n",
            "site.yml:4:11",
            "run_once",
        ),
        (
            "- hosts: fleet\n  tasks:\n    - ping:\n      throttle: 1\n",
            "site.yml:3:7",
            "throttle",
        ),
        (
            "- hosts: fleet\n  tasks:\n    - add_host: {name: x}\n",
            "site.yml:3:7",
            "add_host",
        ),
        (
            "- hosts: fleet\n  tasks:\n    - debug: {msg: '{{ ansible_play_hosts | length }}'}\n",
            "site.yml:3:7",
            "play_hosts",
        ),
    ];
    for (yaml, at, what) in cases {
        let r = Rsible::new(d.path())
            .playbook(yaml)
            .inventory(local_hosts(4))
            .arg("--shard=1/2")
            .run();
        assert_eq!(r.code, 5, "{what}: {}", r.stderr);
        assert!(
            r.stderr.contains(at)
                && r.stderr.contains(what)
                && r.stderr.contains("not supported with --shard"),
            "{what}: {}",
            r.stderr
        );
        let whole = Rsible::new(d.path())
            .playbook(yaml)
            .inventory(local_hosts(4))
            .arg("--syntax-check")
            .run();
        assert_eq!(whole.code, 0, "{what} unsharded: {}", whole.stderr);
    }
}

#[test]
fn a_refused_task_an_include_brings_fails_before_it_runs() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "once.yml",
        "- command: touch {{ playbook_dir }}/ran\n  run_once: true\n",
    );
    let r = Rsible::new(d.path())
        .playbook(
            "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - include_tasks: once.yml\n",
        )
        .inventory(local_hosts(4))
        .arg("--shard=2/2")
        .run();
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("run_once is not supported with --shard"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("node02") && r.stdout.contains("node04") && !r.stdout.contains("node01"),
        "{}",
        r.stdout
    );
    assert!(!d.path().join("ran").exists());
}

#[test]
fn the_shard_comes_from_the_flag_the_environment_or_the_job_index() {
    let d = tempfile::tempdir().unwrap();
    let list = |args: &[&str], env: &[(&str, &str)]| {
        let mut b = Rsible::new(d.path())
            .playbook("- hosts: fleet\n  tasks: []\n")
            .inventory(local_hosts(5))
            .arg("--list-hosts")
            .args(args);
        for (k, v) in env {
            b = b.env(k, v);
        }
        let r = b.run();
        let hosts: Vec<String> = r
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("node"))
            .map(str::to_string)
            .collect();
        (r.code, hosts, r.stderr)
    };
    assert_eq!(list(&["--shard", "2/2"], &[]).1, ["node02", "node04"]);
    assert_eq!(
        list(&[], &[("RSIBLE_SHARD", "1/2")]).1,
        ["node01", "node03", "node05"]
    );
    assert_eq!(
        list(&["--shards", "3"], &[("JOB_COMPLETION_INDEX", "2")]).1,
        ["node03"]
    );
    let (code, _, err) = list(&["--shards", "3"], &[]);
    assert_eq!(code, 5);
    assert!(err.contains("JOB_COMPLETION_INDEX"), "{err}");
    let (code, _, err) = list(&["--shard", "3/2"], &[]);
    assert_eq!(code, 5);
    assert!(err.contains("between 1 and N"), "{err}");
}

/// The YAML documents of a shipped recipe.
fn recipe(path: &str) -> Vec<Value> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&file).unwrap();
    text.split("\n---\n")
        .map(|doc| serde_saphyr::from_str::<Value>(doc).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect()
}

/// Runs `commands` (one per shard, with its environment) at once, then `merge`, in a
/// directory laid out as the recipe's volumes map to it; returns the merge's recap and code
/// and the files the shards wrote.
fn run_recipe(
    n_hosts: usize,
    layout: impl Fn(&Path) -> Vec<(String, String)>,
    commands: &[(String, Vec<(&str, String)>)],
    merge: &str,
) -> (Vec<String>, i32, BTreeMap<String, String>, Vec<i32>) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for sub in ["site", "ssh", "events"] {
        std::fs::create_dir(d.path().join(sub)).unwrap();
    }
    write(&d.path().join("site"), "site.yml", &site(&out));
    write(&d.path().join("site"), "hosts", &local_hosts(n_hosts));
    write(&d.path().join("ssh"), "known_hosts", "");
    let subst = |s: &str| {
        layout(d.path())
            .iter()
            .fold(s.to_string(), |s, (from, to)| s.replace(from, to))
    };
    let children: Vec<_> = commands
        .iter()
        .map(|(cmd, env)| {
            sh(&d.path().join("site"), &subst(cmd), env)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    let m = sh(d.path(), &subst(merge), &[]).output().unwrap();
    let stdout = String::from_utf8_lossy(&m.stdout).into_owned();
    assert!(
        m.stderr.is_empty(),
        "merge: {}",
        String::from_utf8_lossy(&m.stderr)
    );
    (
        recap_lines(&stdout),
        m.status.code().unwrap_or(-1),
        files_in(&out),
        codes,
    )
}

#[test]
fn the_kubernetes_indexed_job_runs_as_one_unsharded_run() {
    let docs = recipe("deploy/kubernetes/rsible-shards.yaml");
    let kind = |k: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == k && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {k} {name}"))
    };
    let job = &kind("Job", "rsible-site")["spec"];
    assert_eq!(job["completionMode"], "Indexed");
    let n = job["completions"].as_u64().unwrap();
    assert_eq!(job["parallelism"].as_u64(), Some(n), "every shard at once");
    let pod = &job["template"]["spec"];
    assert_eq!(
        pod["restartPolicy"], "Never",
        "a shard is not rerun behind the merge's back"
    );
    let c = &pod["containers"][0];
    let cmd = c["command"][2].as_str().unwrap().to_string();
    assert!(cmd.contains(&format!("--shards {n}")), "{cmd}");
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for m in c["volumeMounts"].as_array().unwrap() {
        assert!(
            volumes.contains(&m["name"].as_str().unwrap()),
            "mount {m} has no volume"
        );
    }
    let ssh = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "ssh")
        .unwrap();
    assert_eq!(
        ssh["secret"]["defaultMode"].as_u64(),
        Some(0o400),
        "the key is private"
    );
    let cm = &kind("ConfigMap", "rsible-site")["data"];
    assert!(cm["site.yml"].is_string() && cm["hosts"].is_string());
    let merge_pod = &kind("Job", "rsible-site-merge")["spec"]["template"]["spec"];
    let merge = merge_pod["containers"][0]["command"][2].as_str().unwrap();
    // The engine: n pods at once, JOB_COMPLETION_INDEX 0..n-1, volumes at their mount paths.
    let shards: Vec<_> = (0..n)
        .map(|i| (cmd.clone(), vec![("JOB_COMPLETION_INDEX", i.to_string())]))
        .collect();
    let layout = |d: &Path| {
        ["/site", "/ssh", "/events"]
            .iter()
            .map(|p| (p.to_string(), format!("{}{p}", d.display())))
            .collect()
    };
    let (recap_m, code_m, files_m, codes) = run_recipe(10, layout, &shards, merge);
    assert_eq!(
        codes.iter().filter(|c| **c == 2).count(),
        1,
        "one shard holds the failing host: {codes:?}"
    );
    let (recap_w, code_w, files_w) = whole_run(10);
    assert_eq!(recap_m, recap_w);
    assert_eq!(code_m, code_w);
    assert_eq!(code_w, 2);
    assert_eq!(files_m.len(), 19, "node07 fails before its second file");
    // Each host wrote its name and the fleet's size, not its shard's.
    assert_eq!(
        files_m.get("node03").map(String::as_str),
        Some("node03 of 10")
    );
    assert_eq!(files_m, files_w);
}

#[test]
fn the_ci_matrix_runs_as_one_unsharded_run() {
    let docs = recipe("deploy/ci/github-actions.yml");
    let jobs = &docs[0]["jobs"];
    let matrix: Vec<u64> = jobs["shard"]["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let n = matrix.len() as u64;
    assert_eq!(matrix, (1..=n).collect::<Vec<_>>());
    let steps = jobs["shard"]["steps"].as_array().unwrap();
    let play = steps.iter().find(|s| s["name"] == "play").unwrap()["run"]
        .as_str()
        .unwrap();
    assert!(play.contains(&format!("/{n} ")), "{play}");
    assert_eq!(jobs["merge"]["needs"], "shard");
    assert_eq!(
        jobs["merge"]["if"], "always()",
        "the recap is made when a shard failed too"
    );
    let merge = jobs["merge"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "recap")
        .unwrap()["run"]
        .as_str()
        .unwrap();
    let shards: Vec<_> = matrix
        .iter()
        .map(|k| (play.replace("${{ matrix.shard }}", &k.to_string()), vec![]))
        .collect();
    let layout = |d: &Path| {
        vec![
            ("inventories/production".to_string(), "hosts".to_string()),
            (
                "events-".to_string(),
                format!("{}/events/events-", d.display()),
            ),
        ]
    };
    let (recap_m, code_m, files_m, _) = run_recipe(9, layout, &shards, merge);
    let (recap_w, code_w, files_w) = whole_run(9);
    assert_eq!((recap_m, code_m), (recap_w, code_w));
    assert_eq!(files_m, files_w);
}
