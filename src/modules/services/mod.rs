//! The service family: `service`, `systemd` and `service_facts`. What `service` and
//! `systemd` share (the systemctl programs, reading their answer) lives in [`common`].
//! Knows nothing of playbooks or scheduling.

pub mod common;
pub mod service;
pub mod service_facts;
pub mod systemd;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[service::SPEC, systemd::SPEC, service_facts::SPEC];
