//! YAML reading for inventories and variable files (serde-saphyr, YAML 1.1 flavoured like
//! Ansible's PyYAML: `0644` is octal, yes/no are booleans), and the YAML inventory format
//! (`all: {hosts, vars, children}` to any depth). Knows nothing of INI, scripts or patterns.

use std::path::Path;

pub(crate) use crate::yaml_node::{Kind, Node};
use serde_json::Value;

use super::{range, Inventory, InventoryError, Vars};

/// Parses one YAML document (see [`crate::yaml_node::parse`]) into a located error naming
/// the file.
pub(crate) fn parse_document(text: &str, path: &Path) -> Result<Node, InventoryError> {
    crate::yaml_node::parse(text).map_err(|e| {
        let hint = if e.message.contains("duplicate") {
            Some("each key may appear only once in a mapping; merge the two entries")
        } else if e.message.contains("tab") {
            Some("YAML indentation must use spaces, not tabs")
        } else {
            None
        };
        InventoryError::parse(path, e.line, e.col, e.describe(), hint)
    })
}

/// Loads a YAML/JSON variables file: a mapping, or nothing when empty.
pub(crate) fn load_vars_text(text: &str, path: &Path) -> Result<Vars, InventoryError> {
    let node = parse_document(text, path)?;
    match &node.kind {
        Kind::Null => Ok(Vars::new()),
        Kind::Map(entries) => Ok(entries
            .iter()
            .map(|(k, v)| (k.key_text(), v.to_json()))
            .collect()),
        _ => Err(InventoryError::parse(
            path,
            node.line,
            node.col,
            format!(
                "variables file must be stored as a dictionary/hash, found {}",
                node.type_name()
            ),
            Some("write `name: value` pairs at the top level"),
        )),
    }
}

/// Whether `text` (of a file without a telling extension) looks like YAML: its first
/// meaningful line is `---`, a flow mapping, or a `key:` mapping entry.
pub(crate) fn looks_like_yaml(text: &str) -> bool {
    for l in text.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with("---") || t.starts_with('{') {
            return true;
        }
        if t.starts_with('[') || t.starts_with(';') || t.contains('=') {
            return false;
        }
        let Some(i) = t.find(':') else {
            return false;
        };
        let after = &t[i + 1..];
        return after.is_empty() || after.starts_with(' ') || after.starts_with('\t');
    }
    false
}

/// Parses a YAML inventory into `inv`.
pub(crate) fn parse_inventory(
    inv: &mut Inventory,
    text: &str,
    path: &Path,
) -> Result<(), InventoryError> {
    let doc = parse_document(text, path)?;
    match &doc.kind {
        Kind::Null => Ok(()),
        Kind::Map(entries) => {
            let mut p = YamlInv { inv, path };
            for (k, v) in entries {
                p.group(k, v)?;
            }
            Ok(())
        }
        _ => Err(InventoryError::parse(
            path,
            doc.line,
            doc.col,
            format!(
                "YAML inventory must be a mapping of groups, found {}",
                doc.type_name()
            ),
            Some("start with `all:` and put `hosts:`, `vars:` and `children:` under it"),
        )),
    }
}

struct YamlInv<'a> {
    inv: &'a mut Inventory,
    path: &'a Path,
}

impl YamlInv<'_> {
    fn err(&self, n: &Node, msg: String, hint: Option<&str>) -> InventoryError {
        InventoryError::parse(self.path, n.line, n.col, msg, hint)
    }

    fn warn(&mut self, n: &Node, msg: String) {
        let w = format!("{}:{}:{}: {}", self.path.display(), n.line, n.col, msg);
        self.inv.warnings.push(w);
    }

    fn group(&mut self, key: &Node, data: &Node) -> Result<usize, InventoryError> {
        let name = key.key_text();
        if name.is_empty() {
            return Err(self.err(key, "empty group name".into(), None));
        }
        let g = self.inv.add_group(&name);
        let entries = match &data.kind {
            Kind::Null => return Ok(g),
            Kind::Map(e) => e,
            _ => {
                self.warn(
                    data,
                    format!("Skipping '{name}' as this is not a valid group definition"),
                );
                return Ok(g);
            }
        };
        for (k, v) in entries {
            let section = k.key_text();
            let is_known = matches!(section.as_str(), "vars" | "children" | "hosts");
            // A bare string is accepted as a one-entry mapping.
            let single;
            let v = if let (true, Kind::Str(s)) = (is_known, &v.kind) {
                single = Node {
                    line: v.line,
                    col: v.col,
                    kind: Kind::Map(vec![(
                        Node {
                            line: v.line,
                            col: v.col,
                            kind: Kind::Str(s.clone()),
                        },
                        Node {
                            line: v.line,
                            col: v.col,
                            kind: Kind::Null,
                        },
                    )]),
                };
                &single
            } else {
                v
            };
            let items = match &v.kind {
                Kind::Null => continue,
                Kind::Map(items) => items,
                _ if is_known => {
                    let hint = match section.as_str() {
                        "hosts" => "hosts must be a mapping of host names (write `name:` on its own line, not `- name`)",
                        "children" => "children must be a mapping of group names (write `name:` on its own line, not `- name`)",
                        _ => "vars must be a mapping of `name: value` pairs",
                    };
                    return Err(self.err(
                        v,
                        format!(
                            "Invalid \"{section}\" entry for \"{name}\" group, requires a dictionary, found {} instead.",
                            v.type_name()
                        ),
                        Some(hint),
                    ));
                }
                _ => {
                    self.warn(
                        k,
                        format!(
                            "Skipping key ({section}) in group ({name}) as it is not a mapping, it is {}",
                            v.type_name()
                        ),
                    );
                    continue;
                }
            };
            match section.as_str() {
                "vars" => {
                    for (vk, vv) in items {
                        self.inv
                            .set_group_var(g, &vk.key_text(), vv.to_json())
                            .map_err(|m| self.err(vv, m, None))?;
                    }
                }
                "children" => {
                    for (ck, cv) in items {
                        let c = self.group(ck, cv)?;
                        self.inv
                            .add_child(g, c)
                            .map_err(|m| self.err(ck, m, None))?;
                    }
                }
                "hosts" => {
                    for (hk, hv) in items {
                        self.host(g, hk, hv)?;
                    }
                }
                _ => self.warn(
                    k,
                    format!(
                        "Skipping unexpected key ({section}) in group ({name}), only \"vars\", \"children\" and \"hosts\" are valid"
                    ),
                ),
            }
        }
        Ok(g)
    }

    fn host(&mut self, g: usize, key: &Node, data: &Node) -> Result<(), InventoryError> {
        let pattern = key.key_text();
        let (pat, port) = super::ini::split_port(&pattern).map_err(|m| {
            self.err(
                key,
                m,
                Some("write host:PORT with a numeric port, or drop the trailing ':'"),
            )
        })?;
        let names = if range::has_range(pat) {
            range::expand(pat).map_err(|e| {
                let col = key.col + pat[..e.offset].chars().count();
                InventoryError::parse(self.path, key.line, col, e.message, Some(e.hint))
            })?
        } else {
            vec![pat.to_string()]
        };
        let vars: Vec<(String, Value)> = match &data.kind {
            Kind::Null => Vec::new(),
            Kind::Map(items) => items.iter().map(|(k, v)| (k.key_text(), v.to_json())).collect(),
            _ => {
                return Err(self.err(
                    data,
                    format!(
                        "Invalid data for host '{pattern}', expected a mapping of variables and got {}",
                        data.type_name()
                    ),
                    Some("host entries are `name:` followed by an indented mapping of variables, or nothing"),
                ))
            }
        };
        for name in names {
            let h = self.inv.add_host(&name, Some(g), port);
            for (k, v) in &vars {
                self.inv.set_host_var(h, k, v.clone());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(text: &str) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        parse_inventory(&mut inv, text, Path::new("t.yml"))?;
        inv.finalize();
        Ok(inv)
    }

    #[test]
    fn nested_groups_and_types() {
        let inv = load(
            "all:\n  vars:\n    mode: 0644\n    flag: yes\n  hosts:\n    solo:\n  children:\n    web:\n      hosts:\n        w[1:2]:\n          port: 80\n      children:\n        edge:\n          hosts:\n            e1:\n              tags: [a, b]\nother:\n  hosts: lonely\n",
        )
        .unwrap();
        assert_eq!(inv.host_names(), vec!["solo", "w1", "w2", "e1", "lonely"]);
        let e1 = inv.host_vars("e1").unwrap();
        assert_eq!(e1["mode"], json!(420));
        assert_eq!(e1["flag"], json!(true));
        assert_eq!(e1["tags"], json!(["a", "b"]));
        assert_eq!(inv.host_vars("w2").unwrap()["port"], json!(80));
        assert_eq!(inv.group_names("e1"), vec!["edge", "web"]);
        assert_eq!(inv.group_names("solo"), vec!["ungrouped"]);
        assert_eq!(inv.group_names("lonely"), vec!["other"]);
    }

    #[test]
    fn hosts_as_list_is_an_error_with_hint() {
        let e = load("all:\n  hosts:\n    - a\n    - b\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.yml:3:5: Invalid \"hosts\" entry"), "{e}");
        assert!(e.contains("hosts must be a mapping of host names"), "{e}");
    }

    #[test]
    fn syntax_errors_have_location() {
        let e = load("all:\n  hosts:\n    a: [1, 2\n").unwrap_err();
        match e {
            InventoryError::Parse { line, .. } => assert!(line >= 3, "{line}"),
            other => panic!("unexpected {other}"),
        }
        let e = load("all:\n  hosts:\n    a:\n    a:\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.yml:4:"), "{e}");
        assert!(e.contains("hint"), "{e}");
    }

    #[test]
    fn detection() {
        assert!(looks_like_yaml("# c\nall:\n  hosts:\n"));
        assert!(looks_like_yaml("---\nall: {}\n"));
        assert!(!looks_like_yaml("[web]\nw1\n"));
        assert!(!looks_like_yaml("host:22 a=1\n"));
        assert!(!looks_like_yaml("host1\nhost2\n"));
    }

    #[test]
    fn vars_file_must_be_mapping() {
        assert!(load_vars_text("- a\n", Path::new("v.yml")).is_err());
        assert!(load_vars_text("", Path::new("v.yml")).unwrap().is_empty());
        let v = load_vars_text("a: 1\nb: {c: d}\n", Path::new("v.yml")).unwrap();
        assert_eq!(v["b"], json!({"c": "d"}));
    }
}
