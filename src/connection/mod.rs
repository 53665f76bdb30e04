//! Connections to targets: one small trait, [`Connection`], with an `ssh` (russh) and a `local`
//! implementation. A connection runs shell text with stdin and returns stdout, stderr and the
//! exit status kept apart. Become wrapping happens here, once, so nothing above builds `sudo`
//! command lines. Knows nothing of inventories, modules or playbooks: a host arrives as its
//! name and its `ansible_*` variables.
//!
//! # Layout
//! - `options`: the connection flags and keywords; `host_vars`: reading `ansible_*`
//!   variables; `plan`: a host's variables, ssh_config and options resolved into a [`plan::Plan`];
//!   `become_plan`: its become settings; `open`: the one place that connects a plan.
//! - `ssh`, `local`, `persist` (connections kept between runs): the implementations.
//! - `become_wrap`, `quote`, `deadline`, `driver`: what they share; `stream`: a program
//!   streamed both ways (rsync's remote shell).

pub mod become_plan;
pub mod become_wrap;
pub mod deadline;
pub mod driver;
pub mod host_vars;
pub mod local;
pub mod open;
pub mod options;
pub mod persist;
pub mod plan;
pub mod quote;
pub mod ssh;
pub mod stream;

use crate::secret::Secret;
use futures::future::BoxFuture;
use std::time::Duration;

/// One remote program: shell text run by the target's `/bin/sh`, its stdin, and limits.
#[derive(Debug, Clone, Default)]
pub struct RemoteCommand {
    /// Shell text, already quoted by its author (see [`quote`]).
    pub script: Vec<u8>,
    /// Bytes fed to the program's stdin, then end-of-file.
    pub stdin: Vec<u8>,
    /// A controller file streamed to stdin after `stdin`, in chunks, so that a large file is
    /// never held in memory.
    pub stdin_file: Option<std::path::PathBuf>,
    /// Run as another user through `sudo`.
    pub become_: Option<Become>,
    /// Kill the program and fail when it runs longer than this.
    pub timeout: Option<Duration>,
    /// Send the script to the login shell as is (`raw`), without `/bin/sh -c` around it.
    pub raw: bool,
    /// The script is the user's own shell code (`shell`): on a long-lived shell it still gets
    /// a `/bin/sh` of its own, so that `$$` and `$PPID` are what a script expects. rsible's own
    /// programs run there in a forked subshell instead, which spares an exec of the shell.
    pub user_code: bool,
}

/// Privilege escalation for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Become {
    /// The user to become (`root` by default).
    pub user: String,
    /// The password, typed only after the tool's own prompt appeared, never in argv.
    pub password: Option<Secret>,
    /// sudo or su.
    pub method: BecomeMethod,
    /// How long the tool may take to hand over (a prompt nobody answers must not hang the
    /// run): Ansible's connection timeout plus 2 s.
    pub prompt_timeout: Duration,
    /// `become_exe`: the program run instead of `sudo`/`su` (shell words).
    pub exe: Option<String>,
    /// `become_flags`: the tool's flags instead of rsible's defaults (shell words).
    pub flags: Option<String>,
}

/// The tool that switches user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BecomeMethod {
    /// `sudo`: asks for the login user's password (or none); stdout and stderr stay apart.
    #[default]
    Sudo,
    /// `su`: asks for the target user's password on a terminal, so the program runs on a
    /// pseudo-terminal: stderr arrives merged into stdout and stdin cannot be passed.
    Su,
}

impl std::str::FromStr for BecomeMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.strip_prefix("ansible.builtin.").unwrap_or(s) {
            "sudo" => Ok(BecomeMethod::Sudo),
            "su" => Ok(BecomeMethod::Su),
            other => Err(format!(
                "become method '{other}' is not supported (rsible supports sudo and su)"
            )),
        }
    }
}

/// How a remote program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal (name without `SIG`).
    Signal(String),
}

impl ExitStatus {
    /// The code as a shell reports it (`128 + n` is not reconstructed: signals give -1).
    pub fn rc(&self) -> i32 {
        match self {
            ExitStatus::Code(c) => *c,
            ExitStatus::Signal(_) => -1,
        }
    }
}

/// What a remote program produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr (sudo's prompt removed).
    pub stderr: Vec<u8>,
}

#[cfg(test)]
impl ExecOutput {
    /// A program that exited 0 having printed `stdout` and nothing on stderr (the modules'
    /// parser tests).
    pub fn exited(stdout: impl AsRef<[u8]>) -> ExecOutput {
        ExecOutput {
            status: ExitStatus::Code(0),
            stdout: stdout.as_ref().to_vec(),
            stderr: Vec::new(),
        }
    }
}

/// Why a connection could not run a command. `Unreachable` errors make a host UNREACHABLE in
/// Ansible's sense; the others make the task fail.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The host could not be reached or the session broke.
    #[error("{0}")]
    Unreachable(String),
    /// The server's host key was refused.
    #[error("{0}")]
    HostKey(String),
    /// No authentication method was accepted.
    #[error("{0}")]
    Auth(String),
    /// The command ran past its timeout and was killed.
    #[error("command timed out after {0:?}")]
    Timeout(Duration),
    /// Privilege escalation failed (wrong password, user not in sudoers, sudo missing).
    #[error("become failed: {0}")]
    Become(String),
    /// Local I/O failed (the local connection, or reading a key).
    #[error("{0}")]
    Io(String),
    /// The command was not sent: its text cannot reach the target unchanged.
    #[error("{0}")]
    Refused(String),
}

/// Whether `stdin` is plain text (printable ASCII, tabs, carriage returns and newlines, ending
/// with a newline): what the long-lived shell receives as it is, without `base64` (an exec),
/// so what costs nothing to send even when a program may not read it.
pub fn plain_text(stdin: &[u8]) -> bool {
    stdin.ends_with(b"\n")
        && stdin
            .iter()
            .all(|&b| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e))
}

/// Refuses shell text that holds a NUL byte. No shell command can carry one: OpenSSH's exec
/// request and `execve` both end the text at the NUL, and shells drop it, so the target would
/// run something other than what was asked (a truncated path or argument). Both connections
/// call this before sending anything; NUL bytes in stdin (file contents) are fine.
pub fn refuse_nul(script: &[u8]) -> Result<(), ConnectionError> {
    if !script.contains(&0) {
        return Ok(());
    }
    // The text itself is not quoted back: it may hold a value the task keeps out of the output.
    Err(ConnectionError::Refused(
        "refused to run a command holding a NUL byte (\\0): no shell command can carry one, \
         so an argument, path or variable with a NUL would arrive cut short; only file \
         contents may hold NUL bytes"
            .into(),
    ))
}

impl ConnectionError {
    /// Whether Ansible would report the host UNREACHABLE (rather than the task FAILED).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ConnectionError::Unreachable(_)
                | ConnectionError::HostKey(_)
                | ConnectionError::Auth(_)
        )
    }
}

/// A live connection to one target.
pub trait Connection: Send + Sync {
    /// Runs one program and collects its output; many may run at once on one connection.
    fn exec<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
    ) -> BoxFuture<'a, Result<ExecOutput, ConnectionError>>;

    /// Runs one program streamed both ways over `io` (see [`stream`]): its stdin is what
    /// arrives on `io`, its output and exit code go back as frames; a failure is reported
    /// there too. No timeout, no long-lived shell: the program gets a session of its own.
    fn stream<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
        io: tokio::net::UnixStream,
    ) -> BoxFuture<'a, ()>;

    /// Closes the connection politely (a kept one is only let go: see [`persist`]).
    fn close(&self) -> BoxFuture<'_, ()>;

    /// Closes the connection for good, a kept one too (`meta: reset_connection`).
    fn reset(&self) -> BoxFuture<'_, ()> {
        self.close()
    }
}
