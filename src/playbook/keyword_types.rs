//! The types of play, block and task keywords, checked at load time so that `become: sometimes`
//! or `retries: many` is an error at its line instead of a silent default. A value that is a
//! template (`"{{ ... }}"`) is accepted: it is checked when it is rendered. Knows nothing of
//! how keywords are used.

use super::yaml::{Kind, Node};

/// What a keyword accepts.
enum Type {
    Bool,
    Int,
    /// A number, whole or not (`delay`).
    Float,
    /// An integer or a percentage string (`serial`, `max_fail_percentage`).
    IntOrPercent,
    /// An integer, a percentage, or a list of those (`serial`).
    Serial,
    /// A single word (`register`).
    Name,
    /// A string, a number, or a list of those (`tags`).
    Tags,
    /// A list, or a template producing one (`loop`).
    List,
    /// One of a few words.
    OneOf(&'static [&'static str]),
}

fn type_of(key: &str) -> Option<Type> {
    Some(match key {
        "become" | "gather_facts" | "any_errors_fatal" | "ignore_errors" | "ignore_unreachable"
        | "run_once" | "no_log" | "check_mode" | "diff" | "force_handlers" | "delegate_facts" => {
            Type::Bool
        }
        "retries" | "timeout" | "throttle" | "poll" | "async" => Type::Int,
        "delay" => Type::Float,
        "max_fail_percentage" => Type::IntOrPercent,
        "serial" => Type::Serial,
        "register" => Type::Name,
        "tags" => Type::Tags,
        "loop" => Type::List,
        "strategy" => Type::OneOf(&["linear", "free"]),
        "order" => Type::OneOf(&[
            "inventory",
            "reverse_inventory",
            "sorted",
            "reverse_sorted",
            "shuffle",
        ]),
        _ => return None,
    })
}

fn is_bool_word(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "yes" | "no" | "true" | "false" | "on" | "off" | "y" | "n" | "1" | "0" | "t" | "f"
    )
}

fn is_int_or_percent(n: &Node) -> bool {
    match &n.kind {
        Kind::Int(_) | Kind::UInt(_) => true,
        Kind::Str(s) => {
            crate::template::is_template(s)
                || s.trim().parse::<i64>().is_ok()
                || s.trim()
                    .strip_suffix('%')
                    .is_some_and(|p| p.trim().parse::<f64>().is_ok())
        }
        _ => false,
    }
}

/// The error for keyword `key` with value `v`: a message and a hint, or `None` when it is fine
/// (or not a typed keyword).
pub fn check(key: &str, v: &Node) -> Option<(String, Option<String>)> {
    if key == "module_defaults" {
        return super::module_defaults::check(v);
    }
    let ty = type_of(key)?;
    if let Kind::Str(s) = &v.kind {
        if crate::template::is_template(s) {
            return None;
        }
    }
    let shown = || match &v.kind {
        Kind::Str(s) => format!("'{s}'"),
        _ => v.type_name().to_string(),
    };
    let bad = |want: &str| {
        Some((
            format!(
                "the field '{key}' has an invalid value ({}): expected {want}",
                shown()
            ),
            None,
        ))
    };
    match ty {
        Type::Bool => match &v.kind {
            Kind::Bool(_) | Kind::Null => None,
            Kind::Int(0 | 1) | Kind::UInt(0 | 1) => None,
            Kind::Str(s) if is_bool_word(s) => None,
            _ => bad("a boolean (true/false, yes/no)"),
        },
        Type::Int => match &v.kind {
            Kind::Int(_) | Kind::UInt(_) => None,
            Kind::Str(s) if s.trim().parse::<i64>().is_ok() => None,
            _ => bad("an integer"),
        },
        Type::Float => match &v.kind {
            Kind::Int(_) | Kind::UInt(_) | Kind::Float(_) => None,
            Kind::Str(s) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => None,
            _ => bad("a number"),
        },
        Type::IntOrPercent => (!is_int_or_percent(v))
            .then(|| bad("an integer or a percentage such as '30%'"))
            .flatten(),
        Type::Serial => {
            let ok = match &v.kind {
                Kind::Seq(items) => items.iter().all(is_int_or_percent),
                _ => is_int_or_percent(v),
            };
            (!ok)
                .then(|| bad("a number, a percentage such as '30%', or a list of those"))
                .flatten()
        }
        Type::Name => match &v.kind {
            Kind::Str(s)
                if !s.is_empty()
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !s.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                None
            }
            Kind::Str(_) => bad("a variable name (letters, digits and '_')"),
            _ => bad("a variable name"),
        },
        Type::Tags => {
            let scalar = |n: &Node| matches!(n.kind, Kind::Str(_) | Kind::Int(_) | Kind::UInt(_));
            let ok = match &v.kind {
                Kind::Seq(items) => items.iter().all(scalar),
                Kind::Null => true,
                _ => scalar(v),
            };
            (!ok).then(|| bad("a tag or a list of tags")).flatten()
        }
        Type::List => match &v.kind {
            Kind::Seq(_) => None,
            _ => Some((
                format!("the field 'loop' has an invalid value ({}): expected a list", shown()),
                Some("write `loop: [a, b]`, or a template that gives a list: `loop: \"{{ items }}\"`".into()),
            )),
        },
        Type::OneOf(words) => match &v.kind {
            Kind::Str(s) if words.contains(&s.as_str()) => None,
            _ => Some((
                format!("the field '{key}' has an invalid value ({})", shown()),
                Some(format!("rsible knows: {}", words.join(", "))),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(yaml: &str) -> Node {
        crate::yaml_node::parse(yaml).unwrap()
    }

    #[test]
    fn accepts_what_ansible_accepts() {
        for (k, v) in [
            ("become", "yes"),
            ("become", "true"),
            ("gather_facts", "false"),
            ("retries", "3"),
            ("retries", "'5'"),
            ("serial", "'30%'"),
            ("serial", "[1, '50%']"),
            ("register", "out_1"),
            ("tags", "[a, 2]"),
            ("loop", "[1, 2]"),
            ("loop", "'{{ xs }}'"),
            ("become", "'{{ flag }}'"),
            ("strategy", "free"),
            ("delay", "0.01"),
            ("delay", "'1.5'"),
            ("delay", "2"),
        ] {
            assert!(check(k, &node(v)).is_none(), "{k}: {v}");
        }
    }

    #[test]
    fn refuses_wrong_types() {
        for (k, v) in [
            ("become", "sometimes"),
            ("retries", "many"),
            ("serial", "lots"),
            ("register", "[a]"),
            ("register", "'a b'"),
            ("tags", "{a: 1}"),
            ("loop", "5"),
            ("strategy", "quantum"),
            ("delay", "soon"),
        ] {
            assert!(check(k, &node(v)).is_some(), "{k}: {v}");
        }
    }
}
