//! Ansible's Jinja tests (`x is version('2', '>=')`, `result is failed`, `path is file`...)
//! added to minijinja's own. Paths are the controller's. Knows nothing of scopes.

use std::path::Path;

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

use super::filters::{defined, fail};
use super::{pyrepr, truth, version};

/// Adds every test to `env` (and `version_compare` as a filter, for old playbooks).
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_test("undefined", |v: &Value| v.is_undefined());
    env.add_test("match", |v: &Value, p: &str, k: Kwargs| {
        regex_test(v, p, k, Mode::Match)
    });
    env.add_test("search", |v: &Value, p: &str, k: Kwargs| {
        regex_test(v, p, k, Mode::Search)
    });
    env.add_test("regex", regex_kind);
    for name in ["version", "version_compare"] {
        env.add_test(name, version_test);
    }
    env.add_filter("version_compare", version_test);
    env.add_test("contains", |seq: &Value, item: &Value| contains(seq, item));
    env.add_test("subset", |a: &Value, b: &Value| subset(a, b));
    env.add_test("superset", |a: &Value, b: &Value| subset(b, a));
    for name in ["failed", "failure"] {
        env.add_test(name, |r: &Value| flag(r, "failed"));
    }
    for name in ["succeeded", "success", "successful"] {
        env.add_test(name, |r: &Value| flag(r, "failed").map(|f| !f));
    }
    for name in ["changed", "change"] {
        env.add_test(name, changed);
    }
    for name in ["skipped", "skip"] {
        env.add_test(name, |r: &Value| flag(r, "skipped"));
    }
    env.add_test("unreachable", |r: &Value| flag(r, "unreachable"));
    env.add_test("reachable", |r: &Value| flag(r, "unreachable").map(|f| !f));
    env.add_test("finished", |r: &Value| flag(r, "finished").map(|_| true));
    env.add_test("truthy", |v: &Value, k: Kwargs| truthy(v, k));
    env.add_test("falsy", |v: &Value, k: Kwargs| truthy(v, k).map(|t| !t));
    env.add_test("file", |p: &str| Path::new(p).is_file());
    env.add_test("directory", |p: &str| Path::new(p).is_dir());
    env.add_test("link", |p: &str| Path::new(p).is_symlink());
    env.add_test("exists", |p: &str| Path::new(p).exists());
    env.add_test("abs", |p: &str| Path::new(p).is_absolute());
    env.add_test("divisibleby", divisibleby);
    env.add_test("any", |v: &Value| {
        Ok::<_, Error>(v.try_iter()?.any(|x| x.is_true()))
    });
    env.add_test("all", |v: &Value| {
        Ok::<_, Error>(v.try_iter()?.all(|x| x.is_true()))
    });
}

enum Mode {
    Match,
    Search,
}

fn regex_test(v: &Value, pattern: &str, kwargs: Kwargs, mode: Mode) -> Result<bool, Error> {
    defined(v)?;
    let ignorecase = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let s = pyrepr::to_str(v);
    let pattern = match mode {
        Mode::Match => format!("\\A(?:{pattern})"),
        Mode::Search => pattern.to_string(),
    };
    super::filters::compile_regex(&pattern, ignorecase, multiline)?
        .is_match(s.as_str())
        .map_err(|e| fail(format!("regular expression failed: {e}")))
}

fn regex_kind(v: &Value, pattern: &str, kwargs: Kwargs) -> Result<bool, Error> {
    let mode = match kwargs.get::<Option<String>>("match_type")?.as_deref() {
        None | Some("search") => Mode::Search,
        Some("match") => Mode::Match,
        Some(other) => return Err(fail(format!("unsupported match_type '{other}'"))),
    };
    regex_test(v, pattern, kwargs, mode)
}

fn version_test(v: &Value, other: &Value, op: Option<&str>, kwargs: Kwargs) -> Result<bool, Error> {
    defined(v)?;
    defined(other)?;
    let op = match op {
        Some(op) => op.to_string(),
        None => kwargs
            .get::<Option<String>>("operator")?
            .unwrap_or_else(|| "eq".into()),
    };
    let strict = kwargs.get::<Option<bool>>("strict")?.unwrap_or(false);
    let kind = kwargs
        .get::<Option<String>>("version_type")?
        .unwrap_or_else(|| if strict { "strict" } else { "loose" }.into());
    kwargs.assert_all_used()?;
    version::compare(&pyrepr::to_str(v), &pyrepr::to_str(other), &op, &kind)
        .map_err(|e| fail(format!("Version comparison failed: {e}")))
}

fn contains(seq: &Value, item: &Value) -> Result<bool, Error> {
    defined(seq)?;
    Ok(seq.try_iter()?.any(|x| &x == item))
}

fn subset(a: &Value, b: &Value) -> Result<bool, Error> {
    defined(a)?;
    defined(b)?;
    let b: Vec<Value> = b.try_iter()?.collect();
    Ok(a.try_iter()?.all(|x| b.contains(&x)))
}

fn result_dict(r: &Value, test: &str) -> Result<(), Error> {
    defined(r)?;
    if r.kind() != ValueKind::Map {
        return Err(fail(format!(
            "The '{test}' test expects a dictionary, not {}",
            r.kind()
        )));
    }
    Ok(())
}

fn flag(r: &Value, key: &str) -> Result<bool, Error> {
    result_dict(r, key)?;
    let v = r.get_attr(key)?;
    Ok(!v.is_undefined() && truth::condition(&v))
}

fn changed(r: &Value) -> Result<bool, Error> {
    result_dict(r, "changed")?;
    let v = r.get_attr("changed")?;
    if !v.is_undefined() {
        return Ok(truth::condition(&v));
    }
    let results = r.get_attr("results")?;
    if results.is_undefined() {
        return Ok(false);
    }
    Ok(results
        .try_iter()?
        .any(|item| item.get_attr("changed").is_ok_and(|c| truth::condition(&c))))
}

fn truthy(v: &Value, kwargs: Kwargs) -> Result<bool, Error> {
    defined(v)?;
    let convert = kwargs.get::<Option<bool>>("convert_bool")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    if convert
        && matches!(
            v.kind(),
            ValueKind::String | ValueKind::Number | ValueKind::Bool
        )
    {
        return Ok(truth::to_bool(v));
    }
    Ok(v.is_true())
}

fn divisibleby(v: &Value, n: &Value) -> Result<bool, Error> {
    defined(v)?;
    let (a, b) = (i64::try_from(v.clone())?, i64::try_from(n.clone())?);
    if b == 0 {
        return Err(fail("divisibleby: division by zero"));
    }
    Ok(a % b == 0)
}
