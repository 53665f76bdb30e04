//! One long-lived `/bin/sh` per connection, on its own SSH channel, that runs most programs
//! without opening a new SSH session for each. A session costs the target a fork of sshd, the
//! login shell's startup (with its rc files) and the controller a channel round trip; over a
//! play that is most of the time a task takes. Knows the framing of one command on the shared
//! shell and nothing of what the command does.
//!
//! Each program is sent as one line of shell text that the long-lived shell only has to read,
//! never to understand: `/bin/sh -c '<script>'` (quoted, so a syntax error or an `exit` in the
//! script stays in the child), its stdin from a base64 here-document or `/dev/null`, then the
//! exit code and an end marker with a fresh nonce on stdout and on stderr. The reader passes
//! bytes through as they come, holding back only what could be the start of a marker.
//! Programs that need a terminal, a typed password, a timeout, a streamed file or the login
//! shell (`raw`) keep their own session: see [`eligible`].
//!
//! Programs that become another user through sudo without a password run on a second shell
//! started once through `sudo -n` (see [`start`]): sudo costs the target about 10 ms of CPU
//! (PAM, sudoers, logging), more than the program itself for most tasks. That shell announces
//! itself with a marker line; when sudo refuses (a password is required, the user may not
//! become), the shell ends before the marker, the program never ran, and the caller runs it
//! the usual way, which reports sudo's own error.

use super::super::become_wrap::{find, nonce};
use super::super::driver::{Chunk, ChunkSource, StdinSink};
use super::super::quote::quote;
use super::super::{BecomeMethod, ConnectionError, ExitStatus, RemoteCommand};
use base64::Engine;
use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};

/// Stdin larger than this goes through its own session: a here-document is held in the shell's
/// memory and costs a third more bytes.
const MAX_STDIN: usize = 256 * 1024;

/// The shell text that turns a fresh session into the long-lived shell of the login user
/// (`become_user` `None`) or of `become_user` through sudo, and for the latter the marker it
/// prints once it runs (fresh for each shell).
pub fn start(become_user: Option<&str>) -> (Vec<u8>, Option<String>) {
    let Some(user) = become_user else {
        return (b"exec /bin/sh".to_vec(), None);
    };
    let marker = format!("RSIBLE-SHELL-{}", nonce());
    let mut t = b"exec sudo -H -n -u ".to_vec();
    t.extend(quote(user.as_bytes()));
    t.extend_from_slice(b" /bin/sh -c ");
    t.extend(quote(format!("echo {marker}; exec /bin/sh").as_bytes()));
    (t, Some(marker))
}

/// Where a connection keeps the long-lived shell of one user.
#[derive(Default)]
pub struct Slot {
    /// The shell, once started; `None` again after a program on it failed or was abandoned.
    pub shell: Option<Shell>,
    /// sudo refused to start this user's shell: its programs take their own sessions.
    pub refused: bool,
}

/// Whether `cmd` can run on a shared shell: no terminal (su), no password to type, no timeout
/// (stopping one program there would mean stopping the shell), no streamed file, not `raw`,
/// and sudo run as rsible runs it (no `become_exe` or `become_flags` of the user's).
pub fn eligible(cmd: &RemoteCommand) -> bool {
    !cmd.raw
        && cmd.timeout.is_none()
        && cmd.stdin_file.is_none()
        && cmd.stdin.len() <= MAX_STDIN
        && cmd.become_.as_ref().is_none_or(|b| {
            b.method == BecomeMethod::Sudo
                && b.password.is_none()
                && b.exe.is_none()
                && b.flags.is_none()
        })
}

/// The long-lived shell of one connection.
pub struct Shell {
    read: ChannelReadHalf,
    write: Option<ChannelWriteHalf<Msg>>,
    /// The start marker still to come on stdout (a become shell that has not announced itself).
    start: Option<Marker>,
}

impl Shell {
    /// Wraps a channel on which [`start`]'s text was executed, with the marker it returned.
    pub fn new(
        read: ChannelReadHalf,
        write: ChannelWriteHalf<Msg>,
        marker: Option<String>,
    ) -> Self {
        Shell {
            read,
            write: Some(write),
            start: marker.map(|m| Marker::new(format!("{m}\n").into_bytes())),
        }
    }

    /// Sends one program (`text` is shell text, run in a forked subshell, or by a child
    /// `/bin/sh` when it is the `user_code` of a `shell` task) with its `stdin`, and returns
    /// the source of its output. The program has been fully sent when this returns.
    pub async fn send(
        &mut self,
        text: &[u8],
        stdin: &[u8],
        user_code: bool,
    ) -> Result<ShellRun<'_>, ConnectionError> {
        let id = nonce();
        let line = frame(text, stdin, &id, user_code);
        let write = self
            .write
            .as_ref()
            .ok_or_else(|| ConnectionError::Unreachable("the shell channel is closed".into()))?;
        write
            .data(&line[..])
            .await
            .map_err(|e| ConnectionError::Unreachable(format!("the connection broke: {e}")))?;
        Ok(ShellRun {
            shell: self,
            out: Marker::new(format!("\n{END}{id} ").into_bytes()),
            err: Marker::new(format!("\n{END}{id}\n").into_bytes()),
            status: None,
            exited: false,
        })
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        // A shell dropped mid-program (timeout of the caller, Ctrl-C) is in an unknown state:
        // close its channel so that sshd ends it.
        if let Some(w) = self.write.take() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = w.close().await;
                });
            }
        }
    }
}

const END: &str = "RSIBLE-END-";

/// The bytes sent for one program.
fn frame(text: &[u8], stdin: &[u8], id: &str, user_code: bool) -> Vec<u8> {
    let mut line = Vec::with_capacity(text.len() + stdin.len() * 4 / 3 + 200);
    // Either way the script is one quoted word the long-lived shell only reads: a syntax
    // error, `exit` or `cd` in it stays in the child. `eval` in a subshell costs a fork; a
    // child `/bin/sh` costs an exec more (about 0.5 ms of the target's CPU), which only the
    // user's own code gets, for `$$` and `$PPID`.
    let (run, end) = if user_code {
        (b"/bin/sh -c ".as_slice(), b"".as_slice())
    } else {
        (b"( eval ".as_slice(), b" )".as_slice())
    };
    let eof = format!("RSIBLE-IN-{id}");
    if stdin.is_empty() {
        line.extend_from_slice(run);
        line.extend(quote(text));
        line.extend_from_slice(end);
        line.extend_from_slice(b" </dev/null");
    } else if plain_text(stdin, &eof) {
        // Text goes as it is: a here-document whose delimiter is quoted is not expanded, and
        // no `base64` runs (an exec, about a millisecond of the target's CPU).
        line.extend_from_slice(run);
        line.extend(quote(text));
        line.extend_from_slice(end);
        line.extend_from_slice(format!(" <<'{eof}'\n").as_bytes());
        line.extend_from_slice(stdin);
        line.extend_from_slice(eof.as_bytes());
    } else {
        // The delimiter cannot occur in base64 text (it has a '-').
        line.extend_from_slice(format!("base64 -d <<'{eof}' | ").as_bytes());
        line.extend_from_slice(run);
        line.extend(quote(text));
        line.extend_from_slice(end);
        line.push(b'\n');
        let b64 = base64::engine::general_purpose::STANDARD.encode(stdin);
        for chunk in b64.as_bytes().chunks(76) {
            line.extend_from_slice(chunk);
            line.push(b'\n');
        }
        line.extend_from_slice(eof.as_bytes());
    }
    // The leading newline lets the reader find the marker after output with no final newline;
    // the reader removes it again.
    line.extend_from_slice(
        format!("\nprintf '\\n%s %d\\n' {END}{id} \"$?\"; printf '\\n%s\\n' {END}{id} >&2\n")
            .as_bytes(),
    );
    line
}

/// Whether `stdin` can travel as the body of a quoted here-document ended by `eof`: plain
/// text (bytes a shell might treat specially in its input, NUL and non-ASCII, go through
/// `base64`; a here-document always ends with a newline) without a line that is the
/// delimiter.
fn plain_text(stdin: &[u8], eof: &str) -> bool {
    super::super::plain_text(stdin) && !stdin.split(|&b| b == b'\n').any(|l| l == eof.as_bytes())
}

/// The output of one program on the shell, up to its end markers.
pub struct ShellRun<'a> {
    shell: &'a mut Shell,
    out: Marker,
    err: Marker,
    status: Option<i32>,
    exited: bool,
}

impl ShellRun<'_> {
    /// Whether both end markers arrived: the shell is ready for the next program.
    pub fn finished(&self) -> bool {
        self.exited
    }

    /// Whether the shell ended before announcing itself: sudo refused, the program never ran.
    pub fn refused(&self) -> bool {
        self.shell.start.is_some()
    }
}

impl ChunkSource for ShellRun<'_> {
    async fn next(&mut self) -> Option<Chunk> {
        loop {
            if self.out.done && self.err.done {
                if self.exited {
                    return None;
                }
                self.exited = true;
                return Some(Chunk::Exit(ExitStatus::Code(self.status?)));
            }
            let (stream, data) = match self.shell.read.wait().await? {
                ChannelMsg::Data { data } => (true, data),
                ChannelMsg::ExtendedData { data, ext: 1 } => (false, data),
                // The shell ended (host restarted, sshd killed): the program's fate is unknown.
                ChannelMsg::Eof | ChannelMsg::Close | ChannelMsg::ExitStatus { .. } => return None,
                _ => continue,
            };
            if stream {
                let data = match self.shell.start.as_mut() {
                    None => data.to_vec(),
                    Some(start) => match start.feed(&data).1 {
                        // What sudo printed before the shell started is not the program's.
                        None => continue,
                        Some(rest) => {
                            self.shell.start = None;
                            rest
                        }
                    },
                };
                let (pass, rest) = self.out.feed(&data);
                if let Some(rest) = rest {
                    self.status = parse_status(&rest);
                    self.status?;
                }
                if !pass.is_empty() {
                    return Some(Chunk::Stdout(pass));
                }
            } else {
                let (pass, _) = self.err.feed(&data);
                if !pass.is_empty() {
                    return Some(Chunk::Stderr(pass));
                }
            }
        }
    }
}

/// `"<code>\n"` after the stdout marker.
fn parse_status(rest: &[u8]) -> Option<i32> {
    std::str::from_utf8(rest).ok()?.trim_end().parse().ok()
}

/// Finds an end marker in one output stream and passes through the bytes before it.
struct Marker {
    pattern: Vec<u8>,
    held: Vec<u8>,
    done: bool,
}

impl Marker {
    fn new(pattern: Vec<u8>) -> Self {
        Marker {
            pattern,
            held: Vec::new(),
            done: false,
        }
    }

    /// Takes the next bytes; returns those that are surely output, and, once the marker was
    /// seen and its line is complete, what followed the marker on its line (with the newline).
    fn feed(&mut self, data: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
        if self.done {
            return (Vec::new(), None);
        }
        self.held.extend_from_slice(data);
        if let Some(pos) = find(&self.held, &self.pattern) {
            let after = &self.held[pos + self.pattern.len()..];
            // The stdout marker carries the code up to a newline; the stderr one ends in it.
            let line_done = self.pattern.ends_with(b"\n") || after.contains(&b'\n');
            if !line_done {
                return (Vec::new(), None);
            }
            self.done = true;
            let rest = after.to_vec();
            let pass = self.held[..pos].to_vec();
            self.held.clear();
            return (pass, Some(rest));
        }
        // Keep only what could be the start of the marker.
        let keep = longest_prefix_suffix(&self.held, &self.pattern);
        let pass = self.held[..self.held.len() - keep].to_vec();
        self.held.drain(..self.held.len() - keep);
        (pass, None)
    }
}

/// The length of the longest suffix of `data` that is a proper prefix of `pattern`.
fn longest_prefix_suffix(data: &[u8], pattern: &[u8]) -> usize {
    (1..pattern.len().min(data.len() + 1))
        .rev()
        .find(|&n| data.ends_with(&pattern[..n]))
        .unwrap_or(0)
}

/// The stdin of a program on the shell went with its text: nothing is left to send.
pub struct Sent;

impl StdinSink for Sent {
    async fn write(&mut self, _data: &[u8]) -> Result<(), ConnectionError> {
        Ok(())
    }

    async fn eof(&mut self) -> Result<(), ConnectionError> {
        Ok(())
    }

    async fn kill(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_marker(pattern: &str, pieces: &[&str]) -> (String, Option<String>) {
        let mut m = Marker::new(pattern.as_bytes().to_vec());
        let mut out = Vec::new();
        let mut rest = None;
        for p in pieces {
            let (pass, r) = m.feed(p.as_bytes());
            out.extend(pass);
            if r.is_some() {
                rest = r.map(|r| String::from_utf8(r).unwrap());
            }
        }
        (String::from_utf8(out).unwrap(), rest)
    }

    #[test]
    fn marker_split_across_chunks_is_found_and_output_kept_exactly() {
        let (out, rest) = run_marker("\nEND-x ", &["abc\n", "\nEN", "D-x 0", "\n"]);
        assert_eq!(out, "abc\n");
        assert_eq!(rest.as_deref(), Some("0\n"));
    }

    #[test]
    fn output_without_final_newline_keeps_its_last_byte() {
        let (out, rest) = run_marker("\nEND-x ", &["abc", "\nEND-x 3\n"]);
        assert_eq!(out, "abc");
        assert_eq!(rest.as_deref(), Some("3\n"));
    }

    #[test]
    fn a_partial_marker_that_is_not_one_is_passed_through() {
        let (out, rest) = run_marker("\nEND-x ", &["a\nEND", "-y\n", "\nEND-x 1\n"]);
        assert_eq!(out, "a\nEND-y\n");
        assert_eq!(rest.as_deref(), Some("1\n"));
    }

    #[test]
    fn frame_quotes_the_script_and_carries_stdin_as_base64() {
        let f = String::from_utf8(frame(b"echo 'hi'; exit 3", b"\0bin", "n1", true)).unwrap();
        assert!(f.starts_with("base64 -d <<'RSIBLE-IN-n1' | /bin/sh -c 'echo '\\''hi'\\''; exit 3'\nAGJpbg==\nRSIBLE-IN-n1\n"), "{f}");
        assert!(
            f.ends_with(
                "printf '\\n%s %d\\n' RSIBLE-END-n1 \"$?\"; printf '\\n%s\\n' RSIBLE-END-n1 >&2\n"
            ),
            "{f}"
        );
        let g = String::from_utf8(frame(b"true", b"", "n2", true)).unwrap();
        assert!(g.starts_with("/bin/sh -c true </dev/null\n"), "{g}");
        let h = String::from_utf8(frame(b"cd /", b"", "n3", false)).unwrap();
        assert!(h.starts_with("( eval 'cd /' ) </dev/null\n"), "{h}");
    }

    /// Frames fed one after the other to a real `/bin/sh`, as the long-lived shell reads
    /// them: each program's output, status and isolation from the next.
    #[test]
    fn programs_on_one_real_shell_stay_apart() {
        let programs: [(&[u8], &[u8], bool); 8] = [
            (b"cd /tmp; x=1; exit 3", b"", false),
            (b"pwd; echo \"[$x]\"; cat", b"in\0put", false),
            (b"if then fi", b"", false),
            (b"echo $$ $PPID", b"", true),
            (b"echo $$", b"", false),
            (b"kill -9 $$", b"", true),
            (
                b"cat",
                b"$HOME `x` 'q' \\\\\tend\r\nRSIBLE-IN-t7\nRSIBLE-IN-t6x\n",
                false,
            ),
            (b"cat", b"RSIBLE-IN-t7\n", true),
        ];
        let mut input = Vec::new();
        for (i, (text, stdin, user)) in programs.iter().enumerate() {
            input.extend(frame(text, stdin, &format!("t{i}"), *user));
        }
        let mut child = std::process::Command::new("/bin/sh")
            .current_dir("/")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let parts: Vec<&str> = stdout.split("\nRSIBLE-END-").collect();
        assert_eq!(parts.len(), 9, "{stdout}");
        let status = |i: usize| parts[i + 1].split(['\n', ' ']).nth(1).unwrap().to_string();
        assert_eq!(status(0), "3", "exit ends the program only");
        assert_eq!(
            parts[1].trim_start_matches(|c| c != '\n').trim(),
            "/\n[]\nin\0put"
        );
        assert_eq!(status(1), "0");
        assert_ne!(status(2), "0", "a syntax error fails its program only");
        let pids: Vec<&str> = parts[3].split_whitespace().skip(2).collect();
        let own = parts[4].split_whitespace().nth(2).unwrap();
        assert_eq!(
            pids[1], own,
            "user code gets a /bin/sh whose parent is the shell"
        );
        assert_ne!(pids[0], own);
        assert_eq!(status(5), "137", "a signal-killed program reports 128+n");
        let body = |i: usize| parts[i].split_once('\n').map_or("", |(_, b)| b).to_string();
        assert_eq!(
            body(6),
            "$HOME `x` 'q' \\\\\tend\r\nRSIBLE-IN-t7\nRSIBLE-IN-t6x\n",
            "text is passed as it is, a line like another program's delimiter too"
        );
        assert_eq!(
            body(7),
            "RSIBLE-IN-t7\n",
            "a line like its own delimiter goes as base64"
        );
    }

    #[test]
    fn only_plain_text_skips_base64() {
        let f =
            |stdin: &[u8]| String::from_utf8_lossy(&frame(b"cat", stdin, "n", false)).into_owned();
        assert!(!f(b"a\tb\r\n").contains("base64"));
        for stdin in [
            &b"no newline"[..],
            b"\xc3\xa9\n",
            b"a\0b\n",
            b"RSIBLE-IN-n\n",
        ] {
            assert!(f(stdin).contains("base64 -d"), "{stdin:?}");
        }
    }
}
