//! Checking values against a role's argument spec (the options of one entry point of
//! `meta/argument_specs.yml`), as Ansible's argument validation does for
//! `validate_argument_spec`, level by level: the shape of sub-option values, unknown
//! sub-options, defaults, required options, types and list elements (in spec order), choices,
//! then each dict (or list of dicts) option with `options` checked the same way, its messages
//! naming where they were found. Values are only checked: the converted values and defaults
//! are not handed back (Ansible 2.19 does not set them as variables). Pure: knows nothing of
//! tasks, hosts or templates. The spec keys it understands are the ones the loader lets
//! through.

use super::arg_convert::{bool_word_choice, class_name, convert, py_eq, py_str, to_dict};
use serde_json::{Map, Value};

/// Every problem of `params` (values from variables, role parameters over them) against
/// `spec` (option name to its definition); `role_params` are the names given as role
/// parameters, which must be options of the spec.
pub fn validate(
    spec: &Map<String, Value>,
    params: &Map<String, Value>,
    role_params: &[String],
) -> Vec<String> {
    let mut params = params.clone();
    let mut found = Found::default();
    for p in role_params.iter().filter(|p| !spec.contains_key(*p)) {
        found.unsupported.push((p.clone(), sorted_names(spec)));
    }
    level(spec, &mut params, &[], &mut found);
    let mut errors = found.errors;
    found.unsupported.sort();
    if let Some((_, supported)) = found.unsupported.last() {
        // Ansible lists the options of the level of one unsupported name (the last of a
        // set, in no fixed order); rsible takes the last name in sorted order.
        let names: Vec<&str> = found.unsupported.iter().map(|(n, _)| n.as_str()).collect();
        errors.push(format!(
            "{}. Supported parameters include: {}.",
            names.join(", "),
            supported.join(", ")
        ));
    }
    errors
}

/// What the levels found: the messages in order, and each unsupported name (dotted from
/// the top) with the options of its level.
#[derive(Default)]
struct Found {
    errors: Vec<String>,
    unsupported: Vec<(String, Vec<String>)>,
}

fn sorted_names(spec: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> = spec.keys().cloned().collect();
    names.sort();
    names
}

/// Whether option `def` takes sub-options: a dict, or a list of dicts, with `options`.
fn sub_spec(def: &Value) -> Option<&Map<String, Value>> {
    let dicts = match def.get("type").and_then(Value::as_str) {
        Some("dict") => true,
        Some("list") => def.get("elements").and_then(Value::as_str) == Some("dict"),
        _ => false,
    };
    def.get("options")
        .and_then(Value::as_object)
        .filter(|_| dicts)
}

/// The items of a dict-or-list-of-dicts value.
fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

/// The first value given to a sub-option spec that is not a mapping, searched depth first
/// before anything else is checked (Ansible finds it while listing `no_log` values).
fn shape_error(spec: &Map<String, Value>, params: &Map<String, Value>) -> Option<String> {
    for (name, def) in spec {
        let (Some(sub), Some(value)) = (sub_spec(def), params.get(name)) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let wanted = def.get("type").and_then(Value::as_str).unwrap_or_default();
        for item in items(value) {
            let item = match item {
                Value::String(_) => match to_dict(&item) {
                    Ok(d) => d,
                    Err(e) => return Some(e),
                },
                other => other,
            };
            let Value::Object(m) = &item else {
                return Some(format!(
                    "Value '{}' in the sub parameter field '{name}' must be a {wanted}, not \
                     '{}'",
                    py_str(&item),
                    class_name(&item)
                ));
            };
            if let Some(e) = shape_error(sub, m) {
                return Some(e);
            }
        }
    }
    None
}

/// ` found in a -> b` (with `quote`, `'a -> b'`) when `ctx` names a sub-option level.
fn found_in(ctx: &[String], quote: bool) -> String {
    if ctx.is_empty() {
        return String::new();
    }
    let path = ctx.join(" -> ");
    if quote {
        format!(" found in '{path}'")
    } else {
        format!(" found in {path}")
    }
}

/// One level of options: `params` checked against `spec`, `ctx` the option names above it.
fn level(
    spec: &Map<String, Value>,
    params: &mut Map<String, Value>,
    ctx: &[String],
    found: &mut Found,
) {
    if let Some(e) = shape_error(spec, params) {
        found.errors.push(e);
    }
    if !ctx.is_empty() {
        for k in params.keys().filter(|k| !spec.contains_key(*k)) {
            let mut path = ctx.to_vec();
            path.push(k.clone());
            found.unsupported.push((path.join("."), sorted_names(spec)));
        }
    }
    for (name, def) in spec {
        if let Some(d) = def.get("default").filter(|d| !d.is_null()) {
            params.entry(name.clone()).or_insert_with(|| d.clone());
        }
    }
    let mut missing: Vec<&str> = spec
        .iter()
        .filter(|(n, d)| d.get("required") == Some(&Value::Bool(true)) && !params.contains_key(*n))
        .map(|(n, _)| n.as_str())
        .collect();
    if !missing.is_empty() {
        missing.sort();
        found.errors.push(format!(
            "missing required arguments: {}{}",
            missing.join(", "),
            found_in(ctx, false)
        ));
    }
    types(spec, params, ctx, &mut found.errors);
    choices(spec, params, ctx, &mut found.errors);
    for name in spec.keys() {
        params.entry(name.clone()).or_insert(Value::Null);
    }
    for (name, def) in spec {
        let Some(sub) = sub_spec(def) else { continue };
        let Some(value) = params.get_mut(name).filter(|v| !v.is_null()) else {
            continue;
        };
        let mut path = ctx.to_vec();
        path.push(name.clone());
        let mut one = Vec::new();
        let elements = match value {
            Value::Array(a) => a,
            other => {
                one.push(other.clone());
                &mut one
            }
        };
        for element in elements.iter_mut() {
            let Value::Object(m) = element else {
                found.errors.push(format!(
                    "value of '{name}' must be of type dict or list of dicts"
                ));
                continue;
            };
            level(sub, m, &path, found);
        }
    }
}

/// Each option's value converted to its type, and its list elements to theirs.
fn types(
    spec: &Map<String, Value>,
    params: &mut Map<String, Value>,
    ctx: &[String],
    errors: &mut Vec<String>,
) {
    for (name, def) in spec {
        let Some(value) = params.get(name).cloned() else {
            continue;
        };
        let required = def.get("required") == Some(&Value::Bool(true));
        if value.is_null() && !required && def.get("default").is_none_or(Value::is_null) {
            continue;
        }
        let wanted = def.get("type").and_then(Value::as_str).unwrap_or("str");
        let converted = match convert(wanted, &value) {
            Ok(c) => c,
            Err(e) => {
                let at = found_in(ctx, true);
                let at = if at.is_empty() { at } else { format!("{at}.") };
                errors.push(format!(
                    "argument '{name}' is of type {}{at} and we were unable to convert to \
                     {wanted}: {e}",
                    crate::template::python_type(&value)
                ));
                continue;
            }
        };
        let Some(elem) = def.get("elements").and_then(Value::as_str) else {
            params.insert(name.clone(), converted);
            continue;
        };
        // An element that does not convert is left out, as Ansible leaves it out.
        let mut out = Vec::new();
        for item in converted.as_array().cloned().unwrap_or_default() {
            match convert(elem, &item) {
                Ok(c) => out.push(c),
                Err(e) => errors.push(format!(
                    "Elements value for option '{name}'{} is of type {} and we were unable \
                     to convert to {elem}: {e}",
                    found_in(ctx, true),
                    crate::template::python_type(&item)
                )),
            }
        }
        params.insert(name.clone(), Value::Array(out));
    }
}

/// Each value with `choices` among them.
fn choices(
    spec: &Map<String, Value>,
    params: &Map<String, Value>,
    ctx: &[String],
    errors: &mut Vec<String>,
) {
    for (name, def) in spec {
        let (Some(Value::Array(choices)), Some(value)) = (def.get("choices"), params.get(name))
        else {
            continue;
        };
        let shown = || choices.iter().map(py_str).collect::<Vec<_>>().join(", ");
        match value {
            Value::Array(items) => {
                let stray: Vec<String> = items
                    .iter()
                    .filter(|i| !choices.iter().any(|c| py_eq(c, i)))
                    .map(py_str)
                    .collect();
                if !stray.is_empty() {
                    errors.push(format!(
                        "value of {name} must be one or more of: {}. Got no match for: {}{}",
                        shown(),
                        stray.join(", "),
                        found_in(ctx, false)
                    ));
                }
            }
            v if !choices.iter().any(|c| py_eq(c, v)) && !bool_word_choice(v, choices) => {
                errors.push(format!(
                    "value of {name} must be one of: {}, got: {}{}",
                    shown(),
                    py_str(v),
                    found_in(ctx, false)
                ));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::arg_convert::VALID_BOOLEANS;
    use serde_json::json;

    fn spec() -> Map<String, Value> {
        json!({
            "name_s": {"type": "str", "required": true},
            "count": {"type": "int", "default": 3},
            "flag": {"type": "bool"},
            "ratio": {"type": "float"},
            "items_l": {"type": "list", "elements": "int"},
            "mode": {"type": "str", "choices": ["a", "b"]},
            "d": {"type": "dict"},
            "anything": {}
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn check(params: Value, role_params: &[&str]) -> Vec<String> {
        let p = params.as_object().cloned().unwrap_or_default();
        let r: Vec<String> = role_params.iter().map(|s| s.to_string()).collect();
        validate(&spec(), &p, &r)
    }

    #[test]
    fn valid_values_convert() {
        let ok = check(
            json!({"name_s": [1], "count": "5.0", "flag": "off", "ratio": "2.5",
                   "items_l": "1,2", "mode": "b", "d": "a=1 b='x y'", "anything": 1}),
            &["name_s"],
        );
        assert_eq!(ok, Vec::<String>::new());
        assert!(check(json!({"name_s": 1, "d": "{'a': 1, 'b': True}"}), &[]).is_empty());
        assert!(check(json!({"name_s": 1, "d": "{\"a\": 1}", "count": 5.0}), &[]).is_empty());
    }

    #[test]
    fn messages_are_ansibles() {
        assert_eq!(
            check(json!({}), &[]),
            vec!["missing required arguments: name_s".to_string()]
        );
        let e = check(
            json!({"name_s": "x", "count": "abc", "flag": "maybe", "items_l": ["a"], "mode": "c",
                   "d": 3, "extra": 1}),
            &["extra", "name_s"],
        );
        assert_eq!(
            e,
            vec![
                "argument 'count' is of type str and we were unable to convert to int: \"'abc'\" cannot be converted to an int".to_string(),
                format!("argument 'flag' is of type str and we were unable to convert to bool: The value 'maybe' is not a valid boolean. Valid booleans include: {VALID_BOOLEANS}"),
                "Elements value for option 'items_l' is of type str and we were unable to convert to int: \"'a'\" cannot be converted to an int".to_string(),
                "argument 'd' is of type int and we were unable to convert to dict: <class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'> cannot be converted to a dict".to_string(),
                "value of mode must be one of: a, b, got: c".to_string(),
                "extra. Supported parameters include: anything, count, d, flag, items_l, mode, name_s, ratio.".to_string(),
            ]
        );
        assert_eq!(
            check(json!({"name_s": "x", "count": 5.5, "d": "a=1,b"}), &[]),
            vec![
                "argument 'count' is of type float and we were unable to convert to int: \"5.5\" cannot be converted to an int".to_string(),
                "argument 'd' is of type str and we were unable to convert to dict: unable to evaluate string in the \"key=value\" format as dictionary".to_string(),
            ]
        );
    }

    #[test]
    fn none_is_skipped_unless_required() {
        assert!(check(json!({"name_s": "x", "flag": null, "mode": null}), &[]).len() == 1);
        assert_eq!(
            check(json!({"name_s": null}), &[]),
            Vec::<String>::new(),
            "None converts to an empty string"
        );
    }

    /// The spec and values of a run of ansible-playbook 2.19 (role `sub`, variables
    /// `rels` and `common`), with the messages it printed.
    #[test]
    fn sub_options_as_ansible() {
        let spec = json!({
            "rels": {"type": "list", "elements": "dict", "required": true, "options": {
                "name": {"type": "str", "required": true},
                "count": {"type": "int"},
                "wait": {"type": "bool", "default": true},
                "mode": {"type": "str", "choices": ["a", "b"]},
                "tags_l": {"type": "list", "elements": "int"}}},
            "common": {"type": "dict", "default": {}, "options": {
                "flag": {"type": "bool", "default": true},
                "inner": {"type": "dict", "options": {
                    "deep": {"type": "int", "required": true}}}}}
        });
        let spec = spec.as_object().cloned().unwrap_or_default();
        let params = json!({
            "rels": [{"name": "x", "count": "3", "wait": "no"},
                     {"count": "abc", "extra": 1, "mode": "c", "tags_l": [1, "x"]}, 5],
            "common": {"flag": "maybe", "inner": {}, "other": 2}
        });
        let params = params.as_object().cloned().unwrap_or_default();
        let tagged = "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'>";
        assert_eq!(
            validate(&spec, &params, &[]),
            vec![
                "Value '5' in the sub parameter field 'rels' must be a list, not '_AnsibleTaggedInt'".to_string(),
                format!("Elements value for option 'rels' is of type int and we were unable to convert to dict: {tagged} cannot be converted to a dict"),
                "missing required arguments: name found in rels".to_string(),
                "argument 'count' is of type str found in 'rels'. and we were unable to convert to int: \"'abc'\" cannot be converted to an int".to_string(),
                "Elements value for option 'tags_l' found in 'rels' is of type str and we were unable to convert to int: \"'x'\" cannot be converted to an int".to_string(),
                "value of mode must be one of: a, b, got: c found in rels".to_string(),
                format!("argument 'flag' is of type str found in 'common'. and we were unable to convert to bool: The value 'maybe' is not a valid boolean. Valid booleans include: {VALID_BOOLEANS}"),
                "missing required arguments: deep found in common -> inner".to_string(),
                "common.other, rels.extra. Supported parameters include: count, mode, name, tags_l, wait.".to_string(),
            ]
        );
        let good = json!({"rels": [{"name": "y"}], "common": {"inner": {"deep": "4"}}});
        let good = good.as_object().cloned().unwrap_or_default();
        assert!(validate(&spec, &good, &[]).is_empty());
        let bad = json!({"rels": "name=z", "common": "junk"});
        let bad = bad.as_object().cloned().unwrap_or_default();
        let junk = "dictionary requested, could not parse JSON or key=value";
        assert_eq!(
            validate(&spec, &bad, &[]),
            vec![
                junk.to_string(),
                format!("argument 'common' is of type str and we were unable to convert to dict: {junk}"),
                "value of 'common' must be of type dict or list of dicts".to_string(),
            ]
        );
    }
}
