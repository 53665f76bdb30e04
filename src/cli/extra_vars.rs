//! `-e` / `--extra-vars`: `k=v k2=v2`, `@file.yml` (YAML or JSON), or inline YAML/JSON, merged
//! in the order given (later wins), as ansible-playbook does. Knows nothing of plays.

use crate::inventory::Vars;
use crate::playbook::free_form;
use serde_json::Value;
use std::path::Path;

/// Merges every `-e` value.
pub fn parse_all(values: &[String]) -> Result<Vars, String> {
    let mut vars = Vars::new();
    for v in values {
        for (k, x) in parse_one(v)? {
            vars.insert(k, x);
        }
    }
    Ok(vars)
}

fn parse_one(text: &str) -> Result<Vars, String> {
    let t = text.trim();
    if let Some(file) = t.strip_prefix('@') {
        let m = crate::playbook::load_vars_file(Path::new(file))
            .map_err(|d| format!("extra vars file: {d}"))?;
        return Ok(m.into_iter().collect());
    }
    if t.starts_with('{') || t.starts_with('[') || t.starts_with("---") {
        let node = crate::yaml_node::parse(t).map_err(|e| {
            format!(
                "-e {text:?}: not valid YAML or JSON at line {}, column {}: {}",
                e.line, e.col, e.message
            )
        })?;
        return match node.to_json() {
            Value::Object(m) => Ok(m.into_iter().collect()),
            other => Err(format!(
                "-e {text:?}: extra vars must be a mapping, got {}",
                crate::modules::framework::args::type_name(&other)
            )),
        };
    }
    if t.is_empty() {
        return Ok(Vars::new());
    }
    let mut m = free_form::parse(t, false);
    if let Some(raw) = m.remove("_raw_params") {
        return Err(format!(
            "-e {text:?}: {raw} is not a key=value pair; write `-e key=value`, `-e @file.yml` or `-e '{{\"key\": 1}}'`"
        ));
    }
    Ok(m.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_values_json_and_later_wins() {
        let v = parse_all(&["a=1 b='x y'".into(), r#"{"a": 2, "l": [1, 2]}"#.into()]).unwrap();
        assert_eq!(v["a"], json!(2));
        assert_eq!(v["b"], json!("x y"));
        assert_eq!(v["l"], json!([1, 2]));
    }

    #[test]
    fn a_bare_word_is_an_error_with_a_hint() {
        let e = parse_all(&["oops".into()]).unwrap_err();
        assert!(e.contains("key=value"), "{e}");
    }
}
