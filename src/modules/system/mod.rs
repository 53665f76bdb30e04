//! The system family: accounts (`user`, `group`, `authorized_key`), `cron`, `mount`, kernel
//! settings (`sysctl`, `modprobe`), `hostname`, `reboot`, `wait_for` and
//! `wait_for_connection`. What they share (one sh program answered in `key=value` lines, date
//! arithmetic, reading seconds) lives in [`common`].
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
pub mod wait_for_connection;

use crate::modules::framework::spec::{legacy, Spec, B, POSIX};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    wait_for::SPEC,
    wait_for_connection::SPEC,
    legacy!(
        "user",
        B,
        &[],
        Some(&[
            "name",
            "user",
            "uid",
            "group",
            "groups",
            "append",
            "shell",
            "home",
            "create_home",
            "createhome",
            "move_home",
            "password",
            "update_password",
            "system",
            "state",
            "remove",
            "force",
            "expires",
            "comment",
            "password_lock",
            "non_unique",
            "generate_ssh_key",
            "ssh_key_bits",
            "ssh_key_type",
            "ssh_key_file",
            "ssh_key_comment",
            "ssh_key_passphrase"
        ]),
        |a, c| user::user(a, c)
    ),
    legacy!(
        "group",
        B,
        &[],
        Some(&[
            "name",
            "gid",
            "state",
            "system",
            "non_unique",
            "force",
            "local"
        ]),
        |a, c| group::group(a, c)
    ),
    legacy!(
        "authorized_key",
        POSIX,
        &[],
        Some(&[
            "user",
            "key",
            "path",
            "manage_dir",
            "state",
            "exclusive",
            "key_options",
            "comment",
            "validate_certs",
            "follow"
        ]),
        |a, c| authorized_key::authorized_key(a, c)
    ),
    sysctl::SPEC,
    modprobe::SPEC,
    legacy!(
        "mount",
        POSIX,
        &[],
        Some(&[
            "path", "name", "src", "fstype", "opts", "dump", "passno", "state", "fstab", "backup",
            "boot"
        ]),
        |a, c| mount::mount(a, c)
    ),
    hostname::SPEC,
    legacy!(
        "cron",
        B,
        &[],
        Some(&[
            "name",
            "user",
            "job",
            "value",
            "cron_file",
            "state",
            "backup",
            "minute",
            "hour",
            "day",
            "dom",
            "month",
            "weekday",
            "dow",
            "special_time",
            "disabled",
            "env",
            "insertafter",
            "insertbefore"
        ]),
        |a, c| cron::cron(a, c)
    ),
    reboot::SPEC,
];
