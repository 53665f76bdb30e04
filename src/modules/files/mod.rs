//! The file family: modules that read, write and edit files and trees on the target (`copy`,
//! `file`, `stat`, `fetch`, `find`, the line editors, `get_url`, `unarchive`, ...). What they
//! share lives in [`common`]. Knows nothing of playbooks or scheduling.

pub mod blockinfile;
pub mod common;
pub mod copy;
mod copy_remote_tree;
mod copy_tree;
pub mod fetch;
pub mod file;
pub mod find;
mod find_contains;
pub mod get_url;
pub mod ini_file;
pub mod lineinfile;
pub mod replace;
pub mod slurp;
pub mod stat;
mod stat_extra;
pub mod tempfile;
pub mod unarchive;

use crate::modules::framework::spec::{legacy, Spec, B};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    legacy!("copy", B, &[], None, |a, c| copy::copy(a, c)),
    legacy!("file", B, &[], None, |a, c| file::file(a, c)),
    lineinfile::SPEC,
    blockinfile::SPEC,
    replace::SPEC,
    ini_file::SPEC,
    legacy!("stat", B, &[], None, |a, c| stat::stat(a, c)),
    legacy!("slurp", B, &[], None, |a, c| slurp::slurp(a, c)),
    legacy!("fetch", B, &[], None, |a, c| fetch::fetch(a, c)),
    legacy!("find", B, &[], None, |a, c| find::find(a, c)),
    legacy!("tempfile", B, &[], None, |a, c| tempfile::tempfile(a, c)),
    get_url::SPEC,
    unarchive::SPEC,
];
