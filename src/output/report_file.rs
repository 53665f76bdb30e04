//! `--report FILE.html`: keeps the run's events and, when the run ends (a first Ctrl-C
//! included: the run still reaches its end), writes the HTML report of them to FILE (a temp
//! file beside it, then a rename), while another reporter shows the run as usual. Knows
//! nothing of terminals.

use super::html;
use super::play::json_value;
use super::Reporter;
use crate::event::Event;
use crate::exit::Exit;
use crate::report::EventLog;
use crate::shard::Shard;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Instant;

/// A reporter that keeps every event for the HTML report and hands it on to `inner`.
pub struct ReportFile<'a> {
    inner: &'a mut dyn Reporter,
    path: PathBuf,
    start: Instant,
    shard: Option<Shard>,
    events: Vec<Value>,
}

impl<'a> ReportFile<'a> {
    /// Writes the report to `path` when the run ends.
    pub fn new(path: PathBuf, inner: &'a mut dyn Reporter, shard: Option<Shard>) -> ReportFile<'a> {
        ReportFile {
            inner,
            path,
            start: Instant::now(),
            shard,
            events: Vec::new(),
        }
    }

    /// The events as one run's log.
    fn log(&self, exit: Exit) -> EventLog {
        let recap = self
            .events
            .iter()
            .rev()
            .find(|e| e.get("event").and_then(Value::as_str) == Some("recap"));
        EventLog {
            path: self.path.clone(),
            events: self.events.clone(),
            stats: recap.and_then(|r| serde_json::from_value(r.get("stats")?.clone()).ok()),
            elapsed_secs: recap
                .and_then(|r| r.get("elapsed_secs")?.as_f64())
                .unwrap_or_default(),
            exit: Some(exit.code()),
            shard: self.shard.map(|s| s.to_string()),
        }
    }

    /// Writes the page beside `path`, then renames it into place.
    fn write(&self, page: &str) -> std::io::Result<()> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = self
            .path
            .with_file_name(format!(".{name}.rsible-{}", std::process::id()));
        std::fs::write(&tmp, page)?;
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

impl Reporter for ReportFile<'_> {
    fn on_event(&mut self, ev: &Event) {
        self.events
            .push(json_value(ev, self.start.elapsed().as_secs_f64()));
        self.inner.on_event(ev);
    }

    fn on_tick(&mut self) {
        self.inner.on_tick();
    }

    fn on_end(&mut self, exit: Exit) {
        self.inner.on_end(exit);
        let page = html::render(&[self.log(exit)]);
        if let Err(e) = self.write(&page) {
            eprintln!(
                "[WARNING]: --report: writing {} failed: {e}",
                self.path.display()
            );
        }
    }
}
