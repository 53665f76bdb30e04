//! `urlsplit` as ansible-core has it: Python's `urllib.parse.urlsplit` and its `username`,
//! `password`, `hostname` and `port`, as a dictionary (keys in Python's `dir()` order) or
//! one component. Knows nothing of scopes.

use minijinja::value::Value;
use minijinja::{Environment, Error};

use super::{defined, fail};
use crate::template::pyrepr;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("urlsplit", urlsplit);
}

/// The five parts `urlsplit` cuts a URL into.
struct Split {
    scheme: String,
    netloc: String,
    path: String,
    query: String,
    fragment: String,
}

fn split(url: &str) -> Result<Split, Error> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let head = &rest[..i];
        let first_alpha = head.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        let valid = head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if i > 0 && first_alpha && valid {
            scheme = head.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = String::new();
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = after[..end].to_string();
        rest = &after[end..];
        if netloc.contains('[') != netloc.contains(']') {
            return Err(fail("Invalid IPv6 URL"));
        }
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(Split {
        scheme,
        netloc,
        path: path.to_string(),
        query: query.to_string(),
        fragment: fragment.to_string(),
    })
}

/// `hostname` and `port` text from the host part of `netloc`.
fn host_port(netloc: &str) -> (Option<String>, Option<String>) {
    let hostinfo = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    let (host, port) = match hostinfo.split_once('[') {
        Some((_, bracketed)) => {
            let (h, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
            (h, after.split_once(':').map_or("", |(_, p)| p))
        }
        None => hostinfo.split_once(':').unwrap_or((hostinfo, "")),
    };
    let host = (!host.is_empty()).then(|| match host.split_once('%') {
        Some((h, zone)) => format!("{}%{zone}", h.to_lowercase()),
        None => host.to_lowercase(),
    });
    (host, (!port.is_empty()).then(|| port.to_string()))
}

fn components(url: &str) -> Result<Vec<(&'static str, Value)>, Error> {
    let s = split(url)?;
    let userinfo = s.netloc.rsplit_once('@').map(|(u, _)| u.to_string());
    let username = userinfo
        .as_deref()
        .map(|u| u.split_once(':').map_or(u, |(n, _)| n).to_string());
    let password = userinfo
        .as_deref()
        .and_then(|u| u.split_once(':').map(|(_, p)| p.to_string()));
    let (hostname, port) = host_port(&s.netloc);
    let port = match port {
        None => Value::from(()),
        Some(p) => {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail(format!(
                    "Port could not be cast to integer value as '{p}'"
                )));
            }
            match p.parse::<u32>() {
                Ok(n) if n <= 65535 => Value::from(n),
                _ => return Err(fail("Port out of range 0-65535")),
            }
        }
    };
    let opt = |o: Option<String>| o.map_or(Value::from(()), Value::from);
    Ok(vec![
        ("fragment", Value::from(s.fragment)),
        ("hostname", opt(hostname)),
        ("netloc", Value::from(s.netloc)),
        ("password", opt(password)),
        ("path", Value::from(s.path)),
        ("port", port),
        ("query", Value::from(s.query)),
        ("scheme", Value::from(s.scheme)),
        ("username", opt(username)),
    ])
}

fn urlsplit(v: &Value, query: Option<&str>) -> Result<Value, Error> {
    defined(v)?;
    let parts = components(&pyrepr::to_str(v))?;
    match query.filter(|q| !q.is_empty()) {
        Some(q) => parts
            .into_iter()
            .find(|(k, _)| *k == q)
            .map(|(_, v)| v)
            .ok_or_else(|| fail(format!("urlsplit: unknown URL component: {q}"))),
        None => {
            let map: indexmap::IndexMap<Value, Value> = parts
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect();
            Ok(Value::from_object(map))
        }
    }
}
