//! The part of running a program that both connections share: feeding stdin while reading
//! stdout and stderr (so neither side blocks on a full window), the become handshake, and the
//! timeout. Each connection supplies a [`ChunkSource`] and a [`StdinSink`]; this file knows
//! nothing of SSH channels or child processes.

use super::become_wrap::{Handshake, Step, Wrapped};
use super::{ConnectionError, ExecOutput, ExitStatus, RemoteCommand};
use crate::secret::Secret;
use std::future::Future;
use std::time::Duration;

/// An event from a running program.
#[derive(Debug)]
pub enum Chunk {
    /// Bytes on stdout.
    Stdout(Vec<u8>),
    /// Bytes on stderr.
    Stderr(Vec<u8>),
    /// The program ended.
    Exit(ExitStatus),
}

/// Where a running program's output comes from. `None` means no more events will come.
pub trait ChunkSource: Send {
    /// The next event.
    fn next(&mut self) -> impl Future<Output = Option<Chunk>> + Send;
}

/// Where a running program's stdin goes.
pub trait StdinSink: Send {
    /// Writes all of `data`.
    fn write(&mut self, data: &[u8]) -> impl Future<Output = Result<(), ConnectionError>> + Send;
    /// Signals end of input.
    fn eof(&mut self) -> impl Future<Output = Result<(), ConnectionError>> + Send;
    /// Stops the program (timeout): best effort.
    fn kill(&mut self) -> impl Future<Output = ()> + Send;
}

/// How to drive one program.
pub struct Drive<'a> {
    /// Bytes for stdin.
    pub stdin: &'a [u8],
    /// A file streamed to stdin after `stdin`.
    pub stdin_file: Option<&'a std::path::Path>,
    /// The become handshake, when the program was wrapped, with its password and time limit.
    pub handshake: Option<(Handshake, Option<&'a Secret>, Duration)>,
    /// Kill and fail after this long.
    pub timeout: Option<Duration>,
}

/// Types the password when asked and waits until the program runs as the target user;
/// returns the stdout bytes that followed the marker.
async fn handshake<S: ChunkSource, W: StdinSink>(
    source: &mut S,
    sink: &mut W,
    mut hs: Handshake,
    password: Option<&Secret>,
) -> Result<Vec<u8>, ConnectionError> {
    loop {
        let step = match source.next().await {
            Some(Chunk::Stdout(d)) => hs.stdout(&d)?,
            Some(Chunk::Stderr(d)) => hs.stderr(&d)?,
            Some(Chunk::Exit(_)) | None => return Err(hs.failure()),
        };
        match step {
            Step::Wait => {}
            Step::SendPassword => {
                let pw = password.map(Secret::expose).unwrap_or_default();
                sink.write(format!("{pw}\n").as_bytes()).await?;
            }
            Step::Ready(rest) => return Ok(rest),
        }
    }
}

impl<'a> Drive<'a> {
    /// The drive of `cmd`: its stdin, its timeout, and the become handshake when `wrapped`.
    pub fn for_command(cmd: &'a RemoteCommand, wrapped: Option<&Wrapped>) -> Self {
        let handshake = match (wrapped, &cmd.become_) {
            (Some(w), Some(b)) => Some((
                Handshake::new(w, b.password.is_some()),
                b.password.as_ref(),
                b.prompt_timeout,
            )),
            _ => None,
        };
        Drive {
            stdin: &cmd.stdin,
            stdin_file: cmd.stdin_file.as_deref(),
            handshake,
            timeout: cmd.timeout,
        }
    }
}

/// The become handshake within its time limit; returns the stdout bytes that followed it.
async fn timed_handshake<S: ChunkSource, W: StdinSink>(
    source: &mut S,
    sink: &mut W,
    hs: Handshake,
    password: Option<&Secret>,
    limit: Duration,
) -> Result<Vec<u8>, ConnectionError> {
    tokio::time::timeout(limit, handshake(source, sink, hs, password))
        .await
        .unwrap_or_else(|_| {
            Err(ConnectionError::Become(format!(
                "timed out after {}s waiting for privilege escalation (a prompt rsible does not answer?)",
                limit.as_secs()
            )))
        })
}

/// The become handshake of `cmd` when it was `wrapped` (nothing otherwise), for a program
/// driven by other code than [`drive`] (see `stream`); returns the stdout bytes after it.
pub async fn become_handshake<S: ChunkSource, W: StdinSink>(
    source: &mut S,
    sink: &mut W,
    cmd: &RemoteCommand,
    wrapped: Option<&Wrapped>,
) -> Result<Vec<u8>, ConnectionError> {
    match Drive::for_command(cmd, wrapped).handshake {
        Some((hs, password, limit)) => timed_handshake(source, sink, hs, password, limit).await,
        None => Ok(Vec::new()),
    }
}

/// Feeds a controller file to the program in 256 KiB chunks.
async fn stream_file<W: StdinSink>(
    sink: &mut W,
    path: &std::path::Path,
) -> Result<(), ConnectionError> {
    use tokio::io::AsyncReadExt;
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| ConnectionError::Io(format!("reading {}: {e}", path.display())))?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .await
            .map_err(|e| ConnectionError::Io(format!("reading {}: {e}", path.display())))?;
        if n == 0 {
            return Ok(());
        }
        sink.write(&buf[..n]).await?;
    }
}

/// Runs the program to its end and collects its output.
pub async fn drive<S: ChunkSource, W: StdinSink>(
    source: &mut S,
    sink: &mut W,
    opts: Drive<'_>,
) -> Result<ExecOutput, ConnectionError> {
    let timeout = opts.timeout;
    let result = match timeout {
        None => run(source, sink, opts).await,
        Some(t) => tokio::time::timeout(t, run(source, sink, opts))
            .await
            .unwrap_or(Err(ConnectionError::Timeout(t))),
    };
    if result.is_err() {
        // Stop what still runs remotely (sudo waiting on stdin, a command past its timeout).
        sink.kill().await;
    }
    result
}

async fn run<S: ChunkSource, W: StdinSink>(
    source: &mut S,
    sink: &mut W,
    opts: Drive<'_>,
) -> Result<ExecOutput, ConnectionError> {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut status = None;
    if let Some((hs, password, limit)) = opts.handshake {
        stdout = timed_handshake(source, sink, hs, password, limit).await?;
    }
    let stdin = opts.stdin;
    let stdin_file = opts.stdin_file;
    let feed = async {
        if !stdin.is_empty() {
            sink.write(stdin).await?;
        }
        if let Some(path) = stdin_file {
            stream_file(sink, path).await?;
        }
        sink.eof().await
    };
    tokio::pin!(feed);
    let mut fed = false;
    loop {
        tokio::select! {
            r = &mut feed, if !fed => {
                fed = true;
                // A program that exits without reading its stdin closes the pipe: not an error.
                let _ = r;
            }
            chunk = source.next() => match chunk {
                Some(Chunk::Stdout(d)) => stdout.extend_from_slice(&d),
                Some(Chunk::Stderr(d)) => stderr.extend_from_slice(&d),
                Some(Chunk::Exit(s)) => status = Some(s),
                None => break,
            }
        }
    }
    let status = status.ok_or_else(|| {
        ConnectionError::Unreachable(
            "the connection closed before the command reported its exit status".into(),
        )
    })?;
    Ok(ExecOutput {
        status,
        stdout,
        stderr,
    })
}
