//! Fact gathering: `script` builds ONE POSIX sh program per host (no Python, nothing written
//! on the target) that dumps raw system data; `parse` turns its stdout into Ansible's
//! `ansible_facts` map. Neither runs anything: the engine sends the script with
//! `conn.exec` and hands the stdout back. Knows nothing of connections or the engine.
//!
//! # Layout
//! - `subset`: `gather_subset` resolved to collectors, with Ansible's `min`/`!all` rules.
//! - `script`: the sh program and its framing (nonce-marked sections, one `grep -H` pass).
//! - `raw`: the framing undone; `collect/*`: one file per Ansible collector; `parse`: glue.

mod collect;
mod parse;
mod raw;
mod script;
mod subset;

#[cfg(test)]
mod tests;

pub use parse::parse;
pub use script::script;
pub use subset::{Collector, Subset};

/// Why facts could not be gathered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    /// A `gather_subset` value that is not a known subset or not a string.
    #[error("{0}")]
    Subset(String),
    /// Output that is not the fact script's, or was cut short.
    #[error("fact gathering: {0}")]
    Output(String),
}
