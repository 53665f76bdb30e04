//! `when:`-style conditions.

use super::*;

fn cond(c: Json, vars: Json) -> Result<bool, String> {
    Templar::new()
        .eval_condition(&c, &scope(vars))
        .map_err(|e| e.message)
}

#[test]
fn bare_and_wrapped_expressions() {
    let vars = json!({"x": 1, "result": {"rc": 2}, "flag": "yes", "off": "no", "l": []});
    assert_eq!(cond(json!("x is defined"), vars.clone()), Ok(true));
    assert_eq!(cond(json!("y is defined"), vars.clone()), Ok(false));
    assert_eq!(cond(json!("result.rc != 0"), vars.clone()), Ok(true));
    assert_eq!(cond(json!("{{ x == 1 }}"), vars.clone()), Ok(true));
    assert_eq!(cond(json!("flag"), vars.clone()), Ok(true));
    assert_eq!(cond(json!("off"), vars.clone()), Ok(false));
    assert_eq!(cond(json!("l"), vars.clone()), Ok(false));
    assert_eq!(cond(json!("x"), vars.clone()), Ok(true));
    assert_eq!(cond(json!("not x"), vars), Ok(false));
}

#[test]
fn literals_and_lists() {
    assert_eq!(cond(json!(true), json!({})), Ok(true));
    assert_eq!(cond(json!(false), json!({})), Ok(false));
    assert_eq!(cond(json!(null), json!({})), Ok(true));
    assert_eq!(cond(json!(""), json!({})), Ok(true));
    assert_eq!(cond(json!(["1 == 1", "2 > 1"]), json!({})), Ok(true));
    assert_eq!(cond(json!(["1 == 1", "2 < 1"]), json!({})), Ok(false));
    assert_eq!(cond(json!("True"), json!({})), Ok(true));
}

#[test]
fn condition_errors() {
    assert_eq!(
        cond(json!("nope"), json!({})),
        Err("'nope' is undefined".into())
    );
    assert_eq!(
        cond(json!("nope.x == 1"), json!({})),
        Err("'nope' is undefined".into())
    );
    let msg = cond(json!("x ==="), json!({"x": 1})).unwrap_err();
    assert!(msg.starts_with("template syntax error"), "{msg}");
    assert!(cond(json!({"a": 1}), json!({})).is_err());
}
