//! Fact collectors: each turns the raw sections and files into Ansible's facts for one
//! `gather_subset` collector. They read only `Raw`; none knows the script's framing.

pub mod date_time;
pub mod distribution;
pub mod hardware;
pub mod managers;
pub mod mounts;
pub mod network;
pub mod platform;
pub mod system;
pub mod user;
pub mod virtualization;

use super::raw::Raw;
use serde_json::{Map, Value};

/// The facts map being built: keys without the `ansible_` prefix.
pub type Facts = Map<String, Value>;

/// /etc/os-release (or /usr/lib/os-release) as key/value pairs, shell quoting removed.
pub fn os_release(raw: &Raw) -> Map<String, Value> {
    let text = raw
        .file("/etc/os-release")
        .or_else(|| raw.file("/usr/lib/os-release"))
        .unwrap_or("");
    let mut out = Map::new();
    for line in text.lines() {
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        if k.starts_with('#') || k.is_empty() {
            continue;
        }
        out.insert(k.to_string(), Value::String(unquote(v.trim())));
    }
    out
}

/// Removes one level of shell quoting from an os-release value.
fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return inner.to_string();
    }
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}
