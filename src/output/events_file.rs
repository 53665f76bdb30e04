//! `--events FILE`: the run's events as JSON lines in a file (the lines `--format json`
//! prints), while another reporter shows the run as usual. The file ends with an `end` line
//! holding the exit code and the shard, which is what `rsible report` needs to merge shards;
//! a file without it is a run that did not finish. Each line is flushed as it is written, so
//! an interrupted or killed run leaves every event it reported. Knows nothing of terminals.

use super::play::json_line;
use super::Reporter;
use crate::event::Event;
use crate::exit::Exit;
use crate::shard::Shard;
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// A reporter that writes every event to a file and hands it on to `inner`.
pub struct EventsFile<'a> {
    inner: &'a mut dyn Reporter,
    out: BufWriter<File>,
    start: Instant,
    shard: Option<Shard>,
    /// The first write error: reported once, then the file is left alone (the run goes on).
    broken: bool,
}

impl<'a> EventsFile<'a> {
    /// Creates (or truncates) `path`.
    pub fn create(
        path: &Path,
        inner: &'a mut dyn Reporter,
        shard: Option<Shard>,
    ) -> std::io::Result<EventsFile<'a>> {
        Ok(EventsFile {
            inner,
            out: BufWriter::new(File::create(path)?),
            start: Instant::now(),
            shard,
            broken: false,
        })
    }

    /// Writes one line and flushes it; the first failure is warned about once.
    fn write(&mut self, line: &str) {
        if self.broken {
            return;
        }
        if let Err(e) = self
            .out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.flush())
        {
            self.broken = true;
            eprintln!("[WARNING]: --events: writing the events file failed: {e}");
        }
    }
}

impl Reporter for EventsFile<'_> {
    fn on_event(&mut self, ev: &Event) {
        let line = json_line(ev, self.start.elapsed().as_secs_f64());
        self.write(&line);
        self.inner.on_event(ev);
    }

    fn on_tick(&mut self) {
        self.inner.on_tick();
    }

    fn on_end(&mut self, exit: Exit) {
        let end = json!({
            "event": "end",
            "exit": exit.code(),
            "shard": self.shard.map(|s| s.to_string()),
            "time": (self.start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        });
        self.write(&format!("{end}\n"));
        self.inner.on_end(exit);
    }
}
