//! The module framework: what every module is written against. Typed argument reading with
//! Ansible's coercions ([`args`]) and the one atomic file writer ([`write`]). Knows nothing of
//! any one module.

pub mod args;
pub mod ctx;
pub mod load_check;
pub mod local_src;
pub mod mode;
pub mod output;
pub mod probe;
pub mod spec;
pub mod write;
