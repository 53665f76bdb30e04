//! What the file modules share: reading a path's state (and content) from the target in one
//! program, file modes (octal, symbolic, `preserve`), and the atomic write that puts new
//! content in place through a temp file beside the destination. Knows nothing of any one
//! module's arguments.

pub mod edit;
pub mod local_path;
pub mod mode;
pub mod probe;
pub mod pyre;
pub mod write;
