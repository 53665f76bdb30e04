//! Regular-expression filters with Python `re` semantics (patterns and replacement
//! templates through [`crate::pyregex`]): regex_replace (`\1`, `\g<name>` references),
//! regex_search (with group arguments), regex_findall and regex_escape. Knows nothing of
//! scopes.

use fancy_regex::Regex;
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error};

use super::{defined, fail};
use crate::pyregex::{self, Flags};
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
    let flags = Flags {
        ignorecase,
        multiline,
        dotall: false,
    };
    pyregex::compile(pattern, flags).map_err(fail)
}

/// A matching error of the engine (its backtracking limit) as a filter failure.
fn engine(e: fancy_regex::Error) -> Error {
    fail(format!("regular expression failed: {e}"))
}

fn flags(kwargs: &Kwargs) -> Result<(bool, bool), Error> {
    Ok((
        kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false),
        kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false),
    ))
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
    let pattern = pattern.unwrap_or("");
    let re = compile(pattern, ignorecase, multiline)?;
    let all: Vec<_> = re
        .captures_iter(s.as_str())
        .collect::<Result<_, _>>()
        .map_err(engine)?;
    if mandatory > 0 && all.len() != mandatory {
        return Err(fail(format!(
            "'{pattern}' should match {mandatory} times, but matches {} times",
            all.len()
        )));
    }
    let limit = if count == 0 { all.len() } else { count };
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for caps in all.iter().take(limit) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        out.push_str(&pyregex::expand_str(&re, caps, repl.unwrap_or("")).map_err(fail)?);
        last = m.end();
    }
    out.push_str(&s[last..]);
    Ok(out)
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
    let Some(caps) = re.captures(s.as_str()).map_err(engine)? else {
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
    let mut out = Vec::new();
    for caps in re.captures_iter(s.as_str()) {
        let caps = caps.map_err(engine)?;
        let group = |i: usize| Value::from(caps.get(i).map_or("", |m| m.as_str()));
        out.push(match groups {
            0 => group(0),
            1 => group(1),
            n => Value::from((1..=n).map(group).collect::<Vec<_>>()),
        });
    }
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
