//! `ansible-inventory` output: `--list` JSON (as ansible-core 2.19 prints it, keys sorted),
//! `--graph` text and `--host` JSON. Knows nothing of parsing or patterns.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Inventory, PatternError, Vars, ALL};

/// Recursively key-sorted JSON (Python's `json.dumps(sort_keys=True)`).
pub fn sorted_value(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_value(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted_value).collect()),
        other => other.clone(),
    }
}

/// Folded host variables as key-sorted JSON.
pub fn sorted_vars(v: &Vars) -> Value {
    let sorted: BTreeMap<&String, &Value> = v.iter().collect();
    Value::Object(
        sorted
            .into_iter()
            .map(|(k, v)| (k.clone(), sorted_value(v)))
            .collect(),
    )
}

/// `ansible-inventory --list`.
pub fn list_json(inv: &Inventory) -> Value {
    let hosts = inv.group_hosts(ALL);
    let mut avail = vec![false; inv.hosts.len()];
    for &h in &hosts {
        avail[h] = true;
    }
    let mut results: BTreeMap<String, Value> = BTreeMap::new();
    let mut seen = vec![false; inv.groups.len()];
    format_group(inv, ALL, &avail, &mut seen, &mut results);

    let mut hostvars: BTreeMap<String, Value> = BTreeMap::new();
    for &h in &hosts {
        let name = inv.host_name(h);
        if let Some(v) = inv.host_vars(name) {
            if !v.is_empty() {
                hostvars.insert(name.to_string(), sorted_vars(&v));
            }
        }
    }
    let mut meta = Map::new();
    meta.insert(
        "hostvars".into(),
        Value::Object(hostvars.into_iter().collect()),
    );
    meta.insert("profile".into(), Value::from("inventory_legacy"));
    results.insert("_meta".into(), Value::Object(meta));
    Value::Object(results.into_iter().collect())
}

fn format_group(
    inv: &Inventory,
    g: usize,
    avail: &[bool],
    seen: &mut [bool],
    results: &mut BTreeMap<String, Value>,
) {
    let group = &inv.groups[g];
    let mut children = Vec::new();
    for &c in &group.children {
        children.push(Value::from(inv.group_name(c)));
        if !seen[c] {
            format_group(inv, c, avail, seen, results);
            seen[c] = true;
        }
    }
    let hosts: Vec<Value> = if g == ALL {
        Vec::new()
    } else {
        group
            .hosts
            .iter()
            .filter(|&&h| avail[h])
            .map(|&h| Value::from(inv.host_name(h)))
            .collect()
    };
    let mut entry = Map::new();
    if !children.is_empty() {
        entry.insert("children".into(), Value::Array(children));
    }
    if !hosts.is_empty() {
        entry.insert("hosts".into(), Value::Array(hosts));
    }
    let name = inv.group_name(g).to_string();
    if entry.is_empty() {
        results.remove(&name);
    } else {
        results.insert(name, Value::Object(entry));
    }
}

/// `ansible-inventory --graph GROUP`.
pub fn graph(inv: &Inventory, group: &str) -> Result<String, PatternError> {
    let g = inv
        .groups
        .get_index_of(group)
        .ok_or_else(|| PatternError::UnknownGroup {
            name: group.to_string(),
        })?;
    let mut lines = Vec::new();
    graph_group(inv, g, 0, &mut lines);
    Ok(lines.join("\n"))
}

fn graph_name(name: &str, depth: usize) -> String {
    if depth == 0 {
        name.to_string()
    } else {
        format!("{}--{}", "  |".repeat(depth), name)
    }
}

fn graph_group(inv: &Inventory, g: usize, depth: usize, out: &mut Vec<String>) {
    out.push(graph_name(&format!("@{}:", inv.group_name(g)), depth));
    let group = &inv.groups[g];
    for &c in &group.children {
        graph_group(inv, c, depth + 1, out);
    }
    if g != ALL {
        for &h in &group.hosts {
            out.push(graph_name(inv.host_name(h), depth + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorting_is_recursive() {
        let v = sorted_value(&json!({"b": {"z": 1, "a": 2}, "a": [ {"y": 1, "x": 2} ]}));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":[{"x":2,"y":1}],"b":{"a":2,"z":1}}"#
        );
    }
}
