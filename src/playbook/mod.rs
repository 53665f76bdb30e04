//! Playbooks: loading YAML playbooks, task files and roles into a typed model that keeps
//! every task's file, line and column, and validating them (unknown keywords and modules,
//! tasks with two modules or none) before anything runs. Never contacts a host and knows
//! nothing of inventories or connections.
//!
//! # Layout
//! - `model`, `location`: the data.
//! - `yaml`: located YAML nodes; `load`: playbook files and plays; `task`: one task;
//!   `roles`: `roles:` and dependencies; `free_form`: `k=v` strings.
//! - `registry`: known module names; `validate`: keyword tables; `diagnostic`: errors.
//! - `list`: `--list-tasks`/`--list-tags` text.

pub mod diagnostic;
pub mod free_form;
pub mod list;
mod load;
pub mod location;
pub mod model;
pub mod registry;
mod roles;
mod task;
pub mod validate;
mod yaml;

#[cfg(test)]
mod tests;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use load::load;
pub use location::Location;
pub use model::{Play, Playbook, Role, Task};
