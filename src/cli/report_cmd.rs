//! `rsible report merge FILE...`: the events files of a sharded run read back and printed
//! as one PLAY RECAP, ending with the exit code the unsharded run would have had (what makes
//! the set incomplete is printed as an error and the exit is 1); `rsible report html FILE...`:
//! the same files as one HTML page. Knows nothing of running.

use super::args::{ReportAction, ReportArgs};
use super::fail;
use crate::event::Event;
use crate::exit::Exit;
use crate::output::html;
use crate::output::play::PlayReporter;
use crate::output::{Format, Reporter};
use crate::report::{self, merge};
use std::path::PathBuf;

/// Runs the subcommand.
pub fn run(a: ReportArgs) -> Exit {
    match a.action {
        ReportAction::Merge { files } => {
            let logs = match read_all(&files) {
                Ok(l) => l,
                Err(e) => return e,
            };
            let m = merge::merge(&logs);
            let mut out = PlayReporter::new(Format::Human, 0, false, false);
            out.on_event(&Event::Recap {
                stats: m.stats,
                elapsed_secs: m.elapsed_secs,
            });
            out.on_end(m.exit);
            for p in &m.problems {
                super::out::errln(&format!("ERROR! {p}"));
            }
            m.exit
        }
        ReportAction::Html { files, output } => {
            let logs = match read_all(&files) {
                Ok(l) => l,
                Err(e) => return e,
            };
            if let Err(e) = std::fs::write(&output, html::render(&logs)) {
                return fail(Exit::Error, &format!("{}: {e}", output.display()));
            }
            for p in merge::merge(&logs).problems {
                super::out::errln(&format!("[WARNING]: {p}"));
            }
            Exit::Ok
        }
    }
}

/// Reads every events file; the first unreadable one ends the command.
fn read_all(files: &[PathBuf]) -> Result<Vec<report::EventLog>, Exit> {
    files
        .iter()
        .map(|f| report::read(f).map_err(|e| fail(Exit::Error, &e)))
        .collect()
}
