//! (being written).
