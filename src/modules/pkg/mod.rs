//! The package family: `apt`, `dpkg_selections`, `apt_repository`, `deb822_repository`,
//! `apt_key`, `dnf`/`yum`, `apk` and the `package` dispatcher. Each module builds one POSIX sh
//! program that probes the target and changes only what differs; shared pieces (name checks,
//! the marker protocol of the programs, apt's error messages) live in [`common`]. Knows
//! nothing of playbooks or scheduling.

pub mod apk;
pub mod apt;
pub mod apt_key;
pub mod apt_repository;
pub mod common;
pub mod deb822_repository;
pub mod dnf;
pub mod dpkg_selections;
pub mod package;
pub mod sources;
