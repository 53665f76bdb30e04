//! The package family: `apt`, `dpkg_selections`, `apt_repository`, `deb822_repository`,
//! `apt_key`, `dnf`/`yum`, `apk`, `debconf`, `rpm_key`, the `package` dispatcher and Python's `pip`. Each module declares its typed
//! spec and builds one gated POSIX sh program: a probe that reads the target and decides,
//! and an apply that changes only what differs (left out in check mode by the framework).
//! Shared pieces (name checks, the marker protocol of the programs, apt's error messages,
//! the gated run of a package tool, the tools `package` chooses from) live in [`common`].
//! Knows nothing of playbooks or scheduling.

pub mod apk;
pub mod apt;
pub mod apt_key;
pub mod apt_repository;
pub mod common;
pub mod deb822_repository;
pub mod debconf;
pub mod dnf;
pub mod dpkg_selections;
pub mod package;
pub mod package_facts;
pub mod pip;
pub mod rpm_key;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    package::SPEC,
    apt::SPEC,
    dpkg_selections::SPEC,
    apt_repository::SPEC,
    deb822_repository::SPEC,
    apt_key::SPEC,
    dnf::DNF,
    dnf::YUM,
    apk::SPEC,
    package_facts::SPEC,
    pip::SPEC,
    debconf::SPEC,
    rpm_key::SPEC,
];
