//! `script`: runs a controller-side script on the target. The script travels over stdin into
//! a private temp file (so the script's own commands cannot swallow the rest of it, as they
//! could under `sh -s`), runs through its `#!` line, `executable`, or `sh`, and the temp file
//! is removed on exit. `creates`/`removes`/`chdir` are in the same program. Also the lookup
//! of local source files (`files/` then the directory itself) that `unarchive` reuses.
//! Knows nothing of playbooks; arguments arrive templated.

use crate::connection::become_wrap::nonce;
use crate::connection::quote::{join, quote, quote_glob};
use crate::modules::files::common::local_path::find_local;
use crate::modules::framework::args::{self, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `script` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
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

/// The remote program: guards, then (unless `check`) the script from stdin into a temp file,
/// run, removed.
fn program(a: &Args, argv: &[String], shebang: bool, marker: &str, check: bool) -> Vec<u8> {
    let mut s = b"LC_ALL=C; export LC_ALL\n".to_vec();
    for (what, path, skip_if_exists) in [
        ("creates", &a.creates, true),
        ("removes", &a.removes, false),
    ] {
        if let Some(p) = path {
            s.extend_from_slice(b"h=\nfor q in ");
            s.extend(quote_glob(p));
            s.extend_from_slice(b"; do [ -e \"$q\" ] || [ -L \"$q\" ] && h=1; done\n");
            let test = if skip_if_exists { "-n" } else { "-z" };
            s.extend_from_slice(
                format!(
                    "if [ {test} \"$h\" ]; then printf '%s\\n' '{marker} {what}'; exit 0; fi\n"
                )
                .as_bytes(),
            );
        }
    }
    if check {
        s.extend_from_slice(b"exit 0\n");
        return s;
    }
    s.extend_from_slice(
        b"t=$(mktemp \"${TMPDIR:-/tmp}/rsible-script.XXXXXX\") || exit 1\n\
          trap 'rm -f \"$t\"' EXIT\ntrap 'exit 143' HUP INT TERM\n\
          cat > \"$t\" || exit 1\nchmod 700 \"$t\" || exit 1\n",
    );
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
pub async fn script(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("script", a).map_err(Failure::BadArgs)?;
    let line = args
        .cmd
        .clone()
        .or_else(|| args.raw_params.clone())
        .ok_or_else(|| Failure::Failed("script: no script given".into()))?;
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
    let guarded = args.creates.is_some() || args.removes.is_some();
    if ctx.check && !guarded {
        return Ok(Output {
            skipped: true,
            msg: Some("Check mode is not supported for this task.".into()),
            ..Output::default()
        });
    }
    let marker = format!("rsible-guard-{}", nonce());
    let prog = program(&args, argv, body.starts_with(b"#!"), &marker, ctx.check);
    let stdin = if ctx.check { Vec::new() } else { body };
    let out = ctx.exec(prog, stdin).await?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for (what, p, state) in [
        ("creates", &args.creates, "exists"),
        ("removes", &args.removes, "does not exist"),
    ] {
        if stdout == format!("{marker} {what}\n") {
            return Ok(Output {
                skipped: true,
                msg: Some(format!(
                    "skipped, since {} {state}",
                    p.as_deref().unwrap_or_default()
                )),
                ..Output::default()
            });
        }
    }
    if ctx.check {
        return Ok(Output {
            skipped: true,
            msg: Some("Check mode is not supported for this task.".into()),
            ..Output::default()
        });
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let rc = out.status.rc();
    let mut o = Output {
        changed: true,
        failed: rc != 0,
        msg: (rc != 0).then(|| "non-zero return code".to_string()),
        ..Output::default()
    };
    o.fields.insert("rc".into(), json!(rc));
    o.fields.insert(
        "stdout_lines".into(),
        json!(stdout.lines().collect::<Vec<_>>()),
    );
    o.fields.insert("stdout".into(), json!(stdout));
    o.fields.insert(
        "stderr_lines".into(),
        json!(stderr.lines().collect::<Vec<_>>()),
    );
    o.fields.insert("stderr".into(), json!(stderr));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(v: Value) -> Args {
        args::parse("script", v.as_object().expect("obj")).expect("args")
    }

    #[test]
    fn the_program_runs_the_temp_copy_with_quoted_arguments() {
        let a = args_of(json!({"_raw_params": "x.sh", "chdir": "/a b", "creates": "/c"}));
        let p = String::from_utf8(program(
            &a,
            &["1".into(), "two words".into()],
            false,
            "M",
            false,
        ))
        .expect("utf8");
        assert!(p.contains("'M creates'"), "{p}");
        assert!(p.contains("cd -- '/a b'"), "{p}");
        assert!(p.ends_with("sh \"$t\" 1 'two words' </dev/null\n"), "{p}");
        let p = String::from_utf8(program(&a, &[], true, "M", false)).expect("utf8");
        assert!(p.ends_with("\n\"$t\" </dev/null\n"), "{p}");
        let p = String::from_utf8(program(&a, &[], true, "M", true)).expect("utf8");
        assert!(p.ends_with("exit 0; fi\nexit 0\n"), "{p}");
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
