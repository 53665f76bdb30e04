//! The local connection (`ansible_connection=local`, `-c local`): runs programs with the
//! controller's `/bin/sh`, behind the same trait as SSH. Knows nothing of inventories.

use super::become_wrap::{wrap_command, Wrapped};
use super::driver::{drive, Chunk, ChunkSource, Drive, StdinSink};
use super::{Connection, ConnectionError, ExecOutput, ExitStatus, RemoteCommand};
use futures::future::BoxFuture;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// Runs commands on the controller itself.
#[derive(Debug, Default)]
pub struct LocalConnection;

impl Connection for LocalConnection {
    fn exec<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
    ) -> BoxFuture<'a, Result<ExecOutput, ConnectionError>> {
        Box::pin(exec(cmd))
    }

    fn stream<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
        io: tokio::net::UnixStream,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut io = io;
            match start(cmd) {
                Ok((mut source, mut sink, wrapped)) => {
                    super::stream::pump(&mut source, &mut sink, cmd, wrapped.as_ref(), io).await
                }
                Err(e) => super::stream::refuse(&mut io, &e).await,
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Starts `cmd` under `/bin/sh` (wrapped for become), its three streams piped.
fn start(
    cmd: &RemoteCommand,
) -> Result<(ChildSource, ChildSink, Option<Wrapped>), ConnectionError> {
    super::refuse_nul(&cmd.script)?;
    if matches!(&cmd.become_, Some(b) if b.method == super::BecomeMethod::Su) {
        return Err(ConnectionError::Become(
            "become method su is not supported on the local connection (it needs a terminal); use sudo".into(),
        ));
    }
    let wrapped = wrap_command(cmd);
    let script = wrapped.as_ref().map_or(&cmd.script, |w| &w.script);
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group, so that abandoning it (Ctrl-C, timeout) stops what it started.
        .process_group(0)
        .spawn()
        .map_err(|e| ConnectionError::Io(format!("cannot start /bin/sh: {e}")))?;
    let (tx, rx) = mpsc::channel(64);
    forward(child.stdout.take(), tx.clone(), Chunk::Stdout);
    forward(child.stderr.take(), tx, Chunk::Stderr);
    let stdin = child.stdin.take();
    let source = ChildSource {
        rx,
        child: Some(child),
        streams_open: 2,
    };
    Ok((source, ChildSink { stdin }, wrapped))
}

async fn exec(cmd: &RemoteCommand) -> Result<ExecOutput, ConnectionError> {
    let (mut source, mut sink, wrapped) = start(cmd)?;
    let out = drive(
        &mut source,
        &mut sink,
        Drive::for_command(cmd, wrapped.as_ref()),
    )
    .await;
    if out.is_err() {
        if let Some(mut c) = source.child.take() {
            let _ = c.start_kill();
        }
    }
    out
}

fn forward<R: AsyncRead + Unpin + Send + 'static>(
    stream: Option<R>,
    tx: mpsc::Sender<Option<Chunk>>,
    make: fn(Vec<u8>) -> Chunk,
) {
    let Some(mut stream) = stream else { return };
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(Some(make(buf[..n].to_vec()))).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(None).await;
    });
}

struct ChildSource {
    rx: mpsc::Receiver<Option<Chunk>>,
    child: Option<Child>,
    streams_open: usize,
}

impl Drop for ChildSource {
    /// A child not waited for (abandoned, timed out) takes its whole process group with it:
    /// `kill_on_drop` alone would leave the shell's children running.
    fn drop(&mut self) {
        if let Some(pid) = self.child.as_ref().and_then(Child::id) {
            if let Ok(pid) = i32::try_from(pid) {
                // SAFETY: kill(2) with a negative pid signals that process group only; the
                // group is the child's own (process_group(0) above).
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
            }
        }
    }
}

impl ChunkSource for ChildSource {
    async fn next(&mut self) -> Option<Chunk> {
        while self.streams_open > 0 {
            match self.rx.recv().await {
                Some(Some(chunk)) => return Some(chunk),
                Some(None) | None => self.streams_open -= 1,
            }
        }
        let mut child = self.child.take()?;
        let status = child.wait().await.ok()?;
        Some(Chunk::Exit(match status.code() {
            Some(c) => ExitStatus::Code(c),
            None => ExitStatus::Signal(status.signal().map_or("?".into(), signal_name)),
        }))
    }
}

struct ChildSink {
    stdin: Option<ChildStdin>,
}

impl StdinSink for ChildSink {
    async fn write(&mut self, data: &[u8]) -> Result<(), ConnectionError> {
        if let Some(s) = self.stdin.as_mut() {
            s.write_all(data)
                .await
                .map_err(|e| ConnectionError::Io(format!("writing stdin: {e}")))?;
        }
        Ok(())
    }

    async fn eof(&mut self) -> Result<(), ConnectionError> {
        self.stdin.take();
        Ok(())
    }

    async fn kill(&mut self) {
        self.stdin.take();
    }
}

fn signal_name(n: i32) -> String {
    match n {
        1 => "HUP",
        2 => "INT",
        9 => "KILL",
        13 => "PIPE",
        15 => "TERM",
        _ => return n.to_string(),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(script: &str, stdin: &[u8]) -> RemoteCommand {
        RemoteCommand {
            script: script.as_bytes().to_vec(),
            stdin: stdin.to_vec(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn keeps_stdout_stderr_and_status_apart() {
        let out = LocalConnection
            .exec(&cmd("echo out; echo err >&2; exit 3", b""))
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status, ExitStatus::Code(3));
    }

    #[tokio::test]
    async fn streams_large_stdin_through_while_reading() {
        let data = vec![b'x'; 8 * 1024 * 1024];
        let out = LocalConnection.exec(&cmd("cat", &data)).await.unwrap();
        assert_eq!(out.stdout.len(), data.len());
    }

    /// Injection tests: a NUL inside a quoted argument used to reach `sh -c`, where it ends
    /// the text (a path or argument cut short, or a spawn error naming no cause).
    #[tokio::test]
    async fn a_nul_byte_in_the_command_is_refused_not_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("a\0b");
        let mut script = b"touch ".to_vec();
        script.extend(crate::connection::quote::quote(
            full.as_os_str().as_encoded_bytes(),
        ));
        let c = RemoteCommand {
            script,
            ..Default::default()
        };
        let err = LocalConnection.exec(&c).await.unwrap_err();
        assert!(matches!(err, ConnectionError::Refused(_)), "{err:?}");
        assert!(err.to_string().contains("NUL byte"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // NUL bytes in stdin are file content, and pass.
        let out = LocalConnection.exec(&cmd("cat", b"a\0b")).await.unwrap();
        assert_eq!(out.stdout, b"a\0b");
    }

    #[tokio::test]
    async fn timeout_kills_and_reports() {
        let mut c = cmd("sleep 5", b"");
        c.timeout = Some(std::time::Duration::from_millis(200));
        let started = std::time::Instant::now();
        let err = LocalConnection.exec(&c).await.unwrap_err();
        assert!(matches!(err, ConnectionError::Timeout(_)));
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
    }

    #[tokio::test]
    async fn signal_is_reported() {
        let out = LocalConnection
            .exec(&cmd("kill -TERM $$", b""))
            .await
            .unwrap();
        assert_eq!(out.status, ExitStatus::Signal("TERM".into()));
    }
}
