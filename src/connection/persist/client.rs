//! The run's side of persistence: finds the daemon (starting it when there is none), attaches
//! to a kept connection, and implements [`Connection`] by sending each program to the daemon.
//! Knows the socket and the wire; nothing of how the daemon keeps its connections.

use super::wire::{self, Reply};
use crate::connection::ssh::target::SshTarget;
use crate::connection::{Connection, ConnectionError, ExecOutput, RemoteCommand};
use futures::future::BoxFuture;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::UnixStream;

/// How long a freshly started daemon may take to answer.
const START_WAIT: Duration = Duration::from_secs(5);

/// A connection the persistence daemon holds for this run.
pub struct PersistedConnection {
    socket: PathBuf,
    id: u64,
    /// `user@host:port`, for logs.
    peer: String,
    /// The attach stream: open while this run holds the connection.
    lease: Mutex<Option<UnixStream>>,
}

/// Attaches to the kept connection for `target` (the daemon connects when it holds none),
/// kept `idle` after this run. `Ok(None)`: persistence cannot serve this host (no usable
/// control directory, no daemon, or a login that needs this terminal, such as an encrypted
/// key's passphrase): connect directly. A host that cannot be reached is an error, as for a
/// direct connection.
pub async fn connect(
    target: &SshTarget,
    idle: Duration,
) -> Result<Option<PersistedConnection>, ConnectionError> {
    let dir = match super::control_dir() {
        Ok(d) => d,
        Err(e) => {
            warn_once(&format!("connections are not kept between runs: {e}"));
            return Ok(None);
        }
    };
    let socket = super::socket_path(&dir);
    let request = wire::attach(&anchored(target), idle);
    let ep = &target.endpoint;
    let peer = format!("{}@{}:{}", ep.user, ep.host, ep.port);
    // Twice: a daemon that was exiting as we came hangs up, and the next one is started.
    for attempt in 0..2 {
        let answer = match reach(&dir, &socket).await {
            Ok(mut s) => ask(&mut s, &request).await.map(|r| (s, r)),
            Err(e) => Err(e),
        };
        match answer {
            Ok((s, Reply::Attached { id })) => {
                return Ok(Some(PersistedConnection {
                    socket,
                    id,
                    peer,
                    lease: Mutex::new(Some(s)),
                }))
            }
            Ok((_, Reply::Failed(ConnectionError::Auth(why)))) => {
                // The daemon has no terminal: a key that needs a passphrase was skipped.
                tracing::debug!(%peer, "the daemon could not log in ({why}); connecting directly");
                return Ok(None);
            }
            Ok((_, Reply::Failed(e))) => return Err(e),
            Ok(_) => break,
            Err(e) if attempt == 0 => tracing::debug!("persistence daemon: {e}; retrying"),
            Err(e) => {
                warn_once(&format!(
                    "connections are not kept between runs: the daemon in {} does not \
                     answer ({e})",
                    dir.display()
                ));
                return Ok(None);
            }
        }
    }
    warn_once("connections are not kept between runs: the daemon answered out of turn");
    Ok(None)
}

/// `target` with every file path absolute: the daemon runs in `/`, and a relative
/// `--known-hosts` or key file means this run's directory.
fn anchored(target: &SshTarget) -> SshTarget {
    let abs = |ps: &[PathBuf]| -> Vec<PathBuf> {
        ps.iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect()
    };
    let mut t = target.clone();
    t.identity_files = abs(&t.identity_files);
    t.known_hosts = abs(&t.known_hosts);
    t.endpoint.identity_files = abs(&t.endpoint.identity_files);
    for j in &mut t.jumps {
        j.identity_files = abs(&j.identity_files);
    }
    t
}

/// Warns once per run, not once per host.
fn warn_once(msg: &str) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| tracing::warn!("{msg}"));
}

/// A stream to the daemon, starting it when nobody listens.
async fn reach(dir: &Path, socket: &Path) -> std::io::Result<UnixStream> {
    if let Ok(s) = open(socket).await {
        return Ok(s);
    }
    // One start per run: every host's task comes here at once.
    static STARTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = STARTING.lock().await;
    if let Ok(s) = open(socket).await {
        return Ok(s);
    }
    start(dir)?;
    let until = Instant::now() + START_WAIT;
    loop {
        match UnixStream::connect(socket).await {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() >= until => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Starts the daemon in a session of its own (a Ctrl-C or a closed terminal does not reach
/// it), with no stdin or stdout and its log in the control directory.
fn start(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(dir.join("daemon.log"))?;
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg(super::DAEMON_ARG)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    // Reaped if it exits while this run goes on (it lost the race to another daemon).
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// A stream to a live daemon. A full listen queue (hundreds of hosts asking at once) refuses
/// a non-blocking connect at once with `WouldBlock`: wait a moment and ask again.
async fn open(socket: &Path) -> std::io::Result<UnixStream> {
    let mut tries = 0;
    loop {
        match UnixStream::connect(socket).await {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && tries < 200 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            other => return other,
        }
    }
}

/// Sends one request and reads its reply.
async fn ask(s: &mut UnixStream, request: &[u8]) -> std::io::Result<Reply> {
    wire::send(s, request).await?;
    let msg = wire::receive(s).await?.ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the daemon hung up")
    })?;
    Reply::decode(&msg)
}

impl PersistedConnection {
    async fn request(&self, bytes: &[u8]) -> Result<Reply, ConnectionError> {
        let gone = |e: std::io::Error| {
            ConnectionError::Unreachable(format!(
                "the rsible persistence daemon holding the connection to {} is gone: {e}",
                self.peer
            ))
        };
        let mut s = open(&self.socket).await.map_err(gone)?;
        ask(&mut s, bytes).await.map_err(gone)
    }
}

impl Connection for PersistedConnection {
    fn exec<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
    ) -> BoxFuture<'a, Result<ExecOutput, ConnectionError>> {
        Box::pin(async move {
            // One line per remote program, as for a direct connection: `-vv` counts them.
            tracing::debug!(peer = %self.peer, bytes = cmd.script.len(), "exec (persisted)");
            // The daemon runs in `/`: a relative file to stream means this run's directory.
            let bytes =
                match cmd.stdin_file.as_deref().filter(|p| p.is_relative()) {
                    Some(p) => wire::exec(
                        self.id,
                        &RemoteCommand {
                            stdin_file: Some(std::path::absolute(p).map_err(|e| {
                                ConnectionError::Io(format!("{}: {e}", p.display()))
                            })?),
                            ..cmd.clone()
                        },
                    ),
                    None => wire::exec(self.id, cmd),
                };
            match self.request(&bytes).await? {
                Reply::Output(out) => Ok(out),
                Reply::Failed(e) => Err(e),
                other => Err(ConnectionError::Unreachable(format!(
                    "the rsible persistence daemon answered out of turn: {other:?}"
                ))),
            }
        })
    }

    fn stream<'a>(&'a self, cmd: &'a RemoteCommand, io: UnixStream) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut io = io;
            tracing::debug!(peer = %self.peer, bytes = cmd.script.len(), "exec (streamed, persisted)");
            let mut daemon = match open(&self.socket).await {
                Ok(d) => d,
                Err(e) => {
                    let why = ConnectionError::Unreachable(format!(
                        "the rsible persistence daemon holding the connection to {} is gone: {e}",
                        self.peer
                    ));
                    return crate::connection::stream::refuse(&mut io, &why).await;
                }
            };
            // After the request the daemon's stream is the program's: copied both ways as is.
            if wire::send(&mut daemon, &wire::stream(self.id, cmd))
                .await
                .is_ok()
            {
                let _ = tokio::io::copy_bidirectional(&mut io, &mut daemon).await;
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        // Let go of the connection; the daemon keeps it for the next run.
        Box::pin(async {
            self.lease.lock().unwrap_or_else(|e| e.into_inner()).take();
        })
    }

    fn reset(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            let _ = self.request(&wire::reset(self.id)).await;
            self.lease.lock().unwrap_or_else(|e| e.into_inner()).take();
        })
    }
}
