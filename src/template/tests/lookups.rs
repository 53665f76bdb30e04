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
        missing.contains("could not locate file in lookup: nope.txt"),
        "{missing}"
    );
    assert_eq!(
        get("{{ lookup('file', 'nope.txt', errors='ignore') }}"),
        Ok(json!(""))
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
