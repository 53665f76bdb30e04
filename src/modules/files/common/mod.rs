//! What the file modules share: the read-edit-write cycle of the line editors ([`edit`]),
//! Python regular expressions in the editors' arguments ([`pyre`]), a path's attributes as
//! modules take and report them ([`attrs`]), the ext2-style flags of `attributes`
//! ([`chattr`]), the `stat` line and its fields
//! ([`stat_fields`]), the readable-file check of the modules that send a file back
//! ([`readable`]), the SELinux context arguments ([`selinux`]) and a download's file name
//! ([`url_name`]). Path probing, modes, the
//! atomic writer and finding a task's controller-side source are the framework's, because
//! other families need them too. Knows nothing of any one module's arguments.

pub mod attrs;
pub mod chattr;
pub mod edit;
pub mod pyre;
pub mod readable;
pub mod selinux;
pub mod stat_fields;
pub mod url_name;
