//! Reading a module's arguments into its typed struct with Ansible's coercions (booleans
//! written `yes`/`"true"`/`1`, numbers written as strings) and error messages that name the
//! module and the argument. Knows nothing of connections.

use super::load_check;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Deserializes `args` (already templated, `omit` removed) into `T`; unknown or mistyped
/// arguments give a message naming them.
pub fn parse<T: DeserializeOwned>(module: &str, args: &Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(args.clone())).map_err(|e| {
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("unknown field ") {
            return format!("Unsupported parameters for ({module}) module: {rest}");
        }
        // serde does not name the field of a custom error: find the argument whose value the
        // message quotes.
        let culprit = args
            .iter()
            .find(|(_, v)| !v.is_object() && !v.is_array() && msg.contains(&v.to_string()));
        match culprit {
            Some((k, _)) => {
                let msg = reword_variant(k, &msg).unwrap_or(msg);
                format!("{module}: argument '{k}': {msg}")
            }
            None => format!("{module}: {msg}"),
        }
    })
}

/// Ansible's message for a value of choice argument `arg` that is not one of `choices`.
pub fn choice_error(arg: &str, choices: &[&str], got: &str) -> String {
    format!(
        "value of {arg} must be one of: {}, got: {got}",
        choices.join(", ")
    )
}

/// serde's message for an enum argument given a value it does not know (`` unknown variant
/// `x`, expected `a` or `b` ``) in Ansible's words ([`choice_error`]); `None` for any other
/// message.
pub fn reword_variant(arg: &str, msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("unknown variant `")?;
    let (got, expected) = rest.split_once("`, ")?;
    let expected = expected
        .strip_prefix("expected one of ")
        .or_else(|| expected.strip_prefix("expected "))?;
    let choices: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    Some(choice_error(arg, &choices, got))
}

/// Whether `s` is a value only known when the task runs: a template, or the stand-in the
/// load-time check gives a template. [`Module::validate`](super::spec::Module::validate)
/// skips value checks on such strings.
pub fn is_template(s: &str) -> bool {
    crate::template::is_template(s) || load_check::is_marker(s)
}

/// Whether `v` is a package version as apt, dnf and apk write them (or an fnmatch pattern
/// of one: `1.2*`): letters, digits and `.+~:-_*?` only, so it can travel to a target as is.
pub fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".+~:-_*?".contains(c))
}

/// serde `default` for a boolean argument that is on unless given (`#[serde(default =
/// "yes")]`).
pub fn yes() -> bool {
    true
}

/// Ansible's boolean reading: true/false, yes/no, on/off, 1/0, y/n (any case).
pub fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" | "1" | "y" | "t" => Some(true),
            "no" | "false" | "off" | "0" | "n" | "f" | "" => Some(false),
            _ => None,
        },
        Value::Null => Some(false),
        _ => None,
    }
}

/// serde `deserialize_with` for booleans written any way Ansible accepts.
pub fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    if v.as_str().is_some_and(load_check::is_marker) {
        return Ok(false);
    }
    to_bool(&v).ok_or_else(|| D::Error::custom(format!("{v} is not a valid boolean")))
}

/// As [`de_bool`], for optional booleans.
pub fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    de_bool(d).map(Some)
}

/// serde `deserialize_with` for a whole number written as a number or a numeric string
/// (Ansible's `int` type).
pub fn de_opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Number(n) => Some(
            n.as_i64()
                .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number")))?,
        ),
        Value::String(s) if load_check::is_marker(&s) => Some(0),
        Value::String(s) => Some(
            s.trim()
                .parse()
                .map_err(|_| D::Error::custom(format!("'{s}' cannot be converted to an int")))?,
        ),
        other => {
            return Err(D::Error::custom(format!(
                "expected an integer, got {}",
                type_name(&other)
            )))
        }
    })
}

/// serde `deserialize_with` for a string that may be written as a number or boolean in YAML.
pub fn de_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if b { "True" } else { "False" }.into()),
        other => {
            return Err(D::Error::custom(format!(
                "expected a string, got {}",
                type_name(&other)
            )))
        }
    })
}

/// A list written as a list or as a comma-separated string.
pub fn de_opt_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        ),
        Value::Array(items) => Some(items.iter().map(scalar_text).collect()),
        other => Some(vec![scalar_text(&other)]),
    })
}

/// A scalar as Ansible would turn it into text (`True`, `1`, `a`).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The JSON type name a user understands.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct A {
        #[serde(default, deserialize_with = "de_bool")]
        flag: bool,
    }

    #[test]
    fn serde_choice_errors_read_as_ansible_words_them() {
        let two = "unknown variant `gone`, expected `present` or `absent`";
        assert_eq!(
            reword_variant("state", two).as_deref(),
            Some("value of state must be one of: present, absent, got: gone")
        );
        let many = "unknown variant `x`, expected one of `a`, `b`, `c`";
        assert_eq!(
            reword_variant("mode", many).as_deref(),
            Some("value of mode must be one of: a, b, c, got: x")
        );
        let one = "unknown variant `x`, expected `a`";
        assert_eq!(
            reword_variant("m", one).as_deref(),
            Some("value of m must be one of: a, got: x")
        );
        assert_eq!(reword_variant("m", "invalid type: integer `3`"), None);
    }

    #[test]
    fn booleans_are_read_like_ansible() {
        for (v, want) in [
            (json!("yes"), true),
            (json!("off"), false),
            (json!(1), true),
        ] {
            let m = json!({ "flag": v }).as_object().unwrap().clone();
            assert_eq!(parse::<A>("x", &m).unwrap().flag, want);
        }
    }

    #[test]
    fn unknown_arguments_are_named() {
        let m = json!({ "flga": true }).as_object().unwrap().clone();
        let e = parse::<A>("x", &m).unwrap_err();
        assert!(
            e.contains("Unsupported parameters for (x) module: `flga`"),
            "{e}"
        );
    }
}
