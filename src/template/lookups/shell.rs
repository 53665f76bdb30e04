//! Lookups that read the controller's process environment or run a command there: `env`,
//! `pipe` (the whole output) and `lines` (its lines). Commands run in `/bin/sh` in the
//! playbook directory, synchronously. Knows nothing of variables or of the targets.

use std::path::Path;

use minijinja::value::Value;
use minijinja::Error;

use super::super::filters::fail;
use super::{texts, Call};

/// `env`: each term's environment variable, or `default` (empty) when unset.
pub(super) fn env(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let default = call
        .kwargs
        .get::<Option<String>>("default")?
        .unwrap_or_default();
    Ok(texts(terms)
        .map(|var| Value::from(std::env::var(&var).unwrap_or_else(|_| default.clone())))
        .collect())
}

/// `pipe`: each command's standard output, trailing whitespace removed.
pub(super) fn pipe(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    texts(terms)
        .map(|cmd| {
            let out = run(call, &cmd, "pipe")?;
            Ok(Value::from(String::from_utf8_lossy(&out).trim_end()))
        })
        .collect()
}

/// `lines`: every line each command prints.
pub(super) fn lines(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut all = Vec::new();
    for cmd in texts(terms) {
        let out = run(call, &cmd, "lines")?;
        all.extend(
            split_lines(&String::from_utf8_lossy(&out))
                .into_iter()
                .map(Value::from),
        );
    }
    Ok(all)
}

/// Lines as Python's `splitlines` gives them (`\n`, `\r\n` and `\r` end a line; no empty
/// line after the last end).
fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(['\n', '\r']) {
        out.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn run(call: &Call, cmd: &str, plugin: &str) -> Result<Vec<u8>, Error> {
    let mut command = std::process::Command::new("/bin/sh");
    command.arg("-c").arg(cmd);
    if let Some(dir) = call
        .ctx
        .search_paths()
        .last()
        .filter(|d| Path::new(d).is_dir())
    {
        command.current_dir(dir);
    }
    let out = command
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| {
            fail(format!(
                "lookup_plugin.{plugin}({cmd}) could not start: {e}"
            ))
        })?;
    if !out.status.success() {
        return Err(fail(format!(
            "lookup_plugin.{plugin}({cmd}) returned {}",
            out.status.code().unwrap_or(-1)
        )));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_python_does() {
        assert_eq!(split_lines("a\nb\r\nc\rd\n"), ["a", "b", "c", "d"]);
        assert_eq!(split_lines("a\n\nb"), ["a", "", "b"]);
        assert!(split_lines("").is_empty());
    }
}
