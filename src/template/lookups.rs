//! `lookup()`, `query()` and `q()` on the controller: env, file, template, pipe, vars,
//! items, list. Files are searched in the scope's search paths (each path's `files/` or
//! `templates/` first, then the path itself). These run synchronously on the rendering
//! thread (`pipe` waits for its command). Knows nothing of hosts or connections.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, State};

use super::filters::fail;
use super::pyrepr;
use super::scope::ScopeObject;

/// Adds `lookup`, `query` and `q` to `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("lookup", lookup);
    env.add_function("query", query);
    env.add_function("q", query);
}

fn lookup(state: &State, name: &str, terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
    let results = run(state, name, &terms, &kwargs)?;
    if wantlist {
        return Ok(Value::from(results));
    }
    if results.iter().all(|r| r.kind() == ValueKind::String) {
        let texts: Vec<String> = results.iter().map(pyrepr::to_str).collect();
        return Ok(Value::from(texts.join(",")));
    }
    Ok(match <[Value; 1]>::try_from(results) {
        Ok([one]) => one,
        Err(many) => Value::from(many),
    })
}

fn query(state: &State, name: &str, terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    Ok(Value::from(run(state, name, &terms, &kwargs)?))
}

/// Runs lookup `name` over `terms`; `errors=ignore|warn` turns a failure into no results.
fn run(state: &State, name: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let errors = kwargs
        .get::<Option<String>>("errors")?
        .unwrap_or_else(|| "strict".into());
    let out = run_plugin(state, name, terms, kwargs);
    // `wantlist` only matters to `lookup`, which reads it itself; `query` accepts it too.
    let _ = kwargs.get::<Option<bool>>("wantlist");
    kwargs.assert_all_used()?;
    match out {
        Err(_) if errors == "ignore" || errors == "warn" => Ok(Vec::new()),
        other => other,
    }
}

fn run_plugin(
    state: &State,
    name: &str,
    terms: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    let name = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    let texts = || terms.iter().map(pyrepr::to_str);
    match name {
        "env" => {
            let default = kwargs.get::<Option<String>>("default")?.unwrap_or_default();
            Ok(texts()
                .map(|var| Value::from(std::env::var(&var).unwrap_or_else(|_| default.clone())))
                .collect())
        }
        "file" => {
            let ctx = current(state)?;
            let rstrip = kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
            let lstrip = kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
            texts()
                .map(|term| {
                    let text = read(&find(ctx.search_paths(), &term, "files")?)?;
                    let text = if rstrip { text.trim_end() } else { &text[..] };
                    let text = if lstrip { text.trim_start() } else { text };
                    Ok(Value::from(text))
                })
                .collect()
        }
        "template" => {
            let ctx = current(state)?;
            let session = ctx
                .session()
                .ok_or_else(|| fail("lookup('template') outside a render"))?;
            texts()
                .map(|term| {
                    let source = read(&find(ctx.search_paths(), &term, "templates")?)?;
                    let out = session
                        .templar()
                        .render_file_in(&source, &ctx)
                        .map_err(|e| fail(format!("{term}: {e}")))?;
                    Ok(Value::from(out))
                })
                .collect()
        }
        "pipe" => texts().map(|cmd| pipe(&cmd)).collect(),
        "vars" => {
            let ctx = Value::from_dyn_object(current(state)?);
            let default = kwargs.get::<Option<Value>>("default")?;
            texts()
                .map(|var| {
                    let v = ctx.get_attr(&var)?;
                    match (&default, v.is_undefined()) {
                        (_, false) => Ok(v),
                        (Some(d), true) => Ok(d.clone()),
                        (None, true) => Err(fail(format!("No variable named '{var}' was found."))),
                    }
                })
                .collect()
        }
        "items" => {
            let mut out = Vec::new();
            for term in terms {
                match term.kind() {
                    ValueKind::Seq | ValueKind::Iterable => out.extend(term.try_iter()?),
                    _ => out.push(term.clone()),
                }
            }
            Ok(out)
        }
        "list" => Ok(terms.to_vec()),
        other => Err(fail(format!("lookup plugin '{other}' not found"))),
    }
}

fn current(state: &State) -> Result<Arc<ScopeObject>, Error> {
    ScopeObject::current(state).ok_or_else(|| fail("lookups need a variable scope"))
}

/// The first existing candidate for `term`: absolute as given, else under each search
/// path's `subdir`, then the search path itself (the current directory when there is none).
fn find(search: &[PathBuf], term: &str, subdir: &str) -> Result<PathBuf, Error> {
    let path = Path::new(term);
    let candidates: Vec<PathBuf> = if path.is_absolute() || search.is_empty() {
        vec![path.to_path_buf()]
    } else {
        search
            .iter()
            .flat_map(|dir| [dir.join(subdir).join(term), dir.join(term)])
            .collect()
    };
    candidates
        .into_iter()
        .find(|c| c.is_file())
        .ok_or_else(|| fail(format!("could not locate file in lookup: {term}")))
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| fail(format!("could not read {}: {e}", path.display())))
}

fn pipe(cmd: &str) -> Result<Value, Error> {
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map_err(|e| fail(format!("lookup_plugin.pipe({cmd}) could not start: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!(
            "lookup_plugin.pipe({cmd}) returned {}",
            out.status.code().unwrap_or(-1)
        )));
    }
    Ok(Value::from(String::from_utf8_lossy(&out.stdout).trim_end()))
}
