//! Ansible's native-type rule and the conversions between JSON and minijinja values.
//!
//! A string that is exactly `{{ expr }}` keeps the expression's type; everything else renders
//! to text. Knows nothing of scopes or environments.

use indexmap::IndexMap;
use minijinja::value::{Value, ValueKind};
use serde_json::Value as Json;

use super::pyrepr;

/// Whether `s` holds any Jinja markup at all (a plain string never reaches minijinja).
pub(crate) fn has_markup(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// Whether any string inside `v` holds Jinja markup.
pub(crate) fn json_has_markup(v: &Json) -> bool {
    match v {
        Json::String(s) => has_markup(s),
        Json::Array(items) => items.iter().any(json_has_markup),
        Json::Object(map) => map.iter().any(|(k, v)| has_markup(k) || json_has_markup(v)),
        _ => false,
    }
}

/// The expression of a string that is exactly one `{{ expr }}`, trimmed.
pub(crate) fn single_expression(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    // A second expression or a block makes it text; other look-alikes (`{'a': {}}}`) fail to
    // compile as one expression and are rendered as text then.
    if has_markup(inner) || inner.trim().is_empty() {
        return None;
    }
    Some(inner.trim())
}

/// A JSON value as a minijinja value (maps keep their order).
pub(crate) fn to_value(v: &Json) -> Value {
    match v {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => items.iter().map(to_value).collect(),
        Json::Object(map) => {
            let map: IndexMap<Value, Value> = map
                .iter()
                .map(|(k, v)| (Value::from(k.as_str()), to_value(v)))
                .collect();
            Value::from_object(map)
        }
    }
}

/// A minijinja value as JSON; fails on an undefined value anywhere inside it.
pub(crate) fn to_json(v: &Value) -> Result<Json, String> {
    Ok(match v.kind() {
        ValueKind::Undefined => return Err("the result holds an undefined value".into()),
        ValueKind::Invalid => return Err(v.to_string()),
        ValueKind::None => Json::Null,
        ValueKind::Bool => Json::Bool(v.is_true()),
        ValueKind::Number => number_to_json(v),
        ValueKind::String => Json::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Bytes => {
            Json::String(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned())
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let iter = v.try_iter().map_err(|e| e.to_string())?;
            Json::Array(iter.map(|item| to_json(&item)).collect::<Result<_, _>>()?)
        }
        ValueKind::Map => {
            let mut out = serde_json::Map::new();
            for key in v.try_iter().map_err(|e| e.to_string())? {
                let item = v.get_item(&key).map_err(|e| e.to_string())?;
                out.insert(pyrepr::to_str(&key), to_json(&item)?);
            }
            Json::Object(out)
        }
        _ => Json::String(pyrepr::to_str(v)),
    })
}

fn number_to_json(v: &Value) -> Json {
    if v.is_integer() {
        if let Ok(i) = i64::try_from(v.clone()) {
            return Json::from(i);
        }
        if let Ok(u) = u64::try_from(v.clone()) {
            return Json::from(u);
        }
    }
    let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
    serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
}
