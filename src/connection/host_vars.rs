//! Reading a host's `ansible_*` connection variables the way Ansible reads them: strings,
//! numbers and booleans in any of Ansible's spellings, and the connection timeout. Knows
//! nothing of where the variables come from.

use indexmap::IndexMap;
use serde_json::Value;
use std::time::Duration;

/// A host's variables (inventory, play and task levels folded), as the caller has them.
pub type Vars = IndexMap<String, Value>;

/// Ansible's default connection timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A variable as text (numbers and booleans written out); `None` when unset or not a scalar.
pub fn string(vars: &Vars, key: &str) -> Option<String> {
    match vars.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a boolean the way Ansible does (`yes`, `true`, `1`, `on`, any case).
pub fn boolean(vars: &Vars, key: &str) -> Option<bool> {
    match vars.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_i64() == Some(1)),
        Value::String(s) => Some(matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "true" | "1" | "on" | "y"
        )),
        _ => None,
    }
}

/// The connection timeout a host's variables set: `ansible_timeout`, or the ssh connection
/// plugin's own `ansible_ssh_timeout`.
pub fn timeout_var(vars: &Vars) -> Option<Duration> {
    string(vars, "ansible_timeout")
        .or_else(|| string(vars, "ansible_ssh_timeout"))
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansible_ssh_timeout_is_read_after_ansible_timeout() {
        let mut v = Vars::new();
        v.insert("ansible_ssh_timeout".into(), Value::from("4"));
        assert_eq!(timeout_var(&v), Some(Duration::from_secs(4)));
        v.insert("ansible_timeout".into(), Value::from(7));
        assert_eq!(timeout_var(&v), Some(Duration::from_secs(7)));
    }

    #[test]
    fn booleans_in_ansible_spellings() {
        let mut v = Vars::new();
        for (s, want) in [("yes", true), ("On", true), ("1", true), ("no", false)] {
            v.insert("b".into(), Value::from(s));
            assert_eq!(boolean(&v, "b"), Some(want), "{s}");
        }
        assert_eq!(boolean(&v, "unset"), None);
    }
}
