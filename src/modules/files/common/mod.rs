//! What the file modules share: the read-edit-write cycle of the line editors ([`edit`]),
//! finding a controller-side source ([`local_path`]) and Python regular expressions in the
//! editors' arguments ([`pyre`]). Path probing, modes and the atomic writer are the
//! framework's, because other families write files too. Knows nothing of any one module's
//! arguments.

pub mod edit;
pub mod local_path;
pub mod pyre;
