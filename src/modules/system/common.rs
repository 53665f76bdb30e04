//! What the account, cron and mount modules share: running one sh program and reading its
//! `key=value` answer lines, and turning epoch days into dates; and what `reboot`,
//! `wait_for` and `wait_for_connection` share: reading a number of seconds. Knows nothing of
//! any one module's arguments.

use crate::modules::framework::args::type_name;
use crate::modules::{Ctx, Failure};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

/// Runs `script` with `stdin`; a non-zero exit fails with `what` and the program's stderr.
/// The script fails only by an explicit `exit N`: its last test's status does not count.
pub async fn run(
    ctx: &Ctx<'_>,
    mut script: Vec<u8>,
    stdin: Vec<u8>,
    what: &str,
) -> Result<String, Failure> {
    script.extend_from_slice(b"\nexit 0\n");
    let out = ctx.exec(script, stdin).await?;
    if out.status.rc() != 0 {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let msg = if err.is_empty() {
            format!("{what} failed (exit code {})", out.status.rc())
        } else {
            format!("{what} failed: {err}")
        };
        return Err(Failure::Failed(msg));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The values of the `key=` lines of `out`, in order.
pub fn values<'a>(out: &'a str, key: &str) -> Vec<&'a str> {
    out.lines()
        .filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .collect()
}

/// The value of the first `key=` line of `out`.
pub fn value<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    values(out, key).into_iter().next()
}

/// `YYYY-MM-DD` of the day `days` after 1970-01-01 (proleptic Gregorian calendar).
pub fn date_of_days(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
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

    #[test]
    fn days_become_dates() {
        assert_eq!(date_of_days(0), "1970-01-01");
        assert_eq!(date_of_days(19_723), "2024-01-01");
        assert_eq!(date_of_days(-1), "1969-12-31");
    }

    #[test]
    fn answer_lines_are_read_by_key() {
        let out = "a=1\nb=2\na=3\nab=4\n";
        assert_eq!(values(out, "a"), vec!["1", "3"]);
        assert_eq!(value(out, "b"), Some("2"));
        assert_eq!(value(out, "c"), None);
    }
}
