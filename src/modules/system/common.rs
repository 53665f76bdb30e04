//! What the account, cron and mount modules share: their probe and apply programs, which
//! answer in the one report format (`framework::report`), a file's text reported exactly,
//! argument readers (numbers written as text, choices with Ansible's message, the `true`
//! default), and turning epoch days into dates. Knows nothing of any one
//! module's arguments. Also what `reboot`, `wait_for` and `wait_for_connection` share:
//! reading a number of seconds.

use crate::connection::ExecOutput;
use crate::modules::framework::args::{de_opt_string, type_name};
pub use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::{Ctx, Failure};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

/// Runs `script`, a probe of `module` (reads the host, changes nothing; it runs in check mode
/// too), and returns its report; a non-zero exit fails with `what` and the program's stderr.
pub async fn probe(
    ctx: &Ctx<'_>,
    module: &str,
    script: Vec<u8>,
    what: &str,
) -> Result<Report, Failure> {
    answer(ctx.probe(program(script), Vec::new()).await?, module, what)
}

/// Runs `script`, an apply of `module`, with `stdin`, and returns its report; `None` in check
/// mode (nothing sent). A non-zero exit fails with `what` and the program's stderr.
pub async fn apply(
    ctx: &Ctx<'_>,
    module: &str,
    script: Vec<u8>,
    stdin: Vec<u8>,
    what: &str,
) -> Result<Option<Report>, Failure> {
    match ctx.apply(program(script), stdin).await? {
        Some(out) => answer(out, module, what).map(Some),
        None => Ok(None),
    }
}

/// `script` with the report functions ([`MARK_FN`], [`CONTENT_FN`]) defined before it, made
/// to fail only by an explicit `exit N`: its last test's status does not count.
pub fn program(script: Vec<u8>) -> Vec<u8> {
    let mut s = format!("{MARK_FN}{CONTENT_FN}").into_bytes();
    s.extend(script);
    s.extend_from_slice(b"\nexit 0\n");
    s
}

/// The report of a program of `module` that exited 0, else a failure naming `what`.
pub fn answer(out: ExecOutput, module: &str, what: &str) -> Result<Report, Failure> {
    if out.status.rc() != 0 {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let msg = if err.is_empty() {
            format!("{what} failed (exit code {})", out.status.rc())
        } else {
            format!("{what} failed: {err}")
        };
        return Err(Failure::Failed(msg));
    }
    Report::parse(module, &String::from_utf8_lossy(&out.stdout))
}

/// sh that reports the bytes of file `$1` as the value of `content` (text with its final
/// newlines kept: `$(...)` would drop them, so a `.` follows and [`content`] takes it off).
/// Prints nothing when the file is missing; exits 4 when it cannot be read.
pub const CONTENT_FN: &str =
    "content() { [ -f \"$1\" ] || return 0; c=$(cat -- \"$1\" && echo .) || exit 4; mx content \"$c\"; }\n";

/// The file text [`CONTENT_FN`] reported (`None`: no file).
pub fn content(r: &Report) -> Option<&str> {
    r.get("content").map(|c| c.strip_suffix('.').unwrap_or(c))
}

/// A required string, written as a string or a number.
pub fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_opt_string(d)?.ok_or_else(|| D::Error::custom("expected a string, got null"))
}

/// An optional number, written as a number or as text (a templated value); a fraction where
/// a whole number is expected is refused as such.
pub fn de_opt_num<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
{
    match de_opt_string(d)? {
        None => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(|_| {
            let what = match s.trim().parse::<f64>() {
                Ok(_) => "a whole number",
                Err(_) => "a number",
            };
            D::Error::custom(format!("'{s}' is not {what}"))
        }),
    }
}

/// An enum of the values one argument accepts, read from its text; anything else is refused
/// with Ansible's `value of ARG must be one of: A, B, got: X`. At load a templated value is refused too, with
/// its stand-in quoted, so the load-time check sets that argument aside.
macro_rules! choices {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($arg:literal) {
        $($(#[$vmeta:meta])* $var:ident = $text:literal,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $var,)+
        }

        impl $name {
            /// The value as Ansible writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$var => $text,)+
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                let s = $crate::modules::framework::args::scalar_text(&v);
                match s.as_str() {
                    $($text => Ok(Self::$var),)+
                    _ => Err(<D::Error as serde::de::Error>::custom(
                        $crate::modules::framework::args::choice_error($arg, &[$($text),+], &s),
                    )),
                }
            }
        }
    };
}
pub(crate) use choices;

choices! {
    /// `state` of the account modules and `cron`: present (the default) or absent.
    #[derive(Default)]
    pub enum State("state") {
        /// The thing exists as asked.
        #[default]
        Present = "present",
        /// The thing does not exist.
        Absent = "absent",
    }
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (proleptic Gregorian calendar).
pub fn date_of_days(days: i64) -> String {
    let (y, m, d) = crate::calendar::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// serde `deserialize_with` for seconds written as a number or a numeric string (a fraction
/// is rounded up).
pub fn de_opt_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "expected a number of seconds, got a {}",
                type_name(&other)
            )))
        }
    };
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|f| *f >= 0.0)
        .map(|f| Some(f.ceil() as u64))
        .ok_or_else(|| D::Error::custom(format!("{text:?} is not a number of seconds")))
}

/// sh for `selinux` and `seboolean`: without SELinux's tools (`selinuxenabled`, `getenforce`,
/// `getsebool`, `setsebool`), reports `nolib` with the host's name and its python3 and ends
/// the program, where Ansible's modules fail for want of the selinux Python library.
pub const SELINUX_TOOLS: &str = r#"for t in selinuxenabled getenforce getsebool setsebool; do
  command -v "$t" >/dev/null 2>&1 || { m nolib "$(uname -n)"; m python "$(command -v python3)"; exit 0; }
done
"#;

/// Ansible's message for a target without the selinux Python library, from the `nolib`
/// report of [`SELINUX_TOOLS`] (`None` when the tools are there).
pub fn selinux_missing(r: &Report) -> Option<String> {
    let host = r.get("nolib")?;
    Some(format!(
        "Failed to import the required Python library (libselinux-python) on {host}'s Python \
         {}. Please read the module documentation and install it in the appropriate location. \
         If the required library is installed, but Ansible is using the wrong Python \
         interpreter, please consult the documentation on ansible_python_interpreter",
        r.get("python").unwrap_or("")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_numbers_or_numeric_strings() {
        use serde_json::json;
        let secs = |v| de_opt_secs(v).map_err(|e: serde_json::Error| e.to_string());
        assert_eq!(secs(json!(5)), Ok(Some(5)));
        assert_eq!(secs(json!("1.5")), Ok(Some(2)));
        assert_eq!(secs(json!(null)), Ok(None));
        assert!(secs(json!("soon")).is_err());
        assert!(secs(json!(-1)).is_err());
        assert_eq!(
            secs(json!([5])),
            Err("expected a number of seconds, got a list".into())
        );
    }
    use serde::Deserialize;
    use serde_json::json;

    #[test]
    fn days_become_dates() {
        assert_eq!(date_of_days(0), "1970-01-01");
        assert_eq!(date_of_days(19_723), "2024-01-01");
        assert_eq!(date_of_days(-1), "1969-12-31");
    }

    #[test]
    fn files_are_reported_with_their_final_newlines() {
        let script = program(
            b"d=$(mktemp -d); printf 'a\\n\\n' >\"$d/f\"; content \"$d/f\"; content \"$d/none\"; rm -r \"$d\"; m done"
                .to_vec(),
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(script).unwrap())
            .output()
            .expect("sh");
        let r = Report::parse("m", &String::from_utf8_lossy(&out.stdout)).unwrap();
        assert_eq!(content(&r), Some("a\n\n"));
        assert_eq!(r.all("content").count(), 1);
        assert!(r.has("done"));
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct A {
        #[serde(default)]
        state: State,
        #[serde(default, deserialize_with = "de_opt_num")]
        n: Option<u32>,
    }

    #[test]
    fn choices_and_numbers_are_read_with_ansibles_messages() {
        let parse = |v: serde_json::Value| {
            crate::modules::framework::args::parse::<A>("m", v.as_object().unwrap())
        };
        let a = parse(json!({"state": "absent", "n": "12"})).unwrap();
        assert_eq!((a.state, a.n), (State::Absent, Some(12)));
        assert_eq!(parse(json!({})).unwrap().state, State::Present);
        let e = parse(json!({"state": "gone"})).unwrap_err();
        assert!(
            e.contains("value of state must be one of: present, absent, got: gone"),
            "{e}"
        );
        let e = parse(json!({"n": "many"})).unwrap_err();
        assert!(e.contains("'many' is not a number"), "{e}");
        let e = parse(json!({"n": 1.5})).unwrap_err();
        assert!(e.contains("'1.5' is not a whole number"), "{e}");
    }
}
