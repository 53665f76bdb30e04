//! What the command family shares: the program a `command` or `shell` task runs ([`program`]),
//! the `creates`/`removes` checks in front of it ([`guards`]) and the registered fields of a
//! finished program ([`result`]). One home for each: the modules and the background jobs of
//! this family take them from here. Knows nothing of any one module's arguments.

pub mod guards;
pub mod program;
pub mod result;
