//! Native types, lazy variables, cycles, undefined messages, hostvars, template files.

use super::*;
use crate::template::{TemplateOptions, OMIT};

#[test]
fn plain_strings_pass_through() {
    assert_eq!(render("no markup here", json!({})), json!("no markup here"));
}

#[test]
fn single_expression_keeps_native_type() {
    let vars = json!({"l": [1, 2], "d": {"a": 1}, "n": 3, "b": true, "z": null});
    assert_eq!(render("{{ l }}", vars.clone()), json!([1, 2]));
    assert_eq!(render("{{ d }}", vars.clone()), json!({"a": 1}));
    assert_eq!(render("{{ n + 1 }}", vars.clone()), json!(4));
    assert_eq!(render("{{ b }}", vars.clone()), json!(true));
    assert_eq!(render("{{ z }}", vars.clone()), json!(null));
    assert_eq!(render("{{- n -}}", vars.clone()), json!(3));
    assert_eq!(
        render("{{ {'a': {'b': n}} }}", vars.clone()),
        json!({"a": {"b": 3}})
    );
    assert_eq!(render("{{ '}}' }}", vars.clone()), json!("}}"));
    assert_eq!(render("{{ n }}-{{ n }}", vars.clone()), json!("3-3"));
    assert_eq!(render("{{ n }}{{ n }}", vars.clone()), json!("33"));
    assert_eq!(render("n={{ n }}", vars), json!("n=3"));
}

#[test]
fn text_prints_like_python() {
    let vars = json!({"t": true, "n": null, "l": [3, 1], "d": {"a": 1, "b": [1, "x"]}, "f": 2.0});
    assert_eq!(
        render("x{{ t }}{{ n }}{{ l }}{{ d }}", vars.clone()),
        // ansible-core 2.19 prints None as nothing (its finalizer)
        json!("xTrue[3, 1]{'a': 1, 'b': [1, 'x']}")
    );
    assert_eq!(render("{{ f }}!", vars), json!("2.0!"));
    assert_eq!(text("{{ 0.1 + 0.2 }}!"), "0.30000000000000004!");
    assert_eq!(text("{{ [1e20, 1e-7, 3.0] }}!"), "[1e+20, 1e-07, 3.0]!");
}

#[test]
fn render_value_walks_nested_data() {
    let templar = Templar::new();
    let s = scope(json!({"b": 1, "name": "web"}));
    let args = json!({"x": "{{ b }}", "y": ["a-{{ name }}", 5, {"z": "{{ b > 0 }}"}], "k": false});
    let out = templar.render_value(&args, &s).unwrap();
    assert_eq!(
        out,
        json!({"x": 1, "y": ["a-web", 5, {"z": true}], "k": false})
    );
}

#[test]
fn variables_render_lazily_and_recursively() {
    let vars = json!({"a": "{{ b }}", "b": 1, "c": "x-{{ b }}", "d": {"e": ["{{ a + 1 }}"]}});
    assert_eq!(render("{{ a }}", vars.clone()), json!(1));
    assert_eq!(render("{{ c }}", vars.clone()), json!("x-1"));
    assert_eq!(render("{{ d.e[0] }}", vars.clone()), json!(2));
    assert_eq!(render("{{ vars['c'] }}", vars), json!("x-1"));
}

#[test]
fn unused_broken_variables_do_not_matter() {
    let vars = json!({"broken": "{{ nope }}", "cycle": "{{ cycle }}", "ok": 1});
    assert_eq!(render("{{ ok }}", vars), json!(1));
}

#[test]
fn cycles_are_reported() {
    let msg = error("{{ a }}", json!({"a": "{{ a }}"}));
    assert_eq!(msg, "recursive loop detected in template for 'a'");
    let msg = error("{{ a }}", json!({"a": "{{ b }}", "b": "x{{ a }}"}));
    assert!(
        msg.starts_with("recursive loop detected in template for"),
        "{msg}"
    );
}

#[test]
fn undefined_messages_name_the_variable() {
    assert_eq!(error("{{ foo }}", json!({})), "'foo' is undefined");
    assert_eq!(error("x {{ foo }}", json!({})), "'foo' is undefined");
    assert_eq!(
        error("{{ d.x }}", json!({"d": {"a": 1}})),
        "'d.x' is undefined: object of type 'dict' has no attribute 'x'"
    );
    assert_eq!(
        error("v={{ result.stdout_lines }}", json!({"result": {"rc": 0}})),
        "'result.stdout_lines' is undefined: object of type 'dict' has no attribute 'stdout_lines'"
    );
    assert_eq!(error("{{ foo | upper }}", json!({})), "'foo' is undefined");
    assert_eq!(
        error("{% if foo %}a{% endif %}", json!({})),
        "'foo' is undefined"
    );
    let err = Templar::new()
        .render_str("{{ a.b }}", &scope(json!({"a": {}})))
        .unwrap_err();
    assert_eq!(err.undefined.as_deref(), Some("a.b"));
}

#[test]
fn undefined_inside_a_variable_names_the_inner_name() {
    let vars = json!({"a": "{{ c }}"});
    assert_eq!(error("{{ a }}", vars.clone()), "'c' is undefined");
    assert_eq!(render("{{ a | default('x') }}", vars.clone()), json!("x"));
    assert_eq!(render("{{ a is defined }}", vars), json!(false));
}

#[test]
fn defined_default_and_omit() {
    let vars = json!({"x": {"y": 1}, "e": ""});
    assert_eq!(render("{{ z is defined }}", vars.clone()), json!(false));
    assert_eq!(render("{{ z is undefined }}", vars.clone()), json!(true));
    assert_eq!(render("{{ z | default(1) }}", vars.clone()), json!(1));
    assert_eq!(render("{{ z | d(1) }}", vars.clone()), json!(1));
    assert_eq!(render("{{ x.q | default(2) }}", vars.clone()), json!(2));
    assert_eq!(render("{{ x.y | default(2) }}", vars.clone()), json!(1));
    assert_eq!(
        render("{{ e | default('f', true) }}", vars.clone()),
        json!("f")
    );
    assert_eq!(render("{{ z | default(omit) }}", vars), json!(OMIT));
}

#[test]
fn syntax_errors_show_the_line() {
    let msg = error("{{ foo ", json!({}));
    assert!(msg.starts_with("template syntax error: "), "{msg}");
    assert!(msg.contains("line 1"), "{msg}");
    let msg = error("a\n{% if %}", json!({}));
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn hostvars_are_lazy_and_iterable() {
    let web: Vars = [
        ("port".to_string(), json!("{{ base + 1 }}")),
        ("base".into(), json!(8000)),
    ]
    .into_iter()
    .collect();
    let db: Vars = [("loop".to_string(), json!("{{ hostvars['db'].loop }}"))]
        .into_iter()
        .collect();
    let hosts = Hosts(vec![
        ("web".into(), Arc::new(web)),
        ("db".into(), Arc::new(db)),
    ]);
    let mut s = scope(json!({}));
    s.hostvars = Some(Arc::new(hosts));
    let t = Templar::new();
    assert_eq!(
        t.render_str("{{ hostvars['web'].port }}", &s).unwrap(),
        json!(8001)
    );
    assert_eq!(
        t.render_str("{{ hostvars | list }}", &s).unwrap(),
        json!(["web", "db"])
    );
    assert_eq!(
        t.render_str("{{ hostvars.nope is defined }}", &s).unwrap(),
        json!(false)
    );
    let err = t.render_str("{{ hostvars.db.loop }}", &s).unwrap_err();
    assert_eq!(
        err.message,
        "recursive loop detected in template for 'loop'"
    );
}

#[test]
fn python_methods() {
    let vars = json!({"d": {"a": 1}, "s": " Ab,c "});
    assert_eq!(
        render("{{ d.items() | list }}", vars.clone()),
        json!([["a", 1]])
    );
    assert_eq!(render("{{ d.keys() | list }}", vars.clone()), json!(["a"]));
    assert_eq!(render("{{ d.get('z', 5) }}", vars.clone()), json!(5));
    assert_eq!(
        render("{{ s.strip().lower() }}", vars.clone()),
        json!("ab,c")
    );
    assert_eq!(
        render("{{ s.strip().split(',') }}", vars.clone()),
        json!(["Ab", "c"])
    );
    assert_eq!(render("{{ s.startswith(' A') }}", vars), json!(true));
}

#[test]
fn template_files_use_ansible_defaults() {
    let t = Templar::new();
    let s = scope(json!({"items": [1, 2]}));
    let src = "{% for i in items %}\n{{ i }}\n{% endfor %}\nend\n";
    let out = t
        .render_template("f.j2", src, &s, &TemplateOptions::default())
        .unwrap();
    assert_eq!(out, "1\n2\nend\n");
    let opts = TemplateOptions {
        variable_start_string: "[[".into(),
        variable_end_string: "]]".into(),
        newline_sequence: "\r\n".into(),
        ..TemplateOptions::default()
    };
    let out = t
        .render_template("f.j2", "a [[ items[0] ]] {{ x }}\n", &s, &opts)
        .unwrap();
    assert_eq!(out, "a 1 {{ x }}\r\n");
    let opts = TemplateOptions {
        lstrip_blocks: true,
        ..TemplateOptions::default()
    };
    let out = t
        .render_template("f.j2", "  {% if true %}\nx\n  {% endif %}\n", &s, &opts)
        .unwrap();
    assert_eq!(out, "x\n");
}

#[test]
fn errors_in_multi_line_templates_give_the_line() {
    let t = Templar::new();
    let err = t
        .render_template(
            "f.j2",
            "a\nb {{ nope }}\n",
            &scope(json!({})),
            &TemplateOptions::default(),
        )
        .unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(
        err.message.starts_with("'nope' is undefined"),
        "{}",
        err.message
    );
}

#[test]
fn templar_is_send_sync_and_shared() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templar>();
    let t = Templar::new();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || t.render_str("{{ n * 2 }}", &scope(json!({"n": i}))))
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap().unwrap(), json!(i * 2));
    }
}

#[test]
fn default_and_is_defined_guard_a_chain_below_an_undefined_variable() {
    // As Ansible: `x.y | default(...)` with `x` undefined gives the default.
    assert_eq!(
        render("{{ nope.a.b | default('d') }}", json!({})),
        json!("d")
    );
    assert_eq!(render("{{ nope.a is defined }}", json!({})), json!(false));
    assert_eq!(render("x-{{ nope.a | d(1) }}", json!({})), json!("x-1"));
    // Unguarded, it is still an error naming the variable.
    assert!(error("{{ nope.a }}", json!({})).contains("'nope' is undefined"));
}

#[test]
fn none_prints_nothing_inside_text_but_stays_null_alone() {
    let vars = json!({"nn": null});
    assert_eq!(render("x{{ nn }}y", vars.clone()), json!("xy"));
    assert_eq!(render("{{ nn }}{{ nn }}", vars.clone()), json!(""));
    assert_eq!(render("{{ nn }}", vars.clone()), json!(null));
    assert_eq!(render("{{ nn | string }}", vars.clone()), json!("None"));
    assert_eq!(render("{{ [nn] }}", vars), json!([null]));
}
