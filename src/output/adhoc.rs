//! Output of `rsible run`: each host's result as it arrives (status, rc, stdout, then stderr
//! kept apart), then a summary with one line per host in inventory order, or the same as JSON
//! lines. Knows nothing of how the results were obtained.

use super::style::Style;
use super::Format;
use crate::connection::ExitStatus;
use crate::exit::Exit;
use crate::runner::adhoc::{HostResult, Outcome};
use serde_json::json;
use std::io::Write;

/// Collects and prints ad-hoc results.
pub struct AdhocReporter {
    format: Format,
    style: Style,
    results: Vec<(String, &'static str, Option<i32>, u128)>,
}

impl AdhocReporter {
    /// A reporter writing to stdout in `format`.
    pub fn new(format: Format) -> Self {
        AdhocReporter {
            format,
            style: Style::detect(),
            results: Vec::new(),
        }
    }

    /// Prints one host's result.
    pub fn host(&mut self, r: &HostResult) {
        let (status, rc) = match &r.outcome {
            Outcome::Ran(out) if out.status == ExitStatus::Code(0) => ("CHANGED", Some(0)),
            Outcome::Ran(out) => ("FAILED", Some(out.status.rc())),
            Outcome::Failed(_) => ("FAILED", None),
            Outcome::Unreachable(_) => ("UNREACHABLE", None),
        };
        let ms = r.elapsed.as_millis();
        self.results.push((r.host.clone(), status, rc, ms));
        let text = match self.format {
            Format::Json => json_line(r, status, ms),
            Format::Human => self.human(r, status),
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn human(&self, r: &HostResult, status: &str) -> String {
        let paint = |s: &str| match status {
            "CHANGED" => self.style.yellow(s),
            _ => self.style.red(s),
        };
        match &r.outcome {
            Outcome::Ran(out) => {
                let signal = match &out.status {
                    ExitStatus::Signal(s) => format!(" (killed by SIG{s})"),
                    ExitStatus::Code(_) => String::new(),
                };
                let mut s = paint(&format!(
                    "{} | {status} | rc={}{signal} >>",
                    r.host,
                    out.status.rc()
                ));
                s.push('\n');
                s.push_str(&String::from_utf8_lossy(&out.stdout));
                if !out.stdout.is_empty() && !out.stdout.ends_with(b"\n") {
                    s.push('\n');
                }
                if !out.stderr.is_empty() {
                    s.push_str(&paint("STDERR:"));
                    s.push('\n');
                    s.push_str(&String::from_utf8_lossy(&out.stderr));
                    if !out.stderr.ends_with(b"\n") {
                        s.push('\n');
                    }
                }
                s
            }
            Outcome::Failed(msg) | Outcome::Unreachable(msg) => {
                let bang = if status == "UNREACHABLE" { "!" } else { "" };
                format!(
                    "{}\n",
                    paint(&format!("{} | {status}{bang} => {msg}", r.host))
                )
            }
        }
    }

    /// Prints the summary in `order` (inventory order) and returns the exit code.
    pub fn finish(&mut self, order: &[String]) -> Exit {
        // A host task that died without a result must not let the run look successful.
        for h in order {
            if !self.results.iter().any(|r| &r.0 == h) {
                self.results.push((h.clone(), "FAILED", None, 0));
            }
        }
        let pos = |h: &str| order.iter().position(|o| o == h).unwrap_or(usize::MAX);
        self.results.sort_by_key(|(h, ..)| pos(h));
        let exit = if self.results.iter().any(|r| r.1 == "UNREACHABLE") {
            Exit::Unreachable
        } else if self.results.iter().any(|r| r.1 == "FAILED") {
            Exit::HostFailed
        } else {
            Exit::Ok
        };
        let mut text = String::new();
        match self.format {
            Format::Json => {
                let hosts: Vec<_> = self
                    .results
                    .iter()
                    .map(|(h, s, rc, ms)| json!({"host": h, "status": s.to_lowercase(), "rc": rc, "elapsed_ms": ms}))
                    .collect();
                text = json!({"event": "summary", "hosts": hosts, "exit_code": exit.code()})
                    .to_string();
                text.push('\n');
            }
            Format::Human => {
                let width = self.results.iter().map(|r| r.0.len()).max().unwrap_or(0);
                text.push_str("\nSUMMARY\n");
                for (h, s, rc, ms) in &self.results {
                    let rc = rc.map_or("-".to_string(), |c| c.to_string());
                    let s = match *s {
                        "CHANGED" => self.style.yellow(&format!("{s:<11}")),
                        _ => self.style.red(&format!("{s:<11}")),
                    };
                    text.push_str(&format!("{h:<width$}  {s}  rc={rc:<4} {ms} ms\n"));
                }
            }
        }
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
        exit
    }
}

fn json_line(r: &HostResult, status: &str, ms: u128) -> String {
    let v = match &r.outcome {
        Outcome::Ran(out) => json!({
            "event": "host_result",
            "host": r.host,
            "status": status.to_lowercase(),
            "rc": out.status.rc(),
            "signal": match &out.status { ExitStatus::Signal(s) => Some(s.as_str()), _ => None },
            "stdout": String::from_utf8_lossy(&out.stdout),
            "stderr": String::from_utf8_lossy(&out.stderr),
            "elapsed_ms": ms,
        }),
        Outcome::Failed(msg) | Outcome::Unreachable(msg) => json!({
            "event": "host_result",
            "host": r.host,
            "status": status.to_lowercase(),
            "msg": msg,
            "elapsed_ms": ms,
        }),
    };
    format!("{v}\n")
}
