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

use crate::modules::framework::spec::{legacy, Spec, B, CG};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    legacy!("package", B, &[], None, |a, c| package::package(a, c)),
    legacy!(
        "apt",
        B,
        &[],
        Some(&[
            "name",
            "package",
            "pkg",
            "state",
            "update_cache",
            "update-cache",
            "cache_valid_time",
            "deb",
            "install_recommends",
            "install-recommends",
            "purge",
            "autoremove",
            "autoclean",
            "clean",
            "upgrade",
            "allow_downgrade",
            "allow-downgrade",
            "allow_downgrades",
            "allow-downgrades",
            "allow_unauthenticated",
            "allow-unauthenticated",
            "allow_change_held_packages",
            "only_upgrade",
            "force",
            "force_apt_get",
            "fail_on_autoremove",
            "default_release",
            "default-release",
            "dpkg_options",
            "policy_rc_d",
            "lock_timeout",
            "update_cache_retries",
            "update_cache_retry_max_delay"
        ]),
        |a, c| apt::apt(a, c)
    ),
    legacy!(
        "dpkg_selections",
        B,
        &[],
        Some(&["name", "selection"]),
        |a, c| dpkg_selections::dpkg_selections(a, c)
    ),
    legacy!(
        "apt_repository",
        B,
        &[],
        Some(&[
            "repo",
            "state",
            "filename",
            "update_cache",
            "update-cache",
            "update_cache_retries",
            "update_cache_retry_max_delay",
            "mode",
            "validate_certs",
            "install_python_apt",
            "codename"
        ]),
        |a, c| apt_repository::apt_repository(a, c)
    ),
    legacy!(
        "deb822_repository",
        B,
        &[],
        Some(&[
            "name",
            "allow_downgrade_to_insecure",
            "allow_insecure",
            "allow_weak",
            "architectures",
            "by_hash",
            "check_date",
            "check_valid_until",
            "components",
            "date_max_future",
            "enabled",
            "exclude",
            "include",
            "inrelease_path",
            "languages",
            "pdiffs",
            "signed_by",
            "suites",
            "targets",
            "trusted",
            "types",
            "uris",
            "mode",
            "state",
            "install_python_debian"
        ]),
        |a, c| deb822_repository::deb822_repository(a, c)
    ),
    legacy!(
        "apt_key",
        B,
        &[],
        Some(&[
            "id",
            "url",
            "data",
            "file",
            "keyring",
            "keyserver",
            "state",
            "validate_certs"
        ]),
        |a, c| apt_key::apt_key(a, c)
    ),
    legacy!(
        "dnf",
        B,
        &[],
        Some(&[
            "name",
            "pkg",
            "state",
            "update_cache",
            "expire-cache",
            "disable_gpg_check",
            "enablerepo",
            "disablerepo",
            "exclude",
            "autoremove",
            "allow_downgrade",
            "install_weak_deps",
            "allowerasing",
            "nobest",
            "skip_broken",
            "security",
            "bugfix",
            "update_only",
            "releasever",
            "conf_file",
            "installroot",
            "cacheonly",
            "lock_timeout",
            "validate_certs",
            "use_backend"
        ]),
        |a, c| dnf::run("dnf", a, c)
    ),
    legacy!(
        "yum",
        B,
        &[],
        Some(&[
            "name",
            "pkg",
            "state",
            "update_cache",
            "expire-cache",
            "disable_gpg_check",
            "enablerepo",
            "disablerepo",
            "exclude",
            "autoremove",
            "allow_downgrade",
            "install_weak_deps",
            "allowerasing",
            "nobest",
            "skip_broken",
            "security",
            "bugfix",
            "update_only",
            "releasever",
            "conf_file",
            "installroot",
            "cacheonly",
            "lock_timeout",
            "validate_certs",
            "use_backend"
        ]),
        |a, c| dnf::run("yum", a, c)
    ),
    legacy!(
        "apk",
        CG,
        &[],
        Some(&[
            "name",
            "state",
            "update_cache",
            "upgrade",
            "available",
            "no_cache",
            "repository"
        ]),
        |a, c| apk::apk(a, c)
    ),
];
