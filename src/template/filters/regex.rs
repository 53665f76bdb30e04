//! Regular-expression filters with Python `re` semantics where the `regex` crate allows:
//! regex_replace (`\1`, `\g<name>` references), regex_search (with group arguments),
//! regex_findall and regex_escape. Look-around and backreferences inside a pattern are not
//! supported by the `regex` crate and fail with its message. Knows nothing of scopes.

use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error};
use regex::{Regex, RegexBuilder};

use super::{defined, fail};
use crate::template::pyrepr;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
}

fn text(v: &Value) -> Result<String, Error> {
    defined(v)?;
    Ok(pyrepr::to_str(v))
}

/// Compiles a Python pattern with the `ignorecase`/`multiline` flags.
pub(crate) fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, Error> {
    let pattern = pattern.replace("\\Z", "\\z");
    RegexBuilder::new(&pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| fail(format!("invalid regular expression '{pattern}': {e}")))
}

fn flags(kwargs: &Kwargs) -> Result<(bool, bool), Error> {
    Ok((
        kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false),
        kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false),
    ))
}

/// A Python `re.sub` replacement as a `regex` crate replacement.
fn replacement(py: &str) -> String {
    let mut out = String::new();
    let mut chars = py.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut num = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        if num.len() == 2 {
                            break;
                        }
                        num.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{num}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

fn regex_replace(
    v: &Value,
    pattern: Option<&str>,
    repl: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let s = text(v)?;
    let (ignorecase, multiline) = flags(&kwargs)?;
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    let mandatory = kwargs.get::<Option<usize>>("mandatory_count")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let re = compile(pattern.unwrap_or(""), ignorecase, multiline)?;
    let found = re.find_iter(&s).count();
    if mandatory > 0 && found != mandatory {
        return Err(fail(format!(
            "'{}' should match {mandatory} times, but matches {found} times",
            re.as_str()
        )));
    }
    Ok(re
        .replacen(&s, count, replacement(repl.unwrap_or("")).as_str())
        .into_owned())
}

fn regex_search(
    v: &Value,
    pattern: &str,
    args: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let s = text(v)?;
    let (ignorecase, multiline) = flags(&kwargs)?;
    kwargs.assert_all_used()?;
    let re = compile(pattern, ignorecase, multiline)?;
    let Some(caps) = re.captures(&s) else {
        return Ok(Value::from(()));
    };
    if args.is_empty() {
        return Ok(Value::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let mut out = Vec::new();
    for arg in args.iter() {
        let group = if let Some(name) = arg.strip_prefix("\\g<").and_then(|a| a.strip_suffix('>')) {
            caps.name(name)
        } else if let Some(num) = arg.strip_prefix('\\').and_then(|n| n.parse::<usize>().ok()) {
            caps.get(num)
        } else {
            return Err(fail(format!(
                "Unknown argument '{arg}' (use '\\\\1' or '\\\\g<name>')"
            )));
        };
        out.push(group.map_or(Value::from(()), |m| Value::from(m.as_str())));
    }
    Ok(Value::from(out))
}

fn regex_findall(v: &Value, pattern: &str, kwargs: Kwargs) -> Result<Value, Error> {
    let s = text(v)?;
    let (ignorecase, multiline) = flags(&kwargs)?;
    kwargs.assert_all_used()?;
    let re = compile(pattern, ignorecase, multiline)?;
    let groups = re.captures_len() - 1;
    let out: Vec<Value> = re
        .captures_iter(&s)
        .map(|caps| {
            let group = |i: usize| Value::from(caps.get(i).map_or("", |m| m.as_str()));
            match groups {
                0 => group(0),
                1 => group(1),
                n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
            }
        })
        .collect();
    Ok(Value::from(out))
}

/// Python's `re.escape`.
fn regex_escape(v: &Value, re_type: Option<&str>) -> Result<String, Error> {
    let s = text(v)?;
    match re_type.unwrap_or("python") {
        "python" => Ok(s
            .chars()
            .map(|c| {
                if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
                    format!("\\{c}")
                } else {
                    c.to_string()
                }
            })
            .collect()),
        "posix_basic" => Ok(s
            .chars()
            .map(|c| {
                if ".[]\\*^$".contains(c) {
                    format!("\\{c}")
                } else {
                    c.to_string()
                }
            })
            .collect()),
        other => Err(fail(format!("Regex type ({other}) not yet implemented"))),
    }
}
