//! `script`: runs a controller-side script on the target. The script travels over stdin into
//! a private temp file (so the script's own commands cannot swallow the rest of it, as they
//! could under `sh -s`), runs through its `#!` line, `executable`, or `sh`, and the temp file
//! is removed on exit. `creates`/`removes`/`chdir` are in the same program. Held back in
//! check mode, only the `creates`/`removes` checks run. Knows nothing of playbooks;
//! arguments arrive templated.

use super::common::guards::{self, Guards};
use crate::connection::quote::{join, quote};
use crate::modules::framework::args::de_opt_string;
use crate::modules::framework::local_src::find_local;
use crate::modules::framework::output::streams;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;

/// `script` in the registry.
pub const SPEC: Spec = spec::<Script>(B, &[]);

/// The `script` module.
pub struct Script;

/// Arguments of `script` (Ansible's names; `_raw_params` is the free-form `PATH ARGS...`).
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
    executable: Option<String>,
}

impl Args {
    fn guards(&self) -> Guards<'_> {
        Guards {
            creates: self.creates.as_deref(),
            removes: self.removes.as_deref(),
        }
    }
}

impl Module for Script {
    const NAME: &'static str = "script";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.cmd.is_none() && a.raw_params.is_none() {
            return Err("no script given".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(script(a, ctx))
    }
}

/// Ansible's answer for a script held back in check mode.
const HELD_BACK: &str = "Check mode is not supported for this task.";

/// The checks: `LC_ALL=C`, then `creates`/`removes`, which print `marker` when they stop
/// the script.
fn checks(a: &Args, marker: &str) -> Vec<u8> {
    let mut s = b"LC_ALL=C; export LC_ALL\n".to_vec();
    a.guards().append(&mut s, marker);
    s
}

/// The run, after the checks: the script from stdin into a temp file, run, removed.
fn run_part(a: &Args, argv: &[String], shebang: bool) -> Vec<u8> {
    let mut s = b"t=$(mktemp \"${TMPDIR:-/tmp}/rsible-script.XXXXXX\") || exit 1\n\
          trap 'rm -f \"$t\"' EXIT\ntrap 'exit 143' HUP INT TERM\n\
          cat > \"$t\" || exit 1\nchmod 700 \"$t\" || exit 1\n"
        .to_vec();
    if let Some(dir) = &a.chdir {
        s.extend_from_slice(b"cd -- ");
        s.extend(quote(dir.as_bytes()));
        s.extend_from_slice(b" || exit 1\n");
    }
    match (&a.executable, shebang) {
        (Some(exe), _) => {
            s.extend(quote(exe.as_bytes()));
            s.push(b' ');
        }
        (None, false) => s.extend_from_slice(b"sh "),
        (None, true) => {}
    }
    s.extend_from_slice(b"\"$t\"");
    if !argv.is_empty() {
        s.push(b' ');
        s.extend(join(argv));
    }
    s.extend_from_slice(b" </dev/null\n");
    s
}

/// `script`: returns `rc`, `stdout`, `stdout_lines`, `stderr`, `stderr_lines`; always changed.
async fn script(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let line = args
        .cmd
        .clone()
        .or_else(|| args.raw_params.clone())
        .unwrap_or_default();
    let words = shlex::split(&line).ok_or_else(|| {
        Failure::Failed(format!(
            "script: cannot split {line:?}: a quote is not closed"
        ))
    })?;
    let Some((src, argv)) = words.split_first() else {
        return Err(Failure::Failed("script: no script given".into()));
    };
    let path = find_local(ctx.search_paths, "files", src).map_err(Failure::Failed)?;
    let mut body = std::fs::read(&path)
        .map_err(|e| Failure::Failed(format!("could not read {}: {e}", path.display())))?;
    // A vaulted script is decrypted (in memory) before it is sent, as Ansible does. (Its
    // `decrypt` option is refused by ansible-core 2.19's script module, and here.)
    if crate::vault::is_encrypted(&body) {
        body = crate::vault::decrypt(&body, crate::vault::installed())
            .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?;
    }
    let marker = guards::marker();
    let checks = checks(&args, &marker);
    let mut prog = checks.clone();
    prog.extend(run_part(&args, argv, body.starts_with(b"#!")));
    let applied = ctx.apply(prog, body).await?;
    let ran = applied.is_some();
    let out = match applied {
        Some(out) => out,
        None if args.guards().any() => ctx.probe(checks, Vec::new()).await?,
        None => return Ok(held_back()),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if let Some(stop) = args.guards().stopped(&stdout, &marker) {
        return Ok(Output {
            skipped: true,
            msg: Some(stop.skipped()),
            ..Output::default()
        });
    }
    if !ran {
        return Ok(held_back());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rc = out.status.rc();
    let mut o = Output {
        changed: true,
        failed: rc != 0,
        msg: (rc != 0).then(|| "non-zero return code".to_string()),
        ..Output::default()
    };
    streams(&mut o.fields, rc, &stdout, &stderr);
    Ok(o)
}

fn held_back() -> Output {
    Output {
        skipped: true,
        msg: Some(HELD_BACK.into()),
        ..Output::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;

    use serde_json::{json, Value};

    fn args_of(v: Value) -> Args {
        args::parse("script", v.as_object().expect("obj")).expect("args")
    }

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Script>(json!({"_raw_params": "x.sh 1 2", "creates": "/c"})),
            Ok(true)
        );
        assert_eq!(
            check::<Script>(json!({"cmd": "{{ s }}", "executable": "{{ e }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<Script>(json!({"chdir": "/"})),
            Err("no script given".into())
        );
        assert!(check::<Script>(json!({"cmd": "x.sh", "args": "1"}))
            .unwrap_err()
            .contains("args"));
        assert!(check::<Script>(json!({"cmd": "x.sh", "creates": ["/a"]})).is_err());
    }

    #[test]
    fn the_program_runs_the_temp_copy_with_quoted_arguments() {
        let a = args_of(json!({"_raw_params": "x.sh", "chdir": "/a b", "creates": "/c"}));
        let c = String::from_utf8(checks(&a, "M")).expect("utf8");
        assert!(c.starts_with("LC_ALL=C; export LC_ALL\n"), "{c}");
        assert!(c.ends_with("'M creates'; exit 0; fi\n"), "{c}");
        let p = String::from_utf8(run_part(&a, &["1".into(), "two words".into()], false))
            .expect("utf8");
        assert!(p.contains("cd -- '/a b'"), "{p}");
        assert!(p.ends_with("sh \"$t\" 1 'two words' </dev/null\n"), "{p}");
        let p = String::from_utf8(run_part(&a, &[], true)).expect("utf8");
        assert!(p.ends_with("\n\"$t\" </dev/null\n"), "{p}");
    }

    #[test]
    fn local_sources_prefer_files_subdir() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(d.path().join("files")).expect("mkdir");
        std::fs::write(d.path().join("files/a.sh"), "x").expect("write");
        std::fs::write(d.path().join("a.sh"), "y").expect("write");
        let found = find_local(&[d.path().to_path_buf()], "files", "a.sh").expect("found");
        assert_eq!(found, d.path().join("files/a.sh"));
        assert!(find_local(&[d.path().to_path_buf()], "files", "zz").is_err());
    }
}
