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
