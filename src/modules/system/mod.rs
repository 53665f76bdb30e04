//! The system family: accounts (`user`, `group`, `authorized_key`, `known_hosts`), `cron`,
//! `mount`, kernel settings (`sysctl`, `modprobe`), login limits (`pam_limits`), `hostname`,
//! `timezone`, `locale_gen`, `alternatives`, `iptables`, SELinux (`selinux`, `seboolean`), `reboot`, `wait_for` and `wait_for_connection`.
//! What they share (sh programs answered in the one report format, date arithmetic, reading
//! seconds) lives in [`common`].
//! Knows nothing of playbooks or scheduling.

pub mod alternatives;
pub mod authorized_key;
pub mod common;
pub mod cron;
pub mod getent;
pub mod group;
pub mod hostname;
pub mod iptables;
pub mod known_hosts;
pub mod locale_gen;
pub mod modprobe;
pub mod mount;
pub mod pam_limits;
pub mod reboot;
pub mod seboolean;
pub mod selinux;
pub mod selinux_config;
pub mod sysctl;
pub mod timezone;
pub mod user;
pub mod wait_for;
pub mod wait_for_connection;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    wait_for::SPEC,
    wait_for_connection::SPEC,
    user::SPEC,
    group::SPEC,
    authorized_key::SPEC,
    sysctl::SPEC,
    modprobe::SPEC,
    mount::SPEC,
    hostname::SPEC,
    cron::SPEC,
    reboot::SPEC,
    getent::SPEC,
    alternatives::SPEC,
    known_hosts::SPEC,
    timezone::SPEC,
    pam_limits::SPEC,
    locale_gen::SPEC,
    iptables::SPEC,
    selinux::SPEC,
    seboolean::SPEC,
];
