//! The bytes between an rsible run and the persistence daemon: one request and its reply per
//! Unix stream, each a length-prefixed message. Pure encoding and decoding plus the two async
//! helpers that move one message; knows nothing of SSH sessions or of what a command does.

use super::super::ssh::known_hosts::HostKeyPolicy;
use super::super::ssh::target::{Endpoint, SshTarget};
use super::super::{Become, BecomeMethod, ConnectionError, ExecOutput, ExitStatus, RemoteCommand};
use crate::secret::Secret;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The wire's version: bump it with any change to the encoding below.
pub const VERSION: &str = concat!("3-", env!("CARGO_PKG_VERSION"));

/// Largest message accepted: a command's stdin or output is held in memory on both sides
/// anyway; this only stops a corrupt length from allocating without bound.
const MAX_MESSAGE: u64 = 1 << 32;

/// What a run asks of the daemon.
#[derive(Debug)]
pub enum Request {
    /// Reach `target` (reusing a live connection) and hold it for this run while the stream
    /// stays open; it is closed `idle` after the last run let go of it.
    Attach {
        /// Where and how to connect.
        target: SshTarget,
        /// How long the connection outlives its last user.
        idle: Duration,
    },
    /// Run one program on the connection an `Attach` returned.
    Exec {
        /// The connection, as `Attached` named it.
        id: u64,
        /// The program.
        cmd: RemoteCommand,
    },
    /// Run one program streamed both ways (see [`crate::connection::stream`]): after this
    /// message the Unix stream carries its stdin one way and its frames the other.
    Stream {
        /// The connection, as `Attached` named it.
        id: u64,
        /// The program.
        cmd: RemoteCommand,
    },
    /// Close the connection now (`meta: reset_connection`); the next `Attach` reconnects.
    Reset {
        /// The connection, as `Attached` named it.
        id: u64,
    },
}

/// The daemon's answer.
#[derive(Debug)]
pub enum Reply {
    /// The connection is up; `id` names it in later requests.
    Attached {
        /// The connection's number in this daemon.
        id: u64,
    },
    /// The program ran.
    Output(ExecOutput),
    /// A `Reset` was carried out.
    Done,
    /// The request failed as a direct connection would have.
    Failed(ConnectionError),
}

/// Writes `msg` as one length-prefixed message.
pub async fn send<W: AsyncWrite + Unpin>(w: &mut W, msg: &[u8]) -> std::io::Result<()> {
    w.write_u64(msg.len() as u64).await?;
    w.write_all(msg).await?;
    w.flush().await
}

/// Reads one length-prefixed message; `None` at a clean end of stream.
pub async fn receive<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let len = match r.read_u64().await {
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    };
    if len > MAX_MESSAGE {
        return Err(bad("message too long"));
    }
    let mut buf = vec![0; len as usize];
    r.read_exact(&mut buf).await?;
    Ok(Some(buf))
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("persistence daemon: {what}"),
    )
}

/// The bytes of an [`Request::Attach`].
pub fn attach(target: &SshTarget, idle: Duration) -> Vec<u8> {
    let mut e = Enc::default();
    e.u8(1);
    target_enc(&mut e, target);
    e.duration(idle);
    e.0
}

/// The bytes of an [`Request::Exec`].
pub fn exec(id: u64, cmd: &RemoteCommand) -> Vec<u8> {
    let mut e = Enc::default();
    e.u8(2);
    e.u64(id);
    command_enc(&mut e, cmd);
    e.0
}

/// The bytes of a [`Request::Stream`].
pub fn stream(id: u64, cmd: &RemoteCommand) -> Vec<u8> {
    let mut e = Enc::default();
    e.u8(4);
    e.u64(id);
    command_enc(&mut e, cmd);
    e.0
}

/// The bytes of a [`Request::Reset`].
pub fn reset(id: u64) -> Vec<u8> {
    let mut e = Enc::default();
    e.u8(3);
    e.u64(id);
    e.0
}

impl Request {
    /// Reads a message written by [`attach`], [`exec`], [`stream`] or [`reset`].
    pub fn decode(bytes: &[u8]) -> std::io::Result<Request> {
        let mut d = Dec(bytes);
        let r = match d.u8()? {
            1 => Request::Attach {
                target: target_dec(&mut d)?,
                idle: d.duration()?,
            },
            2 => Request::Exec {
                id: d.u64()?,
                cmd: command_dec(&mut d)?,
            },
            3 => Request::Reset { id: d.u64()? },
            4 => Request::Stream {
                id: d.u64()?,
                cmd: command_dec(&mut d)?,
            },
            _ => return Err(bad("unknown request")),
        };
        d.end()?;
        Ok(r)
    }
}

impl Reply {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        match self {
            Reply::Attached { id } => {
                e.u8(1);
                e.u64(*id);
            }
            Reply::Output(out) => {
                e.u8(2);
                match &out.status {
                    ExitStatus::Code(c) => {
                        e.u8(0);
                        e.u64(*c as u32 as u64);
                    }
                    ExitStatus::Signal(s) => {
                        e.u8(1);
                        e.bytes(s.as_bytes());
                    }
                }
                e.bytes(&out.stdout);
                e.bytes(&out.stderr);
            }
            Reply::Done => e.u8(3),
            Reply::Failed(err) => {
                e.u8(4);
                error_enc(&mut e, err);
            }
        }
        e.0
    }

    /// Reads a message written by [`Reply::encode`].
    pub fn decode(bytes: &[u8]) -> std::io::Result<Reply> {
        let mut d = Dec(bytes);
        let r = match d.u8()? {
            1 => Reply::Attached { id: d.u64()? },
            2 => {
                let status = match d.u8()? {
                    0 => ExitStatus::Code(d.u64()? as u32 as i32),
                    _ => ExitStatus::Signal(d.string()?),
                };
                Reply::Output(ExecOutput {
                    status,
                    stdout: d.bytes()?,
                    stderr: d.bytes()?,
                })
            }
            3 => Reply::Done,
            4 => Reply::Failed(error_dec(&mut d)?),
            _ => return Err(bad("unknown reply")),
        };
        d.end()?;
        Ok(r)
    }
}

/// The bytes that identify a connection: everything about how it is reached and who logs in,
/// except the connect timeout (which only matters while connecting) and how long it is kept. Two runs that would open
/// the same connection share it; any other difference (another key, user, known_hosts file or
/// password) gets a connection of its own.
/// Hashed, so that the daemon keeps no second copy of a password.
pub fn identity(target: &SshTarget) -> [u8; 32] {
    use sha2::Digest;
    let mut e = Enc::default();
    target_enc(
        &mut e,
        &SshTarget {
            connect_timeout: Duration::ZERO,
            control_persist: None,
            ..target.clone()
        },
    );
    sha2::Sha256::digest(&e.0).into()
}

fn endpoint_enc(e: &mut Enc, ep: &Endpoint) {
    e.bytes(ep.host.as_bytes());
    e.u64(u64::from(ep.port));
    e.bytes(ep.user.as_bytes());
    e.paths(&ep.identity_files);
}

fn endpoint_dec(d: &mut Dec) -> std::io::Result<Endpoint> {
    Ok(Endpoint {
        host: d.string()?,
        port: u16::try_from(d.u64()?).map_err(|_| bad("port"))?,
        user: d.string()?,
        identity_files: d.paths()?,
    })
}

fn target_enc(e: &mut Enc, t: &SshTarget) {
    endpoint_enc(e, &t.endpoint);
    e.u64(t.jumps.len() as u64);
    for j in &t.jumps {
        endpoint_enc(e, j);
    }
    e.paths(&t.identity_files);
    e.u8(u8::from(t.identities_only));
    e.secret(t.password.as_ref());
    e.paths(&t.known_hosts);
    e.u8(match t.policy {
        HostKeyPolicy::Strict => 0,
        HostKeyPolicy::AcceptNew => 1,
        HostKeyPolicy::Off => 2,
    });
    e.duration(t.connect_timeout);
    e.duration(t.keepalive);
    e.u64(t.keepalive_max as u64);
}

fn target_dec(d: &mut Dec) -> std::io::Result<SshTarget> {
    let endpoint = endpoint_dec(d)?;
    let n = d.u64()?;
    let jumps = (0..n)
        .map(|_| endpoint_dec(d))
        .collect::<std::io::Result<_>>()?;
    Ok(SshTarget {
        endpoint,
        jumps,
        identity_files: d.paths()?,
        identities_only: d.u8()? != 0,
        password: d.secret()?,
        known_hosts: d.paths()?,
        policy: match d.u8()? {
            0 => HostKeyPolicy::Strict,
            1 => HostKeyPolicy::AcceptNew,
            _ => HostKeyPolicy::Off,
        },
        connect_timeout: d.duration()?,
        keepalive: d.duration()?,
        keepalive_max: d.u64()? as usize,
        // The daemon keeps what it is told in the request, not what the target says.
        control_persist: None,
    })
}

fn command_enc(e: &mut Enc, c: &RemoteCommand) {
    e.bytes(&c.script);
    e.bytes(&c.stdin);
    match &c.stdin_file {
        Some(p) => {
            e.u8(1);
            e.bytes(p.as_os_str().as_bytes());
        }
        None => e.u8(0),
    }
    match &c.become_ {
        Some(b) => {
            e.u8(1);
            e.bytes(b.user.as_bytes());
            e.secret(b.password.as_ref());
            e.u8(match b.method {
                BecomeMethod::Sudo => 0,
                BecomeMethod::Su => 1,
            });
            e.duration(b.prompt_timeout);
            for text in [&b.exe, &b.flags] {
                match text {
                    Some(t) => {
                        e.u8(1);
                        e.bytes(t.as_bytes());
                    }
                    None => e.u8(0),
                }
            }
        }
        None => e.u8(0),
    }
    match c.timeout {
        Some(t) => {
            e.u8(1);
            e.duration(t);
        }
        None => e.u8(0),
    }
    e.u8(u8::from(c.raw));
    e.u8(u8::from(c.user_code));
}

/// A string written as a presence byte and, when present, its bytes.
fn optional_string(d: &mut Dec) -> std::io::Result<Option<String>> {
    match d.u8()? {
        0 => Ok(None),
        _ => Ok(Some(d.string()?)),
    }
}

fn command_dec(d: &mut Dec) -> std::io::Result<RemoteCommand> {
    Ok(RemoteCommand {
        script: d.bytes()?,
        stdin: d.bytes()?,
        stdin_file: match d.u8()? {
            0 => None,
            _ => Some(PathBuf::from(std::ffi::OsString::from_vec(d.bytes()?))),
        },
        become_: match d.u8()? {
            0 => None,
            _ => Some(Become {
                user: d.string()?,
                password: d.secret()?,
                method: match d.u8()? {
                    0 => BecomeMethod::Sudo,
                    _ => BecomeMethod::Su,
                },
                prompt_timeout: d.duration()?,
                exe: optional_string(d)?,
                flags: optional_string(d)?,
            }),
        },
        timeout: match d.u8()? {
            0 => None,
            _ => Some(d.duration()?),
        },
        raw: d.u8()? != 0,
        user_code: d.u8()? != 0,
    })
}

fn error_enc(e: &mut Enc, err: &ConnectionError) {
    let (tag, text) = match err {
        ConnectionError::Unreachable(m) => (0, m.clone()),
        ConnectionError::HostKey(m) => (1, m.clone()),
        ConnectionError::Auth(m) => (2, m.clone()),
        ConnectionError::Timeout(t) => {
            e.u8(3);
            e.duration(*t);
            return;
        }
        ConnectionError::Become(m) => (4, m.clone()),
        ConnectionError::Io(m) => (5, m.clone()),
        ConnectionError::Refused(m) => (6, m.clone()),
    };
    e.u8(tag);
    e.bytes(text.as_bytes());
}

fn error_dec(d: &mut Dec) -> std::io::Result<ConnectionError> {
    let tag = d.u8()?;
    if tag == 3 {
        return Ok(ConnectionError::Timeout(d.duration()?));
    }
    let m = d.string()?;
    Ok(match tag {
        0 => ConnectionError::Unreachable(m),
        1 => ConnectionError::HostKey(m),
        2 => ConnectionError::Auth(m),
        4 => ConnectionError::Become(m),
        5 => ConnectionError::Io(m),
        _ => ConnectionError::Refused(m),
    })
}

/// A message being written.
#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn duration(&mut self, d: Duration) {
        self.u64(d.as_millis().min(u128::from(u64::MAX)) as u64);
    }

    fn paths(&mut self, ps: &[PathBuf]) {
        self.u64(ps.len() as u64);
        for p in ps {
            self.bytes(p.as_os_str().as_bytes());
        }
    }

    fn secret(&mut self, s: Option<&Secret>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.bytes(s.expose().as_bytes());
            }
            None => self.u8(0),
        }
    }
}

/// A message being read.
struct Dec<'a>(&'a [u8]);

impl Dec<'_> {
    fn take(&mut self, n: usize) -> std::io::Result<&[u8]> {
        if self.0.len() < n {
            return Err(bad("message cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> std::io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> std::io::Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_be_bytes(b.try_into().expect("8 bytes")))
    }

    fn bytes(&mut self) -> std::io::Result<Vec<u8>> {
        let n = usize::try_from(self.u64()?).map_err(|_| bad("length"))?;
        Ok(self.take(n)?.to_vec())
    }

    fn string(&mut self) -> std::io::Result<String> {
        String::from_utf8(self.bytes()?).map_err(|_| bad("text is not UTF-8"))
    }

    fn duration(&mut self) -> std::io::Result<Duration> {
        Ok(Duration::from_millis(self.u64()?))
    }

    fn paths(&mut self) -> std::io::Result<Vec<PathBuf>> {
        let n = self.u64()?;
        (0..n)
            .map(|_| Ok(PathBuf::from(std::ffi::OsString::from_vec(self.bytes()?))))
            .collect()
    }

    fn secret(&mut self) -> std::io::Result<Option<Secret>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(Secret::new(self.string()?)),
        })
    }

    fn end(&self) -> std::io::Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(bad("trailing bytes"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> SshTarget {
        SshTarget {
            endpoint: Endpoint {
                host: "10.0.0.1".into(),
                port: 2222,
                user: "deploy".into(),
                identity_files: vec!["/k/a".into()],
            },
            jumps: vec![Endpoint {
                host: "bastion".into(),
                port: 22,
                user: "j".into(),
                identity_files: vec![],
            }],
            identity_files: vec!["/k/id".into(), "/k/\u{e9}".into()],
            identities_only: true,
            password: Some(Secret::new("pw")),
            known_hosts: vec!["/kh".into()],
            policy: HostKeyPolicy::AcceptNew,
            connect_timeout: Duration::from_secs(10),
            keepalive: Duration::from_millis(2500),
            keepalive_max: 3,
            control_persist: Some(Duration::from_secs(60)),
        }
    }

    #[test]
    fn requests_survive_the_trip() {
        let bytes = attach(&target(), Duration::from_secs(60));
        let Request::Attach { target: t, idle } = Request::decode(&bytes).unwrap() else {
            panic!("not an attach");
        };
        assert_eq!(idle, Duration::from_secs(60));
        assert_eq!(identity(&t), identity(&target()));
        assert_eq!(t.connect_timeout, Duration::from_secs(10));
        assert_eq!(t.password.unwrap().expose(), "pw");

        let cmd = RemoteCommand {
            script: b"printf '\\0' \xff".to_vec(),
            stdin: vec![0, 1, 2],
            stdin_file: Some("/tmp/f".into()),
            become_: Some(Become {
                user: "root".into(),
                password: Some(Secret::new("s")),
                method: BecomeMethod::Su,
                prompt_timeout: Duration::from_secs(12),
                exe: None,
                flags: Some("-l".into()),
            }),
            timeout: Some(Duration::from_secs(3)),
            raw: true,
            user_code: true,
        };
        let Request::Exec { id, cmd: c } = Request::decode(&exec(7, &cmd)).unwrap() else {
            panic!("not an exec");
        };
        assert_eq!(id, 7);
        assert_eq!(c.script, b"printf '\\0' \xff");
        assert_eq!(c.stdin, [0, 1, 2]);
        assert_eq!(
            c.stdin_file.as_deref(),
            Some(std::path::Path::new("/tmp/f"))
        );
        assert_eq!(c.timeout, Some(Duration::from_secs(3)));
        assert!(c.raw && c.user_code);
        let b = c.become_.unwrap();
        assert_eq!((b.user.as_str(), b.method), ("root", BecomeMethod::Su));
        assert_eq!((b.exe, b.flags.as_deref()), (None, Some("-l")));
        assert_eq!(b.password.unwrap().expose(), "s");
    }

    #[test]
    fn replies_survive_the_trip() {
        let out = Reply::Output(ExecOutput {
            status: ExitStatus::Code(-1),
            stdout: b"o\xff".to_vec(),
            stderr: b"e".to_vec(),
        });
        let Reply::Output(o) = Reply::decode(&out.encode()).unwrap() else {
            panic!("not an output");
        };
        assert_eq!(o.status, ExitStatus::Code(-1));
        assert_eq!(
            (o.stdout.as_slice(), o.stderr.as_slice()),
            (&b"o\xff"[..], &b"e"[..])
        );
        let sig = Reply::Output(ExecOutput {
            status: ExitStatus::Signal("KILL".into()),
            stdout: vec![],
            stderr: vec![],
        });
        let Reply::Output(o) = Reply::decode(&sig.encode()).unwrap() else {
            panic!("not an output");
        };
        assert_eq!(o.status, ExitStatus::Signal("KILL".into()));
        for err in [
            ConnectionError::Unreachable("u".into()),
            ConnectionError::HostKey("h".into()),
            ConnectionError::Auth("a".into()),
            ConnectionError::Timeout(Duration::from_secs(5)),
            ConnectionError::Become("b".into()),
        ] {
            let text = err.to_string();
            let Reply::Failed(back) = Reply::decode(&Reply::Failed(err).encode()).unwrap() else {
                panic!("not a failure");
            };
            assert_eq!(back.to_string(), text);
        }
    }

    #[test]
    fn identity_ignores_only_the_connect_timeout_and_the_keeping() {
        let a = target();
        let quick = SshTarget {
            connect_timeout: Duration::from_secs(1),
            control_persist: None,
            ..target()
        };
        assert_eq!(identity(&a), identity(&quick));
        let other_key = SshTarget {
            identity_files: vec!["/k/other".into()],
            ..target()
        };
        assert_ne!(identity(&a), identity(&other_key));
        let other_password = SshTarget {
            password: Some(Secret::new("other")),
            ..target()
        };
        assert_ne!(identity(&a), identity(&other_password));
    }

    #[test]
    fn broken_messages_are_errors_not_panics() {
        let good = reset(1);
        assert!(Request::decode(&good[..good.len() - 1]).is_err());
        assert!(Request::decode(&[9]).is_err());
        assert!(Reply::decode(&[2, 0]).is_err());
        let mut long = good.clone();
        long.push(0);
        assert!(Request::decode(&long).is_err());
        // A length far beyond the message must not allocate it.
        let mut huge = vec![2u8];
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(Reply::decode(&huge).is_err());
    }
}
