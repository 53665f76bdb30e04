//! Ansible's filters that minijinja lacks or words differently, registered on an
//! environment. Each file holds one family; none knows about scopes or lookups.

mod collections;
mod community;
mod crypt;
mod encode;
mod ip;
mod json_dump;
mod numbers;
mod password;
mod paths;
pub(crate) mod pyrandom;
mod random;
mod regex;

pub(crate) use regex::compile as compile_regex;
mod text;
mod time_units;
mod unique;
mod url;
mod yaml_dump;

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

/// Adds every filter to `env`, replacing minijinja's where Ansible differs.
pub(crate) fn register(env: &mut Environment<'static>) {
    text::register(env);
    numbers::register(env);
    collections::register(env);
    encode::register(env);
    paths::register(env);
    regex::register(env);
    unique::register(env);
    random::register(env);
    password::register(env);
    url::register(env);
    community::register(env);
    time_units::register(env);
    ip::register(env);
}

/// `v` as `json.dumps(v)` writes it.
pub(crate) fn python_json(v: &serde_json::Value) -> String {
    json_dump::dumps(v, &json_dump::Dump::new(None))
}

/// `v` as `json.dumps(v, sort_keys=True, indent=4, ensure_ascii=ensure_ascii)` writes it.
pub(crate) fn python_json_sorted(v: &serde_json::Value, ensure_ascii: bool) -> String {
    let opts = json_dump::Dump {
        sort_keys: true,
        ensure_ascii,
        ..json_dump::Dump::new(Some(4))
    };
    json_dump::dumps(v, &opts)
}

/// A filter failure with `message`.
pub(crate) fn fail(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// Fails with minijinja's own "undefined" error (naming the expression) when `v` is
/// undefined; filters that take `&Value` call it before using their input.
pub(crate) fn defined(v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        // Looking into an undefined value fails with an error that remembers where the value
        // came from, so the message can name it.
        v.get_attr("")?;
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    Ok(())
}

/// A value as JSON, for filters that work on plain data.
pub(crate) fn json(v: &Value) -> Result<serde_json::Value, Error> {
    defined(v)?;
    super::native::to_json(v).map_err(fail)
}

/// JSON back into a template value.
pub(crate) fn value(v: &serde_json::Value) -> Value {
    super::native::to_value(v)
}
