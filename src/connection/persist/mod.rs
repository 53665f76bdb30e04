//! Connections kept between runs: rsible's ControlPersist. A run that may persist its SSH
//! connections (`control_persist`) does not connect itself; it asks a small daemon (the same
//! binary, started on first use, one per user and control directory) to connect, then sends it
//! each program over a Unix socket. The daemon keeps every connection, with its long-lived
//! shells, for `control_persist` after the last run let go of it, and exits once it holds
//! none. The next run skips the key exchange, the login and the shell starts: for a short
//! play that is most of the time it takes.
//!
//! The same trade-offs as OpenSSH's ControlPersist, on purpose: whoever can reach the socket
//! (the same user only: a 0700 directory and a peer-credential check) can use the connections;
//! a host key or sudoers change on a target is noticed only when the connection is made anew.
//! Knows connections and the socket; knows nothing of inventories, modules or playbooks.

mod client;
mod daemon;
mod wire;

pub use client::{connect, PersistedConnection};
pub use daemon::run as run_daemon;
pub use wire::identity;

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The hidden subcommand that runs the daemon (`rsible __persist-daemon DIR`).
pub const DAEMON_ARG: &str = "__persist-daemon";

/// The daemon's socket in the control directory. Named after the wire's version, so that a
/// daemon of another rsible release (still keeping its connections) is never asked.
fn socket_path(dir: &Path) -> PathBuf {
    dir.join(format!("mux-{}.sock", wire::VERSION))
}

/// The control directory the configuration names (`control_path_dir`), set once by the
/// command line before any connection.
static CONTROL_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Uses `dir` as the control directory instead of `~/.rsible/cp` (the configuration's
/// `control_path_dir`: `RSIBLE_CONTROL_PATH_DIR`, `ANSIBLE_SSH_CONTROL_PATH_DIR`,
/// `ansible.cfg`). The first call wins.
pub fn set_control_dir(dir: PathBuf) {
    let _ = CONTROL_DIR.set(dir);
}

/// The control directory: the one set with [`set_control_dir`], else `~/.rsible/cp`
/// (Ansible's is `~/.ansible/cp`). Created private; refused when anyone else could reach
/// into it.
fn control_dir() -> Result<PathBuf, String> {
    let dir = match CONTROL_DIR.get() {
        Some(d) => d.clone(),
        None => dirs::home_dir()
            .ok_or("no home directory for ~/.rsible/cp")?
            .join(".rsible")
            .join("cp"),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let meta = std::fs::metadata(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "{} must belong to you and be private (chmod 700): others could use your \
             connections through it",
            dir.display()
        ));
    }
    Ok(dir)
}

/// Takes the directory's daemon lock, waiting up to `wait` for a daemon that is exiting to
/// let go of it. `None`: another daemon holds it and serves the socket.
fn lock(dir: &Path, wait: Duration) -> std::io::Result<Option<File>> {
    use std::os::unix::io::AsRawFd;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(dir.join(format!("mux-{}.lock", wire::VERSION)))?;
    let until = Instant::now() + wait;
    loop {
        // SAFETY: flock on a descriptor this function owns; no memory is involved.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(Some(file));
        }
        if Instant::now() >= until {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
