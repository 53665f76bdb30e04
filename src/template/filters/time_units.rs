//! community.general's time filters: `to_time_unit` and `to_milliseconds` ... `to_years`
//! read a human duration (`'1d 2h'`, `'3 weeks'` is not one: units follow the number) and
//! give it in one unit, as a float (`'0'` gives the integer 0). Collection names only, as
//! Ansible resolves them. Knows nothing of scopes.

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};

use super::{defined, fail};

const NS: &str = "community.general.";

/// Long unit names (singular; a trailing `s` is dropped first) and their short forms.
const LONG: &[(&str, &str)] = &[
    ("millisecond", "ms"),
    ("msec", "ms"),
    ("msecond", "ms"),
    ("sec", "s"),
    ("second", "s"),
    ("hour", "h"),
    ("min", "m"),
    ("minute", "m"),
    ("day", "d"),
    ("week", "w"),
    ("month", "mo"),
    ("year", "y"),
];

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter(
        format!("{NS}to_time_unit"),
        |v: &Value, unit: Option<String>, k: Kwargs| to_unit(v, unit.as_deref().unwrap_or("ms"), k),
    );
    for (name, unit) in [
        ("to_milliseconds", "ms"),
        ("to_seconds", "s"),
        ("to_minutes", "m"),
        ("to_hours", "h"),
        ("to_days", "d"),
        ("to_weeks", "w"),
        ("to_months", "mo"),
        ("to_years", "y"),
    ] {
        env.add_filter(format!("{NS}{name}"), move |v: &Value, k: Kwargs| {
            to_unit(v, unit, k)
        });
    }
}

/// The short form of a unit as written.
fn short(unit: &str) -> &str {
    let stripped = unit.trim_end_matches('s');
    LONG.iter()
        .find(|(long, _)| *long == stripped)
        .map_or(unit, |(_, s)| s)
}

/// Milliseconds in one `unit` (`month` and `year` days as given).
fn factor(unit: &str, month: i128, year: i128) -> Option<i128> {
    Some(match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 86_400_000 * 7,
        "mo" => 86_400_000 * month,
        "y" => 86_400_000 * year,
        _ => return None,
    })
}

fn days(kwargs: &Kwargs, name: &str, default: i128) -> Result<i128, Error> {
    Ok(kwargs.get::<Option<i64>>(name)?.map_or(default, i128::from))
}

fn to_unit(v: &Value, unit: &str, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    let text = v
        .as_str()
        .ok_or_else(|| fail(format!("to_time_unit() expects a string, not {}", v.kind())))?;
    let (month, year) = (days(&kwargs, "month", 30)?, days(&kwargs, "year", 365)?);
    kwargs.assert_all_used()?;
    if text == "0" {
        return Ok(Value::from(0));
    }
    let unit = short(unit);
    let Some(per) = factor(unit, month, year) else {
        return Err(fail(format!(
            "to_time_unit() can not convert to the following unit: {unit}. Available units \
             (singular or plural): {}. Available short units: ms, s, m, h, d, w, mo, y",
            LONG.iter().map(|(l, _)| *l).collect::<Vec<_>>().join(", ")
        )));
    };
    let bad = || {
        fail(format!(
            "to_time_unit() can not interpret following string: {text}"
        ))
    };
    let mut total: i128 = 0;
    for word in text.split_whitespace() {
        let digits_end = word
            .char_indices()
            .skip(usize::from(word.starts_with('-')))
            .find(|(_, c)| !c.is_ascii_digit())
            .map_or(word.len(), |(i, _)| i);
        let number = &word[..digits_end];
        let rest = &word[digits_end..];
        let unit_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let written = &rest[..unit_len];
        if written.is_empty() || number.trim_start_matches('-').is_empty() {
            return Err(bad());
        }
        let n: i128 = number.parse().map_err(|_| bad())?;
        let ms = factor(short(written), month, year).ok_or_else(bad)?;
        total += n * ms;
    }
    let x = total as f64 / per as f64;
    Ok(Value::from(format!("{x:.12}").parse::<f64>().unwrap_or(x)))
}
