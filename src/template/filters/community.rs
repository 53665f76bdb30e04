//! community.general's data filters: `json_query` (JMESPath, through the `jmespath` crate;
//! ansible-core also resolves the short name `json_query` to it), `dict` and `dict_kv`
//! (collection names only, as Ansible). Knows nothing of scopes.

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error};

use super::{defined, fail, json, value};

/// The collection's prefix.
const NS: &str = "community.general.";

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("json_query", json_query);
    env.add_filter(format!("{NS}json_query"), json_query);
    env.add_filter(format!("{NS}dict"), dict);
    env.add_filter(format!("{NS}dict_kv"), dict_kv);
}

/// Object keys come back sorted: the crate keeps objects in a sorted map, where Python's
/// jmespath keeps the input's (or the expression's) order.
fn json_query(data: &Value, expr: &str) -> Result<Value, Error> {
    let data = json(data)?;
    let compiled = jmespath::compile(expr)
        .map_err(|e| fail(format!("JMESPathError in json_query filter plugin:\n{e}")))?;
    let found = compiled
        .search(data)
        .map_err(|e| fail(format!("JMESPathError in json_query filter plugin:\n{e}")))?;
    let out = serde_json::to_value(&*found).map_err(|e| {
        fail(format!(
            "Error in jmespath.search in json_query filter plugin:\n{e}"
        ))
    })?;
    Ok(value(&out))
}

/// Python's `dict(pairs)`: a list of two-item sequences (or a mapping) as a dictionary.
fn dict(v: &Value) -> Result<Value, Error> {
    defined(v)?;
    if v.kind() == ValueKind::Map {
        let mut out = indexmap::IndexMap::new();
        for k in v.try_iter()? {
            let item = v.get_item(&k)?;
            out.insert(k, item);
        }
        return Ok(Value::from_object(out));
    }
    let mut out = indexmap::IndexMap::new();
    for (i, pair) in v.try_iter()?.enumerate() {
        let items: Vec<Value> = pair
            .try_iter()
            .map_err(|_| {
                fail(format!(
                    "cannot convert dictionary update sequence element #{i} to a sequence"
                ))
            })?
            .collect();
        let [k, x] = items.as_slice() else {
            return Err(fail(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                items.len()
            )));
        };
        out.insert(k.clone(), x.clone());
    }
    Ok(Value::from_object(out))
}

/// `{key: value}`.
fn dict_kv(v: &Value, key: &Value) -> Result<Value, Error> {
    defined(v)?;
    defined(key)?;
    let out: indexmap::IndexMap<Value, Value> = [(key.clone(), v.clone())].into_iter().collect();
    Ok(Value::from_object(out))
}
