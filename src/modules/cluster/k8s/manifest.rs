//! The manifest side of `k8s`, on the controller: the objects a task's `resource_definition`
//! (YAML text, a dict, or a list of either) names, completed from the task's `kind`,
//! `api_version`, `name` and `namespace` as kubernetes.core does (a value in the definition
//! wins; `*List` kinds are replaced by their items), and the text sent to `kubectl -f`; then
//! the objects kubectl prints back (`-o json`: one object, or a `List`). Pure: knows nothing
//! of targets or of the module's arguments beyond these values.

use serde_json::{json, Map, Value};

/// The task's values that complete every object (kubernetes.core's `merge_params`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// `kind`.
    pub kind: Option<String>,
    /// `api_version` (Ansible's default is `v1`).
    pub api_version: String,
    /// `name`.
    pub name: Option<String>,
    /// `namespace`.
    pub namespace: Option<String>,
}

/// The objects of a definition (a task without one names a single object by its
/// `kind`/`name`), each completed from `d`; empty documents of a text or list are dropped as
/// Ansible drops them. Fails on YAML that does not parse or on a document that is not a mapping.
pub fn objects(definition: Option<&Value>, d: &Defaults) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    match definition {
        None | Some(Value::Null) => docs.push(Value::Object(Map::new())),
        Some(Value::String(s)) => docs.extend(yaml_docs(s)?.into_iter().filter(truthy)),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => docs.extend(yaml_docs(s)?),
                    other => docs.push(other.clone()),
                }
            }
            docs.retain(truthy);
        }
        Some(other) => docs.push(other.clone()),
    }
    let mut out = Vec::new();
    for doc in docs {
        let Value::Object(mut obj) = doc else {
            return Err(format!(
                "resource_definition: a Kubernetes object is a mapping, got {doc}"
            ));
        };
        merge(&mut obj, d);
        match obj.get("kind").and_then(Value::as_str).map(String::from) {
            Some(kind) if kind.ends_with("List") => {
                let item_kind = kind[..kind.len() - 4].to_string();
                let api = obj.get("apiVersion").cloned().unwrap_or(Value::Null);
                let items = match obj.remove("items") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                for item in items {
                    let Value::Object(mut i) = item else {
                        return Err(format!("{kind}: an item is not a mapping"));
                    };
                    i.entry("kind").or_insert_with(|| json!(item_kind));
                    i.entry("apiVersion").or_insert_with(|| api.clone());
                    merge(&mut i, d);
                    out.push(Value::Object(i));
                }
            }
            _ => out.push(Value::Object(obj)),
        }
    }
    Ok(out)
}

/// Python's truth of a YAML document (`filter(None, docs)`): null, `{}`, `[]`, `""`, `0`
/// and `false` are dropped.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The documents of a YAML text.
fn yaml_docs(s: &str) -> Result<Vec<Value>, String> {
    serde_saphyr::from_multiple::<Value>(s).map_err(|e| {
        let e = e.to_string();
        let first = e.lines().next().unwrap_or_default();
        format!("resource_definition: the YAML does not parse: {first}")
    })
}

/// kubernetes.core's `merge_params`: `kind` and `apiVersion` set when absent, `namespace`
/// and `name` set in the metadata when given and absent.
fn merge(obj: &mut Map<String, Value>, d: &Defaults) {
    obj.entry("kind")
        .or_insert_with(|| d.kind.clone().map_or(Value::Null, Value::String));
    obj.entry("apiVersion")
        .or_insert_with(|| json!(d.api_version));
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        for (key, value) in [("namespace", &d.namespace), ("name", &d.name)] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                meta.entry(key).or_insert_with(|| json!(v));
            }
        }
    }
}

/// The text for `kubectl -f`: one object as it is, several as a `v1` `List` (JSON, which
/// kubectl reads as YAML).
pub fn manifest(objects: &[Value]) -> String {
    match objects {
        [one] => one.to_string(),
        many => json!({"apiVersion": "v1", "kind": "List", "items": many}).to_string(),
    }
}

/// The objects in what `kubectl ... -o json` printed: a `List`'s items, or the one object;
/// nothing for empty output (`get --ignore-not-found` finding nothing).
pub fn printed(json_text: &str) -> Result<Vec<Value>, String> {
    if json_text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let v: Value = serde_json::from_str(json_text)
        .map_err(|e| format!("kubectl printed no JSON object ({e}): {json_text}"))?;
    Ok(match v {
        Value::Object(mut o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
            match o.remove("items") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        other => vec![other],
    })
}

/// Whether `objects` holds the object `obj` names (same kind, name and namespace).
pub fn holds(objects: &[Value], obj: &Value) -> bool {
    let key = |o: &Value| {
        (
            o.get("kind").cloned(),
            o.pointer("/metadata/name").cloned(),
            o.pointer("/metadata/namespace").cloned(),
        )
    };
    objects.iter().any(|o| key(o) == key(obj))
}

/// What differs between two versions of an object, as kubernetes.core's `diff`: the keys
/// only one side has or whose values differ, recursing into mappings present on both sides,
/// as `{"before": .., "after": ..}`; `{}` when nothing differs.
pub fn changes(before: &Value, after: &Value) -> Value {
    match differing(before, after) {
        Some((b, a)) => json!({"before": b, "after": a}),
        None => json!({}),
    }
}

/// The differing parts of two values: both mappings compare key by key, anything else whole.
fn differing(before: &Value, after: &Value) -> Option<(Value, Value)> {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return (before != after).then(|| (before.clone(), after.clone()));
    };
    let (mut left, mut right) = (Map::new(), Map::new());
    for (k, v) in b {
        match a.get(k) {
            None => {
                left.insert(k.clone(), v.clone());
            }
            Some(w) => {
                if let Some((l, r)) = differing(v, w) {
                    left.insert(k.clone(), l);
                    right.insert(k.clone(), r);
                }
            }
        }
    }
    for (k, w) in a {
        if !b.contains_key(k) {
            right.insert(k.clone(), w.clone());
        }
    }
    (!left.is_empty() || !right.is_empty()).then(|| (Value::Object(left), Value::Object(right)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Defaults {
        Defaults {
            api_version: "v1".into(),
            ..Defaults::default()
        }
    }

    #[test]
    fn yaml_text_gives_its_documents_without_empty_ones() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\nkind: Secret\nmetadata: {name: b}\n";
        let objs = objects(Some(&json!(text)), &d()).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1]["apiVersion"], "v1", "api_version's default");
        assert_eq!(objs[1]["kind"], "Secret");
    }

    #[test]
    fn task_values_complete_but_do_not_override() {
        let defaults = Defaults {
            kind: Some("Namespace".into()),
            api_version: "v1".into(),
            name: Some("testing".into()),
            namespace: Some("ns".into()),
        };
        let objs = objects(None, &defaults).unwrap();
        assert_eq!(
            objs,
            vec![json!({"kind": "Namespace", "apiVersion": "v1",
                        "metadata": {"namespace": "ns", "name": "testing"}})]
        );
        let def = json!({"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1",
                         "metadata": {"name": "r", "namespace": "other"}});
        let objs = objects(Some(&def), &defaults).unwrap();
        assert_eq!(
            objs[0]["metadata"],
            json!({"name": "r", "namespace": "other"})
        );
        assert_eq!(objs[0]["kind"], "Role");
    }

    #[test]
    fn a_list_kind_is_replaced_by_its_items() {
        let def = json!([{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleList",
            "items": [{"metadata": {"name": "a"}}, {"kind": "ClusterRole", "metadata": {"name": "b"}}]},
            "kind: ServiceAccount\nmetadata: {name: c}\n"]);
        let objs = objects(Some(&def), &d()).unwrap();
        let kinds: Vec<&str> = objs.iter().map(|o| o["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Role", "ClusterRole", "ServiceAccount"]);
        assert_eq!(objs[0]["apiVersion"], "rbac.authorization.k8s.io/v1");
        assert!(objects(Some(&json!("- a\n- b\n")), &d()).is_err());
        assert!(objects(Some(&json!("a: [")), &d()).is_err());
    }

    #[test]
    fn the_manifest_is_one_object_or_a_list() {
        let a = json!({"kind": "A"});
        assert_eq!(manifest(std::slice::from_ref(&a)), a.to_string());
        let m: Value = serde_json::from_str(&manifest(&[a.clone(), a])).unwrap();
        assert_eq!(m["kind"], "List");
        assert_eq!(m["items"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn changes_keep_only_what_differs() {
        let before = json!({"kind": "A", "data": {"a": "1", "b": "2"}, "old": 1, "list": [1]});
        let after =
            json!({"kind": "A", "data": {"a": "1", "b": "3"}, "new": {"x": 1}, "list": [2]});
        assert_eq!(
            changes(&before, &after),
            json!({"before": {"data": {"b": "2"}, "old": 1, "list": [1]},
                   "after": {"data": {"b": "3"}, "new": {"x": 1}, "list": [2]}})
        );
        assert_eq!(changes(&before, &before), json!({}));
        let emptied = changes(&json!({"m": {"a": 1}}), &json!({"m": {}}));
        assert_eq!(
            emptied,
            json!({"before": {"m": {"a": 1}}, "after": {"m": {}}})
        );
    }

    #[test]
    fn printed_objects_are_read() {
        assert_eq!(printed("").unwrap(), Vec::<Value>::new());
        assert_eq!(
            printed("{\"kind\":\"A\"}").unwrap(),
            vec![json!({"kind": "A"})]
        );
        let list = "{\"kind\":\"List\",\"items\":[{\"kind\":\"A\"},{\"kind\":\"B\"}]}";
        assert_eq!(printed(list).unwrap().len(), 2);
        assert!(printed("error: nope").is_err());
        let a = json!({"kind": "A", "metadata": {"name": "x"}});
        assert!(holds(
            &printed(list)
                .unwrap()
                .into_iter()
                .chain([a.clone()])
                .collect::<Vec<_>>(),
            &a
        ));
        assert!(!holds(&[json!({"kind": "A"})], &a));
    }
}
