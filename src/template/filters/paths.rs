//! Path filters with Python's `os.path` behaviour: basename, dirname, expanduser, splitext,
//! path_join. Paths are the controller's; knows nothing of scopes.

use minijinja::value::Value;
use minijinja::{Environment, Error};

use super::defined;
use crate::template::pyrepr;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("basename", |v: &Value| {
        text(v).map(|s| basename(&s).to_string())
    });
    env.add_filter("dirname", |v: &Value| text(v).map(|s| dirname(&s)));
    env.add_filter("expanduser", |v: &Value| text(v).map(|s| expanduser(&s)));
    env.add_filter("splitext", splitext);
    env.add_filter("path_join", path_join);
}

fn text(v: &Value) -> Result<String, Error> {
    defined(v)?;
    Ok(pyrepr::to_str(v))
}

/// `os.path.basename`: the text after the last `/`.
fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// `os.path.dirname`: the text before the last `/`, trailing slashes removed unless root.
fn dirname(s: &str) -> String {
    match s.rfind('/') {
        None => String::new(),
        Some(i) => {
            let head = &s[..=i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() {
                head.to_string()
            } else {
                trimmed.to_string()
            }
        }
    }
}

fn expanduser(s: &str) -> String {
    if s == "~" || s.starts_with("~/") {
        if let Some(home) = std::env::var_os("HOME").or_else(|| dirs::home_dir().map(Into::into)) {
            let home = home.to_string_lossy();
            let home = home.trim_end_matches('/');
            return format!("{home}{}", &s[1..]);
        }
    }
    s.to_string()
}

/// `os.path.splitext`: `[root, ext]`, where a leading dot does not start an extension.
fn splitext(v: &Value) -> Result<Value, Error> {
    let s = text(v)?;
    let name_start = s.rfind('/').map_or(0, |i| i + 1);
    let name = &s[name_start..];
    let stem_start = name.len() - name.trim_start_matches('.').len();
    let (root, ext) = match name[stem_start..].rfind('.') {
        Some(dot) => s.split_at(name_start + stem_start + dot),
        None => (s.as_str(), ""),
    };
    Ok(Value::from(vec![Value::from(root), Value::from(ext)]))
}

/// `os.path.join` over a list: an absolute part restarts the path.
fn path_join(v: &Value) -> Result<String, Error> {
    defined(v)?;
    let parts: Vec<String> = match v.as_str() {
        Some(s) => vec![s.to_string()],
        None => v.try_iter()?.map(|p| pyrepr::to_str(&p)).collect(),
    };
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') || out.is_empty() {
            out = part;
        } else {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&part);
        }
    }
    Ok(out)
}
