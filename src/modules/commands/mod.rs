//! The command family: modules that run the user's own programs (`command`, `shell`, `raw`,
//! `script`), background jobs (`async_status` and the job supervisor) and `ping`. Knows
//! nothing of playbooks or scheduling.

mod argv_expand;
pub mod async_job;
pub mod async_status;
pub mod command;
pub mod ping;
pub mod script;

use crate::modules::framework::spec::{legacy, Spec, B};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    legacy!(
        "command",
        B,
        &[],
        Some(&[
            "_raw_params",
            "cmd",
            "argv",
            "creates",
            "removes",
            "chdir",
            "stdin",
            "stdin_add_newline",
            "strip_empty_ends",
            "expand_argument_vars",
            "executable"
        ]),
        |a, c| command::command(a, c)
    ),
    legacy!(
        "shell",
        B,
        &[],
        Some(&[
            "_raw_params",
            "cmd",
            "creates",
            "removes",
            "chdir",
            "stdin",
            "stdin_add_newline",
            "strip_empty_ends",
            "executable"
        ]),
        |a, c| command::shell(a, c)
    ),
    legacy!(
        "raw",
        B,
        &[],
        Some(&["_raw_params", "executable"]),
        |a, c| command::raw(a, c)
    ),
    legacy!("async_status", B, &[], Some(&["jid", "mode"]), |a, c| {
        async_status::async_status(a, c)
    }),
    legacy!("ping", B, &[], Some(&["data"]), |a, c| ping::ping(a, c)),
    legacy!("script", B, &[], None, |a, c| script::script(a, c)),
];
