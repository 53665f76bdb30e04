//! Modules: the verbs a task calls on a target. Each takes its typed arguments (Ansible's
//! names) and a [`Ctx`] holding the host's connection, and returns an [`Output`] with the
//! fields a user can `register`. A module runs one remote program per task in the usual case.
//! Modules know nothing of playbooks, variables or scheduling: arguments arrive templated.
//!
//! Controller-side actions that change the engine's own state (`set_fact`, `debug`, `meta`,
//! ...) are not here: they live in the engine.

pub mod args;
mod argv_expand;
pub mod async_job;
pub mod async_status;
pub mod authorized_key;
pub mod blockinfile;
pub mod command;
pub mod container_runtime;
pub mod copy;
mod copy_remote_tree;
mod copy_tree;
pub mod cron;
pub mod fetch;
pub mod file;
pub mod files;
pub mod find;
mod find_contains;
pub mod get_url;
pub mod group;
pub mod hostname;
pub mod ini_file;
pub mod k8s;
pub mod lineinfile;
pub mod modprobe;
pub mod mount;
pub mod ping;
pub mod pkg;
pub mod reboot;
pub mod replace;
pub mod script;
pub mod service;
pub mod service_facts;
pub mod slurp;
pub mod stat;
mod stat_extra;
pub mod sysctl;
mod sysexec;
pub mod systemd;
pub mod tempfile;
pub mod unarchive;
pub mod user;
pub mod wait_for;

use crate::connection::{Become, Connection, ConnectionError, ExecOutput, RemoteCommand};
use crate::output::event::Diff;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// What a module may use while it runs on one host.
pub struct Ctx<'a> {
    /// The host's live connection.
    pub conn: &'a dyn Connection,
    /// Privilege escalation for every remote program of this task.
    pub become_: Option<Become>,
    /// `--check`: query only, change nothing.
    pub check: bool,
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
}

/// Drops a host's connection and opens a new one: what `reboot` needs to get back to a host
/// that went down. The engine implements it; modules know nothing of how it connects.
pub trait Reconnect: Send + Sync {
    /// A fresh connection, opened within `timeout`.
    fn reopen(&self, timeout: Duration) -> BoxFuture<'_, Result<Arc<dyn Connection>, Failure>>;
}

impl Ctx<'_> {
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
        }
    }

    /// Runs `script` (POSIX sh) with `stdin`, with the task's become, timeout and environment.
    pub async fn exec(&self, script: Vec<u8>, stdin: Vec<u8>) -> Result<ExecOutput, Failure> {
        self.exec_streaming(script, stdin, None).await
    }

    /// As [`Ctx::exec`], for a script that is the user's own shell code (see
    /// [`RemoteCommand::user_code`]).
    pub async fn exec_user_code(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
    ) -> Result<ExecOutput, Failure> {
        self.run(script, stdin, None, true).await
    }

    /// As [`Ctx::exec`], with a controller file streamed to stdin after `stdin`.
    pub async fn exec_streaming(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
        stdin_file: Option<&std::path::Path>,
    ) -> Result<ExecOutput, Failure> {
        self.run(script, stdin, stdin_file, false).await
    }

    async fn run(
        &self,
        script: Vec<u8>,
        stdin: Vec<u8>,
        stdin_file: Option<&std::path::Path>,
        user_code: bool,
    ) -> Result<ExecOutput, Failure> {
        let mut full = env_prefix(self.environment);
        full.extend(script);
        let cmd = RemoteCommand {
            script: full,
            stdin,
            stdin_file: stdin_file.map(std::path::Path::to_path_buf),
            become_: self.become_.clone(),
            timeout: self.timeout,
            raw: false,
            user_code,
        };
        // Ctrl-C abandons the program: dropping the exec closes its channel (a local child
        // is killed); the task fails and the run winds down to its recap.
        tokio::select! {
            r = self.conn.exec(&cmd) => r.map_err(Failure::from),
            () = crate::interrupt::wait() => Err(Failure::Failed(
                "interrupted by the user (Ctrl-C): the remote program was abandoned".into(),
            )),
        }
    }
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

/// Whether `name` (canonical) is a module this layer runs.
pub fn is_module(name: &str) -> bool {
    matches!(
        name,
        "command" | "shell" | "raw" | "copy" | "file" | "async_status" | "ping"
    ) || matches!(name, "stat" | "slurp" | "fetch" | "find" | "tempfile")
        || matches!(name, "script" | "get_url" | "unarchive")
        || matches!(name, "wait_for" | "wait_for_connection")
        || matches!(name, "lineinfile" | "blockinfile" | "replace" | "ini_file")
        || matches!(
            name,
            "service" | "systemd" | "service_facts" | "sysctl" | "modprobe"
        )
        || matches!(name, "hostname" | "reboot")
        || matches!(
            name,
            "apt" | "package" | "dpkg_selections" | "apt_key" | "dnf" | "yum"
        )
        || matches!(name, "apt_repository" | "deb822_repository" | "apk")
        || matches!(name, "user" | "group" | "authorized_key" | "cron" | "mount")
        || matches!(name, "container_runtime")
        || matches!(name, "kubernetes_node" | "kubeadm")
}

/// Runs module `name` with templated `args`.
pub async fn run(name: &str, args: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    match name {
        "command" => command::command(args, ctx).await,
        "shell" => command::shell(args, ctx).await,
        "raw" => command::raw(args, ctx).await,
        "async_status" => async_status::async_status(args, ctx).await,
        "ping" => ping::ping(args, ctx).await,
        "copy" => copy::copy(args, ctx).await,
        "file" => file::file(args, ctx).await,
        "stat" => stat::stat(args, ctx).await,
        "slurp" => slurp::slurp(args, ctx).await,
        "fetch" => fetch::fetch(args, ctx).await,
        "find" => find::find(args, ctx).await,
        "tempfile" => tempfile::tempfile(args, ctx).await,
        "script" => script::script(args, ctx).await,
        "get_url" => get_url::get_url(args, ctx).await,
        "unarchive" => unarchive::unarchive(args, ctx).await,
        "wait_for" => wait_for::wait_for(args, ctx).await,
        "wait_for_connection" => wait_for::wait_for_connection(args, ctx).await,
        "blockinfile" => blockinfile::blockinfile(args, ctx).await,
        "ini_file" => ini_file::ini_file(args, ctx).await,
        "lineinfile" => lineinfile::lineinfile(args, ctx).await,
        "replace" => replace::replace(args, ctx).await,
        "service" => service::service(args, ctx).await,
        "systemd" => systemd::systemd(args, ctx).await,
        "service_facts" => service_facts::service_facts(args, ctx).await,
        "sysctl" => sysctl::sysctl(args, ctx).await,
        "modprobe" => modprobe::modprobe(args, ctx).await,
        "hostname" => hostname::hostname(args, ctx).await,
        "reboot" => reboot::reboot(args, ctx).await,
        "apt" => pkg::apt::apt(args, ctx).await,
        "package" => pkg::package::package(args, ctx).await,
        "dpkg_selections" => pkg::dpkg_selections::dpkg_selections(args, ctx).await,
        "apt_repository" => pkg::apt_repository::apt_repository(args, ctx).await,
        "deb822_repository" => pkg::deb822_repository::deb822_repository(args, ctx).await,
        "apt_key" => pkg::apt_key::apt_key(args, ctx).await,
        "dnf" => pkg::dnf::run("dnf", args, ctx).await,
        "yum" => pkg::dnf::run("yum", args, ctx).await,
        "apk" => pkg::apk::apk(args, ctx).await,
        "user" => user::user(args, ctx).await,
        "group" => group::group(args, ctx).await,
        "authorized_key" => authorized_key::authorized_key(args, ctx).await,
        "cron" => cron::cron(args, ctx).await,
        "mount" => mount::mount(args, ctx).await,
        "container_runtime" => container_runtime::container_runtime(args, ctx).await,
        "kubernetes_node" => k8s::node::kubernetes_node(args, ctx).await,
        "kubeadm" => k8s::kubeadm::kubeadm(args, ctx).await,
        other => Err(Failure::Failed(format!(
            "the module '{other}' is not implemented in this build of rsible"
        ))),
    }
}
