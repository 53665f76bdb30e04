//! rsible: agentless configuration management over SSH.
//!
//! One pipeline: `rsible play` loads playbooks and `rsible run` (ad hoc) builds a one-task
//! play, both checked before any host is contacted; the engine runs plays and sends events;
//! a reporter prints them; one rule turns the recap into the exit code.
//!
//! # Layout
//! - `cli`: clap definitions and the subcommands; the only place that exits.
//! - `collections`: Ansible collections on the controller: their roots, roles, playbooks and
//!   modules (redirects followed).
//! - `config`: `ansible.cfg`, `rsible.toml` and the environment variables that give flags their
//!   defaults.
//! - `inventory`: hosts, groups, their variables and host patterns; never touches the network.
//! - `playbook`: playbooks, task files and roles loaded into a typed model and validated;
//!   the ad hoc play of `rsible run`.
//! - `engine`: runs plays (batches, strategies, loops, handlers, blocks, includes, become)
//!   and sends [`event::Event`]s; never prints.
//! - `event`: what a run reports, as plain data shared by the engine and the reporters.
//! - `output`: reporters, the only code that prints results; they read only events.
//! - `exit`: exit codes and [`exit::of_run`], the one rule from a run's recap to its code.
//! - `connection`: the `Connection` trait with `ssh` (russh) and `local` implementations, a
//!   host's connection plan from its `ansible_*` variables, POSIX quoting and become
//!   wrapping; knows nothing of inventories, playbooks or modules.
//! - `modules`: the verbs a task calls on a target (`command`, `copy`, `apt`, ...), each
//!   with its argument spec in one registry.
//! - `facts`: the POSIX sh fact-gathering program and its parser.
//! - `template`: Ansible's Jinja layer (minijinja): variables, task arguments, conditions.
//! - `shard`: one of N disjoint slices of the inventory (`--shard K/N`) and what a playbook
//!   may not do when sharded; `report`: event files of runs and shards, merged.
//! - `vault`, `secret`: ansible-vault files and values; secrets kept out of output.

pub mod calendar;
pub mod cli;
pub mod collections;
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
pub mod random;
pub mod report;
pub mod secret;
pub mod shard;
pub mod template;
pub mod vault;
mod yaml_node;
