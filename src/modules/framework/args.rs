//! Reading a module's arguments into its typed struct with Ansible's coercions (booleans
//! written `yes`/`"true"`/`1`, numbers written as strings) and error messages that name the
//! module and the argument. Knows nothing of connections.

use super::load_check;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Deserializes `args` (already templated, `omit` removed) into `T`; unknown or mistyped
/// arguments give a message naming them. The warnings of [`as_ansible_reads`] are dropped:
/// see [`parse_warned`].
pub fn parse<T: DeserializeOwned>(module: &str, args: &Map<String, Value>) -> Result<T, String> {
    parse_warned(module, args).map(|(t, _)| t)
}

/// As [`parse`], with the warnings Ansible gives about the arguments (an option given with
/// its alias).
pub fn parse_warned<T: DeserializeOwned>(
    module: &str,
    args: &Map<String, Value>,
) -> Result<(T, Vec<String>), String> {
    let mut args = args.clone();
    let warnings = as_ansible_reads(&mut args, &|m| {
        serde_json::from_value::<T>(Value::Object(m.clone()))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    let t = typed(module, &args)?;
    Ok((t, warnings))
}

fn typed<T: DeserializeOwned>(module: &str, args: &Map<String, Value>) -> Result<T, String> {
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

/// A trial deserialization of arguments: serde's message when it refuses them.
pub type Attempt = dyn Fn(&Map<String, Value>) -> Result<(), String>;

/// Rewrites `args` where serde (`attempt` says what it refuses) is stricter than Ansible's
/// argument reading, and returns Ansible's warnings:
/// - an option given together with its alias (serde: duplicate field): the alias's value is
///   kept (the last alias written, when several are) and Ansible's warning `Both option X
///   and its alias Y are set.` given for each alias;
/// - a whole number written as a float or a string (`1.0`, `"5"`, `"2.0"`) for an integer
///   argument: read as that integer, as Ansible's `int` type does (`1.5` stays an error).
pub fn as_ansible_reads(args: &mut Map<String, Value>, attempt: &Attempt) -> Vec<String> {
    let mut warnings = Vec::new();
    for _ in 0..=2 * args.len() {
        let Err(e) = attempt(args) else { break };
        let fixed = match e.strip_prefix("duplicate field `") {
            Some(rest) => {
                let option = rest.split('`').next().unwrap_or(rest);
                keep_alias(args, option, attempt, &mut warnings)
            }
            None => whole_numbers(args, &e),
        };
        if !fixed {
            break;
        }
    }
    warnings
}

/// Keeps the last alias of `option` written in `args` and drops the option and the other
/// aliases, with Ansible's warning for each alias; false when no alias is found.
fn keep_alias(
    args: &mut Map<String, Value>,
    option: &str,
    attempt: &Attempt,
    warnings: &mut Vec<String>,
) -> bool {
    let duplicate = format!("duplicate field `{option}`");
    let aliases: Vec<String> = args
        .iter()
        .filter(|(k, _)| k.as_str() != option)
        .filter(|(k, v)| {
            let mut pair = Map::new();
            pair.insert(option.to_string(), (*v).clone());
            pair.insert((*k).clone(), (*v).clone());
            attempt(&pair).is_err_and(|e| e == duplicate)
        })
        .map(|(k, _)| k.clone())
        .collect();
    let Some(kept) = aliases.last() else {
        return false;
    };
    // Ansible sets the option from each alias in turn and warns when it is already set.
    let mut set = args.contains_key(option);
    for a in &aliases {
        if set {
            warnings.push(format!("Both option {option} and its alias {a} are set."));
        }
        set = true;
    }
    args.retain(|k, _| k == kept || (k != option && !aliases.contains(k)));
    true
}

/// Integer types as serde names them in an "expected" message.
const INT_TYPES: &[&str] = &[
    "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
];

/// The top-level argument serde refused as an integer (`e` quotes its value) rewritten as a
/// whole number where Ansible reads it as one; false when it cannot be.
fn whole_numbers(args: &mut Map<String, Value>, e: &str) -> bool {
    let Some((unexpected, expected)) = e
        .strip_prefix("invalid type: ")
        .and_then(|r| r.rsplit_once(", expected "))
    else {
        return false;
    };
    if !INT_TYPES.contains(&expected) {
        return false;
    }
    let float = unexpected
        .strip_prefix("floating point `")
        .and_then(|r| r.strip_suffix('`'))
        .and_then(|f| f.parse::<f64>().ok());
    let refused = |v: &Value| match v {
        Value::Number(n) => float.is_some() && n.as_f64() == float && !n.is_i64(),
        Value::String(s) => unexpected == format!("string {s:?}"),
        _ => false,
    };
    match args.values_mut().find(|v| refused(v)) {
        Some(v) => whole_number(v).map(|n| *v = n.into()).is_some(),
        None => false,
    }
}

/// `v` as Ansible's `int` type reads it: an integer, a float or a numeric string whose value
/// is whole (`3`, `3.0`, `"3"`, `" 3.0 "`, `"3e0"`).
pub fn whole_number(v: &Value) -> Option<i64> {
    let f = match v {
        Value::Number(n) if n.is_i64() => return n.as_i64(),
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(i) => return Some(i),
            Err(_) => s.trim().parse::<f64>().ok()?,
        },
        _ => return None,
    };
    #[allow(clippy::cast_possible_truncation)]
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
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
            whole_number(&Value::Number(n.clone()))
                .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number")))?,
        ),
        Value::String(s) if load_check::is_marker(&s) => Some(0),
        Value::String(s) => Some(
            whole_number(&Value::String(s.clone()))
                .ok_or_else(|| D::Error::custom(format!("'{s}' cannot be converted to an int")))?,
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

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct F {
        #[serde(alias = "dest", alias = "name")]
        path: String,
        #[serde(default)]
        count: Option<u32>,
        #[serde(default)]
        label: Option<String>,
        #[serde(default, deserialize_with = "de_opt_int")]
        size: Option<i64>,
    }

    fn f(v: serde_json::Value) -> Result<(F, Vec<String>), String> {
        parse_warned::<F>("m", v.as_object().expect("obj"))
    }

    #[test]
    fn an_option_with_its_alias_keeps_the_alias_and_warns_as_ansible() {
        let (a, w) = f(json!({"path": "/a", "dest": "/b"})).expect("args");
        assert_eq!(a.path, "/b");
        assert_eq!(w, ["Both option path and its alias dest are set."]);
        let (a, w) = f(json!({"dest": "/b", "path": "/a", "name": "/c"})).expect("args");
        assert_eq!(a.path, "/c");
        assert_eq!(
            w,
            [
                "Both option path and its alias dest are set.",
                "Both option path and its alias name are set."
            ]
        );
        let (a, w) = f(json!({"dest": "/b", "name": "/c"})).expect("args");
        assert_eq!((a.path.as_str(), w.len()), ("/c", 1));
        let (_, w) = f(json!({"dest": "/b"})).expect("args");
        assert!(w.is_empty());
    }

    #[test]
    fn whole_numbers_read_as_ansible_int() {
        let (a, _) =
            f(json!({"path": "/a", "count": 3.0, "label": "7", "size": "2.0"})).expect("args");
        assert_eq!(
            (a.count, a.label.as_deref(), a.size),
            (Some(3), Some("7"), Some(2))
        );
        let (a, _) = f(json!({"path": "/a", "count": "4", "size": 5.0})).expect("args");
        assert_eq!((a.count, a.size), (Some(4), Some(5)));
        assert!(f(json!({"path": "/a", "count": 1.5})).is_err());
        assert!(f(json!({"path": "/a", "count": "x"})).is_err());
        assert!(f(json!({"path": "/a", "size": "1.5"})).is_err());
        assert_eq!(whole_number(&json!(" 1e3 ")), Some(1000));
        assert_eq!(whole_number(&json!("inf")), None);
    }
}
