//! `--report FILE.html` and `rsible report html`: one self-contained HTML page (no script, no
//! network) from a run's events, or from the event files of a sharded run's shards: the
//! recap, every failure with its message and location, the slowest tasks, a timeline per
//! host (each task a bar from its start to its end, coloured by status) and the diffs of
//! what changed. Reads only events (as the JSON lines `--events` writes); knows nothing of
//! how tasks ran.

mod page;

use crate::event::Diff;
use crate::report::merge::Merged;
use crate::report::EventLog;
use serde_json::Value;

/// One task's result on one host, placed in time.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The host.
    pub host: String,
    /// The task's shown name.
    pub task: String,
    /// Where the task is written.
    pub location: String,
    /// `ok`, `changed`, `skipped`, `failed`, `unreachable`.
    pub status: String,
    /// The failure was ignored.
    pub ignored: bool,
    /// Seconds from the run's start.
    pub start: f64,
    /// Seconds it took.
    pub secs: f64,
    /// The failure's message, or empty.
    pub msg: String,
    /// Its diffs.
    pub diffs: Vec<Diff>,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// The merged recap and exit code.
    pub merged: Merged,
    /// Every result, in the order reported.
    pub bars: Vec<Bar>,
    /// Each task start: name, location, seconds it took (to the next start or the recap).
    pub tasks: Vec<(String, String, f64)>,
    /// The longest run's wall time.
    pub total: f64,
}

/// The page for `logs` (one run, or the shards of one).
pub fn render(logs: &[EventLog]) -> String {
    page::html(&collect(logs))
}

/// What the page shows, read from the events.
pub fn collect(logs: &[EventLog]) -> Report {
    let mut bars = Vec::new();
    let mut tasks = Vec::new();
    let mut total: f64 = 0.0;
    for log in logs {
        let mut current: Option<(String, String, f64)> = None;
        for ev in &log.events {
            let time = ev.get("time").and_then(Value::as_f64).unwrap_or(0.0);
            total = total.max(time);
            match ev.get("event").and_then(Value::as_str) {
                Some("task_start") => {
                    if let Some((n, l, t)) = current.take() {
                        tasks.push((n, l, time - t));
                    }
                    current = Some((text(ev, "name"), text(ev, "location"), time));
                }
                Some("host_result") => {
                    let (task, location) = current
                        .as_ref()
                        .map(|(n, l, _)| (n.clone(), l.clone()))
                        .unwrap_or_default();
                    bars.push(bar(ev, task, location, time));
                }
                Some("recap") => {
                    if let Some((n, l, t)) = current.take() {
                        tasks.push((n, l, time - t));
                    }
                }
                _ => {}
            }
        }
    }
    tasks.sort_by(|a, b| b.2.total_cmp(&a.2));
    Report {
        merged: crate::report::merge::merge(logs),
        bars,
        tasks,
        total,
    }
}

/// One `host_result` event as a bar.
fn bar(ev: &Value, task: String, location: String, time: f64) -> Bar {
    let secs = ev.get("elapsed_ms").and_then(Value::as_f64).unwrap_or(0.0) / 1000.0;
    let result = ev.get("result").cloned().unwrap_or(Value::Null);
    let msg = ["msg", "stderr"]
        .iter()
        .find_map(|k| {
            result
                .get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_default()
        .to_string();
    let diffs = ev
        .get("diffs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| Diff {
            before_header: text(d, "before_header"),
            after_header: text(d, "after_header"),
            before: text(d, "before"),
            after: text(d, "after"),
        })
        .collect();
    Bar {
        host: text(ev, "host"),
        task,
        location,
        status: text(ev, "status"),
        ignored: ev.get("ignored").and_then(Value::as_bool).unwrap_or(false),
        start: (time - secs).max(0.0),
        secs,
        msg,
        diffs,
    }
}

/// A string field, or empty.
fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests;
