//! `raw`: the text sent as it is to the target's login shell (or run by `executable`), with no
//! `/bin/sh` wrapper and no task environment, as Ansible does. It does not run in check mode
//! (Ansible skips it). Knows nothing of playbooks; arguments arrive templated.

use super::common::result::{result, Started};
use crate::connection::quote::join;
use crate::modules::framework::args::de_opt_string;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;

/// `raw` in the registry.
pub const SPEC: Spec = spec::<Raw>(B, &[]);

/// The `raw` module.
pub struct Raw;

/// Arguments of `raw` (Ansible's names; `_raw_params` is the free-form text).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(rename = "_raw_params", default, deserialize_with = "de_opt_string")]
    raw_params: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    executable: Option<String>,
}

impl Module for Raw {
    const NAME: &'static str = "raw";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match a.raw_params {
            Some(_) => Ok(()),
            None => Err("no command given".into()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(raw(a, ctx))
    }
}

/// `raw`: one program, the user's text; skipped when the framework holds it back.
async fn raw(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let text = a.raw_params.unwrap_or_default();
    let (script, login_shell) = match a.executable {
        Some(exe) => (join(&[exe.as_str(), "-c", text.as_str()]), false),
        None => (text.into_bytes(), true),
    };
    let started = Started::now();
    match ctx.apply_raw(script, login_shell).await? {
        Some(out) => Ok(result(&out, Value::Null, started, true)),
        None => Ok(Output {
            skipped: true,
            msg: Some("raw does not support check mode".into()),
            ..Output::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::json;

    #[test]
    fn arguments() {
        assert_eq!(check::<Raw>(json!({"_raw_params": "uname -a"})), Ok(true));
        assert_eq!(
            check::<Raw>(json!({"_raw_params": "{{ c }}", "executable": "/bin/bash"})),
            Ok(true)
        );
        assert_eq!(
            check::<Raw>(json!({"executable": "/bin/sh"})),
            Err("no command given".into())
        );
        assert!(check::<Raw>(json!({"_raw_params": "ls", "chdir": "/"}))
            .unwrap_err()
            .contains("chdir"));
        assert!(check::<Raw>(json!({"_raw_params": "ls", "executable": ["sh"]})).is_err());
    }
}
