//! Ansible's booleans: the `bool` filter's rules and the truth of a condition's result.
//! Knows nothing of templates.

use minijinja::value::{Value, ValueKind};

const TRUE_WORDS: [&str; 4] = ["yes", "on", "1", "true"];

/// The `bool` filter: `yes/on/1/true` (any case) and the number 1 are true, all else false.
pub(crate) fn to_bool(v: &Value) -> bool {
    match v.kind() {
        ValueKind::Bool => v.is_true(),
        ValueKind::String => is_true_word(v.as_str().unwrap_or_default()),
        ValueKind::Number => f64::try_from(v.clone()).is_ok_and(|f| f == 1.0),
        _ => false,
    }
}

/// Whether `s` is one of Ansible's true words (`yes`, `on`, `1`, `true`, any case).
pub(crate) fn is_true_word(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    TRUE_WORDS.contains(&lower.as_str())
}

/// The truth of a condition's value: strings by the `bool` rules, numbers when non-zero,
/// containers when non-empty, `none` false.
pub(crate) fn condition(v: &Value) -> bool {
    match v.kind() {
        ValueKind::String => is_true_word(v.as_str().unwrap_or_default()),
        _ => v.is_true(),
    }
}
