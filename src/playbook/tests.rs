//! Unit tests of playbook loading: each error kind at its exact place, free-form arguments,
//! FQCN aliases, and import_playbook / import_tasks / roles resolution on fixtures.

use std::path::{Path, PathBuf};

use super::*;

/// Writes `files` (relative path, text) under a fresh directory and returns it.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
    }
    dir
}

fn errors_of(text: &str) -> Vec<Diagnostic> {
    let dir = tree(&[("site.yml", text)]);
    match load(&dir.path().join("site.yml")) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.0,
    }
}

fn one_play(text: &str) -> Play {
    let dir = tree(&[("site.yml", text)]);
    let mut pb = load(&dir.path().join("site.yml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pb.plays.len(), 1);
    pb.plays.remove(0)
}

fn at(d: &Diagnostic) -> (usize, usize, &str) {
    (d.location.line, d.location.column, d.message.as_str())
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/playbook")
        .join(rel)
}

#[test]
fn unknown_module_with_suggestion_and_snippet() {
    let e = errors_of("- hosts: all\n  tasks:\n    - comand: ls\n");
    assert_eq!(e.len(), 1);
    assert_eq!(at(&e[0]), (3, 7, "unknown module 'comand'"));
    assert_eq!(e[0].hint.as_deref(), Some("did you mean 'command'?"));
    let text = e[0].to_string();
    assert!(text.ends_with(
        ":3:7: unknown module 'comand'\n  3 |     - comand: ls\n    |       ^\n  hint: did you mean 'command'?"
    ));
}

#[test]
fn unknown_task_keyword() {
    let e = errors_of("- hosts: all\n  tasks:\n    - debug: msg=x\n      whne: true\n");
    assert_eq!(at(&e[0]), (4, 7, "unknown task keyword 'whne'"));
    assert_eq!(e[0].hint.as_deref(), Some("did you mean 'when'?"));
}

#[test]
fn unknown_play_keyword() {
    let e = errors_of("- hosts: all\n  gather_fact: no\n  tasks: []\n");
    assert_eq!(at(&e[0]), (2, 3, "unknown play keyword 'gather_fact'"));
    assert_eq!(e[0].hint.as_deref(), Some("did you mean 'gather_facts'?"));
}

#[test]
fn two_modules() {
    let e = errors_of("- hosts: all\n  tasks:\n    - shell: ls\n      copy: src=a dest=b\n");
    assert_eq!(
        at(&e[0]),
        (4, 7, "conflicting action statements: shell, copy")
    );
}

#[test]
fn no_module() {
    let e = errors_of("- hosts: all\n  tasks:\n    - name: nothing\n      register: r\n");
    assert_eq!(at(&e[0]), (3, 7, "no module/action detected in task"));
}

#[test]
fn missing_hosts() {
    let e = errors_of("- name: x\n  tasks: []\n");
    assert_eq!(at(&e[0]), (1, 3, "the play has no 'hosts'"));
}

#[test]
fn all_errors_are_collected() {
    let e = errors_of(
        "- hosts: all\n  tasks:\n    - comand: ls\n    - debug: msg=x\n      registr: r\n- hosts: all\n  taks: []\n",
    );
    let got: Vec<(usize, usize)> = e
        .iter()
        .map(|d| (d.location.line, d.location.column))
        .collect();
    assert_eq!(got, vec![(3, 7), (5, 7), (7, 3)]);
}

#[test]
fn duplicate_key_is_located() {
    let e = errors_of("- hosts: all\n  tasks:\n    - debug: msg=a\n      debug: msg=b\n");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].location.line, 4);
    assert!(e[0].message.contains("duplicate"), "{}", e[0].message);
}

#[test]
fn yaml_syntax_error_is_located() {
    let e = errors_of("- hosts: all\n  tasks:\n    - debug: [unclosed\n");
    assert!(
        e[0].message.starts_with("YAML syntax error"),
        "{}",
        e[0].message
    );
    assert!(e[0].location.line >= 3);
}

#[test]
fn free_form_and_args_merge() {
    let p = one_play(
        "- hosts: all\n  tasks:\n    - shell: echo a=b chdir=/tmp\n    - copy: src=a dest=b\n      args:\n        mode: 0644\n        dest: ignored\n",
    );
    let t = &p.tasks[0];
    assert_eq!(t.module.as_deref(), Some("shell"));
    assert_eq!(t.args["_raw_params"], "echo a=b");
    assert_eq!(t.args["chdir"], "/tmp");
    let c = &p.tasks[1];
    assert_eq!(c.args["dest"], "b");
    assert_eq!(c.args["mode"], "0644");
}

#[test]
fn action_and_local_action() {
    let p = one_play(
        "- hosts: all\n  tasks:\n    - action: ansible.builtin.command uptime\n    - local_action:\n        module: copy\n        src: a\n        dest: b\n",
    );
    assert_eq!(p.tasks[0].module.as_deref(), Some("command"));
    assert_eq!(p.tasks[0].args["_raw_params"], "uptime");
    assert_eq!(p.tasks[1].module.as_deref(), Some("copy"));
    assert_eq!(p.tasks[1].keywords["delegate_to"], "localhost");
    assert_eq!(p.tasks[1].args["src"], "a");
}

#[test]
fn fqcn_aliases_are_canonical() {
    let p = one_play(
        "- hosts: all\n  tasks:\n    - ansible.builtin.copy: src=a dest=b\n    - ansible.posix.sysctl: {name: x, value: 1}\n    - community.general.modprobe: name=br\n",
    );
    let mods: Vec<_> = p.tasks.iter().filter_map(|t| t.module.clone()).collect();
    assert_eq!(mods, vec!["copy", "sysctl", "modprobe"]);
}

#[test]
fn keywords_and_locations_are_kept() {
    let p = one_play(
        "- hosts: all\n  tasks:\n    - name: t\n      debug: var=x\n      when: x is defined\n      loop: [1, 2]\n      with_items: [3]\n      notify: h\n      tags: a,b\n",
    );
    let t = &p.tasks[0];
    assert_eq!(t.keywords["when"], "x is defined");
    assert_eq!(t.keywords["loop"], serde_json::json!([1, 2]));
    assert!(t.keywords.contains_key("with_items"));
    assert_eq!(t.tags, vec!["a", "b"]);
    assert_eq!((t.location.line, t.location.column), (3, 7));
}

#[test]
fn block_rescue_always() {
    let p = one_play(
        "- hosts: all\n  tasks:\n    - block:\n        - debug: msg=a\n      rescue:\n        - debug: msg=b\n      always:\n        - debug: msg=c\n      when: true\n",
    );
    let b = &p.tasks[0];
    assert!(b.is_block());
    assert_eq!((b.block.len(), b.rescue.len(), b.always.len()), (1, 1, 1));
    assert_eq!(b.block[0].location.line, 4);
}

#[test]
fn fixture_resolves_imports_and_roles() {
    let pb = load(&fixture("ok/site.yml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pb.plays.len(), 2, "import_playbook adds the second play");
    assert_eq!(pb.plays[1].hosts, "web");
    let p = &pb.plays[0];
    let web = &p.roles[0];
    assert_eq!(web.name, "web");
    assert_eq!(web.tags, vec!["web"]);
    assert_eq!(web.params["http_port"], 8080);
    assert_eq!(web.defaults["web_port"], 80);
    assert_eq!(web.vars["web_user"], "www-data");
    assert_eq!(web.tasks[0].module.as_deref(), Some("apt"));
    assert_eq!(web.tasks[0].role_name(), Some("web"));
    assert_eq!(web.handlers[0].module.as_deref(), Some("systemd"));
    assert_eq!(web.dependencies[0].name, "base");
    let import = p
        .tasks
        .iter()
        .find(|t| t.module.as_deref() == Some("import_tasks"))
        .expect("import_tasks task");
    assert_eq!(import.imported.len(), 1);
    assert_eq!(import.imported[0].args["mode"], "0755");
    assert!(import.imported[0]
        .location
        .file
        .ends_with("tasks/extra.yml"));
    let include = p
        .tasks
        .iter()
        .find(|t| t.module.as_deref() == Some("include_tasks"))
        .expect("include_tasks task");
    assert!(include.imported.is_empty());
}

#[test]
fn import_tasks_falls_back_to_playbook_dir() {
    let dir = tree(&[
        (
            "site.yml",
            "- hosts: all\n  tasks:\n    - import_tasks: sub/a.yml\n",
        ),
        ("sub/a.yml", "- import_tasks: common.yml\n"),
        ("common.yml", "- debug: msg=x\n"),
    ]);
    let pb = load(&dir.path().join("site.yml")).unwrap_or_else(|e| panic!("{e}"));
    let a = &pb.plays[0].tasks[0].imported[0];
    assert_eq!(a.imported[0].module.as_deref(), Some("debug"));
}

#[test]
fn missing_import_and_role_are_errors() {
    let e = errors_of(
        "- hosts: all\n  roles:\n    - nosuchrole\n  tasks:\n    - import_tasks: nope.yml\n",
    );
    assert_eq!(at(&e[0]), (3, 7, "the role 'nosuchrole' was not found"));
    assert_eq!(
        at(&e[1]),
        (5, 7, "could not find imported tasks file 'nope.yml'")
    );
}

#[test]
fn import_loop_is_an_error() {
    let dir = tree(&[
        (
            "site.yml",
            "- hosts: all\n  tasks:\n    - import_tasks: a.yml\n",
        ),
        ("a.yml", "- import_tasks: a.yml\n"),
    ]);
    let e = load(&dir.path().join("site.yml")).expect_err("loop");
    assert!(e.0[0].message.contains("import loop"), "{}", e.0[0].message);
}

#[test]
fn listing_follows_ansible_layout() {
    let pb = load(&fixture("ok/site.yml")).unwrap_or_else(|e| panic!("{e}"));
    let s = list::play_section(&pb.plays[0], true, true);
    assert!(s.starts_with("    tasks:\n      Say hello\tTAGS: [setup]\n      base : Base packages\tTAGS: [setup, web]\n"), "{s}");
    assert!(s.ends_with("      TASK TAGS: [setup, web]\n"), "{s}");
    assert_eq!(
        list::play_line(0, &pb.plays[0]),
        "  play #1 (all): Base setup\tTAGS: [setup]"
    );
}

/// `--list-tasks`/`--list-tags` under every tag selection of `tags/expected_lists.txt`,
/// recorded from ansible-playbook 2.x on the same fixture (`=== FLAGS` then its output).
#[test]
fn listing_with_tags_matches_ansible() {
    let pb = load(&fixture("tags/site.yml")).unwrap_or_else(|e| panic!("{e}"));
    let expected = std::fs::read_to_string(fixture("tags/expected_lists.txt")).expect("read");
    let mut cases = 0;
    for case in expected.split("=== ").filter(|c| !c.is_empty()) {
        let (flags, want) = case.split_once('\n').expect("header line");
        let words: Vec<&str> = flags.split_whitespace().collect();
        let value = |flag: &str| -> Vec<String> {
            words
                .iter()
                .position(|w| *w == flag)
                .map(|i| words[i + 1].split(',').map(str::to_string).collect())
                .unwrap_or_default()
        };
        let (list_tasks, list_tags) = (
            words.contains(&"--list-tasks"),
            words.contains(&"--list-tags"),
        );
        let (only, skip) = (value("--tags"), value("--skip-tags"));
        let mut got = String::new();
        for (i, play) in pb.plays.iter().enumerate() {
            got.push_str(&format!("\n{}\n", list::play_line(i, play)));
            let section = list::play_section_selected(play, list_tasks, list_tags, &only, &skip);
            got.push_str(&section);
        }
        assert_eq!(got, want, "flags: {flags}");
        cases += 1;
    }
    assert_eq!(cases, 30);
}

#[test]
fn role_tasks_share_one_role_ref() {
    let pb = load(&fixture("tags/site.yml")).unwrap_or_else(|e| panic!("{e}"));
    let p = &pb.plays[0];
    let (common, app) = (&p.roles[0], &p.roles[1]);
    let rr = |t: &Task| t.role.clone().expect("role task");
    assert!(std::sync::Arc::ptr_eq(&rr(&app.tasks[0]), &app.role_ref));
    assert_eq!(app.role_ref.defaults["app_port"], 80);
    assert_eq!(app.role_ref.vars["app_user"], "app");
    assert_eq!(
        app.role_ref.handlers[0].name.as_deref(),
        Some("restart app")
    );
    let twin = app.handlers[0].role.clone().expect("handler role");
    assert_eq!((twin.name.as_str(), twin.handlers.len()), ("app", 0));
    // `common` at the top and twice as app's dependency: one instance, as in Ansible.
    assert_eq!(app.dependencies.len(), 2);
    for dep in &app.dependencies {
        assert!(std::sync::Arc::ptr_eq(&dep.role_ref, &common.role_ref));
    }
    assert!(!common.role_ref.allow_duplicates);
}

#[test]
fn different_params_make_another_instance() {
    let pb = load(&fixture("tags/site.yml")).unwrap_or_else(|e| panic!("{e}"));
    let r = &pb.plays[1].roles;
    assert!(std::sync::Arc::ptr_eq(&r[0].role_ref, &r[1].role_ref));
    assert!(!std::sync::Arc::ptr_eq(&r[0].role_ref, &r[2].role_ref));
    assert_eq!(r[2].role_ref.params["x"], 1);
}

#[test]
fn import_role_expands_dependencies_first() {
    let pb = load(&fixture("tags/site.yml")).unwrap_or_else(|e| panic!("{e}"));
    let t = pb.plays[0]
        .tasks
        .iter()
        .find(|t| t.module.as_deref() == Some("import_role"))
        .expect("import_role task");
    // Dependencies come wrapped in blocks carrying their entries' keywords.
    fn open(tasks: &[crate::playbook::Task]) -> Vec<crate::playbook::Task> {
        tasks
            .iter()
            .flat_map(|t| match t.is_block() {
                true => open(&t.block),
                false => vec![t.clone()],
            })
            .collect()
    }
    let flat = open(&t.imported);
    let names: Vec<_> = flat.iter().filter_map(|t| t.name.clone()).collect();
    assert_eq!(names, ["common task", "common task", "app extra task"]);
    let app = flat[2].role.clone().expect("role");
    assert_eq!(app.handlers.len(), 1);
    let include = pb.plays[0]
        .tasks
        .iter()
        .find(|t| t.module.as_deref() == Some("include_role"))
        .expect("include_role task");
    assert!(include.imported.is_empty());
    assert_eq!(include.args["name"], "app");
}

#[test]
fn include_and_import_arguments_are_checked() {
    let e = errors_of(concat!(
        "- hosts: all\n  tasks:\n",
        "    - include_role: {nme: x}\n",
        "    - include_tasks: {}\n",
        "    - import_role: {name: '{{ r }}'}\n",
        "    - import_role: {name: nope, tasks_form: a}\n",
        "    - import_role: nope\n",
    ));
    let got: Vec<_> = e.iter().map(at).collect();
    assert_eq!(
        got,
        vec![
            (3, 7, "unknown argument 'nme' for include_role"),
            (4, 7, "include_tasks needs a file"),
            (5, 7, "import_role is static: its name cannot be a template"),
            (6, 7, "unknown argument 'tasks_form' for import_role"),
            (7, 7, "import_role takes its arguments as a mapping"),
        ]
    );
    assert_eq!(e[0].hint.as_deref(), Some("did you mean 'name'?"));
    assert_eq!(e[3].hint.as_deref(), Some("did you mean 'tasks_from'?"));
}

#[test]
fn missing_tasks_from_is_an_error() {
    let dir = tree(&[
        (
            "site.yml",
            "- hosts: all\n  tasks:\n    - import_role: {name: r, tasks_from: nope}\n",
        ),
        ("roles/r/tasks/main.yml", "- debug: msg=x\n"),
    ]);
    let e = load(&dir.path().join("site.yml")).expect_err("missing file");
    assert_eq!(e.0[0].location.line, 3);
    assert!(e.0[0].message.ends_with("has no tasks file 'nope'"), "{e}");
}

#[test]
fn roles_path_is_searched_after_playbook_roles() {
    let dir = tree(&[
        ("pb/site.yml", "- hosts: all\n  roles: [shared, local]\n"),
        ("pb/roles/local/tasks/main.yml", "- debug: msg=local\n"),
        ("elsewhere/shared/tasks/main.yml", "- debug: msg=shared\n"),
        ("elsewhere/local/tasks/main.yml", "- debug: msg=wrong\n"),
    ]);
    let site = dir.path().join("pb/site.yml");
    let e = load(&site).expect_err("shared is not beside the playbook");
    assert_eq!(at(&e.0[0]), (2, 11, "the role 'shared' was not found"));
    let pb =
        load_with(&site, vec![dir.path().join("elsewhere")], &[]).unwrap_or_else(|e| panic!("{e}"));
    let msgs: Vec<_> = pb.plays[0]
        .roles
        .iter()
        .map(|r| r.tasks[0].args["msg"].clone())
        .collect();
    assert_eq!(msgs, ["shared", "local"]);
    assert_eq!(
        pb.role_search.find("shared", None),
        Some(dir.path().join("elsewhere/shared"))
    );
}

#[test]
fn dependency_found_beside_its_dependent_role() {
    let dir = tree(&[
        ("site.yml", "- hosts: all\n  roles: [a]\n"),
        (
            "lib/a/meta/main.yml",
            "dependencies: [b]\nallow_duplicates: true\n",
        ),
        ("lib/a/tasks/main.yml", "- debug: msg=a\n"),
        ("lib/b/tasks/main.yml", "- debug: msg=b\n"),
    ]);
    let pb = load_with(
        &dir.path().join("site.yml"),
        vec![dir.path().join("lib")],
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let a = &pb.plays[0].roles[0];
    assert!(a.role_ref.allow_duplicates);
    assert_eq!(a.dependencies[0].name, "b");
}

#[test]
fn run_time_loaders() {
    let dir = tree(&[
        ("roles/r/tasks/main.yml", "- debug: msg=main\n"),
        (
            "roles/r/tasks/other.yml",
            "- block:\n    - debug: msg=other\n",
        ),
        ("roles/r/vars/alt.yml", "v: 2\n"),
        ("inc.yml", "- name: inc\n  debug: msg=i\n"),
        ("vars.yml", "a: 1\nb: [x]\n"),
        ("vars.json", "{\"c\": true}"),
        ("list.yml", "- a\n- b\n"),
        ("bad.yml", "- name: x\n  debg: y\n"),
    ]);
    let search = RoleSearch::new(dir.path(), Vec::new());
    let from = Location::new("site.yml", 9, 7);
    let files = RoleFiles {
        tasks_from: Some("other".into()),
        vars_from: Some("alt".into()),
        ..RoleFiles::default()
    };
    let mut params = serde_json::Map::new();
    params.insert("p".into(), 1.into());
    let r = load_role(&search, &[], "r", &files, params, &from).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.role_ref.vars["v"], 2);
    assert_eq!(r.role_ref.params["p"], 1);
    let child = &r.tasks[0].block[0];
    assert!(std::sync::Arc::ptr_eq(
        &child.role.clone().expect("role"),
        &r.role_ref
    ));
    let e = load_role(
        &search,
        &[],
        "rr",
        &RoleFiles::default(),
        Default::default(),
        &from,
    )
    .expect_err("no such role");
    assert_eq!(at(&e.0[0]), (9, 7, "the role 'rr' was not found"));
    assert_eq!(e.0[0].hint.as_deref(), Some("did you mean 'r'?"));

    let tasks = load_tasks_file(
        &search,
        &[],
        Path::new("inc.yml"),
        dir.path(),
        Some(r.role_ref.clone()),
        &from,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tasks[0].role_name(), Some("r"));
    let e = load_tasks_file(&search, &[], Path::new("bad.yml"), dir.path(), None, &from)
        .expect_err("bad task");
    assert_eq!(at(&e.0[0]), (2, 3, "unknown module 'debg'"));
    let e = load_tasks_file(&search, &[], Path::new("none.yml"), dir.path(), None, &from)
        .expect_err("missing");
    assert_eq!((e.0[0].location.line, e.0[0].location.column), (9, 7));

    let v = load_vars_file(&dir.path().join("vars.yml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["b"], serde_json::json!(["x"]));
    let v = load_vars_file(&dir.path().join("vars.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["c"], true);
    let e = load_vars_file(&dir.path().join("list.yml")).expect_err("a list");
    assert_eq!((e.0[0].location.line, e.0[0].location.column), (1, 1));
    assert!(e.0[0].message.contains("must be a mapping"), "{e}");
}

#[test]
fn dependency_loop_is_an_error_not_a_hang() {
    let dir = tree(&[
        ("site.yml", "- hosts: all\n  roles: [a]\n"),
        ("roles/a/meta/main.yml", "dependencies: [b, c]\n"),
        ("roles/b/meta/main.yml", "dependencies: [a]\n"),
        ("roles/c/meta/main.yml", "dependencies: [a]\n"),
        ("roles/d/tasks/main.yml", "- import_role: {name: d}\n"),
        ("other.yml", "- hosts: all\n  roles: [d]\n"),
    ]);
    let e = load(&dir.path().join("site.yml")).expect_err("loop");
    assert_eq!(e.0.len(), 2, "{e}");
    assert!(e.0[0].message.contains("dependency loop"), "{e}");
    assert!(e.0[0].location.file.ends_with("roles/b/meta/main.yml"));
    let e = load(&dir.path().join("other.yml")).expect_err("self import");
    assert!(e.0[0].message.contains("depends on itself"), "{e}");
}

#[test]
fn arguments_a_template_adds_are_checked_when_it_is_rendered() {
    let p = one_play(
        "- hosts: all\n  tasks:\n    - async_status:\n      args: \"{{ opts }}\"\n    - command:\n      args: \"{{ opts }}\"\n",
    );
    assert_eq!(p.tasks.len(), 2);
    let e = errors_of(
        "- hosts: all\n  tasks:\n    - async_status:\n        jdi: j1\n      args: \"{{ opts }}\"\n",
    );
    assert_eq!(
        at(&e[0]),
        (3, 7, "unknown argument 'jdi' for module 'async_status'")
    );
}

#[test]
fn missing_arguments_wait_for_module_defaults_and_whole_template_args() {
    let e = errors_of("- hosts: all\n  tasks:\n    - copy: {content: x}\n");
    assert_eq!(
        e.iter().map(at).collect::<Vec<_>>(),
        [(3, 7, "copy: missing required arguments: dest")]
    );
    // Another source may complete the arguments: nothing is missing at load.
    one_play("- hosts: all\n  tasks:\n    - copy: {content: x}\n      module_defaults: {copy: {dest: /d}}\n");
    one_play("- hosts: all\n  tasks:\n    - copy:\n      args: \"{{ a }}\"\n");
    // A misspelt argument is still wrong whatever the defaults say.
    let e = errors_of(
        "- hosts: all\n  module_defaults: {copy: {dest: /d}}\n  tasks:\n    - copy: {contnet: x}\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("contnet"), "{e:?}");
}
