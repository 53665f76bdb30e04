//! Reporters: the only code that writes results to the terminal. They receive events and
//! know nothing of connections or scheduling.

pub mod adhoc;
pub mod play;
pub mod style;

/// The output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text, coloured on a terminal.
    Human,
    /// One JSON object per line.
    Json,
}
