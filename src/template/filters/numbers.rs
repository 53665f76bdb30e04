//! Number filters where Ansible (Python) differs from minijinja: `round` rounds half to
//! even like Python's `round()`. Knows nothing of scopes.

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};

use super::{defined, fail};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("round", round);
}

fn round(
    v: &Value,
    precision: Option<i32>,
    method: Option<&str>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    defined(v)?;
    let precision = match precision {
        Some(p) => p,
        None => kwargs.get::<Option<i32>>("precision")?.unwrap_or(0),
    };
    let method = match method {
        Some(m) => m.to_string(),
        None => kwargs
            .get::<Option<String>>("method")?
            .unwrap_or_else(|| "common".into()),
    };
    kwargs.assert_all_used()?;
    let x = f64::try_from(v.clone())
        .map_err(|_| fail(format!("round expects a number, not {}", v.kind())))?;
    let scale = 10f64.powi(precision);
    let out = match method.as_str() {
        "common" if v.is_integer() && precision >= 0 => return Ok(v.clone()),
        "common" if precision >= 0 => {
            let digits = usize::try_from(precision).unwrap_or(0);
            format!("{x:.digits$}").parse().unwrap_or(x)
        }
        "common" => (x * scale).round_ties_even() / scale,
        "ceil" => (x * scale).ceil() / scale,
        "floor" => (x * scale).floor() / scale,
        other => {
            return Err(fail(format!(
                "method must be common, ceil or floor, not '{other}'"
            )))
        }
    };
    if v.is_integer() && method == "common" {
        return Ok(Value::from(out as i64));
    }
    Ok(Value::from(out))
}
