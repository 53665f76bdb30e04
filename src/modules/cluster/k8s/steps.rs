//! The result of a module composed of steps (`kubernetes_node`): the outputs of the
//! modules it ran, merged into one, with the steps that changed, the warnings and the first
//! failure. Knows nothing of what the steps do.

use crate::modules::Output;
use serde_json::{json, Map, Value};

/// The outputs of the sub-modules a composed module ran, merged into one result.
#[derive(Default)]
pub struct Steps {
    out: Output,
    changed: Vec<String>,
    warnings: Vec<String>,
    failure: Option<String>,
}

impl Steps {
    /// Adds the output of step `name`; `false` when it failed (the failure, naming the
    /// step, is kept for [`Steps::finish`]).
    pub fn add(&mut self, name: &str, o: Output) -> bool {
        if let Some(Value::Array(ws)) = o.fields.get("warnings") {
            self.warnings
                .extend(ws.iter().filter_map(Value::as_str).map(String::from));
        }
        self.out.diffs.extend(o.diffs);
        if o.changed {
            self.changed.push(name.to_string());
        }
        if o.failed {
            let msg = o.msg.unwrap_or_else(|| "failed".into());
            self.fail(format!("{name}: {msg}"));
            return false;
        }
        true
    }

    /// Records a step that changed (or would) without a sub-module's output.
    pub fn changed(&mut self, name: &str) {
        self.changed.push(name.to_string());
    }

    /// Records that the module failed with `msg`.
    pub fn fail(&mut self, msg: String) {
        self.failure = Some(msg);
    }

    /// `what` went wrong: a warning saying so when the host is a container (`container`
    /// names its kind), else a failure (`false`).
    pub fn tolerate_in_container(&mut self, what: String, container: Option<&str>) -> bool {
        match container {
            Some(c) => {
                self.warnings.push(format!(
                    "{what}; not a failure because this host is a container ({c}): do it on \
                     the machine that runs the container"
                ));
                true
            }
            None => {
                self.fail(what);
                false
            }
        }
    }

    /// Whether step `name` changed.
    pub fn did_change(&self, name: &str) -> bool {
        self.changed.iter().any(|c| c == name)
    }

    /// The merged output with `fields` added: `changed` when any step changed; the names of
    /// the steps that changed in `changed_steps`; `warnings` when there are any; failed with
    /// the failing step's message when one failed.
    pub fn finish(&mut self, fields: Map<String, Value>) -> Output {
        let mut o = std::mem::take(&mut self.out);
        o.changed = !self.changed.is_empty();
        o.fields = fields;
        o.fields
            .insert("changed_steps".into(), json!(self.changed.clone()));
        if !self.warnings.is_empty() {
            o.fields
                .insert("warnings".into(), json!(self.warnings.clone()));
        }
        if let Some(f) = self.failure.take() {
            o.failed = true;
            o.msg = Some(f);
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_merge_changes_warnings_and_failures() {
        let mut s = Steps::default();
        let mut a = Output {
            changed: true,
            ..Output::default()
        };
        a.fields.insert("warnings".into(), json!(["w1"]));
        assert!(s.add("swap", a));
        assert!(s.add("sysctl", Output::default()));
        assert!(s.did_change("swap") && !s.did_change("sysctl"));
        assert!(s.tolerate_in_container("x".into(), Some("lxc")));
        let f = Output {
            failed: true,
            msg: Some("boom".into()),
            ..Output::default()
        };
        assert!(!s.add("apt", f));
        let o = s.finish(Map::new());
        assert!(o.failed && o.changed);
        assert_eq!(o.msg.as_deref(), Some("apt: boom"));
        assert_eq!(o.fields["warnings"][0], "w1");
        assert!(o.fields["warnings"][1]
            .as_str()
            .unwrap()
            .contains("this host is a container (lxc)"));
        assert_eq!(o.fields["changed_steps"], json!(["swap"]));
    }
}
