//! Connection options from the command line and the play's connection keywords, as plain
//! data: what the user asked for before any host's variables are read. Knows nothing of
//! inventories or of how the options are applied (see [`super::plan`]).

use super::ssh::known_hosts::HostKeyPolicy;
use super::BecomeMethod;
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// Connection options from the command line; each overrides what the inventory says only
/// where Ansible's precedence lets it (as for `-u`: inventory `ansible_user` wins).
#[derive(Debug, Clone, Default)]
pub struct ConnOptions {
    /// `-c`: force a connection type.
    pub connection: Option<String>,
    /// `-u`: remote user when the inventory names none.
    pub user: Option<String>,
    /// The `port` keyword: the port when the inventory names none (over ssh_config's).
    pub port: Option<u16>,
    /// `--private-key`.
    pub private_key: Option<PathBuf>,
    /// `-k`: the SSH password typed at the prompt.
    pub password: Option<Secret>,
    /// `-T`: connect timeout.
    pub timeout: Option<Duration>,
    /// `--known-hosts`: replaces the default known_hosts files.
    pub known_hosts: Option<PathBuf>,
    /// `--host-key-checking` or the environment.
    pub policy: Option<HostKeyPolicy>,
    /// `-b`.
    pub become_: bool,
    /// `--become-user`.
    pub become_user: Option<String>,
    /// `-K`: the become password typed at the prompt.
    pub become_password: Option<Secret>,
    /// `--become-method`.
    pub become_method: Option<BecomeMethod>,
    /// The `become_exe` keyword.
    pub become_exe: Option<String>,
    /// The `become_flags` keyword.
    pub become_flags: Option<String>,
    /// `--control-persist` (or the configuration): keep SSH connections this long after the
    /// run; zero or `None`: do not.
    pub control_persist: Option<Duration>,
    /// The configuration's `ssh_args`: OpenSSH arguments for every SSH host, applied after
    /// the host's own (so they win, as the first value does on ssh's command line).
    pub ssh_args: Option<String>,
    /// The configuration's `ssh_common_args`, for hosts without `ansible_ssh_common_args`.
    pub ssh_common_args: Option<String>,
    /// The configuration's `ssh_extra_args`, for hosts without `ansible_ssh_extra_args`.
    pub ssh_extra_args: Option<String>,
}
