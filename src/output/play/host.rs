//! One host's result as text: an Ansible-style status line (`changed: [web1] => (item=foo)`,
//! `fatal: [web3]: FAILED! => msg`), then, for failures and at `-v`, the result laid out
//! to be read (`rc=`, `MSG:`, `STDOUT:`, `STDERR:` blocks, then the other fields as JSON).
//! Knows nothing of tasks, order or where the text goes.

use super::{diff, fields};
use crate::event::{HostResult, Status};
use crate::output::style::Style;
use serde_json::{json, Value};

/// What Ansible puts in place of a `no_log` result.
pub(super) const CENSORED: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/// What Ansible shows as the item label of a `no_log` loop.
const CENSORED_ITEM: &str = "(censored due to no_log)";

/// How much to show.
#[derive(Debug, Clone, Copy)]
pub(super) struct View {
    /// Number of `-v`.
    pub verbosity: u8,
    /// `--diff` was given.
    pub diff: bool,
    /// Colours, or none.
    pub style: Style,
}

/// The text for `r`: diffs (with `--diff`), the status line, details, `...ignoring`.
pub(super) fn render(r: &HostResult, v: &View) -> String {
    let mut out = String::new();
    if v.diff && !r.no_log {
        for d in &r.diffs {
            out.push_str(&diff::render(d, &v.style));
        }
    }
    let paint = |s: &str| match r.status {
        Status::Ok => v.style.green(s),
        Status::Changed => v.style.yellow(s),
        Status::Skipped => v.style.cyan(s),
        Status::Failed | Status::Unreachable => v.style.red(s),
    };
    let failing = matches!(r.status, Status::Failed | Status::Unreachable);
    let mut head = status_line(r);
    let mut body = String::new();
    if r.no_log {
        if failing || v.verbosity >= 1 || (r.show_result && v.verbosity >= r.verbosity) {
            let text = r.result.get("censored").and_then(Value::as_str);
            head.push_str(" => ");
            head.push_str(&fields::compact(
                &json!({ "censored": text.unwrap_or(CENSORED) }),
            ));
        }
    } else if r.show_result && !failing && r.status != Status::Skipped {
        if v.verbosity >= r.verbosity {
            head.push_str(" => ");
            head.push_str(&fields::pretty(&fields::debug_view(&r.result)));
        }
    } else if failing || v.verbosity >= 1 {
        body = details(r, v, failing, &mut head, &paint);
    }
    out.push_str(&paint(&head));
    out.push('\n');
    out.push_str(&body);
    if r.ignored && failing {
        out.push_str(&v.style.cyan("...ignoring"));
        out.push('\n');
    }
    out
}

/// `ok: [web1]`, `changed: [web1 -> db1] => (item=foo)`, `fatal: [web3]: FAILED!`, ...
fn status_line(r: &HostResult) -> String {
    let host = match &r.delegated_to {
        Some(d) => format!("{} -> {d}", r.host),
        None => r.host.clone(),
    };
    let label = if r.no_log && r.item.is_some() {
        Some(CENSORED_ITEM)
    } else {
        r.item.as_deref()
    };
    let word = match r.status {
        Status::Ok => "ok",
        Status::Changed => "changed",
        Status::Skipped => "skipping",
        Status::Failed => "failed",
        Status::Unreachable => "fatal",
    };
    match (r.status, label) {
        (Status::Failed, None) => format!("fatal: [{host}]: FAILED!"),
        (Status::Unreachable, None) => format!("fatal: [{host}]: UNREACHABLE!"),
        (Status::Failed, Some(l)) => format!("failed: [{host}] (item={l})"),
        (Status::Unreachable, Some(l)) => format!("fatal: [{host}] (item={l}): UNREACHABLE!"),
        (_, None) => format!("{word}: [{host}]"),
        // Ansible's skipped item line ends with a space.
        (Status::Skipped, Some(l)) => format!("{word}: [{host}] => (item={l}) "),
        (_, Some(l)) => format!("{word}: [{host}] => (item={l})"),
    }
}

/// Appends a one-line `msg` to `head` and returns the lines below it: `rc=`, `MSG:`,
/// `STDOUT:`, `STDERR:`, then the remaining fields (at `-v`, or when nothing else explains
/// a failure): one JSON line at `-v`, indented JSON from `-vv`.
fn details(
    r: &HostResult,
    v: &View,
    failing: bool,
    head: &mut String,
    paint: &dyn Fn(&str) -> String,
) -> String {
    let f = fields::split(&r.result, v.verbosity);
    let one_line_msg = f.msg.as_deref().filter(|m| !m.trim_end().contains('\n'));
    match one_line_msg {
        Some(m) => {
            head.push_str(" => ");
            head.push_str(m.trim_end());
        }
        None if failing => head.push_str(" =>"),
        None => {}
    }
    let mut out = String::new();
    if let Some(rc) = &f.rc {
        let rc = match rc {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push_str(&paint(&format!("rc={rc}")));
        out.push('\n');
    }
    let mut block = |label: &str, text: &str| {
        out.push_str(&paint(label));
        out.push('\n');
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    };
    if one_line_msg.is_none() {
        if let Some(m) = &f.msg {
            block("MSG:", m);
        }
    }
    if let Some(s) = &f.stdout {
        block("STDOUT:", s);
    }
    if let Some(s) = &f.stderr {
        block("STDERR:", s);
    }
    let said_nothing =
        f.msg.is_none() && f.rc.is_none() && f.stdout.is_none() && f.stderr.is_none();
    if !f.rest.is_empty() && (v.verbosity >= 1 || said_nothing) {
        if v.verbosity >= 2 {
            out.push_str(&fields::pretty(&f.rest));
        } else {
            out.push_str(&fields::compact(&f.rest));
        }
        out.push('\n');
    }
    out
}
