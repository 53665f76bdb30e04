//! Modules: the verbs a task calls on a target. Each takes its typed arguments (Ansible's
//! names) and a [`Ctx`] holding the host's connection, and returns an [`Output`] with the
//! fields a user can `register`. A module runs one remote program per task in the usual case.
//! Modules know nothing of playbooks, variables or scheduling: arguments arrive templated.
//!
//! Controller-side actions that change the engine's own state (`set_fact`, `debug`, `meta`,
//! ...) are not here: they live in the engine.

pub mod actions;
pub mod cluster;
pub mod commands;
pub mod files;
pub mod framework;
pub mod packages;
pub mod registry;
pub mod services;
pub mod system;

pub use framework::ctx::{env_prefix, Ctx, Reconnect};
pub use framework::output::{Failure, Output};
