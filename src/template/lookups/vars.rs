//! Lookups over the current variables: `vars` (values by name) and `varnames` (names that a
//! Python regular expression finds). Knows nothing of where the variables came from.

use minijinja::value::{Value, ValueKind};
use minijinja::Error;

use super::super::filters::{compile_regex, fail};
use super::super::pyrepr;
use super::{texts, Call};

/// `vars`: each named variable's value (rendered), or `default`; an unknown name fails.
pub(super) fn vars(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let ctx = Value::from_dyn_object(call.ctx.clone());
    let default = call.kwargs.get::<Option<Value>>("default")?;
    terms
        .iter()
        .map(|term| {
            if term.kind() != ValueKind::String {
                return Err(fail(format!(
                    "Invalid setting identifier, \"{}\" is not a string, it is a {}",
                    pyrepr::to_str(term),
                    super::super::templar::py_type(term)
                )));
            }
            let var = pyrepr::to_str(term);
            let v = ctx.get_attr(&var)?;
            match (&default, v.is_undefined()) {
                (_, false) => Ok(v),
                (Some(d), true) => Ok(d.clone()),
                (None, true) => Err(fail(format!("No variable named '{var}' was found."))),
            }
        })
        .collect()
}

/// `varnames`: the names of the variables each pattern matches (anywhere in the name).
pub(super) fn varnames(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let ctx = Value::from_dyn_object(call.ctx.clone());
    let names: Vec<String> = ctx.try_iter()?.map(|n| pyrepr::to_str(&n)).collect();
    let mut out = Vec::new();
    for term in texts(terms) {
        let re = compile_regex(&term, false, false).map_err(|e| {
            fail(format!(
                "Unable to use \"{term}\" as a search parameter: {e}"
            ))
        })?;
        out.extend(
            names
                .iter()
                .filter(|n| re.is_match(n).unwrap_or(false))
                .map(|n| Value::from(n.as_str())),
        );
    }
    Ok(out)
}
