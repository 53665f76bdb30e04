//! Values against one option of a role's argument spec, as Ansible's type checkers judge
//! them: conversion to an option's type (with Ansible's messages), Python's `==` and `str()`
//! for choices, and the class names Ansible 2.19 shows for values read from YAML. Pure:
//! knows nothing of specs, tasks or hosts.

use crate::template::python_repr as py_repr;
use serde_json::{Map, Value};

/// The booleans Ansible accepts, in the order its message lists them.
pub(super) const VALID_BOOLEANS: &str =
    "'true', 1, '1', 0, 'y', 'yes', 'false', 'on', 'n', 'off', 'f', 't', 'no', '0'";

/// A `'True'`/`'False'` string (a boolean converted to text) matches the one choice that
/// is a boolean word of the same truth, as Ansible allows.
pub(super) fn bool_word_choice(v: &Value, choices: &[Value]) -> bool {
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
pub(super) fn py_eq(a: &Value, b: &Value) -> bool {
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
pub(super) fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// How Ansible 2.19 shows the class of a value read from YAML in a conversion message.
pub(super) fn class_of(v: &Value) -> &'static str {
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

/// The bare class name of a value read from YAML (`_AnsibleTaggedInt`, `bool`).
pub(super) fn class_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "_AnsibleTaggedFloat",
        Value::Number(_) => "_AnsibleTaggedInt",
        Value::String(_) => "_AnsibleTaggedStr",
        Value::Array(_) => "_AnsibleTaggedList",
        Value::Object(_) => "_AnsibleTaggedDict",
    }
}

/// The value converted to `wanted` as Ansible's type checkers do, or their message.
pub(super) fn convert(wanted: &str, v: &Value) -> Result<Value, String> {
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

pub(super) fn to_dict(v: &Value) -> Result<Value, String> {
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
