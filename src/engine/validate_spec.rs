//! The `validate_argument_spec` action (the task the loader puts before a role's tasks when
//! the role has an argument spec for its entry point): the spec's options get their values
//! from the task's variables, role parameters over them, and [`super::arg_spec::validate`]
//! judges them. Result fields as Ansible's. Knows nothing of how roles are loaded.

use super::arg_spec;
use super::Runner;
use crate::modules::{Failure, Output};
use crate::template::Scope;
use serde_json::{json, Map, Value};

/// The arguments the action takes.
const ARGS: &[&str] = &[
    "argument_spec",
    "provided_arguments",
    "validate_args_context",
];

impl Runner {
    /// Runs `validate_argument_spec` with (rendered) `args` in `scope`.
    pub(super) fn validate_argument_spec(
        &self,
        args: &Map<String, Value>,
        scope: &Scope,
    ) -> Result<Output, Failure> {
        if let Some(k) = args.keys().find(|k| !ARGS.contains(&k.as_str())) {
            return Err(Failure::Failed(format!(
                "Unsupported parameters for (validate_argument_spec) module: {k}. Supported \
                 parameters include: {}.",
                ARGS.join(", ")
            )));
        }
        let Some(Value::Object(spec)) = args.get("argument_spec") else {
            return Err(Failure::Failed(
                "\"argument_spec\" arg is required in args and must be a mapping".into(),
            ));
        };
        let provided = match args.get("provided_arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return Err(Failure::Failed(
                    "Incorrect type for provided_arguments, expected dict".into(),
                ))
            }
        };
        let mut params = Map::new();
        for name in spec.keys() {
            if let Some(v) = scope.vars.get(name) {
                let v = self
                    .engine
                    .templar
                    .render_value(v, scope)
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                params.insert(name.clone(), v);
            }
        }
        params.extend(provided.iter().map(|(k, v)| (k.clone(), v.clone())));
        let role_params: Vec<String> = provided.keys().cloned().collect();
        let errors = arg_spec::validate(spec, &params, &role_params);
        let mut fields = Map::new();
        if let Some(c) = args.get("validate_args_context") {
            fields.insert("validate_args_context".into(), c.clone());
        }
        if errors.is_empty() {
            return Ok(Output {
                msg: Some("The arg spec validation passed".into()),
                fields,
                ..Output::default()
            });
        }
        fields.insert("argument_errors".into(), json!(errors));
        fields.insert("argument_spec_data".into(), Value::Object(spec.clone()));
        Ok(Output {
            failed: true,
            msg: Some(format!(
                "Validation of arguments failed:\n{}",
                errors.join("\n")
            )),
            fields,
            ..Output::default()
        })
    }
}
