//! `tempfile`: creates a uniquely named file or directory on the target (mode 0600/0700),
//! with `O_EXCL`-style creation (`set -C` / `mkdir`) so an existing path is never reused.
//! The name is chosen on the controller; one gated program names the path (the probe: a
//! new path is always a change) and creates and stats it (the apply). Not idempotent, like
//! Ansible's: every run creates a new path. Knows nothing of playbooks.

use super::common::stat_fields::{parse_stat, path_fields, STAT_FORMAT};
use crate::connection::become_wrap::nonce;
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `tempfile` in the registry.
pub const SPEC: Spec = spec::<Tempfile>(B, &[]);

/// The `tempfile` module.
pub struct Tempfile;

/// What to create.
#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// A file (mode 0600).
    #[default]
    File,
    /// A directory (mode 0700).
    Directory,
}

fn default_prefix() -> String {
    "ansible.".into()
}

/// Arguments of `tempfile` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_opt_string")]
    path: Option<String>,
    #[serde(default = "default_prefix")]
    prefix: String,
    #[serde(default)]
    suffix: String,
}

impl Module for Tempfile {
    const NAME: &'static str = "tempfile";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let slash = |s: &str| !is_template(s) && s.contains('/');
        if slash(&a.prefix) || slash(&a.suffix) {
            return Err("prefix and suffix must not contain '/'".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(tempfile(a, ctx))
    }
}

/// The probe: reports the `path` of `name` in `dir` (the target's `$TMPDIR` or `/tmp` if
/// `None`), always a change.
fn probe(dir: Option<&str>, name: &str) -> String {
    let dir = match dir {
        Some(d) => quote_str(d),
        None => "\"${TMPDIR:-/tmp}\"".into(),
    };
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}d={dir}\nd=${{d%/}}\nn=\"$d\"/{}\nmx path \"$n\"\nrsible_change=1\n",
        quote_str(name)
    )
}

/// The apply: creates `$n` exclusively and reports its `stat` line.
fn apply(state: State) -> String {
    let create = match state {
        State::File => "(set -C; : > \"$n\") || exit 1",
        State::Directory => "mkdir -- \"$n\" || exit 1",
    };
    format!(
        "umask 077\n{create}\ns=$(stat -c '{STAT_FORMAT}' -- \"$n\") || exit 1\nm stat \"$s\"\n"
    )
}

/// `tempfile`: returns `path` and the new entry's `mode`, `owner`, `group`, `uid`, `gid`,
/// `size`, `state`.
async fn tempfile(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let name = format!("{}{}{}", args.prefix, nonce(), args.suffix);
    let out = ctx
        .gated(
            probe(args.path.as_deref(), &name).as_bytes(),
            apply(args.state).as_bytes(),
            Vec::new(),
        )
        .await?;
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
    let report = Report::parse("tempfile", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output {
        changed: true,
        ..Output::default()
    };
    if let Some(p) = report.get("path") {
        o.fields.insert("path".into(), json!(p));
    }
    if let Some(s) = report.get("stat") {
        o.fields
            .extend(path_fields(&parse_stat(s).unwrap_or_default()));
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
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments_have_ansibles_defaults() {
        let m = json!({"state": "directory", "suffix": ".d"});
        let a: Args =
            crate::modules::framework::args::parse("tempfile", m.as_object().expect("obj"))
                .expect("args");
        assert_eq!(a.state, State::Directory);
        assert_eq!(a.prefix, "ansible.");
        assert!(check::<Tempfile>(json!({"state": "link"})).is_err());
        assert!(check::<Tempfile>(json!({"prefix": "a/b"})).is_err());
        assert!(check::<Tempfile>(json!({"sufix": ".x"})).is_err());
        assert_eq!(
            check::<Tempfile>(json!({"state": "{{ s }}", "prefix": "{{ a/b }}"})),
            Ok(true)
        );
    }

    #[test]
    fn the_program_quotes_the_directory_and_creates_exclusively() {
        let s = probe(Some("/my dir"), "ansible.x");
        assert!(s.contains("d='/my dir'"), "{s}");
        assert!(!s.contains("set -C"), "the probe creates nothing: {s}");
        assert!(apply(State::File).contains("set -C"));
        let s = probe(None, "a");
        assert!(s.contains("${TMPDIR:-/tmp}"), "{s}");
        assert!(apply(State::Directory).contains("mkdir"));
    }
}
