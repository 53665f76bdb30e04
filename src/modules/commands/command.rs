//! `command`: the words run without a shell (no pipes, no `$VAR` of the controller), as
//! Ansible does; each word has the target's `$VARS` and `~` expanded unless
//! `expand_argument_vars: false`. One remote program per task (see [`common::program`]).
//! Knows nothing of playbooks; arguments arrive templated.

use super::argv_expand;
use super::common::guards::Guards;
use super::common::program::{self, Program};
use crate::connection::quote::exec_argv;
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string, yes};
use crate::modules::framework::prefetch::Read;
use crate::modules::framework::spec::{spec, typed_args, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `command` in the registry.
pub const SPEC: Spec = spec::<Command>(B, &[]);

/// The `command` module.
pub struct Command;

/// Arguments of `command` (Ansible's names; `_raw_params` is the free-form command line).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(rename = "_raw_params", default, deserialize_with = "de_opt_string")]
    raw_params: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    cmd: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    argv: Option<Vec<String>>,
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
    /// Expand the target's `$VARS` and `~` in each word (Ansible's default).
    #[serde(default = "yes", deserialize_with = "de_bool")]
    expand_argument_vars: bool,
    /// Not supported by Ansible's `command` since 2.4: warned about and ignored.
    #[serde(default, deserialize_with = "de_opt_string")]
    executable: Option<String>,
}

impl Module for Command {
    const NAME: &'static str = "command";
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
        match (a.argv.is_some(), a.cmd.is_some() || a.raw_params.is_some()) {
            (true, true) => {
                Err("give either a command line (free form or `cmd`) or `argv`, not both".into())
            }
            (false, false) => Err("no command given".into()),
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(command(a, ctx))
    }
}

/// The program of a `command` task from its templated arguments, for a background job
/// (`async`): the same `Args` and rules as the module.
pub fn job_program(a: &Map<String, Value>) -> Result<Program, Failure> {
    program(typed_args::<Command>(a)?)
}

fn program(a: Args) -> Result<Program, Failure> {
    let argv: Vec<String> = match (a.argv, a.cmd.as_ref().or(a.raw_params.as_ref())) {
        (Some(words), _) => words,
        (None, Some(line)) => shlex::split(line).ok_or_else(|| {
            Failure::BadArgs(format!(
                "command: cannot split {line:?} into words: a quote is not closed"
            ))
        })?,
        (None, None) => Vec::new(),
    };
    if argv.is_empty() {
        return Err(Failure::BadArgs("no command given".into()));
    }
    let body = if a.expand_argument_vars && argv.iter().any(|w| argv_expand::expands(w)) {
        let mut b = b"exec".to_vec();
        for w in &argv {
            b.push(b' ');
            b.extend(argv_expand::shell_word(w));
        }
        b
    } else {
        exec_argv(&argv)
    };
    let stdin = program::stdin(a.stdin, a.stdin_add_newline);
    Ok(Program {
        body,
        cmd: Value::from(argv),
        stdin,
        user_code: false,
        strip: a.strip_empty_ends,
        chdir: a.chdir,
        creates: a.creates,
        removes: a.removes,
    })
}

/// `command`: runs the program; Ansible's warning when `executable` was given.
async fn command(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    // Ansible warns and runs the command without it.
    let warning = a.executable.as_ref().map(|exe| {
        format!("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{exe}'.")
    });
    let mut o = program::run(program(a)?, ctx).await?;
    if let Some(w) = warning {
        o.fields.insert("warnings".into(), json!([w]));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Command>(json!({"_raw_params": "echo hi", "chdir": "/tmp"})),
            Ok(true)
        );
        assert_eq!(
            check::<Command>(json!({"argv": ["echo", 1, true]})),
            Ok(true)
        );
        assert_eq!(check::<Command>(json!({"argv": "{{ words }}"})), Ok(true));
        assert_eq!(
            check::<Command>(json!({"cmd": "{{ c }}", "stdin_add_newline": "{{ n }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<Command>(json!({"chdir": "/tmp"})),
            Err("no command given".into())
        );
        assert!(check::<Command>(json!({"cmd": "a", "argv": ["a"]}))
            .unwrap_err()
            .contains("not both"));
        let e = check::<Command>(json!({"_raw_params": "ls", "chdri": "/"})).unwrap_err();
        assert!(e.contains("chdri"), "{e}");
        let e = check::<Command>(json!({"_raw_params": "ls", "strip_empty_ends": "maybe"}))
            .unwrap_err();
        assert!(e.contains("strip_empty_ends"), "{e}");
    }

    #[test]
    fn words_are_quoted_or_expanded_on_the_target() {
        let parse = |v: Value| -> Args { args::parse("command", v.as_object().unwrap()).unwrap() };
        let p = program(parse(json!({"_raw_params": "echo 'a b' c"}))).unwrap();
        assert_eq!(p.cmd, json!(["echo", "a b", "c"]));
        assert!(!p.user_code);
        let p = program(parse(json!({"argv": ["echo", 1, true], "stdin": "x"}))).unwrap();
        assert_eq!(p.cmd, json!(["echo", "1", "True"]));
        assert_eq!(p.stdin, b"x\n");
        let p = program(parse(json!({"cmd": "echo $HOME"}))).unwrap();
        assert!(
            p.body.starts_with(b"exec "),
            "{:?}",
            String::from_utf8_lossy(&p.body)
        );
        assert!(program(parse(json!({"_raw_params": "echo 'a"}))).is_err());
        assert!(program(parse(json!({"argv": []}))).is_err());
    }
}
