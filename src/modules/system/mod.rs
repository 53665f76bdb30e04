//! The system family: accounts (`user`, `group`, `authorized_key`), `cron`, `mount`, kernel
//! settings (`sysctl`, `modprobe`), `hostname`, `reboot` and `wait_for`. What they share
//! (one sh program answered in `key=value` lines, date arithmetic) lives in [`common`].
//! Knows nothing of playbooks or scheduling.

pub mod authorized_key;
pub mod common;
pub mod cron;
pub mod group;
pub mod hostname;
pub mod modprobe;
pub mod mount;
pub mod reboot;
pub mod sysctl;
pub mod user;
pub mod wait_for;

use crate::modules::framework::spec::{legacy, Spec, B, CG, POSIX};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    legacy!("wait_for", B, &[], None, |a, c| wait_for::wait_for(a, c)),
    legacy!("wait_for_connection", B, &[], None, |a, c| {
        wait_for::wait_for_connection(a, c)
    }),
    user::SPEC,
    group::SPEC,
    authorized_key::SPEC,
    legacy!(
        "sysctl",
        POSIX,
        &[],
        Some(&[
            "name",
            "key",
            "value",
            "val",
            "state",
            "ignoreerrors",
            "reload",
            "sysctl_file",
            "sysctl_set"
        ]),
        |a, c| sysctl::sysctl(a, c)
    ),
    legacy!(
        "modprobe",
        CG,
        &[],
        Some(&["name", "state", "params", "persistent"]),
        |a, c| modprobe::modprobe(a, c)
    ),
    mount::SPEC,
    hostname::SPEC,
    cron::SPEC,
    legacy!(
        "reboot",
        B,
        &[],
        Some(&[
            "pre_reboot_delay",
            "post_reboot_delay",
            "reboot_timeout",
            "connect_timeout",
            "test_command",
            "msg",
            "reboot_command",
            "boot_time_command"
        ]),
        |a, c| reboot::reboot(a, c)
    ),
];
