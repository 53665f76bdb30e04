//! A path's attributes as the file modules take, report and compare them: the `mode`
//! argument read when it can be ([`mode_arg`]), Ansible's state fields of a result
//! ([`fill_state`]), whether an `owner`/`group` names what is there ([`same_id`]) and the
//! one-line diff of an attribute ([`value_diff`]). Knows nothing of any one module.

use crate::event::Diff;
use crate::modules::framework::args::is_template;
use crate::modules::framework::mode::{self, Mode};
use crate::modules::framework::probe::PathState;
use serde_json::{json, Map, Value};

/// A `mode:`-like argument read: `None` when absent or still a template (only known when
/// the task runs), the error when it is no mode.
pub fn mode_arg(v: Option<&Value>) -> Result<Option<Mode>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if is_template(s) => Ok(None),
        Some(v) => Mode::parse(v).map(Some),
    }
}

/// Ansible's state fields of a file.
pub fn fill_state(f: &mut Map<String, Value>, s: &PathState) {
    f.insert("mode".into(), json!(mode::octal(s.mode)));
    f.insert("owner".into(), json!(s.owner));
    f.insert("group".into(), json!(s.group));
    f.insert("uid".into(), json!(s.uid));
    f.insert("gid".into(), json!(s.gid));
    f.insert("size".into(), json!(s.size));
    f.insert("state".into(), json!(s.kind.state()));
}

/// Whether an `owner`/`group` value (a name or a numeric id) names what is there.
pub fn same_id(wanted: &str, name: &str, id: u32) -> bool {
    wanted == name || wanted.parse::<u32>().is_ok_and(|n| n == id)
}

/// A one-line before/after diff of an attribute.
pub fn value_diff(what: &str, before: &str, after: &str) -> Diff {
    Diff {
        before_header: what.into(),
        after_header: what.into(),
        before: before.into(),
        after: after.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_ids_and_templates() {
        assert_eq!(mode_arg(Some(&json!("0644"))), Ok(Some(Mode::Bits(0o644))));
        assert_eq!(mode_arg(Some(&json!("{{ m }}"))), Ok(None));
        assert_eq!(mode_arg(None), Ok(None));
        assert!(mode_arg(Some(&json!("rwxrwxrwx"))).is_err());
        assert!(same_id("root", "root", 0) && same_id("0", "root", 0));
        assert!(!same_id("1000", "root", 0));
    }
}
