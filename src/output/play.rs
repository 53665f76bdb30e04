//! Output of `rsible play`: turns the engine's events into ansible-playbook's familiar text
//! (headers, one line per host, PLAY RECAP), made easier to read (stdout and stderr as
//! blocks, not escaped JSON), or into JSON lines. On a terminal a progress line shows the
//! running task. Knows nothing of how tasks run: it sees only `Event`s.
//!
//! What each `-v` adds (human format):
//! - none: status lines; failures with `rc=`, `MSG:`, `STDOUT:`, `STDERR:`; `debug` output.
//! - `-v`: the same details for ok/changed/skipped results, and the remaining result fields
//!   as one JSON line (bookkeeping keys such as `changed`, `item`, `invocation` left out).
//! - `-vv`: the remaining fields as indented JSON.
//! - `-vvv`: bookkeeping keys too (never `_ansible_*`).
//!
//! A typical caller drains the engine's channel and redraws the clock between events:
//! ```ignore
//! let mut tick = tokio::time::interval(PlayReporter::TICK);
//! loop {
//!     tokio::select! {
//!         ev = rx.recv() => match ev { Some(ev) => reporter.handle(&ev), None => break },
//!         _ = tick.tick() => reporter.tick(),
//!     }
//! }
//! reporter.finish();
//! ```

mod banner;
pub(super) mod diff;
mod fields;
mod host;
mod json;
pub(crate) use banner::banner;
pub(in crate::output) use diff::render as diff_text;
pub(crate) use json::{line as json_line, value as json_value};
mod progress;
#[cfg(test)]
mod tests;

use super::style::Style;
use super::{Format, Reporter};
use crate::event::{AsyncPhase, Event, Status};
use crate::exit::Exit;
use progress::Progress;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Erases the terminal line the cursor is on.
const ERASE: &str = "\r\x1b[2K";

/// Prints a playbook run's events as they arrive.
pub struct PlayReporter {
    format: Format,
    view: host::View,
    check: bool,
    out: Box<dyn Write + Send>,
    /// Where warnings go; `None`: into `out` (tests).
    err: Option<Box<dyn Write + Send>>,
    /// The progress line's counts; `None` when it is never drawn.
    progress: Option<Progress>,
    /// The progress line is on the screen now.
    drawn: bool,
    started: Instant,
}

impl PlayReporter {
    /// How often a caller should call [`PlayReporter::tick`] while waiting for events.
    pub const TICK: Duration = Duration::from_millis(200);

    /// A reporter on stdout (warnings and the progress line on stderr). `verbosity` = number
    /// of -v; `diff` = --diff given; `check` = --check given. Colour only when stdout is a
    /// terminal and `NO_COLOR` is unset; progress only when stderr is a terminal and the
    /// format is human.
    pub fn new(format: Format, verbosity: u8, diff: bool, check: bool) -> PlayReporter {
        let live = format == Format::Human && std::io::stderr().is_terminal();
        let mut r = Self::build(
            Box::new(std::io::stdout()),
            Some(Box::new(std::io::stderr())),
            format,
            (verbosity, diff, check),
            Style::detect(),
        );
        r.progress = live.then(Progress::default);
        r
    }

    /// A reporter writing into any `Write` (tests), with colour and progress forced off.
    /// Warnings go into the same writer.
    pub fn to_writer(
        w: Box<dyn Write + Send>,
        format: Format,
        verbosity: u8,
        diff: bool,
        check: bool,
    ) -> PlayReporter {
        Self::build(w, None, format, (verbosity, diff, check), Style::off())
    }

    fn build(
        out: Box<dyn Write + Send>,
        err: Option<Box<dyn Write + Send>>,
        format: Format,
        (verbosity, diff, check): (u8, bool, bool),
        style: Style,
    ) -> PlayReporter {
        PlayReporter {
            format,
            view: host::View {
                verbosity,
                diff,
                style,
            },
            check,
            out,
            err,
            progress: None,
            drawn: false,
            started: Instant::now(),
        }
    }

    /// Prints one event.
    pub fn handle(&mut self, ev: &Event) {
        if self.format == Format::Json {
            let line = json::line(ev, self.started.elapsed().as_secs_f64());
            self.print(&line);
            return;
        }
        self.count(ev);
        match ev {
            Event::PlayStart { name, .. } => {
                let mark = if self.check { " [CHECK MODE]" } else { "" };
                self.print(&banner::banner(&format!("PLAY [{name}]{mark}")));
            }
            Event::TaskStart { name, handler, .. } => {
                let kind = if *handler { "RUNNING HANDLER" } else { "TASK" };
                self.print(&banner::banner(&format!("{kind} [{name}]")));
            }
            Event::HostResult(r) => self.print(&host::render(r, &self.view)),
            // Ansible closes a loop whose every item was skipped with the host's own line.
            Event::LoopDone {
                host,
                status: Status::Skipped,
            } => {
                let text = self.view.style.cyan(&format!("skipping: [{host}]\n"));
                self.print(&text);
            }
            Event::LoopDone { .. } => {}
            Event::Included { file, hosts, item } => {
                let mut text = format!("included: {file} for {}", hosts.join(", "));
                if let Some(i) = item {
                    text.push_str(&format!(" => (item={i})"));
                }
                text.push('\n');
                let text = self.view.style.cyan(&text);
                self.print(&text);
            }
            Event::Retrying {
                host,
                task,
                retries_left,
            } => {
                // ansible-playbook's line, word for word.
                let text =
                    format!("FAILED - RETRYING: [{host}]: {task} ({retries_left} retries left).\n");
                self.print(&text);
            }
            Event::Async { host, jid, phase } => {
                // ansible-playbook's lines, word for word.
                let text = match phase {
                    AsyncPhase::Poll { started, finished } => format!(
                        "ASYNC POLL on {host}: jid={jid} started={} finished={}\n",
                        py_bool(*started),
                        py_bool(*finished)
                    ),
                    AsyncPhase::Ok => format!("ASYNC OK on {host}: jid={jid}\n"),
                    AsyncPhase::Failed => format!("ASYNC FAILED on {host}: jid={jid}\n"),
                };
                let text = self.view.style.dark_gray(&text);
                self.print(&text);
            }
            Event::NoHostsRemaining => self.print(&banner::banner("NO MORE HOSTS LEFT")),
            Event::Warning { message } => {
                let text = format!("[WARNING]: {message}\n");
                let text = self.view.style.magenta(&text);
                self.warn(&text);
            }
            Event::Recap {
                stats,
                elapsed_secs,
            } => {
                let mut text = banner::banner("PLAY RECAP");
                for (host, s) in stats {
                    text.push_str(&banner::recap_line(host, s, &self.view.style));
                }
                text.push_str(&format!("\nTotal time: {elapsed_secs:.2}s\n"));
                self.print(&text);
            }
        }
        self.tick();
    }

    /// Redraws the progress line (its clock moves); does nothing when it is not shown.
    pub fn tick(&mut self) {
        let Some(line) = self.progress.as_ref().and_then(|p| p.line(Instant::now())) else {
            return;
        };
        let _ = self.out.flush();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{ERASE}{line}");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the progress line; call at the end.
    pub fn finish(&mut self) {
        if let Some(p) = &mut self.progress {
            p.idle();
        }
        self.erase();
        let _ = self.out.flush();
    }

    /// Feeds the progress counts.
    fn count(&mut self, ev: &Event) {
        let Some(p) = &mut self.progress else {
            return;
        };
        match ev {
            Event::PlayStart { hosts, .. } => p.play(hosts),
            Event::TaskStart { .. } => p.task(Instant::now()),
            Event::HostResult(r) => p.result(r),
            Event::LoopDone { .. } => p.host_done(),
            Event::Included { hosts, .. } => hosts.iter().for_each(|_| p.host_done()),
            Event::NoHostsRemaining | Event::Recap { .. } => p.idle(),
            Event::Warning { .. } | Event::Retrying { .. } | Event::Async { .. } => {}
        }
    }

    fn erase(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{ERASE}");
            let _ = err.flush();
            self.drawn = false;
        }
    }

    fn print(&mut self, text: &str) {
        self.erase();
        // A closed pipe (`| head`) must not stop the run: write errors are ignored.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    fn warn(&mut self, text: &str) {
        self.erase();
        let w = self.err.as_mut().unwrap_or(&mut self.out);
        let _ = w.write_all(text.as_bytes());
        let _ = w.flush();
    }
}

impl Reporter for PlayReporter {
    fn on_event(&mut self, ev: &Event) {
        self.handle(ev);
    }

    fn on_tick(&mut self) {
        self.tick();
    }

    fn on_end(&mut self, _exit: Exit) {
        self.finish();
    }
}

/// A boolean as Python prints it.
fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
