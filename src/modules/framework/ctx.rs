//! The context a module runs in on one host, and the only doors to the target: a probe
//! (always runs; must not change anything), an apply (runs only outside check mode) and a
//! gated program (a probe and an apply travelling together, the gate inserted here). Check
//! mode is decided here and nowhere else: modules never read it. Knows nothing of any one
//! module, of playbooks or of scheduling.

use super::output::Failure;
use super::prefetch::{Batch, Changes, Entry};
use crate::connection::{Become, Connection, ExecOutput, RemoteCommand};
use futures::future::BoxFuture;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What a module may use while it runs on one host.
pub struct Ctx<'a> {
    /// The host's live connection.
    pub conn: &'a dyn Connection,
    /// Privilege escalation for every remote program of this task.
    pub become_: Option<Become>,
    /// `--check`: query only, change nothing.
    pub(in crate::modules::framework) check: bool,
    /// `--diff`: fill [`Output::diffs`].
    pub diff: bool,
    /// The task's `timeout:`.
    pub timeout: Option<Duration>,
    /// The task's `environment:`, validated names.
    pub environment: &'a [(String, String)],
    /// The inventory name of the host the task is for (`fetch` files it under this name).
    pub host: &'a str,
    /// Controller directories a relative local `src` is looked up in, in order (the role's
    /// `files/` or `templates/` come first, then the task file's and the playbook's).
    pub search_paths: &'a [std::path::PathBuf],
    /// Reopens the host's connection (`reboot`); `None` where that is impossible.
    pub reconnect: Option<&'a dyn Reconnect>,
    /// The host `delegate_to` named, when the task has one (the connection is already that
    /// host's): for a module whose meaning depends on where it runs (`synchronize`).
    pub delegated_to: Option<&'a str>,
    /// Paths read ahead on this connection for this and the next tasks (see [`Ctx::read_ahead`]).
    pub prefetched: Option<&'a Batch>,
    /// The run's count of changing programs: every door but [`Ctx::probe`] adds one.
    pub changes: Option<&'a Changes>,
}

/// Drops a host's connection and opens a new one: what `reboot` needs to get back to a host
/// that went down. The engine implements it; modules know nothing of how it connects.
pub trait Reconnect: Send + Sync {
    /// A fresh connection, opened within `timeout`.
    fn reopen(&self, timeout: Duration) -> BoxFuture<'_, Result<Arc<dyn Connection>, Failure>>;
}

impl<'a> Ctx<'a> {
    /// A context for one task on `host` over `conn`, in check mode or not; the other fields
    /// (become, diff, timeout, environment, search paths, reconnect, delegation) start empty and are the
    /// caller's to set. The engine builds one per task; only the framework reads `check`.
    pub fn new(conn: &'a dyn Connection, host: &'a str, check: bool) -> Ctx<'a> {
        Ctx {
            conn,
            become_: None,
            check,
            diff: false,
            timeout: None,
            environment: &[],
            host,
            search_paths: &[],
            reconnect: None,
            delegated_to: None,
            prefetched: None,
            changes: None,
        }
    }
}

impl Ctx<'_> {
    /// Whether this run changes the host (`false` in check mode). Only the framework asks:
    /// a module states what it would change and lets [`Ctx::apply`] or [`Ctx::gated`] decide.
    pub(in crate::modules::framework) fn applies(&self) -> bool {
        !self.check
    }

    /// Runs a probe: a program that reads the host and changes nothing. It runs in check
    /// mode too.
    pub async fn probe(&self, script: Vec<u8>, stdin: Vec<u8>) -> Result<ExecOutput, Failure> {
        self.exec(&self.command(script, stdin, None, false)).await
    }

    /// What was read ahead of `path` (named exactly so, links not followed), when it still
    /// holds: read with this task's privileges and environment, and nothing that may change
    /// a target ran since. A module may decide from it exactly as from its own probe's
    /// answer; `--diff` reads more than a batch holds, so it gets nothing.
    pub fn read_ahead(&self, path: &str) -> Option<&Entry> {
        let batch = self.prefetched?;
        let fresh = batch.fresh(self.changes?, &self.become_, self.environment);
        (fresh && !self.diff).then(|| batch.entries.get(path))?
    }

    /// Runs an apply: a program that changes the host. In check mode nothing is sent and the
    /// answer is `None`: the module reports the change it found without making it.
    pub async fn apply(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
    ) -> Result<Option<ExecOutput>, Failure> {
        self.apply_streaming(script, stdin, None).await
    }

    /// Runs `apply`, or in check mode `record` instead: a program that changes nothing the
    /// task asks for but writes rsible's own bookkeeping on the target. It exists for async
    /// jobs: Ansible starts a job in check mode too (its command held back), and the job's
    /// result file must exist so that a later `async_status` finds the job; `record` is that
    /// held-back job. It is not a probe (it writes a file) and not an apply (it runs in check
    /// mode), hence a door of its own. One round trip either way.
    pub async fn apply_or_record(
        &self,
        apply: Vec<u8>,
        record: Vec<u8>,
    ) -> Result<ExecOutput, Failure> {
        let script = if self.applies() { apply } else { record };
        self.run(script, Vec::new(), None, false).await
    }

    /// As [`Ctx::apply`], with a controller file streamed to stdin after `stdin`.
    pub async fn apply_streaming(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
        stdin_file: Option<&Path>,
    ) -> Result<Option<ExecOutput>, Failure> {
        if !self.applies() {
            return Ok(None);
        }
        self.run(script, stdin, stdin_file, false).await.map(Some)
    }

    /// As [`Ctx::apply`], for the user's own shell code (see [`RemoteCommand::user_code`]).
    pub async fn apply_user_code(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
    ) -> Result<Option<ExecOutput>, Failure> {
        if !self.applies() {
            return Ok(None);
        }
        self.run(script, stdin, None, true).await.map(Some)
    }

    /// As [`Ctx::apply`], for `raw`: `script` is the user's own text, sent without the task's
    /// environment and with nothing on stdin; with `login_shell` it goes to the login shell as
    /// written (see [`RemoteCommand::raw`]).
    pub async fn apply_raw(
        &self,
        script: Vec<u8>,
        login_shell: bool,
    ) -> Result<Option<ExecOutput>, Failure> {
        if !self.applies() {
            return Ok(None);
        }
        let cmd = RemoteCommand {
            script,
            stdin: Vec::new(),
            stdin_file: None,
            become_: self.become_.clone(),
            timeout: self.timeout,
            raw: login_shell,
            user_code: true,
        };
        self.send(&cmd).await.map(Some)
    }

    /// Runs `work` only outside check mode: a change that is more than one remote program
    /// (other modules' runs through the registry, say packages from a repository just added)
    /// or that waits on the controller first (`wait_for_connection`'s delay and polling). In
    /// check mode `work` is dropped unstarted (nothing sent, nothing waited) and the answer
    /// is `None`. Inside `work`, read-only programs go through [`Ctx::probe`].
    pub async fn apply_with<T>(&self, work: impl std::future::Future<Output = T>) -> Option<T> {
        if !self.applies() {
            return None;
        }
        if let Some(c) = self.changes {
            c.bump();
        }
        Some(work.await)
    }

    /// `value` outside check mode, `None` in check mode, nothing sent either way: for a
    /// result Ansible shapes differently in check mode though nothing needs changing
    /// (known_hosts returns its arguments and the path's state only in a real run).
    pub fn unless_checking<T>(&self, value: T) -> Option<T> {
        self.applies().then_some(value)
    }

    /// Runs a probe and an apply as one program, so a change costs no extra round trip. The
    /// probe reads the host, prints what the module needs to decide, and sets the shell
    /// variable `rsible_change=1` when something differs; the apply runs after it only then,
    /// and only outside check mode (in check mode the apply is not even sent). Both parts
    /// share the shell, so the probe's variables are the apply's.
    pub async fn gated(
        &self,
        probe: &[u8],
        apply: &[u8],
        stdin: Vec<u8>,
    ) -> Result<ExecOutput, Failure> {
        self.gated_streaming(probe, apply, stdin, None).await
    }

    /// As [`Ctx::gated`], with a controller file streamed to stdin after `stdin`.
    pub async fn gated_streaming(
        &self,
        probe: &[u8],
        apply: &[u8],
        stdin: Vec<u8>,
        stdin_file: Option<&Path>,
    ) -> Result<ExecOutput, Failure> {
        self.run(gate(probe, apply, self.applies()), stdin, stdin_file, false)
            .await
    }

    /// Runs a program that does its own check mode (one of Ansible's Python modules, told
    /// by `_ansible_check_mode`): `build` is given whether this is check mode and returns the
    /// program and its stdin, which are sent in both modes.
    pub async fn self_checking(
        &self,
        build: impl FnOnce(bool) -> (Vec<u8>, Vec<u8>),
    ) -> Result<ExecOutput, Failure> {
        let (script, stdin) = build(!self.applies());
        self.run(script, stdin, None, false).await
    }

    /// Runs controller-side work that does its own check mode (`synchronize`'s rsync, given
    /// `--dry-run`): `work` is told whether this is check mode and runs in both modes.
    pub async fn on_controller<T, F: std::future::Future<Output = T>>(
        &self,
        work: impl FnOnce(bool) -> F,
    ) -> T {
        if let Some(c) = self.changes {
            c.bump();
        }
        work(!self.applies()).await
    }

    /// The same task context on another connection to the same host.
    pub fn with_conn<'b>(&'b self, conn: &'b dyn Connection) -> Ctx<'b> {
        Ctx {
            conn,
            become_: self.become_.clone(),
            check: self.check,
            diff: self.diff,
            timeout: self.timeout,
            environment: self.environment,
            host: self.host,
            search_paths: self.search_paths,
            reconnect: self.reconnect,
            delegated_to: self.delegated_to,
            prefetched: None,
            changes: self.changes,
        }
    }

    /// Runs a program that may change the host (every door but [`Ctx::probe`]).
    async fn run(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
        stdin_file: Option<&std::path::Path>,
        user_code: bool,
    ) -> Result<ExecOutput, Failure> {
        self.send(&self.command(script, stdin, stdin_file, user_code))
            .await
    }

    /// `script` as this task sends it: behind its environment, with its become and timeout.
    fn command(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
        stdin_file: Option<&std::path::Path>,
        user_code: bool,
    ) -> RemoteCommand {
        let mut full = env_prefix(self.environment);
        full.extend(script);
        RemoteCommand {
            script: full,
            stdin,
            stdin_file: stdin_file.map(std::path::Path::to_path_buf),
            become_: self.become_.clone(),
            timeout: self.timeout,
            raw: false,
            user_code,
        }
    }

    /// Sends `cmd`, which may change the host: counted first (see [`Changes`]).
    async fn send(&self, cmd: &RemoteCommand) -> Result<ExecOutput, Failure> {
        if let Some(c) = self.changes {
            c.bump();
        }
        self.exec(cmd).await
    }

    /// Sends `cmd` to the host.
    async fn exec(&self, cmd: &RemoteCommand) -> Result<ExecOutput, Failure> {
        // Ctrl-C abandons the program: dropping the exec closes its channel (a local child
        // is killed); the task fails and the run winds down to its recap.
        tokio::select! {
            r = self.conn.exec(cmd) => r.map_err(Failure::from),
            () = crate::interrupt::wait() => Err(Failure::Failed(
                "interrupted by the user (Ctrl-C): the remote program was abandoned".into(),
            )),
        }
    }
}

/// The one program of [`Ctx::gated`]: the probe, then the apply behind the gate (left out
/// in check mode).
pub(super) fn gate(probe: &[u8], apply: &[u8], applies: bool) -> Vec<u8> {
    let mut s = b"rsible_change=0\n".to_vec();
    s.extend_from_slice(probe);
    if applies {
        s.extend_from_slice(b"\nif [ \"$rsible_change\" = 1 ]; then\n");
        s.extend_from_slice(apply);
        s.extend_from_slice(b"\nfi\n");
    } else {
        s.push(b'\n');
    }
    s
}

/// `export NAME='value'` lines for a task's environment.
pub fn env_prefix(env: &[(String, String)]) -> Vec<u8> {
    let mut s = Vec::new();
    for (k, v) in env {
        s.extend_from_slice(b"export ");
        s.extend_from_slice(k.as_bytes());
        s.push(b'=');
        s.extend(crate::connection::quote::quote(v.as_bytes()));
        s.push(b'\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{gate, Ctx};
    use crate::connection::local::LocalConnection;

    #[tokio::test]
    async fn work_applied_with_runs_only_outside_check_mode() {
        let conn = LocalConnection;
        for check in [true, false] {
            let ctx = Ctx {
                conn: &conn,
                become_: None,
                check,
                diff: false,
                timeout: None,
                environment: &[],
                host: "h",
                search_paths: &[],
                reconnect: None,
                delegated_to: None,
                prefetched: None,
                changes: None,
            };
            let ran = std::sync::atomic::AtomicBool::new(false);
            let r = ctx
                .apply_with(async { ran.store(true, std::sync::atomic::Ordering::SeqCst) })
                .await;
            assert_eq!(r.is_some(), !check);
            assert_eq!(ran.into_inner(), !check);
        }
    }

    #[test]
    fn the_gate_holds_the_apply_back_in_check_mode() {
        let run = String::from_utf8(gate(b"p", b"a", true)).unwrap();
        assert_eq!(
            run,
            "rsible_change=0\np\nif [ \"$rsible_change\" = 1 ]; then\na\nfi\n"
        );
        let check = String::from_utf8(gate(b"p", b"a", false)).unwrap();
        assert_eq!(check, "rsible_change=0\np\n");
    }
}
