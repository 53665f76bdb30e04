//! What a module reports ([`Output`]) and why it could not ([`Failure`]). Knows nothing of
//! connections beyond turning their errors into failures.

use crate::connection::ConnectionError;
use crate::event::Diff;
use serde_json::{Map, Value};

/// What a module reports.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// It changed something (or would have, in check mode).
    pub changed: bool,
    /// It failed; `msg` says why.
    pub failed: bool,
    /// It did not run (check mode on a module that cannot check, `creates` satisfied, ...).
    pub skipped: bool,
    /// A message for the user.
    pub msg: Option<String>,
    /// Module-specific fields (`rc`, `stdout`, `path`, ...).
    pub fields: Map<String, Value>,
    /// Diffs for `--diff`.
    pub diffs: Vec<Diff>,
}

impl Output {
    /// A failure with `msg` and an `rc`, as the line-editing modules report a directory
    /// (256) or a missing path (257).
    pub fn failed_rc(msg: String, rc: i32) -> Output {
        let mut o = Output {
            failed: true,
            msg: Some(msg),
            ..Output::default()
        };
        o.fields.insert("rc".into(), rc.into());
        o
    }
}

/// Why a module could not produce an [`Output`].
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The host could not be reached: the host becomes UNREACHABLE.
    #[error("{0}")]
    Unreachable(String),
    /// The task fails with this message (timeout, become refused, ...).
    #[error("{0}")]
    Failed(String),
    /// The arguments are wrong (unknown, missing, mistyped, contradictory): nothing was sent
    /// to the target; the engine adds the task's file and line.
    #[error("{0}")]
    BadArgs(String),
}

impl From<ConnectionError> for Failure {
    fn from(e: ConnectionError) -> Self {
        if e.is_unreachable() {
            Failure::Unreachable(e.to_string())
        } else {
            Failure::Failed(e.to_string())
        }
    }
}

/// Inserts `rc`, `stdout_lines`, `stdout`, `stderr_lines` and `stderr`, in that order: a
/// program's result as Ansible's `run_command` callers return it (command, script,
/// iptables, ...).
pub fn streams(f: &mut Map<String, Value>, rc: i32, stdout: &str, stderr: &str) {
    f.insert("rc".into(), serde_json::json!(rc));
    f.insert(
        "stdout_lines".into(),
        serde_json::json!(stdout.lines().collect::<Vec<_>>()),
    );
    f.insert("stdout".into(), serde_json::json!(stdout));
    f.insert(
        "stderr_lines".into(),
        serde_json::json!(stderr.lines().collect::<Vec<_>>()),
    );
    f.insert("stderr".into(), serde_json::json!(stderr));
}
