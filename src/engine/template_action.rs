//! `template`: rendered on the controller, then put in place by `copy`. This turns a
//! template task's arguments into copy arguments whose `content` is the rendered text.
//! Knows nothing of connections or of how copy writes.

use super::Runner;
use crate::modules::framework::args::{de_bool, scalar_text};
use crate::modules::framework::local_src::find_local;
use crate::modules::Failure;
use crate::template::{Scope, TemplateOptions};
use serde_json::{json, Map, Value};

/// Arguments of `template` that copy takes as they are (the rest are the rendering's; all
/// are checked against `template`'s typed arguments in the registry).
const PASSED: &[&str] = &[
    "dest",
    "mode",
    "owner",
    "group",
    "backup",
    "force",
    "validate",
    "follow",
    "unsafe_writes",
    "seuser",
    "serole",
    "setype",
    "selevel",
    "attributes",
    "attr",
];

impl Runner {
    /// The `copy` arguments for a `template` task: `src` found in the search path
    /// (`d/templates/SRC`, then `d/SRC`) and rendered with `scope`.
    pub(super) fn template_args(
        &self,
        args: &Map<String, Value>,
        scope: &Scope,
    ) -> Result<Map<String, Value>, Failure> {
        super::actions::typed("template", args)?;
        let src = args.get("src").map(scalar_text).unwrap_or_default();
        let path = find_local(&scope.search_paths, "templates", &src).map_err(Failure::Failed)?;
        let raw = std::fs::read(&path).map_err(|e| {
            Failure::Failed(format!("could not read template {}: {e}", path.display()))
        })?;
        // A vault-encrypted template is opened in memory, as Ansible does.
        let raw = if crate::vault::is_encrypted(&raw) {
            crate::vault::decrypt(&raw, crate::vault::installed())
                .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?
        } else {
            raw
        };
        let text = String::from_utf8(raw).map_err(|_| {
            Failure::Failed(format!("the template {} is not UTF-8 text", path.display()))
        })?;
        let opts = options(args)?;
        let scope = with_managed(scope);
        let rendered = self
            .engine
            .templar
            .render_template(&path.display().to_string(), &text, &scope, &opts)
            .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?;
        Ok(copy_args(args, rendered))
    }
}

/// The `copy` arguments of a template task whose text rendered to `content`.
pub(super) fn copy_args(args: &Map<String, Value>, content: String) -> Map<String, Value> {
    let mut out: Map<String, Value> = args
        .iter()
        .filter(|(k, _)| PASSED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("content".into(), json!(content));
    out
}

/// The scope with `ansible_managed` defined ("Ansible managed") when the user has not.
fn with_managed(scope: &Scope) -> Scope {
    if scope.vars.contains_key("ansible_managed") {
        return scope.clone();
    }
    let mut vars = (*scope.vars).clone();
    vars.insert("ansible_managed".into(), json!("Ansible managed"));
    scope.with_vars(vars)
}

/// The rendering options from template's arguments (`output_encoding` is ignored: UTF-8).
fn options(args: &Map<String, Value>) -> Result<TemplateOptions, Failure> {
    let mut o = TemplateOptions::default();
    let flag = |k: &str, v: &mut bool| -> Result<(), Failure> {
        if let Some(x) = args.get(k) {
            *v = de_bool(x.clone())
                .map_err(|e: serde_json::Error| Failure::Failed(format!("template: {k}: {e}")))?;
        }
        Ok(())
    };
    flag("trim_blocks", &mut o.trim_blocks)?;
    flag("lstrip_blocks", &mut o.lstrip_blocks)?;
    for (k, slot) in [
        ("block_start_string", &mut o.block_start_string),
        ("block_end_string", &mut o.block_end_string),
        ("variable_start_string", &mut o.variable_start_string),
        ("variable_end_string", &mut o.variable_end_string),
        ("comment_start_string", &mut o.comment_start_string),
        ("comment_end_string", &mut o.comment_end_string),
    ] {
        if let Some(v) = args.get(k) {
            *slot = scalar_text(v);
        }
    }
    if let Some(v) = args.get("newline_sequence") {
        let nl = scalar_text(v);
        o.newline_sequence = match nl.as_str() {
            "\\n" | "\n" => "\n".into(),
            "\\r\\n" | "\r\n" => "\r\n".into(),
            "\\r" | "\r" => "\r".into(),
            other => {
                return Err(Failure::Failed(format!(
                    "template: newline_sequence must be one of \\n, \\r, \\r\\n; got {other:?}"
                )))
            }
        };
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_from_the_arguments() {
        let a = json!({"trim_blocks": "no", "newline_sequence": "\\r\\n",
            "variable_start_string": "[[", "lstrip_blocks": true});
        let o = options(a.as_object().unwrap()).unwrap();
        assert!(!o.trim_blocks && o.lstrip_blocks);
        assert_eq!(o.newline_sequence, "\r\n");
        assert_eq!(o.variable_start_string, "[[");
        let bad = json!({"newline_sequence": "x"});
        assert!(options(bad.as_object().unwrap()).is_err());
    }

    #[test]
    fn ansible_managed_is_defined_unless_set() {
        let s = with_managed(&Scope::new(Default::default()));
        assert_eq!(s.vars["ansible_managed"], json!("Ansible managed"));
        let mut v = crate::inventory::Vars::new();
        v.insert("ansible_managed".into(), json!("mine"));
        assert_eq!(
            with_managed(&Scope::new(v)).vars["ansible_managed"],
            json!("mine")
        );
    }
}
