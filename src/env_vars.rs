//! Every environment variable rsible reads, in one place, with what it means. Ansible's
//! `ANSIBLE_*` configuration variables are listed with their settings in
//! [`crate::config::settings`].

/// Host key policy: `strict` (default), `accept-new` or `off`.
pub const RSIBLE_HOST_KEY_CHECKING: &str = "RSIBLE_HOST_KEY_CHECKING";
/// A vault password file used when no vault option is given (ANSIBLE_VAULT_PASSWORD_FILE's twin).
pub const RSIBLE_VAULT_PASSWORD_FILE: &str = "RSIBLE_VAULT_PASSWORD_FILE";
/// Default inventory when no `-i` is given (as Ansible's `ANSIBLE_INVENTORY`).
pub const RSIBLE_INVENTORY: &str = "RSIBLE_INVENTORY";
/// Disables colour when set to anything.
pub const NO_COLOR: &str = "NO_COLOR";
/// The configuration file to read instead of `./rsible.toml`.
pub const RSIBLE_CONFIG: &str = "RSIBLE_CONFIG";
/// Default `--forks`.
pub const RSIBLE_FORKS: &str = "RSIBLE_FORKS";
/// Directories searched for roles, colon-separated.
pub const RSIBLE_ROLES_PATH: &str = "RSIBLE_ROLES_PATH";
/// Default `--user`.
pub const RSIBLE_REMOTE_USER: &str = "RSIBLE_REMOTE_USER";
/// Default connect `--timeout` in seconds.
pub const RSIBLE_TIMEOUT: &str = "RSIBLE_TIMEOUT";
/// Seconds an SSH connection is kept after a run for the next one (`0`: not kept), as
/// OpenSSH's ControlPersist (default 60, as Ansible's); rsible.toml `control_persist`,
/// `--control-persist`.
pub const RSIBLE_CONTROL_PERSIST: &str = "RSIBLE_CONTROL_PERSIST";
/// Where the daemon keeping connections has its socket (default `~/.rsible/cp`), as Ansible's
/// `ANSIBLE_SSH_CONTROL_PATH_DIR`.
pub const RSIBLE_CONTROL_PATH_DIR: &str = "RSIBLE_CONTROL_PATH_DIR";
/// `0` runs every remote program in its own SSH session instead of the long-lived shell
/// (for troubleshooting, and for the benchmark that measures what the shell saves).
pub const RSIBLE_SSH_SHARED_SHELL: &str = "RSIBLE_SSH_SHARED_SHELL";
/// `--python-modules` (`never`, `auto`, `prefer`).
pub const RSIBLE_PYTHON_MODULES: &str = "RSIBLE_PYTHON_MODULES";
