//! The service family: `service`, `systemd` and `service_facts`. Knows nothing of playbooks
//! or scheduling.

pub mod service;
pub mod service_facts;
pub mod systemd;

use crate::modules::framework::spec::{legacy, Spec, B};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    legacy!(
        "service",
        B,
        &[],
        Some(&[
            "name",
            "state",
            "enabled",
            "pattern",
            "sleep",
            "runlevel",
            "arguments",
            "args",
            "use"
        ]),
        |a, c| service::service(a, c)
    ),
    legacy!(
        "systemd",
        B,
        &["systemd_service", "ansible.builtin.systemd_service"],
        Some(&[
            "name",
            "service",
            "unit",
            "state",
            "enabled",
            "masked",
            "daemon_reload",
            "daemon-reload",
            "daemon_reexec",
            "daemon-reexec",
            "scope",
            "no_block",
            "force"
        ]),
        |a, c| systemd::systemd(a, c)
    ),
    legacy!("service_facts", B, &[], Some(&[]), |a, c| {
        service_facts::service_facts(a, c)
    }),
];
