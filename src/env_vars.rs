//! Every environment variable rsible reads, in one place, with what it means.

/// Host key policy: `strict` (default), `accept-new` or `off`.
pub const RSIBLE_HOST_KEY_CHECKING: &str = "RSIBLE_HOST_KEY_CHECKING";
/// Ansible's switch, honoured for compatibility: `False` means policy `off`.
pub const ANSIBLE_HOST_KEY_CHECKING: &str = "ANSIBLE_HOST_KEY_CHECKING";
/// Default inventory when no `-i` is given (as Ansible's `ANSIBLE_INVENTORY`).
pub const RSIBLE_INVENTORY: &str = "RSIBLE_INVENTORY";
/// Disables colour when set to anything.
pub const NO_COLOR: &str = "NO_COLOR";
