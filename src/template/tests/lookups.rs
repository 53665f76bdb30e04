//! lookup()/query() on the controller: env, file, template, pipe, vars.

use super::*;

#[test]
fn env_lookup() {
    let path = std::env::var("PATH").unwrap_or_default();
    assert_eq!(text("{{ lookup('env', 'PATH') }}"), path);
    assert_eq!(text("{{ lookup('env', 'RSIBLE_SURELY_UNSET_VAR') }}"), "");
    assert_eq!(
        text("{{ lookup('env', 'RSIBLE_SURELY_UNSET_VAR', default='d') }}"),
        "d"
    );
    assert_eq!(
        render("{{ query('env', 'RSIBLE_SURELY_UNSET_VAR') }}", json!({})),
        json!([""])
    );
}

#[test]
fn file_and_template_lookups_use_search_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("files/a.txt"), "hello\n\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "top").unwrap();
    std::fs::write(
        dir.path().join("templates/t.j2"),
        "{% if true %}\nv={{ v }}\n{% endif %}\n",
    )
    .unwrap();
    let mut s = scope(json!({"v": "{{ 40 + 2 }}"}));
    s.search_paths = vec![dir.path().to_path_buf()];
    let t = Templar::new();
    let get = |src: &str| t.render_str(src, &s).map_err(|e| e.message);
    assert_eq!(get("{{ lookup('file', 'a.txt') }}"), Ok(json!("hello")));
    assert_eq!(get("{{ lookup('file', 'b.txt') }}"), Ok(json!("top")));
    assert_eq!(
        get("{{ lookup('file', 'a.txt', 'b.txt') }}"),
        Ok(json!("hello,top"))
    );
    assert_eq!(
        get("{{ query('file', 'a.txt', 'b.txt') }}"),
        Ok(json!(["hello", "top"]))
    );
    assert_eq!(
        get("{{ lookup('ansible.builtin.template', 't.j2') }}"),
        Ok(json!("v=42\n"))
    );
    let missing = get("{{ lookup('file', 'nope.txt') }}").unwrap_err();
    assert!(
        missing.contains(
            "The lookup plugin 'file' failed: Unable to access the file 'nope.txt': \
             File not found. Use -vvvvv to see paths searched."
        ),
        "{missing}"
    );
    // ansible-core 2.19: a failure ignored by `errors=ignore` makes `lookup` give None.
    assert_eq!(
        get("{{ lookup('file', 'nope.txt', errors='ignore') }}"),
        Ok(json!(null))
    );
}

#[test]
fn pipe_lookup_runs_on_the_controller() {
    assert_eq!(
        text("{{ lookup('pipe', 'echo hi; echo there') }}"),
        "hi\nthere"
    );
    let msg = error("{{ lookup('pipe', 'exit 3') }}", json!({}));
    assert!(msg.contains("returned 3"), "{msg}");
}

#[test]
fn vars_and_list_lookups() {
    let vars = json!({"a": "{{ b }}", "b": [1]});
    assert_eq!(
        render("{{ lookup('vars', 'a') }}", vars.clone()),
        json!([1])
    );
    assert_eq!(
        render("{{ lookup('vars', 'z', default=0) }}", vars.clone()),
        json!(0)
    );
    assert_eq!(
        render("{{ q('items', [1, 2], 3) }}", vars),
        json!([1, 2, 3])
    );
    assert!(
        error("{{ lookup('nope', 'x') }}", json!({})).contains("lookup plugin 'nope' not found")
    );
}

#[test]
fn lookup_joins_unwraps_or_keeps_a_list() {
    assert_eq!(render("{{ lookup('items', []) }}", json!({})), json!([]));
    assert_eq!(render("{{ lookup('items', [1]) }}", json!({})), json!(1));
    assert_eq!(
        render("{{ lookup('items', ['a', 'b']) }}", json!({})),
        json!("a,b")
    );
    assert_eq!(
        render("{{ lookup('items', [1, 2]) }}", json!({})),
        json!([1, 2])
    );
    assert_eq!(
        render("{{ lookup('items', ['a'], wantlist=True) }}", json!({})),
        json!(["a"])
    );
    assert_eq!(
        render("{{ query('file', 'nope', errors='warn') }}", json!({})),
        json!([])
    );
    let undefined = error("{{ lookup('file', nope, errors='ignore') }}", json!({}));
    assert!(undefined.contains("'nope' is undefined"), "{undefined}");
    let bad = error("{{ lookup('items', 1, errors='loud') }}", json!({}));
    assert!(bad.contains("errors must be one of"), "{bad}");
}

#[test]
fn first_found_and_fileglob_search_like_ansible() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("files")).unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("other")).unwrap();
    std::fs::write(root.join("files/a.txt"), "a").unwrap();
    std::fs::write(root.join("files/b.conf"), "b").unwrap();
    std::fs::write(root.join("files/.hidden.txt"), "h").unwrap();
    std::fs::write(root.join("templates/t.j2"), "t").unwrap();
    std::fs::write(root.join("other/o.txt"), "o").unwrap();
    std::fs::write(root.join("c.txt"), "c").unwrap();
    let mut s = scope(json!({"names": ["nope", "c.txt"]}));
    s.search_paths = vec![root.to_path_buf()];
    let t = Templar::new();
    let get = |src: &str| t.render_str(src, &s).map_err(|e| e.message);
    let at = |p: &str| json!(root.join(p).display().to_string());
    // A template call searches the paths themselves, not their files/.
    assert_eq!(
        get("{{ lookup('first_found', 'a.txt', 'c.txt') }}"),
        Ok(at("c.txt"))
    );
    assert_eq!(get("{{ lookup('first_found', names) }}"), Ok(at("c.txt")));
    assert_eq!(
        get("{{ lookup('first_found', {'files': ['x', 'o.txt'], 'paths': ['nope', 'other']}) }}"),
        Ok(at("other/o.txt"))
    );
    assert_eq!(
        get("{{ lookup('first_found', 'x;o.txt', paths='other') }}"),
        Ok(at("other/o.txt"))
    );
    assert_eq!(
        get("{{ query('first_found', 'nope', skip=True) }}"),
        Ok(json!([]))
    );
    let none = get("{{ lookup('first_found', 'nope') }}").unwrap_err();
    assert!(
        none.contains("No file was found when using first_found."),
        "{none}"
    );
    // A `with_first_found` loop searches the subdirectory the task's action implies.
    let loop_items = |action: &str| {
        t.loop_lookup("first_found", &[json!("a.txt"), json!("t.j2")], action, &s)
            .map_err(|e| e.message)
    };
    assert_eq!(loop_items("copy"), Ok(vec![at("files/a.txt")]));
    assert_eq!(loop_items("template"), Ok(vec![at("templates/t.j2")]));
    assert_eq!(
        get("{{ query('fileglob', '*.txt', '*.conf', 'other/*') }}"),
        Ok(json!([
            at("files/a.txt"),
            at("files/b.conf"),
            at("other/o.txt")
        ]))
    );
    assert_eq!(get("{{ lookup('fileglob', '*.nothing') }}"), Ok(json!([])));
}

#[test]
fn lines_varnames_and_inventory_hostnames() {
    assert_eq!(
        render(
            "{{ query('lines', 'printf \"a\\nb\\n\"', 'echo c') }}",
            json!({})
        ),
        json!(["a", "b", "c"])
    );
    let vars = json!({"qz_1": 1, "qz_2": 2, "qa": 3, "groups": {
        "all": ["web1", "web2", "db1"], "ungrouped": [], "web": ["web1", "web2"], "db": ["db1"]
    }});
    assert_eq!(
        render("{{ query('varnames', '^qz_.+') }}", vars.clone()),
        json!(["qz_1", "qz_2"])
    );
    assert_eq!(
        render(
            "{{ query('inventory_hostnames', 'all:!web') }}",
            vars.clone()
        ),
        json!(["db1"])
    );
    assert_eq!(
        render("{{ lookup('inventory_hostnames', 'web') }}", vars),
        json!("web1,web2")
    );
}

#[test]
fn reshaping_lookups_as_loops() {
    let t = Templar::new();
    let s = scope(json!({}));
    let run = |name: &str, terms: serde_json::Value| {
        let terms = terms.as_array().cloned().unwrap_or_default();
        t.loop_lookup(name, &terms, "debug", &s)
            .map_err(|e| e.message)
    };
    assert_eq!(
        run("dict", json!([{"a": 1}])),
        Ok(vec![json!({"key": "a", "value": 1})])
    );
    let err = run("dict", json!([1])).unwrap_err();
    assert!(
        err.starts_with("The lookup plugin 'dict' failed: "),
        "{err}"
    );
    assert_eq!(
        run("sequence", json!(["count=3 format=n%d"])),
        Ok(vec![json!("n1"), json!("n2"), json!("n3")])
    );
    assert_eq!(
        run("indexed_items", json!([["a", "b"]])),
        Ok(vec![json!([0, "a"]), json!([1, "b"])])
    );
    assert_eq!(
        run("nested", json!([[1, 2], ["x"]])),
        Ok(vec![json!([1, "x"]), json!([2, "x"])])
    );
    assert_eq!(
        render("{{ query('sequence', start=3, end=4) }}", json!({})),
        json!(["3", "4"])
    );
}

#[test]
fn password_lookup_writes_then_reads_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = scope(json!({}));
    s.search_paths = vec![dir.path().to_path_buf()];
    let t = Templar::new();
    let get = |src: &str| t.render_str(src, &s).map_err(|e| e.message);
    let first =
        get("{{ lookup('password', 'creds/pw length=12 chars=ascii_lowercase') }}").unwrap();
    let first = first.as_str().unwrap().to_string();
    assert_eq!(first.len(), 12);
    assert!(first.chars().all(|c| c.is_ascii_lowercase()), "{first}");
    let stored = std::fs::read_to_string(dir.path().join("creds/pw")).unwrap();
    assert_eq!(stored, format!("{first}\n"));
    assert_eq!(
        get("{{ lookup('password', 'creds/pw', length=3) }}"),
        Ok(json!(first))
    );
    let refused = get("{{ lookup('password', 'x', encrypt='sha512_crypt') }}").unwrap_err();
    assert!(refused.contains("not supported by rsible"), "{refused}");
}
