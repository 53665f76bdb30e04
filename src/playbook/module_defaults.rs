//! The load-time check of a `module_defaults` keyword (play, block, role entry or task): a
//! mapping, or a list of mappings, whose keys are modules rsible has (short name, FQCN or
//! alias) or `group/NAME` action groups, and whose values are mappings or templates. Knows
//! nothing of how the defaults are merged into a task's arguments (the engine does that).

use super::yaml::{Kind, Node};
use crate::modules::registry;

/// The action groups ansible-core defines (`group/NAME` or `group/ansible.builtin.NAME`).
/// None of them holds a module rsible has: they name cloud and vendor collections.
const BUILTIN_GROUPS: &[&str] = &[
    "testgroup",
    "testlegacy",
    "aws",
    "acme",
    "azure",
    "cpm",
    "docker",
    "gcp",
    "k8s",
    "os",
    "ovirt",
    "vmware",
];

/// Whether `group` (after `group/`) is an action group rsible accepts: one of ansible-core's,
/// or a collection's group written with its fully-qualified name (`community.general.consul`).
/// No such group contains a module rsible has, so their defaults reach no rsible task.
fn known_group(group: &str) -> bool {
    let short = group.strip_prefix("ansible.builtin.").unwrap_or(group);
    BUILTIN_GROUPS.contains(&short) || group.split('.').filter(|p| !p.is_empty()).count() == 3
}

/// The problem with a `module_defaults` value, as a message and a hint; `None` when it is
/// usable.
pub fn check(v: &Node) -> Option<(String, Option<String>)> {
    match &v.kind {
        Kind::Null => None,
        Kind::Map(entries) => entries.iter().find_map(|(k, v)| check_entry(k, v)),
        Kind::Seq(items) => items.iter().find_map(|item| match &item.kind {
            Kind::Map(entries) => entries.iter().find_map(|(k, v)| check_entry(k, v)),
            _ => Some(not_a_mapping()),
        }),
        _ => Some(not_a_mapping()),
    }
}

fn not_a_mapping() -> (String, Option<String>) {
    (
        "'module_defaults' must be a mapping or a list of mappings whose keys are module or \
         group names; only the values may be templates"
            .to_string(),
        Some("write `module_defaults: {file: {mode: '0644'}}`".to_string()),
    )
}

fn check_entry(k: &Node, v: &Node) -> Option<(String, Option<String>)> {
    let key = k.key_text();
    if let Some(group) = key.strip_prefix("group/") {
        if !known_group(group) {
            return Some((
                format!("module_defaults: the action group '{group}' is not known"),
                Some(format!(
                    "ansible-core's groups are {}; a collection's group is written \
                     group/NAMESPACE.COLLECTION.GROUP",
                    BUILTIN_GROUPS.join(", ")
                )),
            ));
        }
    } else if registry::canonical(&key).is_none() {
        let names = registry::all_names();
        let hint =
            super::diagnostic::did_you_mean(&key, names.iter().map(String::as_str)).or_else(|| {
                Some("module_defaults may name only modules rsible runs; remove this entry".into())
            });
        return Some((
            format!("module_defaults for '{key}': not supported by rsible (no such module)"),
            hint,
        ));
    }
    match &v.kind {
        Kind::Map(_) | Kind::Null => None,
        Kind::Str(s) if crate::template::is_template(s) => None,
        _ => Some((
            format!("module_defaults for '{key}' must be a mapping of arguments"),
            Some(format!("write `{key}: {{ARG: VALUE}}`")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> Option<String> {
        let node = super::super::yaml::parse(text).expect("yaml");
        check(&node).map(|(m, _)| m)
    }

    #[test]
    fn accepts_modules_groups_and_templates() {
        assert_eq!(
            problem("{file: {mode: '0600'}, ansible.builtin.copy: {}}"),
            None
        );
        assert_eq!(
            problem("[{group/aws: {region: x}}, {command: '{{ d }}'}]"),
            None
        );
        assert_eq!(problem("{group/community.general.consul: {}}"), None);
    }

    #[test]
    fn refuses_unknown_names_and_shapes() {
        let m = problem("{frobnicate: {a: 1}}").expect("error");
        assert!(m.contains("not supported by rsible"), "{m}");
        assert!(problem("{group/nosuch: {}}").is_some());
        assert!(problem("'{{ defaults }}'").is_some());
        assert!(problem("[1]").is_some());
        assert!(problem("{file: 3}").is_some());
    }
}
