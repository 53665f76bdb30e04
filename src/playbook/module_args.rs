//! The load-time check of one module call's arguments, shared by playbook tasks and the ad
//! hoc task of `rsible run`: the registry's check of names, types and required arguments,
//! arguments rsible refuses as unsupported, templates that do not compile, and filters and
//! tests rsible does not have ([`template_names`]). Returns the
//! problems as messages with hints; the caller says where they are. Knows nothing of YAML or
//! of how tasks run.

use serde_json::{Map, Value};

use super::diagnostic::did_you_mean;
use super::{arg_templates, template_names, unsupported, variable_params};
use crate::modules::framework::spec::ArgError;
use crate::modules::registry;

/// One problem with a module call's arguments.
pub(crate) struct ArgProblem {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Another source may still supply what is missing (a missing argument, a rule between
    /// arguments): `module_defaults`, which the loader weighs once it has read them all.
    pub completable: bool,
}

/// Every problem with `args` of module `canonical` (written as `written`), in the order a
/// reader fixes them: wrong arguments, unsupported ones, broken templates, unknown filters
/// and tests.
pub(crate) fn problems(
    canonical: &str,
    written: &str,
    args: &Map<String, Value>,
) -> Vec<ArgProblem> {
    let mut out = Vec::new();
    let plain = |(message, hint): (String, Option<String>)| ArgProblem {
        message,
        hint,
        completable: false,
    };
    if let Err(e) = check(canonical, args) {
        let (message, hint) = describe(canonical, &e);
        out.push(ArgProblem {
            message,
            hint,
            completable: completable(&e),
        });
    }
    for (k, v) in args {
        if let Some(refusal) = unsupported::argument(canonical, k, v) {
            out.push(plain(refusal));
        }
    }
    for (arg, msg) in arg_templates::syntax_errors(args) {
        let shown = if arg == "_raw_params" {
            format!("the arguments of '{written}'")
        } else {
            format!("argument '{arg}' of '{written}'")
        };
        out.push(plain((format!("{shown}: {msg}"), None)));
    }
    for (k, v) in args {
        for (kind, name) in template_names::in_argument(canonical, k, v) {
            let shown = if k == "_raw_params" {
                format!("the arguments of '{written}'")
            } else {
                format!("argument '{k}' of '{written}'")
            };
            let refusal = template_names::refusal(kind, &name);
            out.push(plain((
                format!("{shown}: {refusal}"),
                Some(template_names::HINT.into()),
            )));
        }
    }
    out
}

/// Whether `e` is one that more arguments could answer.
fn completable(e: &ArgError) -> bool {
    e.arg.is_none() || e.msg.starts_with("missing required arguments")
}

/// The registry's message for `e`, with a did-you-mean or the accepted names as the hint.
fn describe(module: &str, e: &ArgError) -> (String, Option<String>) {
    match e.arg.as_deref() {
        Some("_raw_params") => (
            format!("{module} does not take a free-form argument"),
            Some(format!(
                "write its arguments as `key=value` or a mapping: {}",
                e.expected.join(", ")
            )),
        ),
        Some(k) if !e.expected.is_empty() => (
            format!("unknown argument '{k}' for module '{module}'"),
            did_you_mean(k, e.expected.iter().map(String::as_str))
                .or_else(|| Some(format!("{module} accepts: {}", e.expected.join(", ")))),
        ),
        _ => (format!("{module}: {}", e.msg), None),
    }
}

/// The registry's check of a task's arguments, less the marker of arguments given as one
/// template (checked when rendered) and arguments refused as unsupported (reported as such).
/// When such a template will add arguments, only the names and types of those written are
/// checked: a missing argument or a rule between arguments waits for the run.
fn check(module: &str, args: &Map<String, Value>) -> Result<(), ArgError> {
    let map = args
        .iter()
        .filter(|(k, v)| {
            *k != variable_params::KEY && unsupported::argument(module, k, v).is_none()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match registry::check_args(module, &map) {
        Err(e) if args.contains_key(variable_params::KEY) && completable(&e) => Ok(()),
        r => r,
    }
}
