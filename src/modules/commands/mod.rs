//! The command family: modules that run the user's own programs (`command`, `shell`, `raw`,
//! `script`), background jobs (`async_status` and the job supervisor) and `ping`. What they
//! share lives in [`common`]. Knows nothing of playbooks or scheduling.

mod argv_expand;
pub mod async_job;
pub mod async_status;
pub mod command;
pub mod common;
pub mod ping;
pub mod raw;
pub mod script;
pub mod shell;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    command::SPEC,
    shell::SPEC,
    raw::SPEC,
    async_status::SPEC,
    ping::SPEC,
    script::SPEC,
];
