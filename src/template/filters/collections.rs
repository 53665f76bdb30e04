//! List and dict filters from Ansible: combine, dict2items, items2dict, flatten, the set
//! filters (union, intersect, difference, symmetric_difference), product and extract.
//! Knows nothing of scopes.

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};
use serde_json::{Map, Value as Json};

use super::{defined, fail, json, value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("flatten", flatten);
    env.add_filter("union", union);
    env.add_filter("intersect", intersect);
    env.add_filter("difference", difference);
    env.add_filter("symmetric_difference", symmetric_difference);
    env.add_filter("product", product);
    env.add_filter("extract", extract);
}

#[derive(Clone, Copy, PartialEq)]
enum ListMerge {
    Replace,
    Keep,
    Append,
    Prepend,
    AppendRp,
    PrependRp,
}

fn combine(v: &Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    let list_merge = match kwargs.get::<Option<String>>("list_merge")?.as_deref() {
        None | Some("replace") => ListMerge::Replace,
        Some("keep") => ListMerge::Keep,
        Some("append") => ListMerge::Append,
        Some("prepend") => ListMerge::Prepend,
        Some("append_rp") => ListMerge::AppendRp,
        Some("prepend_rp") => ListMerge::PrependRp,
        Some(other) => {
            return Err(fail(format!(
                "'{other}' is not a valid list_merge value (replace, keep, append, prepend, append_rp, prepend_rp)"
            )))
        }
    };
    kwargs.assert_all_used()?;
    let mut dicts = Vec::new();
    for term in std::iter::once(v).chain(others.iter()) {
        match json(term)? {
            Json::Array(items) => dicts.extend(items),
            other => dicts.push(other),
        }
    }
    let mut out = Map::new();
    for d in dicts {
        let Json::Object(d) = d else {
            return Err(fail(format!(
                "combine expects dictionaries, got {}",
                kind_name(&d)
            )));
        };
        out = merge(out, d, recursive, list_merge);
    }
    Ok(value(&Json::Object(out)))
}

fn merge(
    mut x: Map<String, Json>,
    y: Map<String, Json>,
    recursive: bool,
    lm: ListMerge,
) -> Map<String, Json> {
    for (key, y_value) in y {
        let Some(x_value) = x.get_mut(&key) else {
            x.insert(key, y_value);
            continue;
        };
        match (x_value, y_value) {
            (Json::Object(xm), Json::Object(ym)) if recursive => {
                let merged = merge(std::mem::take(xm), ym, recursive, lm);
                *xm = merged;
            }
            (Json::Array(xs), Json::Array(ys)) => match lm {
                ListMerge::Replace => *xs = ys,
                ListMerge::Keep => {}
                ListMerge::Append => xs.extend(ys),
                ListMerge::Prepend => {
                    let old = std::mem::replace(xs, ys);
                    xs.extend(old);
                }
                ListMerge::AppendRp => {
                    xs.retain(|z| !ys.contains(z));
                    xs.extend(ys);
                }
                ListMerge::PrependRp => {
                    let old: Vec<Json> = std::mem::take(xs)
                        .into_iter()
                        .filter(|z| !ys.contains(z))
                        .collect();
                    *xs = ys;
                    xs.extend(old);
                }
            },
            (slot, y_value) => *slot = y_value,
        }
    }
    x
}

fn kind_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "NoneType",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "str",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
    }
}

fn names(kwargs: &Kwargs) -> Result<(String, String), Error> {
    let key = kwargs
        .get::<Option<String>>("key_name")?
        .unwrap_or_else(|| "key".into());
    let val = kwargs
        .get::<Option<String>>("value_name")?
        .unwrap_or_else(|| "value".into());
    kwargs.assert_all_used()?;
    Ok((key, val))
}

fn dict2items(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    let (key_name, value_name) = names(&kwargs)?;
    if v.kind() != ValueKind::Map {
        return Err(fail(format!(
            "dict2items requires a dictionary, got {}",
            v.kind()
        )));
    }
    let mut out = Vec::new();
    for key in v.try_iter()? {
        let item = v.get_item(&key)?;
        let entry: indexmap::IndexMap<Value, Value> = [
            (Value::from(key_name.as_str()), key),
            (Value::from(value_name.as_str()), item),
        ]
        .into_iter()
        .collect();
        out.push(Value::from_object(entry));
    }
    Ok(Value::from(out))
}

fn items2dict(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    let (key_name, value_name) = names(&kwargs)?;
    let mut out = indexmap::IndexMap::new();
    for item in v.try_iter()? {
        let key = item.get_attr(&key_name)?;
        let val = item.get_attr(&value_name)?;
        if key.is_undefined() || val.is_undefined() {
            return Err(fail(format!(
                "items2dict requires each item to have '{key_name}' and '{value_name}' keys"
            )));
        }
        out.insert(key, val);
    }
    Ok(Value::from_object(out))
}

fn is_list(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable)
}

fn flatten_into(
    out: &mut Vec<Value>,
    v: &Value,
    levels: Option<i64>,
    skip_nulls: bool,
) -> Result<(), Error> {
    for item in v.try_iter()? {
        let null_word = matches!(item.as_str(), Some("None" | "null"));
        if skip_nulls && (item.is_none() || null_word) {
            continue;
        }
        match levels {
            _ if !is_list(&item) => out.push(item),
            None => flatten_into(out, &item, None, skip_nulls)?,
            Some(n) if n >= 1 => flatten_into(out, &item, Some(n - 1), skip_nulls)?,
            Some(_) => out.push(item),
        }
    }
    Ok(())
}

fn flatten(v: &Value, levels: Option<i64>, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get::<Option<i64>>("levels")?,
    };
    let skip_nulls = kwargs.get::<Option<bool>>("skip_nulls")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    flatten_into(&mut out, v, levels, skip_nulls)?;
    Ok(Value::from(out))
}

fn items(v: &Value) -> Result<Vec<Value>, Error> {
    defined(v)?;
    Ok(v.try_iter()?.collect())
}

fn unique(items: impl IntoIterator<Item = Value>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Value::from(out)
}

fn union(a: &Value, b: &Value) -> Result<Value, Error> {
    Ok(unique(items(a)?.into_iter().chain(items(b)?)))
}

fn intersect(a: &Value, b: &Value) -> Result<Value, Error> {
    let b = items(b)?;
    Ok(unique(items(a)?.into_iter().filter(|x| b.contains(x))))
}

fn difference(a: &Value, b: &Value) -> Result<Value, Error> {
    let b = items(b)?;
    Ok(unique(items(a)?.into_iter().filter(|x| !b.contains(x))))
}

fn symmetric_difference(a: &Value, b: &Value) -> Result<Value, Error> {
    let (a, b) = (items(a)?, items(b)?);
    let both: Vec<Value> = a.iter().filter(|x| b.contains(x)).cloned().collect();
    Ok(unique(a.into_iter().chain(b).filter(|x| !both.contains(x))))
}

fn product(v: &Value, others: Rest<Value>) -> Result<Value, Error> {
    let mut rows: Vec<Vec<Value>> = items(v)?.into_iter().map(|x| vec![x]).collect();
    for other in others.iter() {
        let other = items(other)?;
        rows = rows
            .into_iter()
            .flat_map(|row| {
                other.iter().map(move |x| {
                    let mut row = row.clone();
                    row.push(x.clone());
                    row
                })
            })
            .collect();
    }
    Ok(Value::from(
        rows.into_iter().map(Value::from).collect::<Vec<_>>(),
    ))
}

fn extract(item: &Value, container: &Value, morekeys: Option<Value>) -> Result<Value, Error> {
    defined(item)?;
    defined(container)?;
    let mut out = container.get_item(item)?;
    if let Some(keys) = morekeys {
        let keys: Vec<Value> = if is_list(&keys) {
            keys.try_iter()?.collect()
        } else {
            vec![keys]
        };
        for key in keys {
            out = out.get_item(&key)?;
        }
    }
    Ok(out)
}
