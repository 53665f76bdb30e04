//! Lookups on the controller: `lookup()`, `query()` and `q()` in templates, and the same
//! implementations for `with_<lookup>` loops (a `with_X` loop is `query('X', *terms)`).
//! `lookup` joins or unwraps the results as Ansible does; `errors=ignore|warn` turns a
//! failure into `None` (`[]` with `wantlist`/`query`), `warn` printing a warning on stderr.
//! Each file holds one family of lookups; this one dispatches by name. Knows nothing of
//! hosts, tasks or connections: a loop gives its terms and the task's action name.

mod files;
mod hosts;
mod lists;
mod password;
mod sequence;
mod shell;
mod vars;

use std::sync::Arc;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, State};

use super::filters::fail;
use super::pyrepr;
use super::scope::ScopeObject;

/// Every lookup rsible implements, by short name (`ansible.builtin.`, or for
/// [`COMMUNITY`] `community.general.`, is accepted too).
pub const NAMES: &[&str] = &[
    "cartesian",
    "dict",
    "env",
    "file",
    "fileglob",
    "first_found",
    "flattened",
    "indexed_items",
    "inventory_hostnames",
    "items",
    "lines",
    "list",
    "nested",
    "password",
    "pipe",
    "random_choice",
    "sequence",
    "subelements",
    "template",
    "together",
    "varnames",
    "vars",
];

/// The lookups of [`NAMES`] that come from community.general, not ansible-core.
const COMMUNITY: &[&str] = &["cartesian", "flattened"];

/// The short name of lookup `name` when rsible implements it (`ansible.builtin.X` or, for
/// community.general's, `community.general.X` → `X`).
pub fn known(name: &str) -> Option<&'static str> {
    let short = match (
        name.strip_prefix("ansible.builtin."),
        name.strip_prefix("community.general."),
    ) {
        (Some(s), _) if !COMMUNITY.contains(&s) => s,
        (_, Some(s)) if COMMUNITY.contains(&s) => s,
        (None, None) => name,
        _ => return None,
    };
    NAMES.iter().copied().find(|n| *n == short)
}

/// One lookup invocation: the scope it runs in, its keyword options and, for a `with_`
/// loop, the action of the looping task.
pub(crate) struct Call<'a> {
    /// The variables and search paths of the render.
    pub ctx: &'a Arc<ScopeObject>,
    /// Keyword options (`default=`, `length=`, ...); every one must be used.
    pub kwargs: &'a Kwargs,
    /// The task's action when the lookup runs as a `with_` loop.
    pub with_action: Option<&'a str>,
}

/// Adds `lookup`, `query` and `q` to `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("lookup", lookup);
    env.add_function("query", query);
    env.add_function("q", query);
}

fn lookup(state: &State, name: &str, terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
    let Some(results) = run_in_template(state, name, &terms, &kwargs)? else {
        return Ok(if wantlist {
            Value::from(Vec::<Value>::new())
        } else {
            Value::from(())
        });
    };
    if wantlist || results.is_empty() {
        return Ok(Value::from(results));
    }
    if results.len() == 1 {
        return Ok(results.into_iter().next().unwrap_or_default());
    }
    if results.iter().all(|r| r.kind() == ValueKind::String) {
        let texts: Vec<String> = results.iter().map(pyrepr::to_str).collect();
        return Ok(Value::from(texts.join(",")));
    }
    Ok(Value::from(results))
}

fn query(state: &State, name: &str, terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    // `wantlist` only changes `lookup`; `query` accepts and ignores it.
    let _ = kwargs.get::<Option<bool>>("wantlist")?;
    let results = run_in_template(state, name, &terms, &kwargs)?;
    Ok(Value::from(results.unwrap_or_default()))
}

/// Runs lookup `name` from a template; `None` when `errors=ignore|warn` swallowed a failure.
fn run_in_template(
    state: &State,
    name: &str,
    terms: &[Value],
    kwargs: &Kwargs,
) -> Result<Option<Vec<Value>>, Error> {
    let errors = kwargs
        .get::<Option<String>>("errors")?
        .unwrap_or_else(|| "strict".into());
    if !matches!(errors.as_str(), "strict" | "warn" | "ignore") {
        return Err(fail(format!(
            "errors must be one of 'strict', 'warn' or 'ignore', not '{errors}'"
        )));
    }
    // An undefined term fails with the error that names it, whatever `errors` says.
    for term in terms {
        super::filters::defined(term)?;
    }
    let ctx = ScopeObject::current(state).ok_or_else(|| fail("lookups need a variable scope"))?;
    let call = Call {
        ctx: &ctx,
        kwargs,
        with_action: None,
    };
    match run(&call, name, terms) {
        Err(e) if errors == "warn" => {
            // Ansible's warning, on standard error as its warnings are.
            let why = e.detail().map_or_else(|| e.to_string(), str::to_string);
            eprintln!(
                "[WARNING]: An error occurred while running the lookup plugin '{name}': {why}"
            );
            Ok(None)
        }
        Err(_) if errors == "ignore" => Ok(None),
        Err(e) => {
            let why = e.detail().map_or_else(|| e.to_string(), str::to_string);
            Err(fail(format!("The lookup plugin '{name}' failed: {why}")))
        }
        Ok(items) => Ok(Some(items)),
    }
}

/// Runs lookup `name` over `terms` for a `with_<name>` loop of a task running `action`.
pub(crate) fn run_for_loop(
    ctx: &Arc<ScopeObject>,
    name: &str,
    terms: &[Value],
    action: &str,
) -> Result<Vec<Value>, Error> {
    let kwargs = Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
    let call = Call {
        ctx,
        kwargs: &kwargs,
        with_action: Some(action),
    };
    run(&call, name, terms)
}

/// Lookups run so far in this process (see [`runs`]).
static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many lookups ran so far in this process: a lookup may change what is on disk (`pipe`
/// runs a command, `password` writes a file), so what was read before one may be stale.
pub fn runs() -> u64 {
    RUNS.load(std::sync::atomic::Ordering::SeqCst)
}

/// Runs lookup `name` over `terms`; every keyword option must be one the lookup reads.
fn run(call: &Call, name: &str, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let session = call.ctx.session();
    if session.is_some_and(|s| s.templar().refuses_lookup()) {
        return Err(fail(format!("lookup '{name}' is not run here")));
    }
    RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let Some(short) = known(name) else {
        return Err(fail(format!("lookup plugin '{name}' not found")));
    };
    let out = match short {
        "env" => shell::env(call, terms),
        "pipe" => shell::pipe(call, terms),
        "lines" => shell::lines(call, terms),
        "file" => files::file(call, terms),
        "template" => files::template(call, terms),
        "first_found" => files::first_found(call, terms),
        "fileglob" => files::fileglob(call, terms),
        "vars" => vars::vars(call, terms),
        "varnames" => vars::varnames(call, terms),
        "inventory_hostnames" => hosts::inventory_hostnames(call, terms),
        "password" => password::password(call, terms),
        "sequence" => sequence::sequence(call, terms),
        "items" => Ok(lists::flatten_once(terms)),
        "list" => Ok(terms.to_vec()),
        "flattened" => Ok(lists::flatten_deep(terms)),
        "indexed_items" => Ok(lists::indexed(terms)),
        "dict" => lists::dict(terms),
        "together" => lists::together(terms),
        "nested" | "cartesian" => lists::nested(short, terms),
        "subelements" => lists::subelements(terms),
        "random_choice" => lists::random_choice(terms),
        _ => Err(fail(format!("lookup plugin '{name}' not found"))),
    }?;
    call.kwargs.assert_all_used()?;
    Ok(out)
}

/// The terms as strings (how lookups that take names or paths read them).
pub(super) fn texts(terms: &[Value]) -> impl Iterator<Item = String> + '_ {
    terms.iter().map(pyrepr::to_str)
}

/// `n` random bytes from the system's generator.
pub(super) fn random_bytes(n: usize) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; n];
    crate::random::fill(&mut buf).map_err(|e| fail(format!("cannot read /dev/urandom: {e}")))?;
    Ok(buf)
}

/// A uniformly random index below `n` (`n` > 0).
pub(super) fn random_below(n: usize) -> Result<usize, Error> {
    let n = n as u64;
    // Rejection sampling keeps every index equally likely.
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let b = random_bytes(8)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(&b);
        let x = u64::from_le_bytes(word);
        if x < zone {
            return Ok((x % n) as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_the_builtin_prefix() {
        assert_eq!(known("ansible.builtin.first_found"), Some("first_found"));
        assert_eq!(known("lines"), Some("lines"));
        assert_eq!(known("nosuchlookup"), None);
        // community.general's lookups answer to their own collection, not ansible.builtin.
        assert_eq!(known("community.general.cartesian"), Some("cartesian"));
        assert_eq!(known("ansible.builtin.cartesian"), None);
        assert_eq!(known("community.general.lines"), None);
    }

    #[test]
    fn random_indexes_stay_in_range() {
        for _ in 0..50 {
            assert!(random_below(3).unwrap() < 3);
        }
    }
}
