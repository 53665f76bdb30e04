//! The file family: modules that read, write and edit files and trees on the target (`copy`,
//! `file`, `stat`, `fetch`, `find`, the line editors, `assemble`, `get_url`, `unarchive`, a `git` checkout, yum's `.repo` files, ...). What they
//! share lives in [`common`]. Knows nothing of playbooks or scheduling.

pub mod assemble;
pub mod blockinfile;
pub mod common;
pub mod copy;
pub mod fetch;
pub mod file;
pub mod find;
mod find_contains;
pub mod get_url;
pub mod git;
pub mod ini_file;
pub mod lineinfile;
pub mod replace;
pub mod slurp;
pub mod stat;
mod stat_extra;
pub mod synchronize;
pub mod tempfile;
pub mod unarchive;
pub mod uri;
mod uri_result;
pub mod yum_repository;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    copy::SPEC,
    file::SPEC,
    lineinfile::SPEC,
    blockinfile::SPEC,
    replace::SPEC,
    ini_file::SPEC,
    stat::SPEC,
    slurp::SPEC,
    fetch::SPEC,
    find::SPEC,
    tempfile::SPEC,
    get_url::SPEC,
    unarchive::SPEC,
    uri::SPEC,
    assemble::SPEC,
    synchronize::SPEC,
    git::SPEC,
    yum_repository::SPEC,
];
