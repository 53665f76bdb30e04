//! Reporters: the only code that writes results to the terminal. Each consumes the engine's
//! [`Event`]s and nothing else (no connections, modules or scheduling): `play` prints
//! ansible-playbook's text for `rsible play`, `adhoc` prints the `ansible` binary's lines for
//! `rsible run`; both can print JSON lines instead. The exit code is not theirs to decide
//! (see [`crate::exit::of_run`]): they are told it at the end.

pub mod adhoc;
pub mod events_file;
pub mod html;
pub mod play;
pub mod profile;
pub mod report_file;
pub mod style;

use crate::event::Event;
use crate::exit::Exit;

/// The output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text, coloured on a terminal.
    Human,
    /// One JSON object per line.
    Json,
}

/// What the command line drives while the engine runs: events as they arrive, a clock tick
/// between them, and the end of the run with its exit code.
pub trait Reporter {
    /// Prints one event.
    fn on_event(&mut self, ev: &Event);
    /// Called every [`play::PlayReporter::TICK`] while no event arrives (a progress line's
    /// clock).
    fn on_tick(&mut self);
    /// The run ended with `exit`: print what comes last.
    fn on_end(&mut self, exit: Exit);
}
