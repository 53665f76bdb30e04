//! Output of `rsible run`: each host's result as it arrives, in the `ansible` binary's lines
//! (see `line`), then rsible's summary with one line per host in the pattern's order; or the
//! same as JSON lines. Warnings go to stderr. Consumes only engine [`Event`]s: it knows
//! nothing of connections, modules or how the exit code is decided (it is told).

mod line;
mod shown;

use super::play::diff;
use super::style::Style;
use super::{Format, Reporter};
use crate::event::{Event, HostResult, Status};
use crate::exit::Exit;
use serde_json::{json, Map, Value};
use std::io::Write;

/// Result fields also given at the top level of a JSON `host_result` line, where rsible's
/// ad hoc JSON always had them.
const LIFTED: &[&str] = &["rc", "signal", "stdout", "stderr", "msg"];

/// One host's line in the summary.
struct Row {
    host: String,
    status: Status,
    rc: Option<i64>,
    ms: u64,
}

/// Prints an ad hoc run's events.
pub struct AdhocReporter {
    format: Format,
    style: Style,
    verbosity: u8,
    diff: bool,
    out: Box<dyn Write + Send>,
    err: Option<Box<dyn Write + Send>>,
    /// The task's module as written (from its start event).
    action: String,
    /// The play's hosts, in the pattern's order.
    order: Vec<String>,
    rows: Vec<Row>,
}

impl AdhocReporter {
    /// A reporter on stdout (warnings on stderr), coloured on a terminal unless `NO_COLOR`.
    /// `verbosity` = number of -v; `diff` = --diff given.
    pub fn new(format: Format, verbosity: u8, diff: bool) -> Self {
        let mut r = Self::to_writer(Box::new(std::io::stdout()), format, verbosity, diff);
        r.style = Style::detect();
        r.err = Some(Box::new(std::io::stderr()));
        r
    }

    /// A reporter writing everything (warnings too) into `out`, without colour (tests).
    pub fn to_writer(
        out: Box<dyn Write + Send>,
        format: Format,
        verbosity: u8,
        diff: bool,
    ) -> Self {
        AdhocReporter {
            format,
            style: Style::off(),
            verbosity,
            diff,
            out,
            err: None,
            action: String::new(),
            order: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn result(&mut self, r: &HostResult) {
        let ms = r.elapsed_ms;
        let rc = r.result.get("rc").and_then(Value::as_i64);
        self.rows.push(Row {
            host: r.host.clone(),
            status: r.status,
            rc,
            ms,
        });
        let text = match self.format {
            Format::Json => json_line(r, ms),
            Format::Human => {
                let mut text = String::new();
                if self.diff && !r.no_log {
                    for d in &r.diffs {
                        text.push_str(&diff::render(d, &self.style));
                    }
                }
                let view = line::View {
                    action: &self.action,
                    verbosity: self.verbosity,
                    style: &self.style,
                };
                text.push_str(&line::render(r, &view));
                text
            }
        };
        self.print(&text);
    }

    fn summary(&mut self, exit: Exit) -> String {
        let pos = |h: &str| self.order.iter().position(|o| o == h).unwrap_or(usize::MAX);
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|r| pos(&r.host));
        match self.format {
            Format::Json => {
                let hosts: Vec<Value> = rows
                    .iter()
                    .map(|r| json!({"host": r.host, "status": r.status, "rc": r.rc, "elapsed_ms": r.ms}))
                    .collect();
                format!(
                    "{}\n",
                    json!({"event": "summary", "hosts": hosts, "exit_code": exit.code()})
                )
            }
            Format::Human => {
                let width = rows.iter().map(|r| r.host.len()).max().unwrap_or(0);
                let mut text = String::from("\nSUMMARY\n");
                for r in rows {
                    let rc = r.rc.map_or("-".to_string(), |c| c.to_string());
                    let word = format!("{:<11}", line::label(r.status));
                    let word = line::paint(&self.style, r.status, &word);
                    let (h, ms) = (&r.host, r.ms);
                    text.push_str(&format!("{h:<width$}  {word}  rc={rc:<4} {ms} ms\n"));
                }
                text
            }
        }
    }

    fn print(&mut self, text: &str) {
        // A closed pipe (`| head`) must not stop the run: write errors are ignored.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    fn warn(&mut self, message: &str) {
        let text = self.style.magenta(&format!("[WARNING]: {message}\n"));
        let w = self.err.as_mut().unwrap_or(&mut self.out);
        let _ = w.write_all(text.as_bytes());
        let _ = w.flush();
    }
}

impl Reporter for AdhocReporter {
    fn on_event(&mut self, ev: &Event) {
        match ev {
            Event::PlayStart { hosts, .. } => self.order = hosts.clone(),
            Event::TaskStart { name, .. } => self.action = name.clone(),
            Event::HostResult(r) => self.result(r),
            Event::Warning { message } => self.warn(message),
            Event::LoopDone { .. }
            | Event::Async { .. }
            | Event::Included { .. }
            | Event::Retrying { .. }
            | Event::NoHostsRemaining
            | Event::Recap { .. } => {}
        }
    }

    fn on_tick(&mut self) {}

    fn on_end(&mut self, exit: Exit) {
        let text = self.summary(exit);
        self.print(&text);
    }
}

/// The JSON line of one result: host, status, time, the fields scripts read most at the top
/// level (as rsible's ad hoc JSON always had them), and the whole result.
fn json_line(r: &HostResult, ms: u64) -> String {
    let result: Map<String, Value> = r
        .result
        .iter()
        .filter(|(k, _)| !k.starts_with("_ansible"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut line = Map::new();
    line.insert("event".into(), json!("host_result"));
    line.insert("host".into(), json!(r.host));
    line.insert("status".into(), json!(r.status));
    line.insert("elapsed_ms".into(), json!(ms));
    for k in LIFTED {
        if let Some(v) = result.get(*k) {
            line.insert((*k).to_string(), v.clone());
        }
    }
    line.insert("result".into(), Value::Object(result));
    format!("{}\n", Value::Object(line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn host_result(host: &str, status: Status, fields: Value) -> Event {
        Event::HostResult(Box::new(HostResult {
            host: host.into(),
            delegated_to: None,
            status,
            item: None,
            ignored: false,
            result: fields.as_object().cloned().unwrap_or_default(),
            diffs: Vec::new(),
            no_log: false,
            verbosity: 0,
            show_result: false,
            elapsed_ms: 0,
        }))
    }

    fn run(format: Format, exit: Exit) -> String {
        let buf = Buf::default();
        let mut r = AdhocReporter::to_writer(Box::new(buf.clone()), format, 0, false);
        let events = [
            Event::PlayStart {
                name: "Ansible Ad-Hoc".into(),
                hosts: vec!["a".into(), "b".into()],
            },
            Event::TaskStart {
                name: "shell".into(),
                location: "(ad hoc):1:1".into(),
                handler: false,
            },
            Event::Warning {
                message: "careful".into(),
            },
            host_result(
                "b",
                Status::Failed,
                json!({"rc": 2, "stdout": "", "stderr": "x\n"}),
            ),
            host_result(
                "a",
                Status::Changed,
                json!({"rc": 0, "stdout": "hi\n", "_ansible_no_log": false}),
            ),
        ];
        for ev in &events {
            r.on_event(ev);
        }
        r.on_end(exit);
        let bytes = buf.0.lock().expect("buffer").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn human_lines_then_a_summary_in_the_patterns_order() {
        let text = run(Format::Human, Exit::HostFailed);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("[WARNING]: careful"));
        assert_eq!(lines.next(), Some("b | FAILED | rc=2 >>"));
        assert_eq!(lines.next(), Some("STDERR:"));
        assert_eq!(lines.next(), Some("x"));
        assert_eq!(lines.next(), Some("a | CHANGED | rc=0 >>"));
        assert_eq!(lines.next(), Some("hi"));
        assert_eq!(lines.next(), Some(""));
        assert_eq!(lines.next(), Some("SUMMARY"));
        assert!(lines
            .next()
            .unwrap_or("")
            .starts_with("a  CHANGED      rc=0 "));
        assert!(lines
            .next()
            .unwrap_or("")
            .starts_with("b  FAILED       rc=2 "));
    }

    #[test]
    fn json_lines_lift_the_command_fields_and_end_with_the_exit_code() {
        let text = run(Format::Json, Exit::HostFailed);
        let lines: Vec<Value> = text
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines[1]["host"], "a");
        assert_eq!(lines[1]["status"], "changed");
        assert_eq!(lines[1]["stdout"], "hi\n");
        assert_eq!(lines[1]["result"]["rc"], 0);
        assert!(lines[1]["result"].get("_ansible_no_log").is_none());
        assert_eq!(lines[2]["event"], "summary");
        assert_eq!(lines[2]["exit_code"], 2);
        assert_eq!(lines[2]["hosts"][0]["host"], "a");
    }
}
