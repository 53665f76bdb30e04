//! Everything needed to reach and log in to one SSH target, already resolved from inventory
//! variables, ssh_config and the command line by the caller. Plain data; no I/O.

use super::known_hosts::HostKeyPolicy;
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// One hop of a ProxyJump chain, or the final destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address to connect to.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// Keys for this hop only (a jump host's own IdentityFile); the destination uses
    /// [`SshTarget::identity_files`].
    pub identity_files: Vec<PathBuf>,
}

/// A fully resolved SSH destination.
#[derive(Debug, Clone)]
pub struct SshTarget {
    /// The destination itself.
    pub endpoint: Endpoint,
    /// Jump hosts, first hop first (ProxyJump order).
    pub jumps: Vec<Endpoint>,
    /// Private keys to offer, in order (before the defaults in ~/.ssh).
    pub identity_files: Vec<PathBuf>,
    /// Offer only `identity_files` (no agent keys, no default keys).
    pub identities_only: bool,
    /// Password for password authentication.
    pub password: Option<Secret>,
    /// known_hosts files to check, in order; accept-new records into the first.
    pub known_hosts: Vec<PathBuf>,
    /// Host key policy.
    pub policy: HostKeyPolicy,
    /// Limit for TCP connect plus handshake plus authentication.
    pub connect_timeout: Duration,
    /// Interval between keepalives; a peer silent for `keepalive_max` intervals is dead.
    pub keepalive: Duration,
    /// Keepalives without answer before the connection is declared dead.
    pub keepalive_max: usize,
    /// Keep the connection this long after the run for the next one (see
    /// [`crate::connection::persist`]); `None`: the run connects itself and closes at its end.
    pub control_persist: Option<Duration>,
}
