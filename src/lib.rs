//! rsible: agentless configuration management over SSH.
//!
//! # Layout
//! - `cli`: clap definitions and the subcommands; the only place that knows about exit codes.
//! - `config`: `rsible.toml` and the environment variables that give flags their defaults.
//! - `inventory`: hosts, groups, their variables and host patterns; never touches the network.
//! - `connection`: the `Connection` trait with `ssh` (russh) and `local` implementations,
//!   POSIX quoting and become wrapping; knows nothing of inventories or modules.
//! - `runner`: connection plans and ad-hoc runs of one command on many hosts.
//! - `engine`: runs playbooks: plays, batches, strategies, loops, handlers, blocks.
//! - `modules`: the verbs a task calls on a target (`command`, `shell`, `raw`, ...).
//! - `facts`: the POSIX sh fact-gathering program and its parser.
//! - `output`: turns events into terminal text; the only code that prints results.
//! - `template`: Ansible's Jinja layer (minijinja): variables, task arguments, conditions.

pub mod cli;
pub mod config;
pub mod connection;
pub mod engine;
pub mod env_vars;
pub mod event;
pub mod exit;
pub mod facts;
pub mod interrupt;
pub mod inventory;
pub mod modules;
pub mod output;
pub mod playbook;
pub mod pyregex;
pub mod runner;
pub mod secret;
pub mod template;
pub mod vault;
mod yaml_node;
