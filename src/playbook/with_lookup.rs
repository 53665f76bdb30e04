//! Load-time check of a task's `with_<lookup>` key: the lookup must be one rsible implements
//! (else the loop would run with `item` undefined) and the key must have a value, as
//! Ansible requires. Knows nothing of how loops run.

use super::diagnostic::did_you_mean;
use super::yaml::{Kind, Node};
use crate::template::{known_lookup, LOOKUP_NAMES};

/// The error (message, hint) for `key: value` when `key` is a `with_` loop rsible cannot
/// run; `None` for any other key or a loop it can.
pub(crate) fn check(key: &str, value: &Node) -> Option<(String, Option<String>)> {
    let lookup = key.strip_prefix("with_")?;
    if known_lookup(lookup).is_none() {
        let names = LOOKUP_NAMES.iter().map(|n| format!("with_{n}"));
        let names: Vec<String> = names.collect();
        let hint = did_you_mean(key, names.iter().map(String::as_str))
            .unwrap_or_else(|| format!("the lookups rsible has: {}", LOOKUP_NAMES.join(", ")));
        return Some((
            format!("unknown lookup '{lookup}' in '{key}': not supported by rsible"),
            Some(hint),
        ));
    }
    matches!(value.kind, Kind::Null)
        .then(|| (format!("you must specify a value when using {key}"), None))
}
