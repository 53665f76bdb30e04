//! Connections to targets (being written).
pub mod ssh;
