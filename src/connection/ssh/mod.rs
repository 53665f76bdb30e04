//! The SSH transport (russh): connect (directly or through ProxyJump hops), verify the host key,
//! authenticate, then run programs on channels of the one connection. Knows nothing of
//! inventories, modules or playbooks; it receives a resolved [`SshTarget`].

pub mod auth;
pub mod handler;
pub mod known_hosts;
pub mod shell;
pub mod ssh_config;
pub mod target;
mod wildcard;

use super::become_wrap::{wrap_command, Wrapped};
use super::deadline::with_deadline;
use super::driver::{drive, Chunk, ChunkSource, Drive, StdinSink};
use super::quote::quote;
use super::{Connection, ConnectionError, ExecOutput, ExitStatus, RemoteCommand};
use auth::KeyStore;
use futures::future::BoxFuture;
use handler::{HandlerError, KeyChecker};
use russh::client::{self, Handle, Msg};
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf, Pty, Sig};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use target::{Endpoint, SshTarget};
use tokio::sync::{Mutex as AsyncMutex, Semaphore};

/// Channels open at once on one connection: OpenSSH refuses beyond `MaxSessions` (10), and
/// fast back-to-back opens failed already at 6-8.
const CHANNELS_PER_CONNECTION: usize = 4;

/// Handshakes in flight at once, process-wide. Each costs the server a fork and a key exchange;
/// 500 at once on a small machine made all of them slow and half of them time out, while 64
/// at a time finish as fast in total. The connect timeout starts once a handshake may begin.
const HANDSHAKES_AT_ONCE: usize = 64;

static HANDSHAKES: Semaphore = Semaphore::const_new(HANDSHAKES_AT_ONCE);

/// An authenticated SSH connection to one target.
pub struct SshConnection {
    handle: Handle<KeyChecker>,
    /// `host:port`, for logs.
    peer: String,
    /// Jump connections stay alive as long as the tunnel through them.
    _jumps: Vec<Handle<KeyChecker>>,
    channels: Semaphore,
    /// The long-lived shells (see [`shell`]), opened on first use: the login user's under
    /// `None`, each sudo target user's under its name.
    shells: Mutex<HashMap<Option<String>, Arc<AsyncMutex<shell::Slot>>>>,
    /// Whether programs may use the long-lived shell (`RSIBLE_SSH_SHARED_SHELL=0` says no).
    shared_shell: bool,
    /// Why the session ended, once it has (see [`KeyChecker::ended`]).
    ended: Arc<Mutex<Option<String>>>,
}

impl SshConnection {
    /// Connects, checks the host key and logs in, all within `target.connect_timeout`.
    pub async fn connect(target: &SshTarget, keys: &KeyStore) -> Result<Self, ConnectionError> {
        auth::preload(keys, target).await;
        let _permit = HANDSHAKES
            .acquire()
            .await
            .map_err(|_| ConnectionError::Unreachable("shutting down".into()))?;
        let t = target.connect_timeout;
        match tokio::time::timeout(t, connect_inner(target, keys)).await {
            Ok(r) => r,
            Err(_) => Err(ConnectionError::Unreachable(format!(
                "timed out after {}s connecting to {}:{}",
                t.as_secs_f32(),
                target.endpoint.host,
                target.endpoint.port
            ))),
        }
    }
}

fn config(target: &SshTarget) -> Arc<client::Config> {
    Arc::new(client::Config {
        // Never `inactivity_timeout`: it kills long quiet commands such as apt-get install.
        keepalive_interval: Some(target.keepalive),
        keepalive_max: target.keepalive_max,
        nodelay: true,
        ..Default::default()
    })
}

fn checker(ep: &Endpoint, target: &SshTarget, ended: &Arc<Mutex<Option<String>>>) -> KeyChecker {
    KeyChecker {
        host: ep.host.clone(),
        port: ep.port,
        files: target.known_hosts.clone(),
        policy: target.policy,
        ended: ended.clone(),
    }
}

fn session_error(ep: &Endpoint, e: HandlerError) -> ConnectionError {
    match e {
        HandlerError::HostKey(m) => ConnectionError::HostKey(m),
        HandlerError::Ssh(e) => ConnectionError::Unreachable(format!(
            "cannot connect to {}:{}: {}",
            ep.host,
            ep.port,
            describe(&e)
        )),
    }
}

fn describe(e: &russh::Error) -> String {
    match e {
        russh::Error::IO(io) => io.to_string(),
        other => other.to_string(),
    }
}

async fn connect_inner(
    target: &SshTarget,
    keys: &KeyStore,
) -> Result<SshConnection, ConnectionError> {
    let cfg = config(target);
    // Each jump host is reached through the one before it; the target through the last.
    let mut jumps: Vec<Handle<KeyChecker>> = Vec::new();
    // One slot for every hop: a jump host's end also ends the tunnel through it.
    let ended = Arc::new(Mutex::new(None));
    for ep in &target.jumps {
        // A jump host gets its own keys and never the destination's password.
        let hop_target = SshTarget {
            identity_files: ep.identity_files.clone(),
            password: None,
            ..target.clone()
        };
        let hop = open_hop(&cfg, jumps.last(), ep, &hop_target, keys, &ended).await?;
        jumps.push(hop);
    }
    let ep = &target.endpoint;
    let handle = open_hop(&cfg, jumps.last(), ep, target, keys, &ended).await?;
    Ok(SshConnection {
        handle,
        peer: format!("{}:{}", ep.host, ep.port),
        _jumps: jumps,
        channels: Semaphore::new(CHANNELS_PER_CONNECTION),
        shells: Mutex::new(HashMap::new()),
        shared_shell: std::env::var(crate::env_vars::RSIBLE_SSH_SHARED_SHELL).as_deref() != Ok("0"),
        ended,
    })
}

/// Connects to `ep` directly or through `via`, checks its host key and logs in.
async fn open_hop(
    cfg: &Arc<client::Config>,
    via: Option<&Handle<KeyChecker>>,
    ep: &Endpoint,
    target: &SshTarget,
    keys: &KeyStore,
    ended: &Arc<Mutex<Option<String>>>,
) -> Result<Handle<KeyChecker>, ConnectionError> {
    let mut handle = match via {
        None => client::connect(
            cfg.clone(),
            (ep.host.as_str(), ep.port),
            checker(ep, target, ended),
        )
        .await
        .map_err(|e| session_error(ep, e))?,
        Some(prev) => {
            let ch = prev
                .channel_open_direct_tcpip(ep.host.clone(), u32::from(ep.port), "127.0.0.1", 0)
                .await
                .map_err(|e| {
                    ConnectionError::Unreachable(format!(
                        "jump host could not reach {}:{}: {}",
                        ep.host,
                        ep.port,
                        describe(&e)
                    ))
                })?;
            client::connect_stream(cfg.clone(), ch.into_stream(), checker(ep, target, ended))
                .await
                .map_err(|e| session_error(ep, e))?
        }
    };
    let hop_target = SshTarget {
        endpoint: ep.clone(),
        ..target.clone()
    };
    auth::authenticate(&mut handle, &hop_target, keys).await?;
    tracing::debug!(peer = %format!("{}:{}", ep.host, ep.port), "connected and authenticated");
    Ok(handle)
}

impl Connection for SshConnection {
    fn exec<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
    ) -> BoxFuture<'a, Result<ExecOutput, ConnectionError>> {
        Box::pin(async move {
            match self.exec_inner(cmd).await {
                Err(ConnectionError::Unreachable(m)) => {
                    Err(ConnectionError::Unreachable(self.with_end_reason(m)))
                }
                other => other,
            }
        })
    }

    fn stream<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
        io: tokio::net::UnixStream,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut io = io;
            match self.start_streamed(cmd).await {
                Ok((mut source, mut sink, wrapped)) => {
                    super::stream::pump(&mut source, &mut sink, cmd, wrapped.as_ref(), io).await
                }
                Err(e) => super::stream::refuse(&mut io, &e).await,
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            let _ = self
                .handle
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await;
        })
    }
}

impl SshConnection {
    /// Whether the session still runs (the persistence daemon drops one whose server went
    /// away, so that the next run reconnects).
    pub fn is_alive(&self) -> bool {
        !self.handle.is_closed() && self.ended.lock().is_ok_and(|e| e.is_none())
    }

    /// `msg` about a broken command, naming the peer and why the session ended when known.
    fn with_end_reason(&self, msg: String) -> String {
        let why = self.ended.lock().ok().and_then(|s| s.clone());
        match why {
            Some(why) => format!("{msg} ({}: {why})", self.peer),
            None => format!("{msg} ({})", self.peer),
        }
    }

    async fn open_channel(&self) -> Result<russh::Channel<Msg>, ConnectionError> {
        let mut delay = Duration::from_millis(20);
        for _ in 0..5 {
            match self.handle.channel_open_session().await {
                Ok(ch) => return Ok(ch),
                Err(russh::Error::ChannelOpenFailure(_)) => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => {
                    return Err(ConnectionError::Unreachable(format!(
                        "the connection broke: {}",
                        describe(&e)
                    )))
                }
            }
        }
        Err(ConnectionError::Unreachable(
            "the server keeps refusing new sessions (MaxSessions?)".into(),
        ))
    }

    /// Starts `cmd` on a channel of its own, for [`Connection::stream`].
    async fn start_streamed(
        &self,
        cmd: &RemoteCommand,
    ) -> Result<(ChannelSource, ChannelSink, Option<Wrapped>), ConnectionError> {
        super::refuse_nul(&cmd.script)?;
        let wrapped = wrap_command(cmd);
        if wrapped.as_ref().is_some_and(|w| w.needs_pty) {
            return Err(ConnectionError::Become(
                "become method su runs on a terminal and cannot stream a program; use sudo".into(),
            ));
        }
        let text = match &wrapped {
            Some(w) => w.script.clone(),
            None => {
                let mut t = b"/bin/sh -c ".to_vec();
                t.extend(quote(&cmd.script));
                t
            }
        };
        let channel = self.open_channel().await?;
        tracing::debug!(peer = %self.peer, bytes = text.len(), "exec (streamed)");
        channel.exec(false, text).await.map_err(|e| {
            ConnectionError::Unreachable(format!("the connection broke: {}", describe(&e)))
        })?;
        let (read, write) = channel.split();
        Ok((ChannelSource { read }, ChannelSink { write }, wrapped))
    }

    async fn exec_inner(&self, cmd: &RemoteCommand) -> Result<ExecOutput, ConnectionError> {
        super::refuse_nul(&cmd.script)?;
        // A command with a timeout also gets a deadline on the target, so that it dies there
        // too (see `deadline`); the copy is made only for such commands.
        let timed;
        let cmd = match with_deadline(cmd) {
            Some(script) => {
                timed = RemoteCommand {
                    script,
                    ..cmd.clone()
                };
                &timed
            }
            None => cmd,
        };
        let _permit = self
            .channels
            .acquire()
            .await
            .map_err(|_| ConnectionError::Unreachable("connection closed".into()))?;
        if let Some(out) = self.try_shell(cmd).await {
            return out;
        }
        let wrapped = wrap_command(cmd);
        // sshd hands the text to the login shell; run our POSIX text under /bin/sh whatever
        // that shell is, except for `raw`, which is sent as the user wrote it.
        let text = match (&wrapped, cmd.raw) {
            (Some(w), _) => w.script.clone(),
            (None, true) => cmd.script.clone(),
            (None, false) => {
                let mut t = b"/bin/sh -c ".to_vec();
                t.extend(quote(&cmd.script));
                t
            }
        };
        let needs_pty = wrapped.as_ref().is_some_and(|w| w.needs_pty);
        if needs_pty && (!cmd.stdin.is_empty() || cmd.stdin_file.is_some()) {
            return Err(ConnectionError::Become(
                "become method su runs on a terminal and cannot pass stdin; use sudo".into(),
            ));
        }
        let channel = self.open_channel().await?;
        if needs_pty {
            // No echo (the password must not come back) and no \n -> \r\n translation.
            let modes = [(Pty::ECHO, 0), (Pty::ONLCR, 0)];
            channel
                .request_pty(false, "dumb", 80, 24, 0, 0, &modes)
                .await
                .map_err(|e| {
                    ConnectionError::Unreachable(format!("pty request: {}", describe(&e)))
                })?;
        }
        // One line per remote program: `-vv` shows the round trips each task costs.
        tracing::debug!(peer = %self.peer, bytes = text.len(), "exec");
        channel.exec(false, text).await.map_err(|e| {
            ConnectionError::Unreachable(format!("the connection broke: {}", describe(&e)))
        })?;
        let (read, write) = channel.split();
        let mut source = ChannelSource { read };
        let mut sink = ChannelSink { write };
        drive(
            &mut source,
            &mut sink,
            Drive::for_command(cmd, wrapped.as_ref()),
        )
        .await
    }
}

impl SshConnection {
    /// Runs `cmd` on the long-lived shell of the user it runs as, when it may (see
    /// [`shell::eligible`]) and that shell is free and was not refused. `None`: run it in its
    /// own session.
    async fn try_shell(&self, cmd: &RemoteCommand) -> Option<Result<ExecOutput, ConnectionError>> {
        if !self.shared_shell || !shell::eligible(cmd) {
            return None;
        }
        let user = cmd.become_.as_ref().map(|b| b.user.as_str());
        let slot = {
            let mut shells = self.shells.lock().unwrap_or_else(|e| e.into_inner());
            shells.entry(user.map(str::to_owned)).or_default().clone()
        };
        // Busy (two programs at once on one host): the second gets its own session.
        let mut slot = slot.try_lock().ok()?;
        if slot.refused {
            return None;
        }
        let out = self.exec_on_shell(&mut slot, cmd, user).await;
        slot.refused = out.is_none();
        out
    }

    /// Runs `cmd` on the long-lived shell of `user` (`None`: the login user), starting it
    /// first if needed. The shell is kept only when the program's end markers arrived.
    /// `None` when sudo refused to start the shell: the program never ran.
    async fn exec_on_shell(
        &self,
        slot: &mut shell::Slot,
        cmd: &RemoteCommand,
        user: Option<&str>,
    ) -> Option<Result<ExecOutput, ConnectionError>> {
        let mut sh = match slot.shell.take() {
            Some(sh) => sh,
            None => match self.start_shell(user).await {
                Ok(sh) => sh,
                Err(e) => return Some(Err(e)),
            },
        };
        tracing::debug!(peer = %self.peer, bytes = cmd.script.len(), "exec on shell");
        let mut run = match sh.send(&cmd.script, &cmd.stdin, cmd.user_code).await {
            Ok(run) => run,
            Err(e) => return Some(Err(e)),
        };
        let mut drive_opts = Drive::for_command(cmd, None);
        drive_opts.stdin = &[];
        let out = drive(&mut run, &mut shell::Sent, drive_opts).await;
        if run.refused() {
            tracing::debug!(peer = %self.peer, user, "sudo refused the long-lived shell");
            return None;
        }
        if out.is_ok() && run.finished() {
            slot.shell = Some(sh);
        }
        Some(out)
    }

    /// Opens the long-lived shell of `user` (`None`: the login user).
    async fn start_shell(&self, user: Option<&str>) -> Result<shell::Shell, ConnectionError> {
        let channel = self.open_channel().await?;
        tracing::debug!(peer = %self.peer, user, "exec (long-lived shell)");
        let (text, marker) = shell::start(user);
        channel.exec(false, text).await.map_err(|e| {
            ConnectionError::Unreachable(format!("the connection broke: {}", describe(&e)))
        })?;
        let (read, write) = channel.split();
        Ok(shell::Shell::new(read, write, marker))
    }
}

struct ChannelSource {
    read: ChannelReadHalf,
}

impl ChunkSource for ChannelSource {
    async fn next(&mut self) -> Option<Chunk> {
        // Read until the channel ends: data may arrive after ExitStatus and Eof.
        loop {
            match self.read.wait().await? {
                ChannelMsg::Data { data } => return Some(Chunk::Stdout(data.to_vec())),
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    return Some(Chunk::Stderr(data.to_vec()))
                }
                ChannelMsg::ExitStatus { exit_status } => {
                    return Some(Chunk::Exit(ExitStatus::Code(exit_status as i32)))
                }
                ChannelMsg::ExitSignal { signal_name, .. } => {
                    return Some(Chunk::Exit(ExitStatus::Signal(sig_name(&signal_name))))
                }
                _ => {}
            }
        }
    }
}

fn sig_name(s: &Sig) -> String {
    match s {
        Sig::Custom(n) => n.clone(),
        other => format!("{other:?}"),
    }
}

struct ChannelSink {
    write: ChannelWriteHalf<Msg>,
}

impl StdinSink for ChannelSink {
    async fn write(&mut self, data: &[u8]) -> Result<(), ConnectionError> {
        self.write
            .data(data)
            .await
            .map_err(|e| ConnectionError::Unreachable(format!("sending stdin: {}", describe(&e))))
    }

    async fn eof(&mut self) -> Result<(), ConnectionError> {
        self.write
            .eof()
            .await
            .map_err(|e| ConnectionError::Unreachable(format!("sending stdin: {}", describe(&e))))
    }

    async fn kill(&mut self) {
        let _ = self.write.signal(Sig::KILL).await;
        let _ = self.write.close().await;
    }
}
