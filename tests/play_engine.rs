//! End-to-end tests of the playbook engine on the controller itself: inventories whose hosts
//! use `ansible_connection=local`, so the control flow (variables, loops, blocks, handlers,
//! serial, tags, includes, roles, delegation) is tested without the SSH lab. The same engine
//! against real sshd targets is tested in `lab_play.rs`.

mod common;

use common::run::recap_stats;
use common::{write, Rsible};
use serde_json::Value;
use std::path::Path;

/// A scratch project: inventory of local hosts plus files.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(hosts: &[&str]) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut inv = String::from("[nodes]\n");
        for h in hosts {
            inv.push_str(&format!("{h} ansible_connection=local\n"));
        }
        write(dir.path(), "hosts", &inv);
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self, name: &str, text: &str) -> &Self {
        let p = self.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        self
    }

    /// Runs `rsible play site.yml --format json` with `args`; returns (exit code, events).
    fn play(&self, args: &[&str]) -> (i32, Vec<Value>) {
        let out = Rsible::new(self.path())
            .play("site.yml")
            .inventory(Path::new("hosts"))
            .json()
            .args(args)
            .run();
        if std::env::var_os("RSIBLE_TEST_SHOW").is_some() {
            eprintln!("{}", out.stdout);
        }
        eprintln!("stderr: {}", out.stderr);
        (out.code, out.events)
    }
}

/// The recap counts of `host` as `ok=N changed=N ...` text.
fn recap(events: &[Value], host: &str) -> String {
    let s = recap_stats(events, host);
    format!(
        "ok={} changed={} unreachable={} failed={} skipped={} rescued={} ignored={}",
        s["ok"],
        s["changed"],
        s["unreachable"],
        s["failed"],
        s["skipped"],
        s["rescued"],
        s["ignored"]
    )
}

/// Results of the task named `task` (in order), as (host, status).
fn results_of(events: &[Value], task: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for e in events {
        match e["event"].as_str() {
            Some("task_start") => current = e["name"].as_str().unwrap_or("").to_string(),
            Some("host_result") if current == task => out.push((
                e["host"].as_str().unwrap_or("").to_string(),
                e["status"].as_str().unwrap_or("").to_string(),
            )),
            _ => {}
        }
    }
    out
}

fn failures(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "host_result" && e["status"] == "failed" && e["ignored"] != true)
        .map(|e| e["result"]["msg"].to_string())
        .collect()
}

#[test]
fn variables_follow_precedence_and_templates_are_lazy() {
    let p = Project::new(&["h1"]);
    p.file("group_vars/nodes.yml", "from_group: g\nlayer: group\n")
        .file("host_vars/h1.yml", "layer: host\n")
        .file("vars/extra.yml", "from_file: f\n")
        .file(
            "site.yml",
            r#"
- hosts: nodes
  gather_facts: false
  vars:
    layer: play
    greeting: "hello {{ target }}"
    target: "{{ from_group }}-world"
    nums: [3, 1, 2]
  vars_files: [vars/extra.yml]
  tasks:
    - name: precedence
      assert:
        that:
          - layer == 'task'
          - greeting == 'hello g-world'
          - from_file == 'f'
          - cli == 'x'
          - nums | sort | first == 1
          - inventory_hostname == 'h1'
          - "'nodes' in group_names"
          - groups['nodes'] == ['h1']
          - ansible_check_mode == false
      vars:
        layer: task
    - set_fact:
        built: "{{ nums | length }}"
        as_list: "{{ nums }}"
    - command: echo {{ built }}
      register: out
      changed_when: false
    - assert:
        that:
          - out.stdout == '3'
          - built == 3
          - as_list is sequence
          - hostvars['h1'].built == 3
"#,
        );
    let (code, ev) = p.play(&["-e", "cli=x"]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0);
    assert_eq!(
        recap(&ev, "h1"),
        "ok=4 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn loops_register_results_and_loop_control() {
    let p = Project::new(&["h1"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: echo {{ item }}
      loop: [a, b]
      register: r
    - debug: msg="{{ item.key }}={{ item.value }}"
      with_dict: {x: 1, y: 2}
      register: d
    - debug: msg="{{ item.0 }}{{ item.1 }}"
      with_together: [[1, 2], [a, b]]
      register: t
    - debug: msg={{ item }}
      with_sequence: start=1 end=3 format=n%02d
      register: s
    - debug: msg="{{ item.0.name }}:{{ item.1 }}"
      with_subelements:
        - [{name: u1, keys: [k1, k2]}, {name: u2, keys: [k3]}]
        - keys
      register: sub
    - debug: msg="{{ idx }} {{ ansible_loop.last }}"
      loop: [p, q]
      loop_control: {index_var: idx, extended: true, label: "L{{ idx }}"}
      register: lc
    - shell: echo {{ item }}
      with_items: [[1, 2], 3]
      when: item != 2
      register: wi
    - assert:
        that:
          - r.results | map(attribute='stdout') | list == ['a', 'b']
          - r.changed
          - d.results | map(attribute='msg') | list == ['x=1', 'y=2']
          - t.results | map(attribute='msg') | list == ['1a', '2b']
          - s.results | map(attribute='msg') | list == ['n01', 'n02', 'n03']
          - sub.results | map(attribute='msg') | list == ['u1:k1', 'u1:k2', 'u2:k3']
          - lc.results[1].msg == '1 True'
          - wi.results | length == 3
          - wi.results[1] is skipped
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0);
    let labels: Vec<String> = ev
        .iter()
        .filter(|e| e["event"] == "host_result" && e["item"].is_string())
        .map(|e| e["item"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(labels.contains(&"L0".to_string()), "{labels:?}");
    assert!(
        labels.contains(&"{'key': 'x', 'value': 1}".to_string()),
        "{labels:?}"
    );
}

#[test]
fn block_rescue_always_and_ignore_errors_count_like_ansible() {
    let p = Project::new(&["h1"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: /bin/false
        - debug: msg=never
      rescue:
        - debug: msg="rescued {{ ansible_failed_result.rc }}"
      always:
        - set_fact: always_ran=true
    - command: /bin/false
      ignore_errors: true
    - assert:
        that: always_ran
    - command: echo skipped
      when: false
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 0, "{ev:#?}");
    // Same counts as ansible-core 2.19 gives for this playbook.
    assert_eq!(
        recap(&ev, "h1"),
        "ok=4 changed=1 unreachable=0 failed=0 skipped=1 rescued=1 ignored=1"
    );
    assert!(results_of(&ev, "debug").iter().all(|(_, s)| s == "ok"));
}

#[test]
fn play_keywords_reach_tasks_and_a_block_notify_reaches_its_tasks() {
    let p = Project::new(&["h1"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  ignore_errors: true
  tasks:
    - command: /bin/false
    - block:
        - command: /bin/true
      notify: from block
  handlers:
    - name: from block
      debug: msg=handled
- hosts: all
  gather_facts: false
  check_mode: true
  tasks:
    - command: touch never
      register: r
    - assert:
        that: r is skipped
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 0, "{ev:#?}");
    // Same counts as ansible-core 2.19 gives for this playbook.
    assert_eq!(
        recap(&ev, "h1"),
        "ok=4 changed=2 unreachable=0 failed=0 skipped=1 rescued=0 ignored=1"
    );
    assert!(!p.path().join("never").exists());
}

#[test]
fn a_play_run_once_reaches_tasks_but_facts_are_gathered_everywhere() {
    let p = Project::new(&["h1", "h2"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_subset: [min]
  run_once: true
  tasks:
    - debug: msg="{{ inventory_hostname }}"
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 0, "{ev:#?}");
    // As ansible-core 2.19: facts on both hosts, the task on the first only.
    assert_eq!(
        recap(&ev, "h1"),
        "ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    assert_eq!(
        recap(&ev, "h2"),
        "ok=1 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn a_vaulted_script_is_decrypted_before_it_runs() {
    let p = Project::new(&["h1"]);
    p.file("pass", "pw\n")
        .file("files/s.sh", "#!/bin/sh\necho ran > \"$1\"\n")
        .file(
            "site.yml",
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - script: s.sh {{ playbook_dir }}/out
"#,
        );
    let enc = Rsible::new(p.path())
        .args([
            "vault",
            "encrypt",
            "files/s.sh",
            "--vault-password-file",
            "pass",
        ])
        .run();
    assert!(enc.code == 0, "{enc:?}");
    let (code, ev) = p.play(&["--vault-password-file", "pass"]);
    assert_eq!(code, 0, "{ev:#?}");
    let out = std::fs::read_to_string(p.path().join("out")).expect("the script ran");
    assert_eq!(out, "ran\n");
    // As ansible-core 2.19 with the same files.
    assert_eq!(
        recap(&ev, "h1"),
        "ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn handlers_run_once_at_the_end_only_where_notified() {
    let p = Project::new(&["h1", "h2", "h3"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      when: inventory_hostname != 'h3'
      notify: restart app
    - command: "true"
      when: inventory_hostname == 'h1'
      notify: [restart app, topic]
    - command: "true"
      changed_when: false
      notify: never fires
  handlers:
    - name: restart app
      debug: msg=restarted
    - name: listener
      debug: msg=heard
      listen: topic
    - name: never fires
      debug: msg=no
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 0);
    let hosts =
        |t: &str| -> Vec<String> { results_of(&ev, t).into_iter().map(|(h, _)| h).collect() };
    assert_eq!(hosts("restart app"), ["h1", "h2"]);
    assert_eq!(hosts("listener"), ["h1"]);
    assert!(hosts("never fires").is_empty());
    let handler_starts = ev
        .iter()
        .filter(|e| e["event"] == "task_start" && e["handler"] == true)
        .count();
    assert_eq!(handler_starts, 2);
}

#[test]
fn serial_batches_stop_when_max_fail_percentage_is_exceeded() {
    let p = Project::new(&["h1", "h2", "h3", "h4"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  serial: 2
  max_fail_percentage: 0
  tasks:
    - command: /bin/false
      when: inventory_hostname == 'h2'
    - debug: msg=after
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 2);
    let after: Vec<String> = results_of(&ev, "debug")
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert!(
        after.is_empty(),
        "batch 1 exceeded the limit: nothing after it runs, got {after:?}"
    );
    assert!(recap(&ev, "h2").contains("failed=1"));
    let seen: Vec<&str> = ev.iter().filter_map(|e| e["host"].as_str()).collect();
    assert!(
        !seen.contains(&"h3"),
        "the second batch must not start: {seen:?}"
    );
}

#[test]
fn serial_batches_go_on_when_failures_stay_under_the_limit() {
    let p = Project::new(&["h1", "h2", "h3", "h4"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  serial: [1, 3]
  tasks:
    - fail: msg=boom
      when: inventory_hostname == 'h3'
    - debug: msg="batch {{ ansible_play_batch | join(',') }} play {{ ansible_play_hosts | join(',') }} all {{ ansible_play_hosts_all | join(',') }}"
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 2);
    let after: Vec<String> = results_of(&ev, "debug")
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert_eq!(after, ["h1", "h2", "h4"]);
    let msgs: Vec<String> = ev
        .iter()
        .filter(|e| e["event"] == "host_result" && e["host"] == "h4")
        .filter_map(|e| e["result"]["msg"].as_str().map(String::from))
        .collect();
    // Shared by every host, rebuilt when the batch moves on and when a host fails.
    assert!(
        msgs.contains(&"batch h2,h4 play h1,h2,h4 all h1,h2,h3,h4".to_string()),
        "{msgs:?}"
    );
}

#[test]
fn until_retries_until_the_condition_holds() {
    let p = Project::new(&["h1"]);
    let counter = p.path().join("count");
    p.file(
        "site.yml",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - shell: echo x >> {c}; wc -l < {c}
      register: r
      until: r.stdout | int >= 3
      retries: 5
      delay: 0
    - assert:
        that: r.attempts == 3
"#,
            c = counter.display()
        ),
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0);
    // ansible-playbook's "FAILED - RETRYING: ... (N retries left)" before each retry.
    let left: Vec<u64> = ev
        .iter()
        .filter(|e| e["event"] == "retrying")
        .filter_map(|e| e["retries_left"].as_u64())
        .collect();
    assert_eq!(left, [5, 4]);
}

#[test]
fn tags_select_tasks_with_always_and_never() {
    let p = Project::new(&["h1"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - {name: tagged, debug: {msg: a}, tags: [web]}
    - {name: other, debug: {msg: b}, tags: [db]}
    - {name: always, debug: {msg: c}, tags: [always]}
    - {name: never, debug: {msg: d}, tags: [never, debug]}
    - block:
        - {name: inherited, debug: {msg: e}}
      tags: web
"#,
    );
    let names = |ev: &[Value]| -> Vec<String> {
        ev.iter()
            .filter(|e| e["event"] == "task_start")
            .map(|e| e["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (_, ev) = p.play(&["--tags", "web"]);
    assert_eq!(names(&ev), ["tagged", "always", "inherited"]);
    let (_, ev) = p.play(&["--skip-tags", "always"]);
    assert_eq!(names(&ev), ["tagged", "other", "inherited"]);
    let (_, ev) = p.play(&["--tags", "debug"]);
    assert_eq!(names(&ev), ["always", "never"]);
}

#[test]
fn run_once_delegate_to_and_the_free_strategy() {
    let p = Project::new(&["h1", "h2", "h3"]);
    let log = p.path().join("log");
    p.file(
        "site.yml",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - shell: echo once >> {log}
      run_once: true
      register: once
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - shell: echo {{{{ inventory_hostname }}}} >> {log}
      delegate_to: localhost
    - assert:
        that: once.rc == 0
"#,
            log = log.display()
        ),
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.lines().filter(|l| *l == "once").count(), 1, "{text}");
    for h in ["h1", "h2", "h3"] {
        assert!(text.lines().any(|l| l == h), "{text}");
    }
    let delegated = ev
        .iter()
        .filter(|e| e["event"] == "host_result" && e["delegated_to"] == "localhost")
        .count();
    assert_eq!(delegated, 3);
}

#[test]
fn includes_imports_and_roles() {
    let p = Project::new(&["h1", "h2"]);
    p.file("tasks/inc.yml", "- set_fact: {\"inc_{{ n }}\": \"{{ inventory_hostname }}\"}\n")
        .file("tasks/imp.yml", "- set_fact: imported=yes\n")
        .file("roles/base/defaults/main.yml", "base_port: 80\nbase_name: dflt\n")
        .file("roles/base/vars/main.yml", "base_vars: v\n")
        .file(
            "roles/base/tasks/main.yml",
            "- set_fact: base_seen=\"{{ base_port }}-{{ base_name }}-{{ role_name }}\"\n- command: \"true\"\n  notify: base handler\n",
        )
        .file("roles/base/handlers/main.yml", "- name: base handler\n  set_fact: base_handled=true\n")
        .file("roles/dep/tasks/main.yml", "- set_fact: dep_ran=true\n")
        .file("roles/web/meta/main.yml", "dependencies: [dep]\n")
        .file("roles/web/tasks/main.yml", "- set_fact: web_ran=\"{{ dep_ran }}\"\n")
        .file("roles/extra/tasks/main.yml", "- set_fact: extra_ran=\"{{ greeting }}\"\n")
        .file(
            "site.yml",
            r#"
- hosts: all
  gather_facts: false
  roles:
    - role: base
      base_name: param
    - web
  tasks:
    - include_tasks: tasks/inc.yml
      loop: [1, 2]
      loop_control: {loop_var: n}
    - include_tasks: tasks/inc.yml
      vars: {n: 3}
      when: inventory_hostname == 'h1'
    - import_tasks: tasks/imp.yml
    - include_role:
        name: extra
      vars: {greeting: hi}
- hosts: all
  gather_facts: false
  tasks:
    - assert:
        that:
          - base_seen == '80-param-base'
          - base_handled
          - web_ran
          - inc_1 == inventory_hostname and inc_2 == inventory_hostname
          - (inc_3 is defined) == (inventory_hostname == 'h1')
          - imported
          - extra_ran == 'hi'
"#,
        );
    let (code, ev) = p.play(&[]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn check_mode_runs_nothing_and_converging_plays_report_no_change() {
    let p = Project::new(&["h1"]);
    let marker = p.path().join("made");
    p.file(
        "site.yml",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: touch {m}
      args:
        creates: {m}
    - command: uname
      changed_when: false
"#,
            m = marker.display()
        ),
    );
    let (code, ev) = p.play(&["--check"]);
    assert_eq!(code, 0);
    assert!(!marker.exists(), "check mode must not run the command");
    assert_eq!(
        recap(&ev, "h1"),
        "ok=1 changed=1 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0"
    );
    let (_, ev) = p.play(&[]);
    assert!(marker.exists());
    assert!(recap(&ev, "h1").contains("changed=1"));
    let (_, ev) = p.play(&[]);
    assert_eq!(
        recap(&ev, "h1"),
        "ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
}

#[test]
fn an_undefined_variable_names_itself_the_task_and_where_it_is() {
    let p = Project::new(&["h1"]);
    p.file(
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: uses it\n      debug:\n        msg: \"{{ nope }}\"\n",
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 2);
    let f = failures(&ev).join("\n");
    assert!(f.contains("nope"), "{f}");
    assert!(f.contains("uses it"), "{f}");
    assert!(f.contains("site.yml:4:7"), "{f}");
}

#[test]
fn set_fact_and_registered_values_outlive_the_play_and_failed_hosts_leave() {
    let p = Project::new(&["h1", "h2"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - set_fact: kept=1
    - fail:
      when: inventory_hostname == 'h2'
- hosts: all
  gather_facts: false
  tasks:
    - debug: var=kept
    - meta: end_play
    - debug: msg="unreachable code"
"#,
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(code, 2);
    let second: Vec<String> = results_of(&ev, "debug")
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert_eq!(second, ["h1"]);
    let shown = ev
        .iter()
        .find(|e| e["event"] == "host_result" && e["result"]["kept"] == "1");
    assert!(shown.is_some(), "debug var=kept shows the value");
}

#[test]
fn the_shipped_preflight_playbook_reports_on_this_machine() {
    // The README's first command: a shipped playbook on the implicit localhost.
    let home = tempfile::tempdir().expect("tempdir");
    let out = Rsible::new(home.path())
        .dir(env!("CARGO_MANIFEST_DIR"))
        .play("playbooks/preflight.yml")
        .json()
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ev = &out.events;
    assert_eq!(
        recap(ev, "localhost"),
        "ok=4 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
    );
    let report = ev
        .iter()
        .find(|e| e["event"] == "host_result" && e["result"]["msg"]["ready"].is_boolean())
        .expect("a report with a ready verdict");
    assert!(report["result"]["msg"]["os"]
        .as_str()
        .unwrap_or("")
        .contains("Debian"));
}

#[test]
fn environment_no_log_and_task_level_check_mode() {
    let p = Project::new(&["h1"]);
    let marker = p.path().join("never");
    p.file(
        "site.yml",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  environment:
    FROM_PLAY: play
  tasks:
    - shell: echo "$FROM_PLAY $FROM_TASK"
      environment:
        FROM_TASK: "{{{{ 'ta' ~ 'sk' }}}}"
      register: env
    - command: echo s3cret-value
      no_log: true
      register: hidden
    - command: touch {m}
      check_mode: true
    - assert:
        that:
          - env.stdout == 'play task'
          - hidden.stdout == 's3cret-value'
"#,
            m = marker.display()
        ),
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0);
    assert!(
        !marker.exists(),
        "check_mode: true on the task must not run it"
    );
    let text = serde_json::to_string(&ev).expect("json");
    assert!(
        !text.contains("s3cret-value"),
        "no_log output leaked: {text}"
    );
    assert!(text.contains("'no_log: true' was specified"));
}

#[test]
fn play_level_no_log_hides_tasks_handlers_includes_and_their_arguments() {
    let p = Project::new(&["h1"]);
    p.file("inc.yml", "- command: echo {{ token }} {{ extra }}\n");
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  no_log: true
  vars:
    token: s3cret-play-level
  tasks:
    - command: echo {{ token }}
      notify: h1
    - include_tasks:
        file: inc.yml
      vars:
        extra: "{{ token }}-param"
    - meta: flush_handlers
    - include_tasks: "{{ token }}-missing.yml"
  handlers:
    - name: h1
      command: echo {{ token }}
"#,
    );
    let (code, ev) = p.play(&["-vvvv"]);
    assert_eq!(code, 2, "the missing include fails the host");
    let text = serde_json::to_string(&ev).expect("json");
    assert!(
        !text.contains("s3cret-play-level"),
        "play-level no_log leaked: {text}"
    );
    // The command, the included task, the handler, then the second include's failure to
    // load (an include that loads is an `included` event, with no result to censor; one
    // that does not load only fails, as in Ansible).
    assert_eq!(
        text.matches("'no_log: true' was specified").count(),
        4,
        "{text}"
    );
    assert_eq!(text.matches("\"event\":\"included\"").count(), 1, "{text}");
}

#[test]
fn bad_module_arguments_fail_before_anything_is_sent_and_name_the_task() {
    let p = Project::new(&["h1"]);
    let target = p.path().join("never");
    p.file(
        "site.yml",
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: wrong type\n      copy:\n        dest: {}\n        content: x\n        force: maybe\n    - name: missing path\n      file:\n        state: directory\n",
            target.display()
        ),
    );
    // A load error (exit 4): no host is contacted, every wrong task is named.
    let out = Rsible::new(p.path())
        .args(["play", "site.yml", "-i", "hosts"])
        .run();
    assert_eq!(out.code, 4);
    let err = &out.stderr;
    assert!(
        err.contains("force") && err.contains("site.yml:5:7"),
        "{err}"
    );
    assert!(
        err.contains("missing required arguments: path") && err.contains("site.yml:10:7"),
        "{err}"
    );
    assert!(
        !target.exists(),
        "nothing may be written when the arguments are wrong"
    );
}

#[test]
fn start_at_task_skips_what_comes_before_it_and_order_sorts_hosts() {
    let p = Project::new(&["hb", "ha"]);
    p.file(
        "site.yml",
        r#"
- hosts: all
  gather_facts: false
  order: sorted
  tasks:
    - {name: first, debug: {msg: one}}
    - {name: second step, debug: {msg: two}}
    - {name: third, debug: {msg: three}}
"#,
    );
    let (code, ev) = p.play(&["--start-at-task", "second*"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = ev
        .iter()
        .filter(|e| e["event"] == "task_start")
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["second step", "third"]);
    let hosts: Vec<String> = results_of(&ev, "third")
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert_eq!(hosts, ["ha", "hb"]);
}

#[test]
fn an_inline_vault_is_decrypted_only_when_used() {
    // The value of tests/broken/vault-needed.yml; no vault password is given here.
    let vault = "!vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      30323762666662343662323866613233353762303431663965356431303038663838663266316364\n      3239613165646536353737303837626637616562363266350a363732336162616633623537346136\n      63373636326262323939663863346531663263393238353665363138663936326464393331366431\n      3366336365303736350a306433663232613164303139383734333137376363363739663438353465\n      3965\n";
    let p = Project::new(&["h1"]);
    p.file(
        "site.yml",
        &format!(
            "- hosts: all\n  gather_facts: false\n  vars:\n    secret: {vault}  tasks:\n    - set_fact: plain=yes\n    - debug: var=secret\n      when: use_it | default(false)\n"
        ),
    );
    let (code, ev) = p.play(&[]);
    assert_eq!(failures(&ev), Vec::<String>::new());
    assert_eq!(code, 0, "an unused vault value needs no password");
    let (code, ev) = p.play(&["-e", "use_it=true"]);
    assert_eq!(code, 2);
    let f = failures(&ev).join("\n");
    assert!(
        f.contains("could not be decrypted") && f.contains("no vault secrets found"),
        "{f}"
    );
}
