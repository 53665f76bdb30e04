//! String filters with Ansible's (Python's) behaviour: bool, string, join, quote, comment,
//! center, wordcount, mandatory, ternary, type_debug. Knows nothing of scopes.

use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error};

use super::{defined, fail};
use crate::template::{pyrepr, templar::py_type, truth};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("bool", bool_filter);
    env.add_filter("string", string);
    env.add_filter("join", join);
    env.add_filter("quote", quote);
    env.add_filter("comment", comment);
    env.add_filter("center", center);
    env.add_filter("wordcount", wordcount);
    env.add_filter("mandatory", mandatory);
    env.add_filter("ternary", ternary);
    env.add_filter("type_debug", type_debug);
}

fn bool_filter(v: &Value) -> Result<bool, Error> {
    defined(v)?;
    Ok(truth::to_bool(v))
}

fn string(v: &Value) -> Result<String, Error> {
    defined(v)?;
    Ok(pyrepr::to_str(v))
}

fn join(v: &Value, sep: Option<&str>, kwargs: Kwargs) -> Result<String, Error> {
    defined(v)?;
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    for item in v.try_iter()? {
        let item = match &attribute {
            Some(attr) => item.get_attr(attr)?,
            None => item,
        };
        defined(&item)?;
        out.push(pyrepr::to_str(&item));
    }
    Ok(out.join(sep.unwrap_or("")))
}

fn quote(v: &Value) -> Result<String, Error> {
    defined(v)?;
    Ok(crate::connection::quote::shlex_quote(&pyrepr::to_str(v)))
}

fn comment(text: &Value, style: Option<&str>, kwargs: Kwargs) -> Result<String, Error> {
    defined(text)?;
    let text = pyrepr::to_str(text);
    let style = style.unwrap_or("plain");
    let (beginning, decoration, end) = match style {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => {
            return Err(fail(format!(
                "Invalid style '{other}'. Available styles: plain, erlang, c, cblock, xml"
            )))
        }
    };
    let opt = |key: &str, default: &str| -> Result<String, Error> {
        Ok(kwargs
            .get::<Option<String>>(key)?
            .unwrap_or_else(|| default.to_string()))
    };
    let decoration = opt("decoration", decoration)?;
    let newline = opt("newline", "\n")?;
    let beginning = opt("beginning", beginning)?;
    let end = opt("end", end)?;
    let prefix = opt("prefix", decoration.trim_end())?;
    let postfix = opt("postfix", decoration.trim_end())?;
    let prefix_count = kwargs.get::<Option<usize>>("prefix_count")?.unwrap_or(1);
    let postfix_count = kwargs.get::<Option<usize>>("postfix_count")?.unwrap_or(1);
    kwargs.assert_all_used()?;

    let mut out = String::new();
    if !beginning.is_empty() {
        out.push_str(&beginning);
        out.push_str(&newline);
    }
    if !prefix.is_empty() {
        let one = if prefix == newline {
            newline.clone()
        } else {
            format!("{prefix}{newline}")
        };
        out.push_str(&one.repeat(prefix_count));
    }
    let body = format!(
        "{decoration}{}",
        text.replace(&newline, &format!("{newline}{decoration}"))
    );
    out.push_str(&body.replace(
        &format!("{decoration}{newline}"),
        &format!("{}{newline}", decoration.trim_end()),
    ));
    for _ in 0..postfix_count {
        out.push_str(&newline);
        out.push_str(&postfix);
    }
    if !end.is_empty() {
        out.push_str(&newline);
        out.push_str(&end);
    }
    Ok(out)
}

/// Python's `str.center`: the odd space goes left when the width is odd.
fn center(v: &Value, width: Option<usize>) -> Result<String, Error> {
    defined(v)?;
    let s = pyrepr::to_str(v);
    let width = width.unwrap_or(80);
    let len = s.chars().count();
    if width <= len {
        return Ok(s);
    }
    let margin = width - len;
    let left = margin / 2 + (margin & width & 1);
    Ok(format!(
        "{}{s}{}",
        " ".repeat(left),
        " ".repeat(margin - left)
    ))
}

fn wordcount(v: &Value) -> Result<usize, Error> {
    defined(v)?;
    let s = pyrepr::to_str(v);
    Ok(s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .count())
}

fn mandatory(v: &Value, msg: Option<&str>) -> Result<Value, Error> {
    if v.is_undefined() {
        if let Some(msg) = msg {
            return Err(fail(msg));
        }
        defined(v)?;
    }
    Ok(v.clone())
}

fn ternary(v: &Value, args: Rest<Value>) -> Result<Value, Error> {
    defined(v)?;
    let (yes, no, none) = match args.as_slice() {
        [yes, no] => (yes, no, None),
        [yes, no, none] => (yes, no, Some(none)),
        _ => return Err(fail("ternary needs a true and a false value")),
    };
    Ok(match none {
        Some(none) if v.is_none() && !none.is_none() => none.clone(),
        _ if v.is_true() => yes.clone(),
        _ => no.clone(),
    })
}

fn type_debug(v: &Value) -> &'static str {
    py_type(v)
}
