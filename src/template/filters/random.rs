//! `random` and `shuffle` as ansible-core has them: with a seed they give exactly what
//! Python's `random.Random(seed)` gives (so `59 | random(seed=inventory_hostname)` picks
//! Ansible's minute); without one, the operating system's randomness. Knows nothing of
//! scopes.

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

use super::pyrandom::PyRandom;
use super::{defined, fail};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
}

/// The generator for `seed` (none: the operating system's).
fn generator(seed: Option<&Value>) -> Result<PyRandom, Error> {
    let Some(seed) = seed.filter(|s| !s.is_none()) else {
        return Ok(PyRandom::from_os());
    };
    defined(seed)?;
    match seed.kind() {
        ValueKind::String => Ok(PyRandom::from_text(seed.as_str().unwrap_or_default())),
        ValueKind::Bool => Ok(PyRandom::from_int(i128::from(seed.is_true()))),
        ValueKind::Number if seed.is_integer() => Ok(PyRandom::from_int(
            i128::try_from(seed.clone()).map_err(|_| fail("seed is too large"))?,
        )),
        _ => Err(fail(format!(
            "a {} seed for random is not supported by rsible (use a string or an integer)",
            seed.kind()
        ))),
    }
}

/// An integer argument where Python's falsy values mean the default.
fn int_or(v: Option<Value>, default: i128, name: &str) -> Result<i128, Error> {
    match v {
        Some(v) if v.is_true() => match v.kind() {
            ValueKind::Bool => Ok(1),
            ValueKind::Number if v.is_integer() => {
                i128::try_from(v).map_err(|_| fail(format!("{name} is too large")))
            }
            _ => Err(fail(format!("{name} must be an integer, not {}", v.kind()))),
        },
        _ => Ok(default),
    }
}

fn random(
    end: &Value,
    start: Option<Value>,
    step: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    defined(end)?;
    let start = match start {
        Some(s) => Some(s),
        None => kwargs.get("start")?,
    };
    let step = match step {
        Some(s) => Some(s),
        None => kwargs.get("step")?,
    };
    let seed: Option<Value> = kwargs.get("seed")?;
    kwargs.assert_all_used()?;
    let mut rng = generator(seed.as_ref())?;
    if end.kind() == ValueKind::Bool || (end.kind() == ValueKind::Number && end.is_integer()) {
        let end = if end.kind() == ValueKind::Bool {
            i128::from(end.is_true())
        } else {
            i128::try_from(end.clone()).map_err(|_| fail("end is too large"))?
        };
        let start = int_or(start, 0, "start")?;
        let step = int_or(step, 1, "step")?;
        let width = end - start;
        let n = if step > 0 {
            (width + step - 1).div_euclid(step)
        } else {
            (width + step + 1).div_euclid(step)
        };
        if n <= 0 {
            return Err(fail(format!(
                "empty range for randrange() ({start}, {end}, {width})"
            )));
        }
        let r = rng.below(n as u128) as i128;
        return Ok(Value::from(start + step * r));
    }
    let items: Vec<Value> = match end.kind() {
        ValueKind::Seq | ValueKind::Iterable | ValueKind::String => end.try_iter()?.collect(),
        _ => return Err(fail("random can only be used on sequences and integers")),
    };
    if start.as_ref().is_some_and(Value::is_true) || step.as_ref().is_some_and(Value::is_true) {
        return Err(fail("start and step can only be used with integer values"));
    }
    if items.is_empty() {
        return Err(fail("Cannot choose from an empty sequence"));
    }
    let i = rng.below(items.len() as u128) as usize;
    Ok(items[i].clone())
}

fn shuffle(v: &Value, seed: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    defined(v)?;
    let seed = match seed {
        Some(s) => Some(s),
        None => kwargs.get("seed")?,
    };
    kwargs.assert_all_used()?;
    let Ok(items) = v.try_iter() else {
        return Ok(v.clone());
    };
    let mut items: Vec<Value> = items.collect();
    let seed = seed.filter(Value::is_true);
    generator(seed.as_ref())?.shuffle(&mut items);
    Ok(Value::from(items))
}
