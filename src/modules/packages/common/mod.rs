//! Pieces every package module shares: package-name and version checks (done before anything
//! is sent), the marker lines the remote programs print (`@@rsible KEY VALUE`, everything else
//! on stdout is the package tool's own output), plain-words messages for apt's errors, the
//! reader of the flags that decide which arguments are required, the gated run of a package
//! tool's program ([`backend`]) and the tools `package` chooses from ([`tools`]). Knows
//! nothing of playbooks.

pub mod backend;
pub mod tools;

use crate::modules::framework::args::valid_version;
use crate::modules::framework::mode::Mode;
pub use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::{args, load_check};
use crate::modules::Output;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::Deserialize;
use serde_json::{json, Value};

/// Whether `name` is a package name a package manager could know (Debian's and RPM's
/// characters, an optional `:arch`); anything else is refused before it reaches a target.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-_:@".contains(c))
}

/// A requested package: its name and the version (pattern) after `=`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The package name (with `:arch` when given).
    pub name: String,
    /// `1.2-1` or `1.2*`.
    pub version: Option<String>,
}

/// Reads `name`, `name=1.2*` or `name=1.2-1`; refuses what is not a package name.
pub fn parse_spec(s: &str) -> Result<Spec, String> {
    let (name, version) = match s.split_once('=') {
        Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
        None => (s.trim(), None),
    };
    if !valid_name(name) {
        return Err(format!("'{s}' is not a valid package name"));
    }
    if let Some(v) = &version {
        if !valid_version(v) {
            return Err(format!("'{s}' does not give a valid version after '='"));
        }
    }
    Ok(Spec {
        name: name.to_string(),
        version,
    })
}

/// The message for a failed apt-get/dpkg run: a lock wait that timed out says so plainly.
pub fn apt_failure(what: &str, stderr: &str, lock_timeout: u64) -> String {
    let err = stderr.trim();
    if err.contains("Could not get lock") || err.contains("Unable to acquire the dpkg") {
        let holder = err
            .lines()
            .find(|l| l.contains("Could not get lock"))
            .unwrap_or(err);
        return format!(
            "Failed to lock apt for exclusive operation: waited {lock_timeout} seconds \
             (lock_timeout) for the dpkg lock, another process still holds it: {holder}"
        );
    }
    format!("'{what}' failed: {err}")
}

/// The message for a failed package command: the packages the tool could not find, named in
/// the words `apt` uses, taken from the lines of its output `missing` recognises; else the
/// command and the tool's own error.
pub fn missing_or_failed(
    command: &str,
    output: &str,
    stderr: &str,
    missing: impl Fn(&str) -> Option<&str>,
) -> String {
    let names: Vec<String> = output
        .lines()
        .filter_map(missing)
        .map(|n| format!("'{}'", n.trim()))
        .collect();
    if names.is_empty() {
        format!("'{command}' failed: {}", stderr.trim())
    } else {
        format!("No package matching {} is available", names.join(", "))
    }
}

/// Puts a tool run's `stdout`/`stderr` (and their `_lines`) into `o`.
pub fn set_streams(o: &mut Output, stdout: &str, stderr: &str) {
    o.fields.insert("stdout".into(), json!(stdout));
    o.fields.insert(
        "stdout_lines".into(),
        json!(stdout.lines().collect::<Vec<_>>()),
    );
    o.fields.insert("stderr".into(), json!(stderr));
    o.fields.insert(
        "stderr_lines".into(),
        json!(stderr.lines().collect::<Vec<_>>()),
    );
}

/// The bits of a sources file's `mode:` argument (`None`: not given, 0644; a template at
/// load: `Ok(None)`); only an octal mode is accepted.
pub fn file_mode(mode: Option<&Value>) -> Result<Option<u32>, String> {
    match mode {
        None => Ok(Some(0o644)),
        Some(Value::String(s)) if args::is_template(s) => Ok(None),
        Some(v) => match Mode::parse(v)? {
            Mode::Bits(b) => Ok(Some(b)),
            _ => Err("mode must be an octal mode".into()),
        },
    }
}

/// serde `deserialize_with` for a boolean that decides which other arguments are required
/// (`update_cache`, `autoremove`, ...): read like [`args::de_bool`], but a template met at
/// load is set aside (its value is known only when the task runs), so the rules between the
/// arguments are checked when it is.
pub fn de_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    if let Some(s) = v.as_str().filter(|s| load_check::is_marker(s)) {
        return Err(D::Error::custom(format!(
            "{s} is known only when the task runs"
        )));
    }
    args::to_bool(&v).ok_or_else(|| D::Error::custom(format!("{v} is not a valid boolean")))
}

/// serde `deserialize_with` for an argument the rules between arguments read (`state`,
/// `cache_valid_time`): read as its type, but a template met at load is set aside (its value
/// is known only when the task runs), so those rules are checked when it is.
pub fn de_known<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let v = Value::deserialize(d)?;
    if let Some(s) = v.as_str().filter(|s| load_check::is_marker(s)) {
        return Err(D::Error::custom(format!(
            "{s} is known only when the task runs"
        )));
    }
    T::deserialize(v).map_err(D::Error::custom)
}

/// As [`de_known`] for a whole number of Ansible's `int` type, which a number or a numeric
/// string satisfies (free-form `cache_valid_time=600` gives the string "600").
pub fn de_known_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if load_check::is_marker(&s) => Err(D::Error::custom(format!(
            "{s} is known only when the task runs"
        ))),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("'{s}' cannot be converted to an int"))),
        v => u64::deserialize(v).map_err(D::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_read_and_checked() {
        assert_eq!(
            parse_spec("foo=1.2*").unwrap(),
            Spec {
                name: "foo".into(),
                version: Some("1.2*".into())
            }
        );
        assert_eq!(parse_spec("libc6:amd64").unwrap().version, None);
        assert!(parse_spec("foo; rm -rf /").is_err());
        assert!(parse_spec("-o=x").is_err());
        assert!(parse_spec("foo=$(id)").is_err());
    }

    #[test]
    fn lock_timeouts_are_said_plainly() {
        let m = apt_failure(
            "apt-get install",
            "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 7 (python3)",
            5,
        );
        assert!(m.starts_with("Failed to lock apt"), "{m}");
        assert!(m.contains("waited 5 seconds"), "{m}");
    }
}
