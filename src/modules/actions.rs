//! The arguments of the actions the engine runs itself (`debug`, `assert`, `template`,
//! `include_vars`, ...), as typed `Args`, so that the registry checks them at load exactly as
//! it checks a module's, and the engine checks the rendered arguments against the same types
//! when it runs them. Their work is the engine's; nothing here runs. Knows nothing of the
//! engine.

use crate::modules::framework::args::{
    de_bool, de_opt_bool, de_opt_int, de_opt_string, is_template,
};
use crate::modules::framework::load_check::is_marker;
use crate::modules::framework::spec::{action, engine_action, Action, ArgCheck, Spec, B};
use serde::Deserialize;
use serde_json::Value;

/// The engine actions, for the registry.
pub const SPECS: &[Spec] = &[
    engine_action::<Template>(B, &[]),
    engine_action::<Debug>(B, &[]),
    action("set_fact", B, &[], ArgCheck::Free),
    engine_action::<Assert>(B, &[]),
    engine_action::<Fail>(B, &[]),
    engine_action::<Meta>(B, &[]),
    engine_action::<Setup>(B, &["gather_facts", "ansible.builtin.gather_facts"]),
    engine_action::<Pause>(B, &[]),
    engine_action::<IncludeVars>(B, &[]),
    action("add_host", B, &[], ArgCheck::Free),
    engine_action::<GroupBy>(B, &[]),
    engine_action::<ValidateArgumentSpec>(B, &[]),
    // The loader checks the includes' arguments with its include rules (playbook/task.rs).
    action("import_tasks", B, &[], ArgCheck::Unchecked),
    action("include_tasks", B, &[], ArgCheck::Unchecked),
    action("import_role", B, &[], ArgCheck::Unchecked),
    action("include_role", B, &[], ArgCheck::Unchecked),
    action("import_playbook", B, &[], ArgCheck::Unchecked),
];

/// `template`: rendered on the controller, written by `copy`.
pub struct Template;

/// Arguments of `template`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateArgs {
    #[serde(deserialize_with = "de_string")]
    pub src: String,
    #[serde(deserialize_with = "de_string")]
    pub dest: String,
    #[serde(default)]
    pub mode: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    pub backup: bool,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub force: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub validate: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub follow: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub unsafe_writes: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub seuser: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub serole: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub setype: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub selevel: Option<String>,
    #[serde(default, alias = "attr", deserialize_with = "de_opt_string")]
    pub attributes: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub trim_blocks: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub lstrip_blocks: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub newline_sequence: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub block_start_string: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub block_end_string: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub variable_start_string: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub variable_end_string: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub comment_start_string: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub comment_end_string: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub output_encoding: Option<String>,
}

impl Action for Template {
    const NAME: &'static str = "template";
    type Args = TemplateArgs;

    fn validate(a: &TemplateArgs) -> Result<(), String> {
        if a.src.is_empty() {
            return Err("missing required arguments: src".into());
        }
        match a.newline_sequence.as_deref() {
            None | Some("\n" | "\r" | "\r\n") => Ok(()),
            Some(s) if is_template(s) => Ok(()),
            Some(s) => Err(format!(
                "value of newline_sequence must be one of: \\n, \\r, \\r\\n, got: {s:?}"
            )),
        }
    }
}

/// A required string argument, written as a string, number or boolean.
fn de_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_opt_string(d)?.ok_or_else(|| serde::de::Error::custom("expected a string, got null"))
}

/// `debug`.
pub struct Debug;

/// Arguments of `debug`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebugArgs {
    #[serde(default)]
    pub msg: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub var: Option<String>,
    #[serde(default, deserialize_with = "de_opt_int")]
    pub verbosity: Option<i64>,
}

impl Action for Debug {
    const NAME: &'static str = "debug";
    type Args = DebugArgs;

    fn validate(a: &DebugArgs) -> Result<(), String> {
        if a.msg.is_some() && a.var.is_some() {
            return Err("'msg' and 'var' are incompatible options".into());
        }
        Ok(())
    }
}

/// `assert`.
pub struct Assert;

/// Arguments of `assert`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertArgs {
    pub that: Value,
    #[serde(default)]
    pub msg: Option<Value>,
    #[serde(default)]
    pub fail_msg: Option<Value>,
    #[serde(default)]
    pub success_msg: Option<Value>,
    #[serde(default, deserialize_with = "de_bool")]
    pub quiet: bool,
}

impl Action for Assert {
    const NAME: &'static str = "assert";
    type Args = AssertArgs;
}

/// `fail`.
pub struct Fail;

/// Arguments of `fail`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailArgs {
    #[serde(default)]
    pub msg: Option<Value>,
}

impl Action for Fail {
    const NAME: &'static str = "fail";
    type Args = FailArgs;
}

/// `meta`.
pub struct Meta;

/// Arguments of `meta`: the one free-form word.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaArgs {
    #[serde(rename = "_raw_params", deserialize_with = "de_string")]
    pub raw_params: String,
}

/// The `meta` actions Ansible offers users (its internal `role_complete` is not one), less
/// `refresh_inventory`, which rsible refuses (see [`Meta::validate`]).
pub const META_ACTIONS: &[&str] = &[
    "noop",
    "flush_handlers",
    "clear_facts",
    "clear_host_errors",
    "end_play",
    "end_host",
    "end_batch",
    "end_role",
    "reset_connection",
];

impl Action for Meta {
    const NAME: &'static str = "meta";
    type Args = MetaArgs;

    /// Ansible does not template `meta`'s word (`meta: "{{ x }}"` fails when reached), so
    /// every word is known at load. `refresh_inventory` would re-read the inventory sources
    /// mid-run; rsible reads them once, so it refuses the action rather than skip it.
    fn validate(a: &MetaArgs) -> Result<(), String> {
        let w = a.raw_params.trim();
        if META_ACTIONS.contains(&w) {
            return Ok(());
        }
        if is_marker(w) {
            return Err(
                "meta's action cannot be a template: Ansible does not render it \
                        (it fails with 'invalid meta action requested' when reached)"
                    .to_string(),
            );
        }
        if w == "refresh_inventory" {
            return Err(
                "refresh_inventory is not supported by rsible (the inventory \
                        is read once, when the run starts)"
                    .to_string(),
            );
        }
        Err(format!(
            "invalid meta action requested: {w} (one of {})",
            META_ACTIONS.join(", ")
        ))
    }
}

/// `setup` (and `gather_facts`).
pub struct Setup;

/// Arguments of `setup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupArgs {
    #[serde(default)]
    pub gather_subset: Option<Value>,
    #[serde(default)]
    pub filter: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_int")]
    pub gather_timeout: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub fact_path: Option<String>,
}

impl Action for Setup {
    const NAME: &'static str = "setup";
    type Args = SetupArgs;
}

/// `pause`.
pub struct Pause;

/// Arguments of `pause`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseArgs {
    #[serde(default)]
    pub seconds: Option<Value>,
    #[serde(default)]
    pub minutes: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub prompt: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub echo: Option<bool>,
}

impl Action for Pause {
    const NAME: &'static str = "pause";
    type Args = PauseArgs;

    fn validate(a: &PauseArgs) -> Result<(), String> {
        for (k, v) in [("seconds", &a.seconds), ("minutes", &a.minutes)] {
            let ok = match v {
                None | Some(Value::Number(_)) => true,
                Some(Value::String(s)) => is_template(s) || s.trim().parse::<f64>().is_ok(),
                Some(_) => false,
            };
            if !ok {
                return Err(format!("argument '{k}': a number of {k} is needed"));
            }
        }
        Ok(())
    }
}

/// `include_vars`.
pub struct IncludeVars;

/// Arguments of `include_vars`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncludeVarsArgs {
    #[serde(default, rename = "_raw_params", deserialize_with = "de_opt_string")]
    pub raw_params: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub dir: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub files_matching: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub ignore_unknown_extensions: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_int")]
    pub depth: Option<i64>,
    #[serde(default)]
    pub extensions: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub hash_behaviour: Option<String>,
    #[serde(default)]
    pub ignore_files: Option<Value>,
}

impl Action for IncludeVars {
    const NAME: &'static str = "include_vars";
    type Args = IncludeVarsArgs;

    fn validate(a: &IncludeVarsArgs) -> Result<(), String> {
        match a.hash_behaviour.as_deref() {
            None | Some("replace" | "merge") => Ok(()),
            Some(s) if is_template(s) => Ok(()),
            Some(s) => Err(format!(
                "value of hash_behaviour must be one of: replace, merge, got: {s}"
            )),
        }
    }
}

/// `group_by`.
pub struct GroupBy;

/// Arguments of `group_by`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupByArgs {
    #[serde(deserialize_with = "de_string")]
    pub key: String,
    #[serde(default)]
    pub parents: Option<Value>,
}

impl Action for GroupBy {
    const NAME: &'static str = "group_by";
    type Args = GroupByArgs;
}

/// `validate_argument_spec`.
pub struct ValidateArgumentSpec;

/// Arguments of `validate_argument_spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateArgumentSpecArgs {
    pub argument_spec: Value,
    #[serde(default)]
    pub provided_arguments: Option<Value>,
}

impl Action for ValidateArgumentSpec {
    const NAME: &'static str = "validate_argument_spec";
    type Args = ValidateArgumentSpecArgs;
}

#[cfg(test)]
mod tests {
    use crate::modules::registry::check_args;
    use serde_json::{json, Value};

    fn check(module: &str, v: Value) -> Result<(), String> {
        check_args(module, v.as_object().unwrap()).map_err(|e| e.msg)
    }

    #[test]
    fn engine_actions_are_checked_from_their_types() {
        assert_eq!(check("debug", json!({"msg": "hi", "verbosity": 2})), Ok(()));
        assert!(check("debug", json!({"msg": "hi", "var": "x"})).is_err());
        assert!(check("debug", json!({"mgs": "hi"})).is_err());
        assert!(check("debug", json!({"msg": "hi", "verbosity": "high"})).is_err());
        assert_eq!(
            check("template", json!({"src": "a.j2", "dest": "{{ d }}"})),
            Ok(())
        );
        assert!(check("template", json!({"src": "a.j2"})).is_err());
        assert!(check("template", json!({"src": "a.j2", "dest": "/x", "modee": 1})).is_err());
        assert!(check("meta", json!({"_raw_params": "flush_handler"})).is_err());
        assert_eq!(check("meta", json!({"_raw_params": "end_host"})), Ok(()));
        assert!(check("group_by", json!({"parents": "x"})).is_err());
        assert!(check("pause", json!({"seconds": "soon"})).is_err());
        assert_eq!(check("pause", json!({"minutes": "{{ m }}"})), Ok(()));
        assert_eq!(check("set_fact", json!({"anything": 1})), Ok(()));
    }
}
