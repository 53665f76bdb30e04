//! A remote program streamed both ways, for a controller program that speaks to it directly
//! (rsync's remote shell, see `synchronize`). The caller hands [`Connection::stream`] a Unix
//! stream: what arrives on it until end-of-file is the program's stdin, raw; what goes back is
//! framed ([`Frame`]): stdout, stderr and, last, the exit code. The same frames travel through
//! the persistence daemon unchanged. [`Bridge`] is the controller's end: a private socket that
//! `rsible __rsh` (the remote shell a controller program runs) reaches, one program per
//! connection. Knows connections and sockets; nothing of modules or rsync.
//!
//! [`Connection::stream`]: super::Connection::stream

use super::driver::{become_handshake, Chunk, ChunkSource, StdinSink};
use super::{Become, Connection, ConnectionError, RemoteCommand};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// The hidden subcommand a controller program runs as its remote shell
/// (`rsible __rsh SOCKET [-l USER] HOST COMMAND...`).
pub const RSH_ARG: &str = "__rsh";

/// The exit code reported when the program could not be run at all (as ssh's 255).
const NOT_RUN: i32 = 255;

/// One framed message back from a streamed program.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// Bytes on its stdout.
    Out(Vec<u8>),
    /// Bytes on its stderr.
    Err(Vec<u8>),
    /// It ended with this code (the last frame).
    Exit(i32),
}

impl Frame {
    /// Writes the frame: a tag byte, a 4-byte big-endian length, the bytes.
    pub async fn write<W: AsyncWrite + Unpin>(&self, w: &mut W) -> std::io::Result<()> {
        let (tag, body): (u8, Vec<u8>) = match self {
            Frame::Out(d) => (0, d.clone()),
            Frame::Err(d) => (1, d.clone()),
            Frame::Exit(c) => (2, c.to_be_bytes().to_vec()),
        };
        let len = u32::try_from(body.len()).map_err(|_| std::io::ErrorKind::InvalidInput)?;
        let mut buf = Vec::with_capacity(5 + body.len());
        buf.push(tag);
        buf.extend_from_slice(&len.to_be_bytes());
        buf.extend_from_slice(&body);
        w.write_all(&buf).await?;
        w.flush().await
    }

    /// Reads one frame; `None` at end-of-file.
    pub async fn read<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Option<Frame>> {
        let tag = match r.read_u8().await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        };
        let len = r.read_u32().await? as usize;
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).await?;
        Ok(Some(match tag {
            0 => Frame::Out(body),
            1 => Frame::Err(body),
            2 => {
                let code: [u8; 4] = body
                    .try_into()
                    .map_err(|_| std::io::Error::other("bad exit frame"))?;
                Frame::Exit(i32::from_be_bytes(code))
            }
            _ => return Err(std::io::Error::other("unknown frame")),
        }))
    }
}

/// Reports on `io` a program that could not be run: the reason on stderr, exit 255.
pub async fn refuse(io: &mut UnixStream, err: &ConnectionError) {
    let _ = Frame::Err(format!("rsible: {err}\n").into_bytes())
        .write(io)
        .await;
    let _ = Frame::Exit(NOT_RUN).write(io).await;
}

/// Drives a started program: the become handshake first when `cmd` was wrapped, then `io`'s
/// bytes to its stdin and its output back as frames, until it exits. A failure is reported
/// on `io` (stderr, exit 255), as ssh reports a broken session.
pub async fn pump<S: ChunkSource, W: StdinSink>(
    source: &mut S,
    sink: &mut W,
    cmd: &RemoteCommand,
    wrapped: Option<&super::become_wrap::Wrapped>,
    io: UnixStream,
) {
    let mut io = io;
    let early = match become_handshake(source, sink, cmd, wrapped).await {
        Ok(rest) => rest,
        Err(e) => {
            sink.kill().await;
            return refuse(&mut io, &e).await;
        }
    };
    let (mut rd, mut wr) = io.into_split();
    if !early.is_empty() && Frame::Out(early).write(&mut wr).await.is_err() {
        return sink.kill().await;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut fed = false;
    let mut code = None;
    loop {
        tokio::select! {
            n = rd.read(&mut buf), if !fed => match n {
                Ok(0) | Err(_) => {
                    fed = true;
                    let _ = sink.eof().await;
                }
                Ok(n) => {
                    if sink.write(&buf[..n]).await.is_err() {
                        fed = true;
                    }
                }
            },
            chunk = source.next() => {
                let frame = match chunk {
                    Some(Chunk::Stdout(d)) => Frame::Out(d),
                    Some(Chunk::Stderr(d)) => Frame::Err(d),
                    Some(Chunk::Exit(s)) => {
                        code = Some(s.rc());
                        continue;
                    }
                    None => break,
                };
                if frame.write(&mut wr).await.is_err() {
                    // The controller program went away: stop the remote one.
                    return sink.kill().await;
                }
            }
        }
    }
    let _ = Frame::Exit(code.unwrap_or(NOT_RUN)).write(&mut wr).await;
}

/// The controller's end of the remote shell: a socket in a private directory of its own,
/// removed when the bridge is dropped.
pub struct Bridge {
    dir: PathBuf,
    listener: UnixListener,
}

impl Bridge {
    /// A new bridge, listening.
    pub fn new() -> std::io::Result<Bridge> {
        use std::os::unix::fs::DirBuilderExt;
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rsible-rsh-{}-{n}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let listener = UnixListener::bind(dir.join("s"))?;
        Ok(Bridge { dir, listener })
    }

    /// The socket `rsible __rsh` is given.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("s")
    }

    /// Serves every remote shell that connects: reads its command and streams it on `conn`
    /// as `become_`. Never returns; drop it when the controller program has ended.
    pub async fn serve(&self, conn: &dyn Connection, become_: Option<&Become>) {
        let mut running = futures::stream::FuturesUnordered::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    if let Ok((s, _)) = accepted {
                        running.push(one(s, conn, become_));
                    }
                }
                Some(()) = futures::StreamExt::next(&mut running) => {}
            }
        }
    }
}

/// One remote shell: its command (an `Out` frame), then the program streamed.
async fn one(mut s: UnixStream, conn: &dyn Connection, become_: Option<&Become>) {
    let script = match Frame::read(&mut s).await {
        Ok(Some(Frame::Out(script))) => script,
        _ => return,
    };
    let cmd = RemoteCommand {
        script,
        become_: become_.cloned(),
        ..RemoteCommand::default()
    };
    tracing::debug!(bytes = cmd.script.len(), "stream");
    conn.stream(&cmd, s).await;
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.socket());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// `rsible __rsh SOCKET [-l USER] HOST COMMAND...`: the remote shell. Sends COMMAND (its
/// words joined by spaces, as ssh does) to the bridge at SOCKET, copies stdin there and the
/// program's output to stdout and stderr; exits with the program's code.
pub fn remote_shell(socket: &Path, args: &[String]) -> u8 {
    let mut rest = args;
    while let [flag, _, tail @ ..] = rest {
        if flag != "-l" && flag != "-p" {
            break;
        }
        rest = tail;
    }
    let command = rest.get(1..).unwrap_or_default().join(" ");
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rsible __rsh: {e}");
            return NOT_RUN as u8;
        }
    };
    let ended = rt.block_on(shell_side(socket, command.into_bytes()));
    // The stdin copy blocks in a read that ends only when rsync closes the pipe, which it
    // does once this process exited: do not wait for it.
    rt.shutdown_background();
    match ended {
        Ok(code) => code as u8,
        Err(e) => {
            eprintln!("rsible __rsh: {}: {e}", socket.display());
            NOT_RUN as u8
        }
    }
}

async fn shell_side(socket: &Path, command: Vec<u8>) -> std::io::Result<i32> {
    let s = UnixStream::connect(socket).await?;
    let (mut rd, mut wr) = s.into_split();
    Frame::Out(command).write(&mut wr).await?;
    let feed = async move {
        let mut stdin = tokio::io::stdin();
        let _ = tokio::io::copy(&mut stdin, &mut wr).await;
        let _ = wr.shutdown().await;
    };
    tokio::spawn(feed);
    let mut out = tokio::io::stdout();
    let mut err = tokio::io::stderr();
    loop {
        match Frame::read(&mut rd).await? {
            Some(Frame::Out(d)) => {
                out.write_all(&d).await?;
                out.flush().await?;
            }
            Some(Frame::Err(d)) => {
                err.write_all(&d).await?;
            }
            Some(Frame::Exit(c)) => return Ok(c),
            None => return Ok(NOT_RUN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_read_back() {
        let mut buf = Vec::new();
        for f in [
            Frame::Out(b"a\0b".to_vec()),
            Frame::Err(vec![]),
            Frame::Exit(-3),
        ] {
            f.write(&mut buf).await.unwrap();
        }
        let mut r = &buf[..];
        assert_eq!(
            Frame::read(&mut r).await.unwrap(),
            Some(Frame::Out(b"a\0b".to_vec()))
        );
        assert_eq!(Frame::read(&mut r).await.unwrap(), Some(Frame::Err(vec![])));
        assert_eq!(Frame::read(&mut r).await.unwrap(), Some(Frame::Exit(-3)));
        assert_eq!(Frame::read(&mut r).await.unwrap(), None);
    }
}
