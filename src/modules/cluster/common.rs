//! What the cluster family's modules share, one home each: the defaults and choice readers
//! of their typed arguments, the marker lines their remote programs print, the write of a
//! file whose content travels in the program text (through the atomic writer), and the runs
//! of other families' modules they are composed of (through the registry, with Ansible's
//! argument names, as a task would run them). Knows nothing of playbooks or of any other
//! family's internals.

use crate::connection::quote::quote;
use crate::modules::framework::args;
pub use crate::modules::framework::report::{Report, MARK_FILE_FN, MARK_FN};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{registry, Ctx, Failure, Output};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde_json::{json, Map, Value};

/// Reads a choice argument `arg` as one of `choices` (Ansible's words); anything else is an
/// error in Ansible's words that quotes the value (so a template's stand-in is recognised at
/// load and set aside).
pub fn one_of<'de, D: Deserializer<'de>, T: Copy>(
    d: D,
    arg: &str,
    choices: &[(&str, T)],
) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    choices
        .iter()
        .find(|(word, _)| *word == s)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let words: Vec<&str> = choices.iter().map(|(w, _)| *w).collect();
            D::Error::custom(args::choice_error(arg, &words, &s))
        })
}

/// serde `deserialize_with` for an optional dict argument. A template (still unrendered at
/// load) is an error that quotes it, so the load-time check sets the argument aside instead
/// of reading it as an empty dict.
pub fn de_opt_dict<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        Value::String(s) => Err(D::Error::custom(format!("expected a dict, got '{s}'"))),
        other => Err(D::Error::custom(format!("expected a dict, got {other}"))),
    }
}

/// The atomic write of `content` to `path` (mode `mode`, its directory created first) as a
/// part of a larger program that writes several files: the content travels in the program
/// text (`printf`, a shell builtin: no argument size limit) into the writer's program. The
/// part exits non-zero with the writer's message on stderr when the write fails; the old
/// file is then untouched.
pub fn write_text(path: &str, content: &str, mode: u32) -> Result<Vec<u8>, String> {
    use sha2::Digest;
    let opts = WriteOpts {
        mode: Some(mode),
        ..WriteOpts::default()
    };
    let dir = std::path::Path::new(path)
        .parent()
        .map_or_else(|| "/".to_string(), |p| p.display().to_string());
    let sum = write::hex(&sha2::Sha256::digest(content.as_bytes()));
    let mut s = b"{ mkdir -p -- ".to_vec();
    s.extend(quote(dir.as_bytes()));
    s.extend_from_slice(b" && printf '%s' ");
    s.extend(quote(content.as_bytes()));
    s.extend_from_slice(b" | (\n");
    s.extend(write::script(path, &sum, &opts)?);
    s.extend_from_slice(b"); }");
    Ok(s)
}

/// The map of a `json!` object literal (empty for anything else).
pub fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Runs the module `name` of another family with `args` (a `json!` object of Ansible's
/// argument names), as a task would.
pub async fn run_module(name: &str, args: Value, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    registry::run(name, &object(args), ctx).await
}

/// `apt` with `args`; when a package is not known and the cache was not just updated, once
/// more with a fresh cache (a version published since the last update is found then).
pub async fn apt_refreshing(
    mut args: Map<String, Value>,
    ctx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let out = registry::run("apt", &args, ctx).await?;
    let missing = out.failed
        && out
            .msg
            .as_deref()
            .is_some_and(|m| m.starts_with("No package matching"));
    if !missing || args.get("update_cache") == Some(&json!(true)) {
        return Ok(out);
    }
    args.remove("cache_valid_time");
    args.insert("update_cache".into(), json!(true));
    registry::run("apt", &args, ctx).await
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Whether `script` is valid POSIX sh (`sh -n`; the framework's check).
    pub fn parses(script: &[u8]) -> bool {
        crate::modules::framework::sh_check::parses(&String::from_utf8_lossy(script))
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Color {
        Red,
        Blue,
    }

    impl<'de> Deserialize<'de> for Color {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            one_of(d, "color", &[("red", Color::Red), ("blue", Color::Blue)])
        }
    }

    #[test]
    fn choices_name_the_argument_and_the_value() {
        assert_eq!(
            serde_json::from_value::<Color>(json!("blue")).unwrap(),
            Color::Blue
        );
        let e = serde_json::from_value::<Color>(json!("green")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "value of color must be one of: red, blue, got: green"
        );
        assert!(serde_json::from_value::<Color>(json!("red")).is_ok_and(|c| c == Color::Red));
    }

    #[test]
    fn text_writes_are_atomic_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/f.conf");
        let p = path.to_str().unwrap();
        let mut s = write_text(p, "it's $HOME\n", 0o640).unwrap();
        s.extend_from_slice(b" || exit 9\n");
        assert!(parses(&s));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(s).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "it's $HOME\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}
