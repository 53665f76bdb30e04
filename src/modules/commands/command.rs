//! `command`, `shell` and `raw`: run a program on the target. One remote program per task:
//! `chdir`, `creates`/`removes` and the command itself travel together. Knows nothing of
//! playbooks; arguments arrive templated.

use super::argv_expand;
use crate::connection::become_wrap::nonce;
use crate::connection::quote::{exec_argv, join, quote, quote_glob};
use crate::connection::{ExecOutput, RemoteCommand};
use crate::modules::framework::args::{self, de_bool, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::time::{Instant, SystemTime};

fn yes() -> bool {
    true
}

/// Arguments of `command` and `shell` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(rename = "_raw_params", default, deserialize_with = "de_opt_string")]
    raw_params: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    cmd: Option<String>,
    #[serde(default)]
    argv: Option<Vec<Value>>,
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
    /// `command`: expand the target's `$VARS` and `~` in each argument (Ansible's default).
    #[serde(default = "yes", deserialize_with = "de_bool")]
    expand_argument_vars: bool,
}

/// A `command` or `shell` task as one program: what runs and what its result reports.
pub struct Program {
    /// The program's shell text (without `chdir` and the `creates`/`removes` checks).
    pub body: Vec<u8>,
    /// The result's `cmd`: the words (`command`) or the text (`shell`).
    pub cmd: Value,
    /// Bytes for the program's stdin.
    pub stdin: Vec<u8>,
    /// The body is the user's own shell code (see [`RemoteCommand::user_code`]).
    pub user_code: bool,
    /// `strip_empty_ends`.
    pub strip: bool,
    /// A warning for the result (`command` given `executable`, as Ansible warns).
    pub warning: Option<String>,
    /// `chdir`.
    pub chdir: Option<String>,
    /// `creates`.
    pub creates: Option<String>,
    /// `removes`.
    pub removes: Option<String>,
}

/// The program of a `command` or `shell` task (`module`) from its templated arguments.
pub fn program(module: &str, a: &Map<String, Value>) -> Result<Program, Failure> {
    if module == "shell" {
        shell_program(a)
    } else {
        command_program(a)
    }
}

fn command_program(a: &Map<String, Value>) -> Result<Program, Failure> {
    let args: Args = args::parse("command", a).map_err(Failure::BadArgs)?;
    // Ansible warns and runs the command without it.
    let warning = args.executable.as_ref().map(|exe| {
        format!("As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{exe}'.")
    });
    let argv: Vec<String> = match (&args.argv, args.cmd.as_ref().or(args.raw_params.as_ref())) {
        (Some(_), Some(_)) => {
            return Err(Failure::BadArgs(
                "command: give either a command line (free form or `cmd`) or `argv`, not both"
                    .into(),
            ))
        }
        (Some(list), None) => list.iter().map(args::scalar_text).collect(),
        (None, Some(line)) => shlex::split(line).ok_or_else(|| {
            Failure::BadArgs(format!(
                "command: cannot split {line:?} into words: a quote is not closed"
            ))
        })?,
        (None, None) => return Err(Failure::BadArgs("no command given".into())),
    };
    if argv.is_empty() {
        return Err(Failure::BadArgs("no command given".into()));
    }
    let body = if args.expand_argument_vars && argv.iter().any(|w| argv_expand::expands(w)) {
        let mut b = b"exec".to_vec();
        for w in &argv {
            b.push(b' ');
            b.extend(argv_expand::shell_word(w));
        }
        b
    } else {
        exec_argv(&argv)
    };
    let mut p = assemble(args, body, Value::from(argv), false);
    p.warning = warning;
    Ok(p)
}

fn shell_program(a: &Map<String, Value>) -> Result<Program, Failure> {
    let args: Args = args::parse("shell", a).map_err(Failure::BadArgs)?;
    if args.argv.is_some() {
        return Err(Failure::BadArgs(
            "shell: `argv` is a `command` argument".into(),
        ));
    }
    if a.contains_key("expand_argument_vars") {
        return Err(Failure::Failed(
            "Unsupported parameters for (shell) module: expand_argument_vars".into(),
        ));
    }
    let Some(text) = args.cmd.clone().or_else(|| args.raw_params.clone()) else {
        return Err(Failure::BadArgs("no command given".into()));
    };
    let body = match &args.executable {
        Some(exe) => {
            let mut b = b"exec ".to_vec();
            b.extend(join(&[exe.as_str(), "-c", text.as_str()]));
            b
        }
        None => text.clone().into_bytes(),
    };
    // With `executable` the user's code runs in that shell, exec'd: it needs no /bin/sh of its own.
    let user_code = args.executable.is_none();
    Ok(assemble(args, body, Value::from(text), user_code))
}

fn assemble(args: Args, body: Vec<u8>, cmd: Value, user_code: bool) -> Program {
    let stdin = match &args.stdin {
        Some(s) if args.stdin_add_newline => format!("{s}\n").into_bytes(),
        Some(s) => s.clone().into_bytes(),
        None => Vec::new(),
    };
    Program {
        body,
        cmd,
        stdin,
        user_code,
        strip: args.strip_empty_ends,
        warning: None,
        chdir: args.chdir,
        creates: args.creates,
        removes: args.removes,
    }
}

/// `command`: the words run without a shell (no pipes, no `$VAR`), as Ansible does.
pub async fn command(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = command_program(a)?;
    let warning = p.warning.clone();
    let mut o = run_program(p, ctx).await?;
    if let Some(w) = warning {
        o.fields.insert("warnings".into(), json!([w]));
    }
    Ok(o)
}

/// `shell`: the text run by `/bin/sh` (or `executable`).
pub async fn shell(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    run_program(shell_program(a)?, ctx).await
}

/// `raw`: the text sent as is to the login shell; no check mode (Ansible skips it).
pub async fn raw(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let mut text = None;
    let mut executable = None;
    for (k, v) in a {
        match k.as_str() {
            "_raw_params" => text = Some(args::scalar_text(v)),
            "executable" => executable = Some(args::scalar_text(v)),
            other => {
                return Err(Failure::Failed(format!(
                    "Unsupported parameters for (raw) module: {other}"
                )))
            }
        }
    }
    let Some(text) = text else {
        return Err(Failure::BadArgs("no command given".into()));
    };
    if ctx.check {
        return Ok(Output {
            skipped: true,
            msg: Some("raw does not support check mode".into()),
            ..Output::default()
        });
    }
    let (script, raw) = match executable {
        Some(exe) => (join(&[exe.as_str(), "-c", text.as_str()]), false),
        None => (text.into_bytes(), true),
    };
    let cmd = RemoteCommand {
        script,
        stdin: Vec::new(),
        stdin_file: None,
        become_: ctx.become_.clone(),
        timeout: ctx.timeout,
        raw,
        user_code: true,
    };
    let started = (SystemTime::now(), Instant::now());
    let out = ctx.conn.exec(&cmd).await?;
    Ok(result(out, Value::Null, started, true))
}

/// Runs a program after its `chdir` and the `creates`/`removes` checks, all in one script.
async fn run_program(p: Program, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let has_guard = p.creates.is_some() || p.removes.is_some();
    if ctx.check && !has_guard {
        return Ok(Output {
            skipped: true,
            msg: Some("Command would have run if not in check mode".into()),
            ..Output::default()
        });
    }
    let marker = format!("rsible-guard-{}", nonce());
    let mut script = Vec::new();
    if let Some(dir) = &p.chdir {
        script.extend_from_slice(b"cd -- ");
        script.extend(quote(dir.as_bytes()));
        script.extend_from_slice(b" || exit 1\n");
    }
    guards(&mut script, &p, &marker);
    if ctx.check {
        script.extend_from_slice(format!("printf '%s\\n' '{marker} run'\n").as_bytes());
    } else {
        script.extend_from_slice(&p.body);
    }
    let started = (SystemTime::now(), Instant::now());
    let out = if p.user_code {
        ctx.exec_user_code(script, p.stdin.clone()).await?
    } else {
        ctx.exec(script, p.stdin.clone()).await?
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shoulda = if ctx.check { "Would" } else { "Did" };
    for (what, path) in [("creates", &p.creates), ("removes", &p.removes)] {
        if stdout == format!("{marker} {what}\n") {
            let path = path.clone().unwrap_or_default();
            let state = if what == "creates" {
                "exists"
            } else {
                "does not exist"
            };
            let mut o = Output {
                msg: Some(format!("{shoulda} not run command since '{path}' {state}")),
                ..Output::default()
            };
            o.fields.insert("cmd".into(), p.cmd.clone());
            o.fields.insert("rc".into(), json!(0));
            o.fields.insert(
                "stdout".into(),
                json!(format!("skipped, since {path} {state}")),
            );
            o.fields.insert("stdout_lines".into(), json!([]));
            o.fields.insert("stderr".into(), json!(""));
            o.fields.insert("stderr_lines".into(), json!([]));
            return Ok(o);
        }
    }
    if ctx.check {
        return Ok(Output {
            changed: true,
            msg: Some("Command would have run if not in check mode".into()),
            ..Output::default()
        });
    }
    Ok(result(out, p.cmd, started, p.strip))
}

/// Appends the `creates` and `removes` checks of `p`: each prints `MARKER creates` (or
/// `removes`) and ends the script when the program must not run.
pub fn guards(script: &mut Vec<u8>, p: &Program, marker: &str) {
    if let Some(path) = &p.creates {
        guard(script, path, true, marker, "creates");
    }
    if let Some(path) = &p.removes {
        guard(script, path, false, marker, "removes");
    }
}

/// Appends a `creates` (skip when the path exists) or `removes` (skip when it does not) check.
fn guard(script: &mut Vec<u8>, path: &str, skip_if_exists: bool, marker: &str, what: &str) {
    script.extend_from_slice(b"rsible_hit=\nfor rsible_p in ");
    script.extend(quote_glob(path));
    script.extend_from_slice(
        b"; do [ -e \"$rsible_p\" ] || [ -L \"$rsible_p\" ] && rsible_hit=1; done\n",
    );
    let cond: &[u8] = if skip_if_exists {
        b"if [ -n \"$rsible_hit\" ]; then "
    } else {
        b"if [ -z \"$rsible_hit\" ]; then "
    };
    script.extend_from_slice(cond);
    script.extend_from_slice(format!("printf '%s\\n' '{marker} {what}'; exit 0; fi\n").as_bytes());
}

/// The registered fields of a finished program, as Ansible's command module returns them.
fn result(out: ExecOutput, cmd: Value, started: (SystemTime, Instant), strip: bool) -> Output {
    let elapsed = started.1.elapsed();
    let text = |b: &[u8]| {
        let s = String::from_utf8_lossy(b).into_owned();
        if strip {
            s.trim_end_matches(['\n', '\r']).to_string()
        } else {
            s
        }
    };
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    let rc = out.status.rc();
    let mut o = Output {
        changed: true,
        failed: rc != 0,
        // `command` and `shell` always say something (empty on success); `raw` only on failure.
        msg: if rc != 0 {
            Some("non-zero return code".to_string())
        } else {
            (!cmd.is_null()).then(String::new)
        },
        ..Output::default()
    };
    let f = &mut o.fields;
    if !cmd.is_null() {
        f.insert("cmd".into(), cmd);
    }
    f.insert("rc".into(), json!(rc));
    f.insert("stdout_lines".into(), json!(lines(&stdout)));
    f.insert("stdout".into(), json!(stdout));
    f.insert("stderr_lines".into(), json!(lines(&stderr)));
    f.insert("stderr".into(), json!(stderr));
    f.insert("start".into(), json!(timestamp(started.0)));
    f.insert("end".into(), json!(timestamp(started.0 + elapsed)));
    f.insert("delta".into(), json!(delta(elapsed)));
    o
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// `2026-11-27 13:35:54.437390` in UTC (Ansible prints the controller's local time; UTC here).
fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, dd) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{dd:02} {:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// `0:00:00.018582`, Python's timedelta text.
fn delta(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!(
        "{}:{:02}:{:02}.{:06}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_python() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_784), (2026, 11, 27));
        assert_eq!(
            delta(std::time::Duration::from_micros(18_582)),
            "0:00:00.018582"
        );
    }
}
