//! Modules: the verbs a task calls on a target, in families (`commands`, `files`,
//! `packages`, `services`, `system`, `cluster`), each module one file declaring its spec
//! (name, collection, aliases, typed `Args`, entry point; see [`framework::spec`]) and each
//! family listing its specs for the [`registry`], which the playbook loader asks to check
//! every task's arguments and the engine asks to run them. A module talks to the target only
//! through the [`framework`]'s probe, apply and gated doors, so check mode is decided in one
//! place; it returns an [`Output`] with the fields a user can `register`. Modules share code
//! only through their family's `common` or the framework; a module that needs another
//! family's work runs it through the registry. [`actions`] holds the typed arguments of the
//! actions the engine runs itself (`set_fact`, `debug`, `template`, ...).
//!
//! Knows nothing of playbooks, variables, scheduling or reporting: arguments arrive templated
//! and results leave as data.

pub mod actions;
pub mod cluster;
pub mod commands;
pub mod files;
pub mod framework;
pub mod packages;
pub mod python;
pub mod registry;
pub mod services;
pub mod system;

pub use framework::ctx::{env_prefix, Ctx, Reconnect};
pub use framework::output::{Failure, Output};
