//! Runs work on many hosts at once: resolves each host's connection plan, connects to every
//! host concurrently (bounded by `forks`), runs the command and emits one event per host.
//! Knows nothing of terminal output; reporters consume its events.

pub mod adhoc;
pub mod connect;
pub mod target;
