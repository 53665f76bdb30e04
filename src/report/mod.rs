//! What `--events FILE` wrote, read back: one run's (or one shard's) events, its recap and
//! how it ended, and the shards of one run merged into the recap and exit code the run would
//! have had unsharded ([`merge`]). Knows nothing of how runs happen or how text is printed.

pub mod merge;

use crate::event::Stats;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One events file.
#[derive(Debug, Clone)]
pub struct EventLog {
    /// Where it was read from.
    pub path: PathBuf,
    /// Every event line, in order (the `end` line too).
    pub events: Vec<Value>,
    /// The recap's counts per host, when the run reached its recap.
    pub stats: Option<IndexMap<String, Stats>>,
    /// The recap's wall time.
    pub elapsed_secs: f64,
    /// The exit code of the `end` line; `None`: the run did not finish.
    pub exit: Option<u8>,
    /// The shard (`K/N`) the run was, from the `end` line.
    pub shard: Option<String>,
}

/// Reads `path`; a line that is not a JSON object fails with its line number.
pub fn read(path: &Path) -> Result<EventLog, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut log = EventLog {
        path: path.to_path_buf(),
        events: Vec::new(),
        stats: None,
        elapsed_secs: 0.0,
        exit: None,
        shard: None,
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| {
            format!(
                "{}:{}: not an rsible events line ({why}); hint: write the file with `rsible play --events FILE`",
                path.display(),
                i + 1
            )
        };
        let v: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        match v.get("event").and_then(Value::as_str) {
            Some("recap") => {
                let stats = v.get("stats").cloned().unwrap_or(Value::Null);
                log.stats = Some(serde_json::from_value(stats).map_err(|e| bad(e.to_string()))?);
                log.elapsed_secs = v.get("elapsed_secs").and_then(Value::as_f64).unwrap_or(0.0);
            }
            Some("end") => {
                let code = v.get("exit").and_then(Value::as_u64);
                log.exit = Some(
                    code.and_then(|c| u8::try_from(c).ok())
                        .ok_or_else(|| bad("an end line without its exit code".into()))?,
                );
                log.shard = v.get("shard").and_then(Value::as_str).map(str::to_string);
            }
            Some(_) => {}
            None => return Err(bad("no \"event\" key".into())),
        }
        log.events.push(v);
    }
    Ok(log)
}
