//! A role's argument spec (`meta/argument_specs.yml`, else `argument_specs` in
//! `meta/main.yml`): the spec of the entry point in use (`main`, or the `tasks_from` name)
//! is checked at load time for what rsible can validate, and becomes the
//! `validate_argument_spec` task Ansible puts before the role's tasks. Knows nothing of how
//! the values are validated (the engine's `arg_spec` does that).

use serde_json::{json, Map, Value};

use super::location::Location;
use super::model::{RoleRef, Task};
use super::yaml::{Kind, Node};
use std::sync::Arc;

/// The option types rsible validates.
const TYPES: &[&str] = &["str", "list", "dict", "bool", "int", "float", "path", "raw"];

/// Option keys that change validation in ways rsible does not implement.
const REFUSED_KEYS: &[&str] = &[
    "aliases",
    "apply_defaults",
    "fallback",
    "deprecated_aliases",
    "removed_in_version",
    "removed_at_date",
    "removed_from_collection",
    "mutually_exclusive",
    "required_together",
    "required_one_of",
    "required_if",
    "required_by",
];

/// The hint for a spec rsible cannot validate.
pub(crate) const HINT: &str = "rsible validates an option's type, required, default, \
     choices, elements and sub-options; check the rest with `assert` in the role's tasks";

/// The entry point `entry` of the `argument_specs` mapping `specs` (from `file`), when it
/// has one; `Err` with (node, message) for what rsible cannot validate.
pub(crate) fn entry_spec<'a>(
    specs: &'a Node,
    entry: &str,
) -> Result<Option<&'a Node>, (&'a Node, String)> {
    let Kind::Map(entries) = &specs.kind else {
        return Ok(None);
    };
    let Some((_, spec)) = entries.iter().find(|(k, _)| k.key_text() == entry) else {
        return Ok(None);
    };
    let Kind::Map(fields) = &spec.kind else {
        return Ok(None);
    };
    let Some((_, options)) = fields.iter().find(|(k, _)| k.key_text() == "options") else {
        return Ok(Some(spec));
    };
    check_options("", options)?;
    Ok(Some(spec))
}

/// Each option of an `options` mapping (of the entry point, or of option `parent.`).
fn check_options<'a>(parent: &str, options: &'a Node) -> Result<(), (&'a Node, String)> {
    match &options.kind {
        Kind::Null => Ok(()),
        Kind::Map(opts) => {
            for (name, def) in opts {
                check_option(&format!("{parent}{}", name.key_text()), def)?;
            }
            Ok(())
        }
        _ => Err((
            options,
            "'options' of an argument spec must be a mapping".into(),
        )),
    }
}

fn check_option<'a>(name: &str, def: &'a Node) -> Result<(), (&'a Node, String)> {
    let Kind::Map(keys) = &def.kind else {
        return Err((
            def,
            format!("the argument spec of option '{name}' must be a mapping"),
        ));
    };
    let text = |key: &str| {
        keys.iter()
            .find(|(k, _)| k.key_text() == key)
            .map(|(_, v)| (v, v.as_text().unwrap_or_default()))
    };
    for (k, _) in keys {
        let key = k.key_text();
        if REFUSED_KEYS.contains(&key.as_str()) {
            return Err((
                k,
                format!("argument spec of option '{name}': '{key}' is not supported by rsible"),
            ));
        }
    }
    for field in ["type", "elements"] {
        if let Some((node, t)) = text(field) {
            if !TYPES.contains(&t.as_str()) {
                return Err((
                    node,
                    format!(
                        "argument spec of option '{name}': {field} '{t}' is not supported by \
                         rsible (it validates {})",
                        TYPES.join(", ")
                    ),
                ));
            }
        }
    }
    let ty = text("type").map(|(_, t)| t);
    if let Some((node, _)) = text("elements") {
        if ty.as_deref() != Some("list") {
            return Err((
                node,
                format!("argument spec of option '{name}': 'elements' needs 'type: list'"),
            ));
        }
    }
    let Some((key, sub)) = keys.iter().find(|(k, _)| k.key_text() == "options") else {
        return Ok(());
    };
    let dicts = match ty.as_deref() {
        Some("dict") => true,
        Some("list") => text("elements").map(|(_, t)| t).as_deref() == Some("dict"),
        _ => false,
    };
    if !dicts {
        // Ansible ignores them: sub-options apply to dicts and lists of dicts only.
        return Err((
            key,
            format!(
                "argument spec of option '{name}': 'options' on a type other than dict or a \
                 list of dicts is not supported by rsible (Ansible ignores them)"
            ),
        ));
    }
    check_options(&format!("{name}."), sub)
}

/// The task Ansible puts first in a role whose spec has entry point `entry`: named after
/// it (and its `short_description`), tagged `always`, checking the options against the
/// task's variables and the role's parameters (`provided`, without the entry's `vars:`).
pub(crate) fn validation_task(
    spec: &Node,
    entry: &str,
    role: &Arc<RoleRef>,
    provided: Map<String, Value>,
    location: &Location,
) -> Task {
    let spec = spec.to_json();
    let mut name = format!("Validating arguments against arg spec '{entry}'");
    if let Some(d) = spec.get("short_description") {
        name.push_str(" - ");
        name.push_str(&match d {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    let options = match spec.get("options") {
        Some(Value::Object(o)) => Value::Object(o.clone()),
        _ => json!({}),
    };
    let mut args = Map::new();
    args.insert("argument_spec".into(), options);
    args.insert("provided_arguments".into(), Value::Object(provided));
    args.insert(
        "validate_args_context".into(),
        json!({
            "type": "role",
            "name": role.name,
            "argument_spec_name": entry,
            "path": std::path::absolute(&role.path)
                .unwrap_or_else(|_| role.path.clone())
                .display()
                .to_string(),
        }),
    );
    Task {
        name: Some(name),
        module: Some("validate_argument_spec".into()),
        action: Some("ansible.builtin.validate_argument_spec".into()),
        args,
        keywords: Map::new(),
        tags: vec!["always".into()],
        block: Vec::new(),
        rescue: Vec::new(),
        always: Vec::new(),
        imported: Vec::new(),
        role: Some(role.clone()),
        location: location.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str, entry: &str) -> Result<bool, String> {
        let node = super::super::yaml::parse(text).expect("yaml");
        entry_spec(&node, entry)
            .map(|s| s.is_some())
            .map_err(|(_, m)| m)
    }

    #[test]
    fn entry_points_and_refusals() {
        let spec = "main:\n  options:\n    a: {type: int, required: true}\n    \
                    b: {type: list, elements: str, description: x}\n\
                    other:\n  options:\n    c: {type: dict, options: {x: {aliases: [y]}}}\n\
                    subs:\n  options:\n    d: {type: list, elements: dict, options: {x: {}}}\n";
        assert_eq!(problem(spec, "main"), Ok(true));
        assert_eq!(problem(spec, "third"), Ok(false));
        assert_eq!(problem(spec, "subs"), Ok(true));
        let e = problem(spec, "other").expect_err("sub-option aliases");
        assert!(
            e.contains("option 'c.x': 'aliases' is not supported by rsible"),
            "{e}"
        );
        let e = problem(
            "main:\n  options:\n    a: {type: str, options: {}}\n",
            "main",
        )
        .expect_err("options of a str");
        assert!(e.contains("'options' on a type other than dict"), "{e}");
        let e = problem("main:\n  options:\n    a: {type: bytes}\n", "main").expect_err("type");
        assert!(e.contains("not supported by rsible"), "{e}");
        assert!(problem("main:\n  options:\n    a: {elements: int}\n", "main").is_err());
    }
}
