//! The persistence daemon: holds SSH connections for the runs that attach to them and keeps
//! each `idle` after its last run let go, then closes it; exits when it holds none. One request
//! per Unix stream (see [`wire`]); an `Attach` stream stays open for as long as the run holds
//! the connection, and an `Exec` whose run hung up (Ctrl-C) is abandoned, which closes its
//! SSH channel. Knows SSH connections and the wire; nothing of playbooks or the command line.

use super::wire::{self, Reply, Request};
use crate::connection::ssh::auth::KeyStore;
use crate::connection::ssh::target::SshTarget;
use crate::connection::ssh::SshConnection;
use crate::connection::{Connection, ConnectionError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Mutex as AsyncMutex;

/// How often connections are checked for expiry.
const TICK: Duration = Duration::from_millis(200);

/// How long a daemon with nothing to hold waits for a first (or next) run before it exits.
const GRACE: Duration = Duration::from_secs(2);

/// Serves the control directory `dir` until no connection is left; returns at once when
/// another daemon already serves it.
pub fn run(dir: &Path) -> std::io::Result<()> {
    let Some(_lock) = super::lock(dir, Duration::from_secs(2))? else {
        return Ok(());
    };
    std::env::set_current_dir("/")?;
    raise_fd_limit();
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(serve(dir));
    // Programs abandoned mid-run must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

async fn serve(dir: &Path) -> std::io::Result<()> {
    let sock = super::socket_path(dir);
    // A socket left by a daemon that died: the lock says nobody serves it.
    let _ = std::fs::remove_file(&sock);
    let listener = UnixListener::bind(&sock)?;
    tracing::info!(socket = %sock.display(), "persistence daemon listening");
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let daemon = Arc::new(Daemon {
        keys: KeyStore::default(),
        state: Mutex::new(State {
            by_identity: HashMap::new(),
            by_id: HashMap::new(),
            next_id: 0,
            streams: 0,
            quiet_since: Instant::now(),
        }),
    });
    let mut tick = tokio::time::interval(TICK);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // The directory is private already; this also refuses a socket passed on.
                if stream.peer_cred().map(|c| c.uid()).ok() != Some(me) {
                    continue;
                }
                let d = daemon.clone();
                tokio::spawn(async move { d.handle(stream).await });
            }
            _ = tick.tick() => {
                if daemon.reap() {
                    break;
                }
            }
        }
    }
    // Unlink before the listener closes: a run that finds no socket starts a new daemon.
    let _ = std::fs::remove_file(&sock);
    tracing::info!("persistence daemon exits: no connection left");
    Ok(())
}

/// Everything the daemon holds.
struct Daemon {
    keys: KeyStore,
    state: Mutex<State>,
}

struct State {
    by_identity: HashMap<[u8; 32], Arc<Entry>>,
    by_id: HashMap<u64, Arc<Entry>>,
    next_id: u64,
    /// Streams being served (requests and held connections).
    streams: usize,
    /// When the last stream ended (or the daemon started).
    quiet_since: Instant,
}

/// One kept connection (or the place for it while it connects or after it broke).
struct Entry {
    id: u64,
    identity: [u8; 32],
    conn: AsyncMutex<Option<Arc<SshConnection>>>,
    lease: Mutex<Lease>,
}

/// Who holds a connection and how long it outlives them.
struct Lease {
    holders: usize,
    since: Instant,
    idle: Duration,
}

impl Daemon {
    async fn handle(self: Arc<Self>, stream: UnixStream) {
        self.state().streams += 1;
        let (mut rd, wr) = stream.into_split();
        match wire::receive(&mut rd)
            .await
            .map(|m| m.map(|m| Request::decode(&m)))
        {
            Ok(Some(Ok(Request::Attach { target, idle }))) => {
                self.attach(&target, idle, rd, wr).await
            }
            Ok(Some(Ok(Request::Exec { id, cmd }))) => self.exec(id, &cmd, rd, wr).await,
            Ok(Some(Ok(Request::Stream { id, cmd }))) => {
                if let Ok(io) = rd.reunite(wr) {
                    self.stream(id, &cmd, io).await
                }
            }
            Ok(Some(Ok(Request::Reset { id }))) => {
                self.reset(id).await;
                reply(wr, Reply::Done).await;
            }
            Ok(Some(Err(e))) => tracing::warn!("bad request: {e}"),
            Ok(None) | Err(_) => {}
        }
        let mut st = self.state();
        st.streams -= 1;
        st.quiet_since = Instant::now();
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connects (or reuses the live connection), answers, then holds the connection for the
    /// run until it closes the stream.
    async fn attach(
        &self,
        target: &SshTarget,
        idle: Duration,
        mut rd: OwnedReadHalf,
        wr: OwnedWriteHalf,
    ) {
        let entry = self.lease(target, idle);
        let answer = match entry.ensure(target, &self.keys).await {
            Ok(()) => Reply::Attached { id: entry.id },
            Err(e) => Reply::Failed(e),
        };
        let attached = matches!(answer, Reply::Attached { .. });
        if reply(wr, answer).await && attached {
            let mut buf = [0u8; 64];
            while matches!(rd.read(&mut buf).await, Ok(n) if n > 0) {}
        }
        entry.release();
    }

    /// The entry for `target`, created if needed, with one more holder.
    fn lease(&self, target: &SshTarget, idle: Duration) -> Arc<Entry> {
        let identity = wire::identity(target);
        let mut st = self.state();
        let entry = match st.by_identity.get(&identity) {
            Some(e) => e.clone(),
            None => {
                st.next_id += 1;
                let e = Arc::new(Entry {
                    id: st.next_id,
                    identity,
                    conn: AsyncMutex::new(None),
                    lease: Mutex::new(Lease {
                        holders: 0,
                        since: Instant::now(),
                        idle,
                    }),
                });
                st.by_identity.insert(identity, e.clone());
                st.by_id.insert(e.id, e.clone());
                e
            }
        };
        let mut lease = entry.lease();
        lease.holders += 1;
        lease.idle = idle;
        drop(lease);
        entry
    }

    async fn exec(
        &self,
        id: u64,
        cmd: &crate::connection::RemoteCommand,
        mut rd: OwnedReadHalf,
        wr: OwnedWriteHalf,
    ) {
        let entry = self.state().by_id.get(&id).cloned();
        let conn = match &entry {
            Some(e) => e.conn.lock().await.clone(),
            None => None,
        };
        let (Some(entry), Some(conn)) = (entry, conn) else {
            let gone =
                "the kept connection was closed (meta: reset_connection, or the host went away)";
            reply(wr, Reply::Failed(ConnectionError::Unreachable(gone.into()))).await;
            return;
        };
        let mut buf = [0u8; 1];
        let out = tokio::select! {
            out = conn.exec(cmd) => out,
            // The run hung up (Ctrl-C, or it ended): nobody waits for this program.
            _ = rd.read(&mut buf) => return,
        };
        if matches!(&out, Err(e) if e.is_unreachable()) {
            entry.forget(&conn).await;
        }
        reply(
            wr,
            match out {
                Ok(o) => Reply::Output(o),
                Err(e) => Reply::Failed(e),
            },
        )
        .await;
    }

    /// Streams one program on connection `id` over `io` (see [`Connection::stream`]).
    async fn stream(&self, id: u64, cmd: &crate::connection::RemoteCommand, mut io: UnixStream) {
        let entry = self.state().by_id.get(&id).cloned();
        let conn = match &entry {
            Some(e) => e.conn.lock().await.clone(),
            None => None,
        };
        match conn {
            Some(conn) => conn.stream(cmd, io).await,
            None => {
                let gone = "the kept connection was closed (meta: reset_connection, or the host went away)";
                crate::connection::stream::refuse(
                    &mut io,
                    &ConnectionError::Unreachable(gone.into()),
                )
                .await
            }
        }
    }

    async fn reset(&self, id: u64) {
        let entry = self.state().by_id.get(&id).cloned();
        if let Some(e) = entry {
            if let Some(c) = e.conn.lock().await.take() {
                c.close().await;
            }
        }
    }

    /// Closes expired connections; `true` when nothing is left to serve and the daemon
    /// should exit.
    fn reap(&self) -> bool {
        let mut st = self.state();
        let expired: Vec<Arc<Entry>> = st.by_id.values().filter(|e| e.expired()).cloned().collect();
        for e in expired {
            st.by_id.remove(&e.id);
            st.by_identity.remove(&e.identity);
            tracing::debug!(
                id = e.id,
                "closing a connection nobody used for its idle time"
            );
            tokio::spawn(async move {
                if let Some(c) = e.conn.lock().await.take() {
                    c.close().await;
                }
            });
        }
        st.by_id.is_empty() && st.streams == 0 && st.quiet_since.elapsed() >= GRACE
    }
}

impl Entry {
    fn lease(&self) -> std::sync::MutexGuard<'_, Lease> {
        self.lease.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn release(&self) {
        let mut lease = self.lease();
        lease.holders -= 1;
        lease.since = Instant::now();
    }

    /// Makes sure a live connection is held, connecting anew when there is none or it died.
    async fn ensure(&self, target: &SshTarget, keys: &KeyStore) -> Result<(), ConnectionError> {
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_some_and(|c| c.is_alive()) {
            return Ok(());
        }
        *slot = None;
        *slot = Some(Arc::new(SshConnection::connect(target, keys).await?));
        Ok(())
    }

    /// Drops `conn` after it broke, unless it was replaced already.
    async fn forget(&self, conn: &Arc<SshConnection>) {
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            *slot = None;
        }
    }

    /// Unused for its idle time, or unused and broken (or never connected).
    fn expired(&self) -> bool {
        let lease = self.lease();
        if lease.holders > 0 {
            return false;
        }
        if lease.since.elapsed() >= lease.idle {
            return true;
        }
        // Connecting right now holds the lock: not expired.
        self.conn
            .try_lock()
            .is_ok_and(|c| c.as_ref().is_none_or(|c| !c.is_alive()))
    }
}

/// Raises the soft limit on open files to the hard one: each host costs the daemon a TCP
/// connection, a held stream and a request stream, and a common soft limit is 1024.
fn raise_fd_limit() {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the one struct passed, owned here.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// Sends `r`; `false` when the run is gone.
async fn reply(mut wr: OwnedWriteHalf, r: Reply) -> bool {
    wire::send(&mut wr, &r.encode()).await.is_ok()
}
