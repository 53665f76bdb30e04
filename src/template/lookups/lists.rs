//! Lookups that reshape their terms: `items`, `flattened`, `indexed_items`, `dict`,
//! `together`, `nested`/`cartesian`, `subelements` and `random_choice`. Pure data: knows
//! nothing of files, variables or the scope.

use minijinja::value::{Value, ValueKind};
use minijinja::Error;

use super::super::filters::fail;
use super::super::pyrepr;

fn is_list(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable)
}

fn elements(v: &Value) -> Result<Vec<Value>, Error> {
    Ok(v.try_iter()?.collect())
}

/// Lists among `terms` spliced in one level (`items`).
pub(super) fn flatten_once(terms: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in terms {
        match t.try_iter() {
            Ok(it) if is_list(t) => out.extend(it),
            _ => out.push(t.clone()),
        }
    }
    out
}

/// Lists among `terms` spliced in at every depth (`flattened`).
pub(super) fn flatten_deep(terms: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in terms {
        match t.try_iter() {
            Ok(it) if is_list(t) => out.extend(flatten_deep(&it.collect::<Vec<_>>())),
            _ => out.push(t.clone()),
        }
    }
    out
}

/// `[index, item]` pairs over the once-flattened terms (`indexed_items`).
pub(super) fn indexed(terms: &[Value]) -> Vec<Value> {
    flatten_once(terms)
        .into_iter()
        .enumerate()
        .map(|(i, x)| Value::from(vec![Value::from(i), x]))
        .collect()
}

/// `{key, value}` for every entry of every mapping term (`dict`).
pub(super) fn dict(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for t in terms {
        if t.kind() != ValueKind::Map {
            return Err(fail(format!(
                "the 'dict' lookup plugin expects a dictionary, got '{}' of type <class '{}'>)",
                pyrepr::to_str(t),
                super::super::templar::py_type(t)
            )));
        }
        for key in t.try_iter()? {
            let value = t.get_item(&key)?;
            out.push(Value::from(std::collections::BTreeMap::from([
                ("key", key),
                ("value", value),
            ])));
        }
    }
    Ok(out)
}

/// The terms zipped, shorter lists padded with `None` (`together`).
pub(super) fn together(terms: &[Value]) -> Result<Vec<Value>, Error> {
    if terms.is_empty() {
        return Err(fail(
            "with_together requires at least one element in each list",
        ));
    }
    let lists: Vec<Vec<Value>> = terms
        .iter()
        .map(|t| {
            if is_list(t) {
                elements(t)
            } else {
                Ok(vec![t.clone()])
            }
        })
        .collect::<Result<_, _>>()?;
    let n = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok((0..n)
        .map(|i| {
            let row: Vec<Value> = lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or(Value::from(())))
                .collect();
            Value::from(flatten_once(&row))
        })
        .collect())
}

/// Every combination of one element from each term, each flattened once (`nested`).
pub(super) fn nested(name: &str, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let Some((first, rest)) = terms.split_first() else {
        return Err(fail(format!(
            "with_{name} requires at least one element in the nested list"
        )));
    };
    let as_list = |t: &Value| {
        if is_list(t) {
            elements(t)
        } else {
            Ok(vec![t.clone()])
        }
    };
    let mut acc: Vec<Vec<Value>> = as_list(first)?.into_iter().map(|x| vec![x]).collect();
    for term in rest {
        let next = as_list(term)?;
        acc = acc
            .iter()
            .flat_map(|prefix| {
                next.iter().map(move |y| {
                    let mut combo = prefix.clone();
                    combo.push(y.clone());
                    // `nested` flattens at each step; `cartesian` (community.general) only
                    // each finished combination, as `product(*lists)` then one flatten.
                    if name == "nested" {
                        flatten_once(&combo)
                    } else {
                        combo
                    }
                })
            })
            .collect();
    }
    Ok(acc
        .iter()
        .map(|combo| Value::from(flatten_once(combo)))
        .collect())
}

/// `[parent, child]` for each element of the list at `key` in each parent; the parent keeps
/// every other key (`subelements`, flags `{skip_missing: bool}`).
pub(super) fn subelements(terms: &[Value]) -> Result<Vec<Value>, Error> {
    let bad = |why: &str| {
        fail(format!(
            "subelements lookup expects a list of two or three items, {why}"
        ))
    };
    if !(2..=3).contains(&terms.len()) {
        return Err(bad(""));
    }
    let (parents, key) = (&terms[0], &terms[1]);
    if !matches!(parents.kind(), ValueKind::Seq | ValueKind::Map) || key.kind() != ValueKind::String
    {
        return Err(bad(
            "first a dict or a list, second a string pointing to the subkey",
        ));
    }
    let skip_missing = match terms.get(2) {
        None => false,
        Some(f) if f.kind() == ValueKind::Map => {
            for k in f.try_iter()? {
                if k.as_str() != Some("skip_missing") {
                    return Err(bad(
                        "the optional third item must be a dict with flags ('skip_missing',)",
                    ));
                }
            }
            super::super::truth::to_bool(&f.get_attr("skip_missing")?)
        }
        Some(_) => {
            return Err(bad(
                "the optional third item must be a dict with flags ('skip_missing',)",
            ))
        }
    };
    let json = |v: &Value| super::super::native::to_json(v).map_err(fail);
    let list: Vec<serde_json::Value> = match json(parents)? {
        serde_json::Value::Object(m)
            if m.get("skipped")
                .is_some_and(|s| s != &serde_json::Value::Bool(false)) =>
        {
            return Ok(Vec::new())
        }
        serde_json::Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
        serde_json::Value::Array(a) => a,
        _ => Vec::new(),
    };
    let path: Vec<&str> = key.as_str().unwrap_or_default().split('.').collect();
    let mut out = Vec::new();
    for mut parent in list {
        let serde_json::Value::Object(m) = &parent else {
            return Err(fail(format!(
                "subelements lookup expects a dictionary, got '{}'",
                py(&parent)
            )));
        };
        if m.get("skipped")
            .is_some_and(|s| s != &serde_json::Value::Bool(false))
        {
            continue;
        }
        let Some(children) = take_children(&mut parent, &path, skip_missing)? else {
            continue;
        };
        for child in children {
            out.push(super::super::native::to_value(&serde_json::json!([
                parent.clone(),
                child
            ])));
        }
    }
    Ok(out)
}

/// Removes and returns the list at `path` in `parent` (`None`: missing and skipped).
fn take_children(
    parent: &mut serde_json::Value,
    path: &[&str],
    skip_missing: bool,
) -> Result<Option<Vec<serde_json::Value>>, Error> {
    let shown = py(parent);
    let mut cur = parent;
    for (i, part) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if !cur.as_object().is_some_and(|m| m.contains_key(*part)) {
            if skip_missing {
                return Ok(None);
            }
            return Err(fail(format!(
                "could not find '{part}' key in iterated item '{}'",
                if i == 0 { shown } else { py(cur) }
            )));
        }
        let Some(next) = cur.as_object_mut() else {
            return Ok(None);
        };
        if last {
            return match next.get(*part) {
                Some(serde_json::Value::Array(_)) => match next.remove(*part) {
                    Some(serde_json::Value::Array(a)) => Ok(Some(a)),
                    _ => Ok(Some(Vec::new())),
                },
                other => Err(fail(format!(
                    "the key {part} should point to a list, got '{}'",
                    other.map(py).unwrap_or_default()
                ))),
            };
        }
        match next.get_mut(*part) {
            Some(v @ serde_json::Value::Object(_)) => cur = v,
            _ if skip_missing => return Ok(None),
            other => {
                return Err(fail(format!(
                    "the key {part} should point to a dictionary, got '{}'",
                    other.map(|v| py(v)).unwrap_or_default()
                )))
            }
        }
    }
    Ok(Some(Vec::new()))
}

fn py(v: &serde_json::Value) -> String {
    pyrepr::to_str(&super::super::native::to_value(v))
}

/// One term picked at random (`random_choice`); no terms give no result.
pub(super) fn random_choice(terms: &[Value]) -> Result<Vec<Value>, Error> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![terms[super::random_below(terms.len())?].clone()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(j: serde_json::Value) -> Value {
        super::super::super::native::to_value(&j)
    }

    fn j(vals: Vec<Value>) -> serde_json::Value {
        super::super::super::native::to_json(&Value::from(vals)).unwrap()
    }

    #[test]
    fn items_flatten_one_level_and_flattened_all() {
        let terms = [v(json!([1, [2, [3]]])), v(json!("x"))];
        assert_eq!(j(flatten_once(&terms)), json!([1, [2, [3]], "x"]));
        assert_eq!(j(flatten_deep(&terms)), json!([1, 2, 3, "x"]));
        assert_eq!(
            j(indexed(&[v(json!(["a", "b"])), v(json!("c"))])),
            json!([[0, "a"], [1, "b"], [2, "c"]])
        );
    }

    #[test]
    fn dict_gives_key_value_pairs_and_refuses_other_types() {
        assert_eq!(
            j(dict(&[v(json!({"a": 1, "b": 2}))]).unwrap()),
            json!([{"key": "a", "value": 1}, {"key": "b", "value": 2}])
        );
        let err = dict(&[v(json!(1))]).unwrap_err().to_string();
        assert!(
            err.contains("expects a dictionary, got '1' of type <class 'int'>"),
            "{err}"
        );
    }

    #[test]
    fn together_pads_and_nested_combines() {
        assert_eq!(
            j(together(&[v(json!([1, 2])), v(json!(["a"]))]).unwrap()),
            json!([[1, "a"], [2, null]])
        );
        assert_eq!(
            j(nested("nested", &[v(json!([1, 2])), v(json!([3, [4]]))]).unwrap()),
            json!([[1, 3], [1, 4], [2, 3], [2, 4]])
        );
        assert!(nested("nested", &[]).is_err());
    }

    #[test]
    fn subelements_pair_parents_without_the_subkey() {
        let users = json!([{"name": "a", "k": [1, 2], "m": {"x": 1}}, {"name": "b", "k": [3]}]);
        assert_eq!(
            j(subelements(&[v(users), v(json!("k"))]).unwrap()),
            json!([
                [{"name": "a", "m": {"x": 1}}, 1],
                [{"name": "a", "m": {"x": 1}}, 2],
                [{"name": "b"}, 3]
            ])
        );
        let nested = json!([{"n": 1, "m": {"h": [5]}}, {"n": 2}]);
        let err = subelements(&[v(nested.clone()), v(json!("m.h"))])
            .unwrap_err()
            .to_string();
        assert!(err.contains("could not find 'm' key"), "{err}");
        assert_eq!(
            j(
                subelements(&[v(nested), v(json!("m.h")), v(json!({"skip_missing": true}))])
                    .unwrap()
            ),
            json!([[{"n": 1, "m": {}}, 5]])
        );
    }

    #[test]
    fn random_choice_picks_a_member() {
        let terms = [v(json!("x")), v(json!("y"))];
        let got = random_choice(&terms).unwrap();
        assert_eq!(got.len(), 1);
        assert!(terms.contains(&got[0]));
        assert!(random_choice(&[]).unwrap().is_empty());
    }
}
