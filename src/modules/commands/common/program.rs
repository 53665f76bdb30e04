//! A `command` or `shell` task as one remote program: `chdir`, the `creates`/`removes` checks
//! and the user's program travel together. [`run`] runs it in the foreground; `async_job`
//! runs it as a background job. Check mode is the framework's: the program is an apply, and
//! when the framework holds it back the checks alone run as a probe, so that the result still
//! says whether the command would have run. Knows nothing of playbooks or of any one module's
//! arguments.

use super::guards::{self, Guards, Stop};
use super::result::{result, Started};
use crate::connection::quote::quote;
use crate::modules::{Ctx, Failure, Output};
use serde_json::{json, Value};

/// Ansible's message for a command held back in check mode.
const HELD_BACK: &str = "Command would have run if not in check mode";

/// What a `command` or `shell` task runs and what its result reports.
#[derive(Debug, Clone)]
pub struct Program {
    /// The program's shell text (without `chdir` and the `creates`/`removes` checks).
    pub body: Vec<u8>,
    /// The result's `cmd`: the words (`command`) or the text (`shell`).
    pub cmd: Value,
    /// Bytes for the program's stdin.
    pub stdin: Vec<u8>,
    /// The body is the user's own shell code (see
    /// [`RemoteCommand::user_code`](crate::connection::RemoteCommand::user_code)).
    pub user_code: bool,
    /// `strip_empty_ends`.
    pub strip: bool,
    /// `chdir`.
    pub chdir: Option<String>,
    /// `creates`.
    pub creates: Option<String>,
    /// `removes`.
    pub removes: Option<String>,
}

impl Program {
    /// Its `creates` and `removes`.
    pub fn guards(&self) -> Guards<'_> {
        Guards {
            creates: self.creates.as_deref(),
            removes: self.removes.as_deref(),
        }
    }

    /// What runs before the body: `cd` into `chdir` (running the shell text `on_fail` when
    /// that fails), then the checks, which print `marker` when they stop the program.
    pub fn prelude(&self, marker: &str, on_fail: &str) -> Vec<u8> {
        let mut s = Vec::new();
        if let Some(dir) = &self.chdir {
            s.extend_from_slice(b"cd -- ");
            s.extend(quote(dir.as_bytes()));
            s.extend_from_slice(format!(" || {on_fail}\n").as_bytes());
        }
        self.guards().append(&mut s, marker);
        s
    }
}

/// The program's stdin from `stdin` and `stdin_add_newline`.
pub fn stdin(text: Option<String>, add_newline: bool) -> Vec<u8> {
    match text {
        Some(s) if add_newline => format!("{s}\n").into_bytes(),
        Some(s) => s.into_bytes(),
        None => Vec::new(),
    }
}

/// Runs `p` in one remote program and returns Ansible's `command` result. Held back (check
/// mode), a program with `creates`/`removes` sends only its checks; one without sends nothing
/// and is skipped, as Ansible does.
pub async fn run(p: Program, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    if let Some(stop) = stopped_as_read_ahead(&p, ctx) {
        return Ok(not_run(&p, stop, ctx.unless_checking(()).is_some()));
    }
    let marker = guards::marker();
    let prelude = p.prelude(&marker, "exit 1");
    let mut script = prelude.clone();
    script.extend_from_slice(&p.body);
    let started = Started::now();
    let applied = if p.user_code {
        ctx.apply_user_code(script, p.stdin.clone()).await?
    } else {
        ctx.apply(script, p.stdin.clone()).await?
    };
    let ran = applied.is_some();
    let out = match applied {
        Some(out) => out,
        None if p.guards().any() => ctx.probe(prelude, Vec::new()).await?,
        None => {
            return Ok(Output {
                skipped: true,
                msg: Some(HELD_BACK.into()),
                ..Output::default()
            })
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(stop) = p.guards().stopped(&stdout, &marker) {
        return Ok(not_run(&p, stop, ran));
    }
    if !ran {
        return Ok(Output {
            changed: true,
            msg: Some(HELD_BACK.into()),
            ..Output::default()
        });
    }
    Ok(result(&out, p.cmd, started, p.strip))
}

/// The check that stops `p`, decided from what was read ahead of its paths (no `chdir`: the
/// program would `cd` first, which may fail); `None` when the program must be sent.
fn stopped_as_read_ahead<'a>(p: &'a Program, ctx: &Ctx<'_>) -> Option<Stop<'a>> {
    if p.chdir.is_some() || !p.guards().any() {
        return None;
    }
    let exists = |path: &str| ctx.read_ahead(path).map(|e| e.state.exists());
    p.guards().decide(exists)?
}

/// The result of a program a check stopped (`ran`: outside check mode, where the program was
/// sent and its checks stopped it; Ansible's words differ).
fn not_run(p: &Program, stop: Stop<'_>, ran: bool) -> Output {
    let mut o = Output {
        msg: Some(stop.not_run(ran)),
        ..Output::default()
    };
    o.fields.insert("cmd".into(), p.cmd.clone());
    o.fields.insert("rc".into(), json!(0));
    o.fields.insert("stdout".into(), json!(stop.skipped()));
    o.fields.insert("stdout_lines".into(), json!([]));
    o.fields.insert("stderr".into(), json!(""));
    o.fields.insert("stderr_lines".into(), json!([]));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_changes_directory_then_checks() {
        let p = Program {
            body: b"true".to_vec(),
            cmd: json!("true"),
            stdin: Vec::new(),
            user_code: false,
            strip: true,
            chdir: Some("/a b".into()),
            creates: Some("/c".into()),
            removes: None,
        };
        let s = String::from_utf8(p.prelude("M", "exit 1")).unwrap();
        assert!(s.starts_with("cd -- '/a b' || exit 1\n"), "{s}");
        assert!(s.ends_with("'M creates'; exit 0; fi\n"), "{s}");
        assert!(!s.contains("true"), "{s}");
    }
}
