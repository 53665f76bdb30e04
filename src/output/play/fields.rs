//! Splits a task's result into what a person reads first (msg, rc, stdout, stderr) and the
//! rest, and formats JSON the way Ansible shows it. Knows nothing of statuses or colours.

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io;

/// Keys Ansible and rsible use for bookkeeping: hidden below `-vvv`.
const BOOKKEEPING: &[&str] = &[
    "changed",
    "failed",
    "skipped",
    "item",
    "ansible_loop",
    "ansible_loop_var",
    "ansible_index_var",
    "invocation",
    "diff",
];

/// Keys that only repeat another key (`stdout_lines` is `stdout` split) or that Ansible's
/// callbacks drop (`exception`, the registered traceback placeholder): never shown.
const REDUNDANT: &[&str] = &["stdout_lines", "stderr_lines", "exception"];

/// A result taken apart for display.
#[derive(Debug, Default)]
pub(super) struct Fields {
    /// `msg`, when it is a string.
    pub msg: Option<String>,
    /// `rc`, when present.
    pub rc: Option<Value>,
    /// `stdout`, when a non-empty string.
    pub stdout: Option<String>,
    /// `stderr`, when a non-empty string.
    pub stderr: Option<String>,
    /// Everything else worth showing.
    pub rest: Map<String, Value>,
}

/// Whether `key` is bookkeeping, hidden below `-vvv`.
fn is_bookkeeping(key: &str) -> bool {
    key.starts_with("_ansible_") || BOOKKEEPING.contains(&key)
}

/// The result without bookkeeping keys (kept at `verbosity >= 3`, except `_ansible_*`).
pub(super) fn visible(result: &Map<String, Value>, verbosity: u8) -> Map<String, Value> {
    result
        .iter()
        .filter(|(k, _)| !k.starts_with("_ansible_") && (verbosity >= 3 || !is_bookkeeping(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Keys Ansible's callbacks drop from a `debug` result shown through `var`.
const HIDDEN_IN_DEBUG: &[&str] = &[
    "changed",
    "failed",
    "skipped",
    "invocation",
    "skip_reason",
    "ansible_loop_var",
    "ansible_index_var",
    "ansible_loop",
];

/// Keys a `debug` result shown through `msg` keeps beside it.
const DEBUG_MSG_KEYS: &[&str] = &["msg", "exception", "warnings", "deprecations"];

/// What Ansible shows of a `debug` result: `msg` alone (with its warnings), or for `var`
/// the variable and whatever is not status or loop bookkeeping (a loop's `item` stays),
/// keys sorted as Ansible shows them.
pub(super) fn debug_view(result: &Map<String, Value>) -> BTreeMap<String, Value> {
    let msg = result.contains_key("msg");
    result
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .filter(|(k, _)| {
            if msg {
                DEBUG_MSG_KEYS.contains(&k.as_str())
            } else {
                !HIDDEN_IN_DEBUG.contains(&k.as_str())
            }
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Takes `result` apart: the well-known text fields, then the rest (bookkeeping and
/// redundant keys left out).
pub(super) fn split(result: &Map<String, Value>, verbosity: u8) -> Fields {
    let text = |key: &str| match result.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let mut f = Fields {
        msg: text("msg"),
        rc: result.get("rc").cloned(),
        stdout: text("stdout"),
        stderr: text("stderr"),
        rest: visible(result, verbosity),
    };
    for key in ["rc", "stdout", "stderr"].iter().chain(REDUNDANT) {
        f.rest.remove(*key);
    }
    if matches!(result.get("msg"), Some(Value::String(_))) {
        f.rest.remove("msg");
    }
    f
}

/// One-line JSON with Python's separators (`{"a": 1, "b": [2, 3]}`), as Ansible's `-v`.
pub(super) fn compact(v: &impl Serialize) -> String {
    write_json(v, Spaced)
}

/// Indented JSON, four spaces, as Ansible prints `debug` results.
pub(super) fn pretty(v: &impl Serialize) -> String {
    write_json(v, PrettyFormatter::with_indent(b"    "))
}

fn write_json<F: Formatter>(v: &impl Serialize, formatter: F) -> String {
    let mut buf = Vec::new();
    let mut ser = Serializer::with_formatter(&mut buf, formatter);
    // Serializing a `Value` or a map of them into memory cannot fail.
    if v.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// serde_json's compact layout with `", "` and `": "` between items, like Python's `json.dumps`.
struct Spaced;

impl Formatter for Spaced {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}
