//! `rsible report merge FILE...`: the events files of a sharded run read back and printed
//! as one PLAY RECAP, ending with the exit code the unsharded run would have had. What makes
//! the set incomplete is printed as an error and the exit is 1. Knows nothing of running.

use super::args::{ReportAction, ReportArgs};
use super::fail;
use crate::event::Event;
use crate::exit::Exit;
use crate::output::play::PlayReporter;
use crate::output::{Format, Reporter};
use crate::report::{self, merge};

/// Runs the subcommand.
pub fn run(a: ReportArgs) -> Exit {
    match a.action {
        ReportAction::Merge { files } => {
            let mut logs = Vec::new();
            for f in &files {
                match report::read(f) {
                    Ok(l) => logs.push(l),
                    Err(e) => return fail(Exit::Error, &e),
                }
            }
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
    }
}
