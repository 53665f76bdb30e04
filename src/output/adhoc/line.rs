//! The human text for one host's result, as the `ansible` binary prints it (its `minimal`
//! callback): `host | CHANGED | rc=0 >>` and the output for `command`, `shell` and `raw`,
//! `host | SUCCESS => {...}` for other modules, `| FAILED!`, `| UNREACHABLE!`, `| SKIPPED`.
//! rsible keeps stderr apart under `STDERR:` (Ansible glues it to stdout). Knows nothing of
//! how the result was obtained.

use super::shown;
use crate::event::{HostResult, Status};
use crate::output::style::Style;
use serde_json::Value;

/// Modules whose result prints as their output rather than as JSON (Ansible's
/// `MODULE_NO_JSON`), by the name the task was written with.
pub fn prints_output(action: &str) -> bool {
    let short = action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .unwrap_or(action);
    matches!(short, "command" | "shell" | "raw")
}

/// The status word of `s`, as the `ansible` binary prints it.
pub fn label(s: Status) -> &'static str {
    match s {
        Status::Ok => "SUCCESS",
        Status::Changed => "CHANGED",
        Status::Failed => "FAILED",
        Status::Unreachable => "UNREACHABLE",
        Status::Skipped => "SKIPPED",
    }
}

/// Paints `text` in the colour of `s`.
pub fn paint(style: &Style, s: Status, text: &str) -> String {
    match s {
        Status::Ok => style.green(text),
        Status::Changed => style.yellow(text),
        Status::Skipped => style.cyan(text),
        Status::Failed | Status::Unreachable => style.red(text),
    }
}

/// How one result is shown.
pub struct View<'a> {
    /// The task's module as written (`-m`).
    pub action: &'a str,
    /// `-v` count.
    pub verbosity: u8,
    /// Colours.
    pub style: &'a Style,
}

/// The lines for `r`, ending with a newline.
pub fn render(r: &HostResult, v: &View) -> String {
    let host = &r.host;
    let word = label(r.status);
    let text = match r.status {
        Status::Skipped => format!("{host} | {word}"),
        Status::Unreachable => format!("{host} | {word}! => {}", json(r, v)),
        _ if prints_output(v.action)
            && !r.result.contains_key("ansible_job_id")
            && !r.result.contains_key("module_stderr") =>
        {
            return output(r, v);
        }
        Status::Failed => format!("{host} | {word}! => {}", json(r, v)),
        _ => format!("{host} | {word} => {}", json(r, v)),
    };
    format!("{}\n", paint(v.style, r.status, &text))
}

fn json(r: &HostResult, v: &View) -> String {
    let debug = v.action.rsplit('.').next() == Some("debug");
    shown::dump(&Value::Object(shown::fields(&r.result, debug, v.verbosity)))
}

/// `host | CHANGED | rc=0 >>`, stdout, `STDERR:` and stderr; the message when there is no
/// exit status to explain it (a timeout, a become failure).
fn output(r: &HostResult, v: &View) -> String {
    let text = |k: &str| r.result.get(k).and_then(Value::as_str).unwrap_or("");
    let rc = r.result.get("rc").and_then(Value::as_i64);
    let signal = match r.result.get("signal").and_then(Value::as_str) {
        Some(s) => format!(" (killed by SIG{s})"),
        None => String::new(),
    };
    let head = format!(
        "{} | {} | rc={}{signal} >>",
        r.host,
        label(r.status),
        rc.unwrap_or(-1)
    );
    let mut s = paint(v.style, r.status, &head);
    s.push('\n');
    push_block(&mut s, text("stdout"));
    let stderr = text("stderr");
    if !stderr.is_empty() {
        s.push_str(&paint(v.style, r.status, "STDERR:"));
        s.push('\n');
        push_block(&mut s, stderr);
    }
    if rc.is_none() {
        push_block(&mut s, text("msg"));
    }
    s
}

/// Appends `text` with a newline at its end.
fn push_block(s: &mut String, text: &str) {
    s.push_str(text);
    if !text.is_empty() && !text.ends_with('\n') {
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    fn result(status: Status, fields: Value) -> HostResult {
        HostResult {
            host: "h".into(),
            delegated_to: None,
            status,
            item: None,
            ignored: false,
            result: fields.as_object().cloned().unwrap_or_else(Map::new),
            diffs: Vec::new(),
            no_log: false,
            verbosity: 0,
            show_result: false,
            elapsed_ms: 0,
        }
    }

    fn show(action: &str, r: &HostResult) -> String {
        let style = Style::off();
        render(
            r,
            &View {
                action,
                verbosity: 0,
                style: &style,
            },
        )
    }

    #[test]
    fn commands_print_their_output() {
        let r = result(
            Status::Failed,
            json!({"rc": 7, "stdout": "out", "stderr": "boom\n", "msg": "non-zero return code"}),
        );
        assert_eq!(
            show("ansible.builtin.shell", &r),
            "h | FAILED | rc=7 >>\nout\nSTDERR:\nboom\n"
        );
        let r = result(Status::Failed, json!({"msg": "timed out", "failed": true}));
        assert_eq!(show("command", &r), "h | FAILED | rc=-1 >>\ntimed out\n");
        let r = result(Status::Changed, json!({"rc": 0, "stdout": ""}));
        assert_eq!(show("raw", &r), "h | CHANGED | rc=0 >>\n");
    }

    #[test]
    fn other_modules_print_json_as_ansible() {
        let r = result(Status::Ok, json!({"changed": false, "ping": "pong"}));
        assert_eq!(
            show("ping", &r),
            "h | SUCCESS => {\n    \"changed\": false,\n    \"ping\": \"pong\"\n}\n"
        );
        let r = result(
            Status::Failed,
            json!({"changed": false, "failed": true, "msg": "no"}),
        );
        assert_eq!(
            show("file", &r),
            "h | FAILED! => {\n    \"changed\": false,\n    \"msg\": \"no\"\n}\n"
        );
        let r = result(
            Status::Unreachable,
            json!({"unreachable": true, "msg": "down"}),
        );
        assert!(show("command", &r).starts_with("h | UNREACHABLE! => {"));
        assert_eq!(
            show("command", &result(Status::Skipped, json!({}))),
            "h | SKIPPED\n"
        );
    }
}
