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

use crate::modules::framework::spec::{legacy, Spec, B, CG};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    copy::SPEC,
    file::SPEC,
    legacy!("lineinfile", B, &[], None, |a, c| lineinfile::lineinfile(
        a, c
    )),
    legacy!(
        "blockinfile",
        B,
        &[],
        None,
        |a, c| blockinfile::blockinfile(a, c)
    ),
    legacy!("replace", B, &[], None, |a, c| replace::replace(a, c)),
    legacy!(
        "ini_file",
        CG,
        &["community.general.files.ini_file"],
        None,
        |a, c| ini_file::ini_file(a, c)
    ),
    stat::SPEC,
    slurp::SPEC,
    fetch::SPEC,
    find::SPEC,
    tempfile::SPEC,
    legacy!("get_url", B, &[], None, |a, c| get_url::get_url(a, c)),
    legacy!("unarchive", B, &[], None, |a, c| unarchive::unarchive(a, c)),
];
