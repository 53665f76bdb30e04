//! The Kubernetes family: `kubernetes_node` (a host prepared for kubeadm: swap, kernel
//! modules, sysctl, the Kubernetes apt repository, pinned and held packages, kubelet enabled)
//! and `kubeadm` (init, join commands, join, reset). `kubernetes_node` is composed from the
//! system modules' entry points called with constructed argument maps; [`Steps`] gathers
//! their outputs into one. Knows nothing of playbooks or scheduling.

pub mod kubeadm;
pub mod node;

use super::Output;
use serde_json::{json, Map, Value};

/// The outputs of the sub-modules a composed module ran, merged into one result.
#[derive(Default)]
pub struct Steps {
    out: Output,
    changed: Vec<String>,
    warnings: Vec<String>,
}

impl Steps {
    /// Adds the output of step `name`; `Err` (the merged output, failed) when it failed, with
    /// the step named in the message.
    pub fn add(&mut self, name: &str, o: Output) -> Result<(), Output> {
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
            return Err(self.fail(&format!("{name}: {msg}")));
        }
        Ok(())
    }

    /// Records a step that changed (or would) without a sub-module's output.
    pub fn changed(&mut self, name: &str) {
        self.changed.push(name.to_string());
    }

    /// Adds a warning shown to the user.
    pub fn warn(&mut self, msg: String) {
        self.warnings.push(msg);
    }

    /// Whether step `name` changed.
    pub fn did_change(&self, name: &str) -> bool {
        self.changed.iter().any(|c| c == name)
    }

    /// The merged output, failed with `msg`.
    pub fn fail(&mut self, msg: &str) -> Output {
        let mut o = self.finish(Map::new());
        o.failed = true;
        o.msg = Some(msg.to_string());
        o
    }

    /// The merged output with `fields` added: `changed` when any step changed; the names of
    /// the steps that changed in `changed_steps`; `warnings` when there are any.
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
        o
    }
}

/// An argument map from a `json!` object literal.
pub fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
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
        s.add("swap", a).unwrap();
        s.add("sysctl", Output::default()).unwrap();
        assert!(s.did_change("swap") && !s.did_change("sysctl"));
        let f = Output {
            failed: true,
            msg: Some("boom".into()),
            ..Output::default()
        };
        let o = s.add("apt", f).unwrap_err();
        assert!(o.failed && o.changed);
        assert_eq!(o.msg.as_deref(), Some("apt: boom"));
        assert_eq!(o.fields["warnings"], json!(["w1"]));
        assert_eq!(o.fields["changed_steps"], json!(["swap"]));
    }
}
