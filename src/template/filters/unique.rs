//! Ansible's `unique` filter: Jinja's (strings compared without case unless
//! `case_sensitive=true`, `attribute` picks what is compared) while every compared value is
//! hashable in Python; with a list or dict among them, Ansible falls back to plain equality,
//! or fails as it does when `case_sensitive=false` or `attribute` was given. Knows nothing of
//! scopes.

use std::collections::BTreeSet;

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

use super::{defined, fail};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("unique", unique);
}

fn unique(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    let case_sensitive = kwargs.get::<Option<bool>>("case_sensitive")?;
    let attribute = kwargs.get::<Option<String>>("attribute")?;
    kwargs.assert_all_used()?;
    let items: Vec<Value> = v.try_iter()?.collect();
    let keys: Vec<Value> = items
        .iter()
        .map(|item| match &attribute {
            Some(path) => lookup_path(item, path),
            None => item.clone(),
        })
        .collect();
    let unhashable = keys
        .iter()
        .find(|k| matches!(k.kind(), ValueKind::Seq | ValueKind::Map));
    if let Some(k) = unhashable {
        if case_sensitive == Some(false) || attribute.is_some() {
            let kind = if k.kind() == ValueKind::Map {
                "dict"
            } else {
                "list"
            };
            return Err(fail(format!(
                "Jinja2's unique filter failed and we cannot fall back to Ansible's version as \
                 it does not support the parameters supplied: unhashable type: '{kind}'"
            )));
        }
    }
    // Ansible's own fallback compares values as they are.
    let fold = case_sensitive != Some(true) && unhashable.is_none();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (item, key) in items.into_iter().zip(keys) {
        let key = match key.as_str() {
            Some(s) if fold => Value::from(s.to_lowercase()),
            _ => key,
        };
        if seen.insert(key) {
            out.push(item);
        }
    }
    Ok(Value::from(out))
}

/// `item`'s value at a dotted `path` (`a.b`, `list.0`), undefined where it has none.
fn lookup_path(item: &Value, path: &str) -> Value {
    let mut v = item.clone();
    for part in path.split('.') {
        let next = match part.parse::<i64>() {
            Ok(i) => v.get_item(&Value::from(i)),
            Err(_) => v.get_attr(part),
        };
        v = next.unwrap_or(Value::UNDEFINED);
    }
    v
}

#[cfg(test)]
mod tests {
    use crate::template::tests::render;
    use serde_json::json;

    fn r(s: &str) -> serde_json::Value {
        render(s, json!({}))
    }

    #[test]
    fn unique_compares_as_ansible_does() {
        assert_eq!(r("{{ ['a', 'A', 'b'] | unique }}"), json!(["a", "b"]));
        assert_eq!(
            r("{{ ['a', 'A'] | unique(case_sensitive=true) }}"),
            json!(["a", "A"])
        );
        assert_eq!(
            r("{{ [{'a': 1}, {'a': 1}, {'A': 1}] | unique }}"),
            json!([{"a": 1}, {"A": 1}])
        );
        assert_eq!(
            r("{{ [{'a': 1}, 'x', 'X'] | unique }}"),
            json!([{"a": 1}, "x", "X"])
        );
        assert_eq!(
            r("{{ [{'n': 'x'}, {'n': 'X'}, {'n': 'y'}] | unique(attribute='n') }}"),
            json!([{"n": "x"}, {"n": "y"}])
        );
    }

    #[test]
    fn unhashable_values_fail_with_case_sensitive_false_or_attribute() {
        let templar = crate::template::Templar::new();
        let scope = crate::template::tests::scope(json!({}));
        for s in [
            "{{ [{'a': 1}] | unique(case_sensitive=false) }}",
            "{{ [{'a': [1]}] | unique(attribute='a') }}",
        ] {
            let e = templar.render_str(s, &scope).unwrap_err().to_string();
            assert!(e.contains("Jinja2's unique filter failed"), "{e}");
            assert!(e.contains("unhashable type"), "{e}");
        }
    }
}
