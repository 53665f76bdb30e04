//! Checking values against a role's argument spec (the options of one entry point of
//! `meta/argument_specs.yml`), as Ansible's argument validation does for
//! `validate_argument_spec`: defaults filled in first, then required options, types and list
//! elements (in spec order), choices, and role parameters the spec does not name; the
//! messages are Ansible's. Values are only checked: the converted values and defaults are not
//! handed back (Ansible 2.19 does not set them as variables). Pure: knows nothing of tasks,
//! hosts or templates. The spec keys it understands are the ones the loader lets through.

use crate::template::python_repr as py_repr;
use serde_json::{Map, Value};

/// The booleans Ansible accepts, in the order its message lists them.
const VALID_BOOLEANS: &str =
    "'true', 1, '1', 0, 'y', 'yes', 'false', 'on', 'n', 'off', 'f', 't', 'no', '0'";

/// Every problem of `params` (values from variables, role parameters over them) against
/// `spec` (option name to its definition); `role_params` are the names given as role
/// parameters, which must be options of the spec.
pub fn validate(
    spec: &Map<String, Value>,
    params: &Map<String, Value>,
    role_params: &[String],
) -> Vec<String> {
    let mut params = params.clone();
    let mut errors = Vec::new();
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
        errors.push(format!(
            "missing required arguments: {}",
            missing.join(", ")
        ));
    }
    for (name, def) in spec {
        let Some(value) = params.get(name).cloned() else {
            continue;
        };
        let required = def.get("required") == Some(&Value::Bool(true));
        if value.is_null() && !required && def.get("default").is_none_or(Value::is_null) {
            continue;
        }
        let wanted = def.get("type").and_then(Value::as_str).unwrap_or("str");
        match convert(wanted, &value) {
            Ok(converted) => {
                if let Some(elem) = def.get("elements").and_then(Value::as_str) {
                    let items = converted.as_array().cloned().unwrap_or_default();
                    let mut out = Vec::new();
                    for item in items {
                        match convert(elem, &item) {
                            Ok(c) => out.push(c),
                            Err(e) => {
                                errors.push(format!(
                                    "Elements value for option '{name}' is of type {} and we \
                                     were unable to convert to {elem}: {e}",
                                    crate::template::python_type(&item)
                                ));
                                out.push(item);
                            }
                        }
                    }
                    params.insert(name.clone(), Value::Array(out));
                } else {
                    params.insert(name.clone(), converted);
                }
            }
            Err(e) => errors.push(format!(
                "argument '{name}' is of type {} and we were unable to convert to {wanted}: {e}",
                crate::template::python_type(&value)
            )),
        }
    }
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
                        "value of {name} must be one or more of: {}. Got no match for: {}",
                        shown(),
                        stray.join(", ")
                    ));
                }
            }
            v if !choices.iter().any(|c| py_eq(c, v)) && !bool_word_choice(v, choices) => {
                errors.push(format!(
                    "value of {name} must be one of: {}, got: {}",
                    shown(),
                    py_str(v)
                ));
            }
            _ => {}
        }
    }
    let mut unsupported: Vec<&str> = role_params
        .iter()
        .filter(|p| !spec.contains_key(*p))
        .map(String::as_str)
        .collect();
    if !unsupported.is_empty() {
        unsupported.sort();
        let mut names: Vec<&str> = spec.keys().map(String::as_str).collect();
        names.sort();
        errors.push(format!(
            "{}. Supported parameters include: {}.",
            unsupported.join(", "),
            names.join(", ")
        ));
    }
    errors
}

/// A `'True'`/`'False'` string (a boolean converted to text) matches the one choice that
/// is a boolean word of the same truth, as Ansible allows.
fn bool_word_choice(v: &Value, choices: &[Value]) -> bool {
    let words: &[&str] = match v.as_str() {
        Some("True") => &["y", "yes", "on", "1", "true", "t"],
        Some("False") => &["n", "no", "off", "0", "false", "f"],
        _ => return false,
    };
    let overlap = choices
        .iter()
        .filter(|c| c.as_str().is_some_and(|s| words.contains(&s)))
        .count();
    overlap == 1
}

/// Python's `==` between two values from YAML (`1 == 1.0 == True`).
fn py_eq(a: &Value, b: &Value) -> bool {
    let num = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Python's `str(value)`.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// How Ansible 2.19 shows the class of a value read from YAML in a conversion message.
fn class_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_f64() => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedFloat'>"
        }
        Value::Number(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'>",
        Value::String(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'>",
        Value::Array(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedList'>",
        Value::Object(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedDict'>",
    }
}

/// The value converted to `wanted` as Ansible's type checkers do, or their message.
fn convert(wanted: &str, v: &Value) -> Result<Value, String> {
    match wanted {
        "str" | "path" => Ok(Value::String(match v {
            Value::Null => String::new(),
            other => py_str(other),
        })),
        "raw" => Ok(v.clone()),
        "int" => to_int(v)
            .map(Value::from)
            .or_else(|| v.as_bool().map(Value::Bool))
            .ok_or_else(|| format!("\"{}\" cannot be converted to an int", py_repr(v))),
        "float" => to_float(v)
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{} cannot be converted to a float", class_of(v))),
        "bool" => to_bool(v).map(Value::Bool),
        "list" => match v {
            Value::Array(_) => Ok(v.clone()),
            Value::String(s) => Ok(Value::Array(
                s.split(',').map(|p| Value::String(p.into())).collect(),
            )),
            Value::Number(_) | Value::Bool(_) => Ok(Value::Array(vec![Value::String(py_str(v))])),
            _ => Err(format!("{} cannot be converted to a list", class_of(v))),
        },
        "dict" => to_dict(v),
        // The loader refuses every other type.
        other => Err(format!("the type '{other}' is not supported by rsible")),
    }
}

fn to_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
        }),
        Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>().ok().or_else(|| {
                let f: f64 = t.parse().ok()?;
                (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
            })
        }
        _ => None,
    }
}

fn to_float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => s.trim().parse().ok().filter(|f: &f64| f.is_finite()),
        _ => None,
    }
}

fn to_bool(v: &Value) -> Result<bool, String> {
    let word = match v {
        Value::Bool(b) => return Ok(*b),
        Value::String(s) => s.trim().to_lowercase(),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => return Ok(true),
            Some(0.0) => return Ok(false),
            _ => n.to_string(),
        },
        other => return Err(format!("{} cannot be converted to a bool", class_of(other))),
    };
    match word.as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" => Ok(true),
        "n" | "no" | "off" | "0" | "false" | "f" => Ok(false),
        _ => Err(format!(
            "The value '{}' is not a valid boolean. Valid booleans include: {VALID_BOOLEANS}",
            py_str(v)
        )),
    }
}

fn to_dict(v: &Value) -> Result<Value, String> {
    let Value::String(s) = v else {
        return match v {
            Value::Object(_) => Ok(v.clone()),
            other => Err(format!("{} cannot be converted to a dict", class_of(other))),
        };
    };
    if s.starts_with('{') {
        return match serde_json::from_str::<Value>(s) {
            Ok(d @ Value::Object(_)) => Ok(d),
            // Ansible's `literal_eval`, as the inventory reads Python literals.
            _ => match crate::inventory::parse_ini_value(s) {
                d @ Value::Object(_) => Ok(d),
                _ => Err("unable to evaluate string as dictionary".into()),
            },
        };
    }
    if !s.contains('=') {
        return Err("dictionary requested, could not parse JSON or key=value".into());
    }
    let mut out = Map::new();
    for field in key_value_fields(s.trim()) {
        let Some((k, val)) = field.split_once('=') else {
            return Err(
                "unable to evaluate string in the \"key=value\" format as dictionary".into(),
            );
        };
        out.insert(k.to_string(), Value::String(val.to_string()));
    }
    Ok(Value::Object(out))
}

/// `a=1 b='x y',c=2` split into fields at unquoted spaces and commas, quotes removed and
/// backslash escapes kept literally, as Ansible's dict checker does.
fn key_value_fields(s: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut buf = String::new();
    let mut quote: Option<char> = None;
    let mut escape = false;
    for c in s.chars() {
        if escape {
            buf.push(c);
            escape = false;
        } else if c == '\\' {
            escape = true;
        } else if quote.is_none() && (c == '\'' || c == '"') {
            quote = Some(c);
        } else if quote == Some(c) {
            quote = None;
        } else if quote.is_none() && (c == ',' || c == ' ') {
            if !buf.is_empty() {
                fields.push(std::mem::take(&mut buf));
            }
        } else {
            buf.push(c);
        }
    }
    if !buf.is_empty() {
        fields.push(buf);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
