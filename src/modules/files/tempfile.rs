//! `tempfile`: creates a uniquely named file or directory on the target (mode 0600/0700),
//! with `O_EXCL`-style creation (`set -C` / `mkdir`) so an existing path is never reused.
//! The name is chosen on the controller; one remote program creates and stats it. Not
//! idempotent, like Ansible's: every run creates a new path. Knows nothing of playbooks.

use super::stat::{parse_stat, STAT_FORMAT};
use crate::connection::become_wrap::nonce;
use crate::connection::quote::quote_str;
use crate::modules::framework::args;
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// What to create.
#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    File,
    Directory,
}

fn default_prefix() -> String {
    "ansible.".into()
}

/// Arguments of `tempfile` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "args::de_opt_string")]
    path: Option<String>,
    #[serde(default = "default_prefix")]
    prefix: String,
    #[serde(default)]
    suffix: String,
}

/// The shell program creating `name` in `dir` (the target's `$TMPDIR` or `/tmp` if `None`).
fn script(dir: Option<&str>, name: &str, state: State, check: bool) -> String {
    let dir = match dir {
        Some(d) => quote_str(d),
        None => "\"${TMPDIR:-/tmp}\"".into(),
    };
    let create = match state {
        State::File => "(set -C; : > \"$n\") || exit 1",
        State::Directory => "mkdir -- \"$n\" || exit 1",
    };
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nd={dir}\nd=${{d%/}}\nn=\"$d\"/{}\nprintf 'path %s\\n' \"$n\"\n",
        quote_str(name)
    );
    if !check {
        s.push_str(&format!(
            "umask 077\n{create}\ns=$(stat -c '{STAT_FORMAT}' -- \"$n\") || exit 1\nprintf 'stat %s\\n' \"$s\"\n"
        ));
    }
    s
}

/// `tempfile`: returns `path` and the new entry's `mode`, `owner`, `group`, `uid`, `gid`,
/// `size`, `state`.
pub async fn tempfile(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("tempfile", a).map_err(Failure::BadArgs)?;
    if args.prefix.contains('/') || args.suffix.contains('/') {
        return Err(Failure::Failed(
            "tempfile: prefix and suffix must not contain '/'".into(),
        ));
    }
    let name = format!("{}{}{}", args.prefix, nonce(), args.suffix);
    let prog = script(args.path.as_deref(), &name, args.state, ctx.check);
    let out = ctx.exec(prog.into_bytes(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "tempfile: cannot create the temporary {}: {}",
            if args.state == State::File {
                "file"
            } else {
                "directory"
            },
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut o = Output {
        changed: true,
        ..Output::default()
    };
    for line in stdout.lines() {
        match line.split_once(' ') {
            Some(("path", p)) => {
                o.fields.insert("path".into(), json!(p));
            }
            Some(("stat", s)) => {
                let st = parse_stat(s).unwrap_or_default();
                for (k, ansible) in [
                    ("mode", "mode"),
                    ("uid", "uid"),
                    ("gid", "gid"),
                    ("pw_name", "owner"),
                    ("gr_name", "group"),
                    ("size", "size"),
                ] {
                    if let Some(v) = st.get(k) {
                        o.fields.insert(ansible.into(), v.clone());
                    }
                }
            }
            _ => {}
        }
    }
    let state = match args.state {
        State::File => "file",
        State::Directory => "directory",
    };
    o.fields.insert("state".into(), json!(state));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_have_ansibles_defaults() {
        let m = json!({"state": "directory", "suffix": ".d"});
        let a: Args = args::parse("tempfile", m.as_object().expect("obj")).expect("args");
        assert_eq!(a.state, State::Directory);
        assert_eq!(a.prefix, "ansible.");
        let bad = json!({"state": "link"});
        assert!(args::parse::<Args>("tempfile", bad.as_object().expect("obj")).is_err());
    }

    #[test]
    fn the_program_quotes_the_directory_and_creates_exclusively() {
        let s = script(Some("/my dir"), "ansible.x", State::File, false);
        assert!(s.contains("d='/my dir'"), "{s}");
        assert!(s.contains("set -C"), "{s}");
        let s = script(None, "a", State::Directory, true);
        assert!(s.contains("${TMPDIR:-/tmp}") && !s.contains("mkdir"), "{s}");
    }
}
