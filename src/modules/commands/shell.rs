//! `shell`: the text run by `/bin/sh` on the target (or by `executable`). One remote program
//! per task (see [`common::program`]). Knows nothing of playbooks; arguments arrive
//! templated.

use super::common::guards::Guards;
use super::common::program::{self, Program};
use crate::connection::quote::join;
use crate::modules::framework::args::{de_bool, de_opt_string, yes};
use crate::modules::framework::prefetch::Read;
use crate::modules::framework::spec::{spec, typed_args, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `shell` in the registry.
pub const SPEC: Spec = spec::<Shell>(B, &[]);

/// The `shell` module.
pub struct Shell;

/// Arguments of `shell` (Ansible's names; `_raw_params` is the free-form shell text).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(rename = "_raw_params", default, deserialize_with = "de_opt_string")]
    raw_params: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    cmd: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    creates: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    removes: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    chdir: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    stdin: Option<String>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    stdin_add_newline: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    strip_empty_ends: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    executable: Option<String>,
}

impl Module for Shell {
    const NAME: &'static str = "shell";
    type Args = Args;
    const READS_AHEAD: bool = true;
    const READS_AHEAD_WITH: &'static [&'static str] = &["creates", "removes"];

    fn reads(a: &Args) -> Vec<Read> {
        let guards = Guards {
            creates: a.creates.as_deref(),
            removes: a.removes.as_deref(),
        };
        guards.reads(a.chdir.as_deref())
    }

    fn validate(a: &Args) -> Result<(), String> {
        if a.cmd.is_none() && a.raw_params.is_none() {
            return Err("no command given".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { program::run(program(a)?, ctx).await })
    }
}

/// The program of a `shell` task from its templated arguments, for a background job
/// (`async`): the same `Args` and rules as the module.
pub fn job_program(a: &Map<String, Value>) -> Result<Program, Failure> {
    program(typed_args::<Shell>(a)?)
}

fn program(a: Args) -> Result<Program, Failure> {
    let Some(text) = a.cmd.or(a.raw_params) else {
        return Err(Failure::BadArgs("no command given".into()));
    };
    let body = match &a.executable {
        Some(exe) => {
            let mut b = b"exec ".to_vec();
            b.extend(join(&[exe.as_str(), "-c", text.as_str()]));
            b
        }
        None => text.clone().into_bytes(),
    };
    let stdin = program::stdin(a.stdin, a.stdin_add_newline);
    Ok(Program {
        body,
        cmd: Value::from(text),
        stdin,
        // With `executable` the user's code runs in that shell, exec'd: it needs no /bin/sh
        // of its own.
        user_code: a.executable.is_none(),
        strip: a.strip_empty_ends,
        chdir: a.chdir,
        creates: a.creates,
        removes: a.removes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;
    use serde_json::json;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Shell>(json!({"_raw_params": "echo $HOME | wc", "creates": "/x"})),
            Ok(true)
        );
        assert_eq!(check::<Shell>(json!({"cmd": "{{ script }}"})), Ok(true));
        assert_eq!(
            check::<Shell>(json!({"creates": "/x"})),
            Err("no command given".into())
        );
        for bad in ["argv", "expand_argument_vars", "warn"] {
            let e = check::<Shell>(json!({"_raw_params": "ls", bad: true})).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        assert!(
            check::<Shell>(json!({"_raw_params": "ls", "stdin_add_newline": "often"})).is_err()
        );
    }

    #[test]
    fn the_text_is_user_code_unless_another_shell_runs_it() {
        let parse = |v: Value| -> Args { args::parse("shell", v.as_object().unwrap()).unwrap() };
        let p = program(parse(json!({"_raw_params": "echo a | wc -l", "stdin": "x",
            "stdin_add_newline": false})))
        .unwrap();
        assert_eq!(p.body, b"echo a | wc -l");
        assert_eq!(p.cmd, json!("echo a | wc -l"));
        assert_eq!(p.stdin, b"x");
        assert!(p.user_code);
        let p = program(parse(json!({"cmd": "echo $0", "executable": "/bin/bash"}))).unwrap();
        assert_eq!(p.body, b"exec /bin/bash -c 'echo $0'");
        assert!(!p.user_code);
    }
}
