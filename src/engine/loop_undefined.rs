//! Ansible's order for a loop whose expression names an undefined variable: the task's
//! `when` (evaluated without `item`) decides first, so `when: false` skips the task instead
//! of failing it on the loop; when the conditions hold (or cannot be evaluated) the loop's
//! error stands. Knows nothing of modules, hosts or output.

use crate::playbook::Task;
use crate::template::{Scope, Templar};
use serde_json::Value;

/// Whether `task`'s loop expression fails to render because a variable is undefined (and
/// only that: other loop errors always fail the task, as in Ansible).
pub fn loop_is_undefined(task: &Task, templar: &Templar, scope: &Scope) -> bool {
    task.keywords
        .iter()
        .find(|(k, _)| *k == "loop" || k.starts_with("with_"))
        .is_some_and(|(_, raw)| {
            templar
                .render_value(raw, scope)
                .is_err_and(|e| e.undefined.is_some())
        })
}

/// The first of `conds` that is false in `scope`, or `None` when all hold or one cannot be
/// evaluated (the caller then reports its own error).
pub fn false_condition<'a>(
    conds: impl IntoIterator<Item = &'a Value>,
    templar: &Templar,
    scope: &Scope,
) -> Option<&'a Value> {
    for c in conds {
        match templar.eval_condition(c, scope) {
            Ok(true) => {}
            Ok(false) => return Some(c),
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Vars;
    use serde_json::json;

    fn scope(vars: Value) -> Scope {
        let Value::Object(m) = vars else {
            unreachable!("test vars are an object")
        };
        Scope::new(m.into_iter().collect::<Vars>())
    }

    #[test]
    fn the_first_false_condition_is_found_and_errors_are_not_false() {
        let t = Templar::new();
        let s = scope(json!({"a": true}));
        let conds = [json!("a"), json!(false), json!("b")];
        assert_eq!(false_condition(&conds, &t, &s), Some(&json!(false)));
        let conds = [json!("nope.x"), json!(false)];
        assert_eq!(false_condition(&conds, &t, &s), None);
        assert_eq!(false_condition(&[json!("a")], &t, &s), None);
    }
}
