//! Jinja tests: types, regex, version, sets, registered results, paths.

use super::*;

fn r(s: &str) -> Json {
    render(
        s,
        json!({"ok": {"changed": false, "rc": 0}, "bad": {"failed": true, "changed": true},
        "skip": {"skipped": true}, "looped": {"results": [{"changed": false}, {"changed": true}]}}),
    )
}

#[test]
fn type_tests() {
    assert_eq!(
        r("{{ none is none }}{{ 'a' is string }}{{ 1 is number }}{{ 1 is integer }}"),
        json!("TrueTrueTrueTrue")
    );
    assert_eq!(
        r("{{ 1.5 is float }}{{ true is boolean }}{{ {} is mapping }}{{ [] is sequence }}"),
        json!("TrueTrueTrueTrue")
    );
    assert_eq!(
        r("{{ 'a' is iterable }}{{ 1 is iterable }}{{ x is undefined }}{{ ok is defined }}"),
        json!("TrueFalseTrueTrue")
    );
}

#[test]
fn regex_tests() {
    assert_eq!(
        r("{{ 'foobar' is match('foo') }}{{ 'foobar' is match('bar') }}"),
        json!("TrueFalse")
    );
    assert_eq!(
        r("{{ 'foobar' is search('bar') }}{{ 'FOO' is search('foo', ignorecase=true) }}"),
        json!("TrueTrue")
    );
    assert_eq!(
        r("{{ 'foobar' is regex('^bar', match_type='search') }}{{ 'foobar' is regex('o+b') }}"),
        json!("FalseTrue")
    );
}

#[test]
fn version_tests() {
    assert_eq!(r("{{ '1.2.10' is version('1.2.9', '>') }}"), json!(true));
    assert_eq!(r("{{ '1.2a' is version('1.2', '>') }}"), json!(true));
    assert_eq!(r("{{ '2.0' is version('10.0', 'lt') }}"), json!(true));
    assert_eq!(
        r("{{ '1.0' is version('1.0') }}{{ '1.0' is version('1.0.0', '==') }}"),
        json!("TrueFalse")
    );
    assert_eq!(
        r("{{ '3.1' is version_compare('3.0', '>=') }}"),
        json!(true)
    );
    assert_eq!(
        r("{{ '1.0.0-rc1' is version('1.0.0', '<', version_type='semver') }}"),
        json!(true)
    );
    assert_eq!(r("{{ '1.2' | version_compare('1.3', '<') }}"), json!(true));
    assert!(
        error("{{ '1' is version('2', 'bogus') }}", json!({})).contains("Invalid operator type")
    );
    assert!(error("{{ 'x' is version('1.0', strict=true) }}", json!({}))
        .contains("invalid version number"));
}

#[test]
fn set_and_comparison_tests() {
    assert_eq!(r("{{ [1, 2] is contains(2) }}{{ 2 in [1, 2] }}{{ [1] is subset([1, 2]) }}{{ [1, 2] is superset([3]) }}"), json!("TrueTrueTrueFalse"));
    assert_eq!(
        r("{{ 3 is divisibleby(3) }}{{ 3 is even }}{{ 3 is odd }}"),
        json!("TrueFalseTrue")
    );
    assert_eq!(
        r("{{ 1 is eq(1) }}{{ 1 is lt(2) }}{{ 1 is ne(1) }}"),
        json!("TrueTrueFalse")
    );
    assert_eq!(
        r("{{ 'yes' is truthy }}{{ '' is falsy }}{{ 'no' is truthy(convert_bool=true) }}"),
        json!("TrueTrueFalse")
    );
    assert_eq!(
        r("{{ [1, 0] is any }}{{ [1, 0] is all }}"),
        json!("TrueFalse")
    );
}

#[test]
fn result_tests() {
    assert_eq!(
        r("{{ ok is succeeded }}{{ ok is success }}{{ ok is failed }}{{ ok is changed }}"),
        json!("TrueTrueFalseFalse")
    );
    assert_eq!(
        r("{{ bad is failed }}{{ bad is failure }}{{ bad is changed }}{{ bad is change }}"),
        json!("TrueTrueTrueTrue")
    );
    assert_eq!(
        r("{{ skip is skipped }}{{ skip is skip }}{{ ok is skipped }}"),
        json!("TrueTrueFalse")
    );
    assert_eq!(r("{{ looped is changed }}"), json!(true));
    assert!(error("{{ 'x' is failed }}", json!({})).contains("expects a dictionary"));
}

#[test]
fn path_tests() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    let link = dir.path().join("l");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    let vars = json!({"d": dir.path(), "f": file, "l": link, "m": dir.path().join("missing")});
    let out = render(
        "{{ f is file }}{{ d is directory }}{{ l is link }}{{ f is link }}{{ m is exists }}{{ f is exists }}{{ f is abs }}{{ 'rel' is abs }}",
        vars,
    );
    assert_eq!(out, json!("TrueTrueTrueFalseFalseTrueTrueFalse"));
}
