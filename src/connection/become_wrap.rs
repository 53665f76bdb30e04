//! Become (sudo, su) wrapping and the password handshake. Builds the wrapped shell text and
//! then watches the program's first output to type the password only when the tool asks for
//! it, and to pass the caller's stdin only once the tool has handed over to the program.
//! Knows nothing of SSH.
//!
//! The wrapped program prints a per-run marker on stdout as its first act. sudo prints a
//! per-run prompt on stderr when it wants the password; su prints its own `Password:` on the
//! terminal. Without the marker, a password sent to a sudo that does not ask (NOPASSWD, cached
//! credentials) would leak into the program's stdin.

use super::quote::quote;
use super::{Become, BecomeMethod, ConnectionError, RemoteCommand};

/// The wrapped program and the strings that frame its handshake.
#[derive(Debug)]
pub struct Wrapped {
    /// Shell text to run instead of the original.
    pub script: Vec<u8>,
    /// Printed on stdout (followed by a newline) once the target user's shell runs.
    pub marker: Vec<u8>,
    /// The password prompt to watch for.
    pub prompt: Vec<u8>,
    /// The tool needs a terminal (su): run on a pseudo-terminal, prompt arrives on stdout.
    pub needs_pty: bool,
}

/// Wraps `script` (shell text) so it runs as `become_.user`. sudo runs non-interactively when
/// no password is known (`-n`: fail at once instead of waiting on a prompt nobody answers).
pub fn wrap(script: &[u8], become_: &Become, nonce: &str) -> Wrapped {
    let marker = format!("RSIBLE-BECOME-OK-{nonce}").into_bytes();
    let mut inner = b"echo ".to_vec();
    inner.extend_from_slice(&marker);
    inner.extend_from_slice(b"; ");
    inner.extend_from_slice(script);
    match become_.method {
        BecomeMethod::Sudo => {
            let prompt = format!("[rsible-sudo-{nonce}]").into_bytes();
            let mut out = words(become_.exe.as_deref().unwrap_or("sudo"));
            match &become_.flags {
                None if become_.password.is_none() => out.extend_from_slice(b"-H -S -n "),
                None => out.extend_from_slice(b"-H -S "),
                Some(f) => {
                    let flags = shell_words(f);
                    let flags: Vec<String> = if become_.password.is_some() {
                        flags.iter().filter_map(|w| interactive(w)).collect()
                    } else {
                        flags
                    };
                    out.extend(quoted(&flags));
                }
            }
            out.extend_from_slice(b"-p ");
            out.extend(quote(&prompt));
            out.extend_from_slice(b" -u ");
            out.extend(quote(become_.user.as_bytes()));
            out.extend_from_slice(b" /bin/sh -c ");
            out.extend(quote(&inner));
            Wrapped {
                script: out,
                marker,
                prompt,
                needs_pty: false,
            }
        }
        BecomeMethod::Su => {
            // `LC_ALL=C` keeps su's prompt in English; `-s /bin/sh` whatever the user's shell.
            // The program itself must not inherit the C locale forced on su.
            let mut inner_su = b"unset LC_ALL; ".to_vec();
            inner_su.extend_from_slice(&inner);
            let mut out = b"LC_ALL=C ".to_vec();
            out.extend(words(become_.exe.as_deref().unwrap_or("su")));
            out.extend(words(become_.flags.as_deref().unwrap_or("")));
            out.extend_from_slice(b"-s /bin/sh -c ");
            out.extend(quote(&inner_su));
            out.extend_from_slice(b" -- ");
            out.extend(quote(become_.user.as_bytes()));
            Wrapped {
                script: out,
                marker,
                prompt: b"assword:".to_vec(),
                needs_pty: true,
            }
        }
    }
}

/// Splits `become_exe`/`become_flags` text into shell words as a shell would (on whitespace
/// when its quotes do not balance).
fn shell_words(text: &str) -> Vec<String> {
    shlex::split(text).unwrap_or_else(|| text.split_whitespace().map(str::to_string).collect())
}

/// `text`'s shell words, each quoted, each followed by a space.
fn words(text: &str) -> Vec<u8> {
    quoted(&shell_words(text))
}

/// Each word quoted and followed by a space.
fn quoted(words: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for w in words {
        out.extend(quote(w.as_bytes()));
        out.push(b' ');
    }
    out
}

/// A sudo flag with non-interactive mode taken out, as when a password will be typed:
/// `-n`/`--non-interactive` go, `n` leaves a bundle of short flags (`-Hn` becomes `-H`).
fn interactive(flag: &str) -> Option<String> {
    if flag == "-n" || flag == "--non-interactive" {
        return None;
    }
    match flag.strip_prefix('-') {
        Some(short) if !short.starts_with('-') && short.contains('n') => {
            let letters: String = short.chars().filter(|c| *c != 'n').collect();
            (!letters.is_empty()).then(|| format!("-{letters}"))
        }
        _ => Some(flag.to_string()),
    }
}

/// Wraps `cmd` when it asks for become, with a fresh nonce so that the program's own output
/// cannot fake the marker or the prompt.
pub fn wrap_command(cmd: &RemoteCommand) -> Option<Wrapped> {
    let nonce = nonce();
    cmd.become_.as_ref().map(|b| wrap(&cmd.script, b, &nonce))
}

/// A fresh per-command token for the become marker and prompt, so that a program's own output
/// cannot fake them.
pub fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}{n:x}", std::process::id(), t)
}

/// What the caller must do next during the handshake.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Keep reading.
    Wait,
    /// Send the password followed by a newline.
    SendPassword,
    /// The program runs as the target user: send stdin now. Carries stdout bytes that followed
    /// the marker.
    Ready(Vec<u8>),
}

/// Tracks the handshake over the first bytes of stdout and stderr.
#[derive(Debug)]
pub struct Handshake {
    marker: Vec<u8>,
    prompt: Vec<u8>,
    prompt_on_stdout: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    prompts_seen: usize,
    has_password: bool,
}

impl Handshake {
    /// Starts watching for `w`'s marker and prompt.
    pub fn new(w: &Wrapped, has_password: bool) -> Self {
        Handshake {
            marker: w.marker.clone(),
            prompt: w.prompt.clone(),
            prompt_on_stdout: w.needs_pty,
            stdout: Vec::new(),
            stderr: Vec::new(),
            prompts_seen: 0,
            has_password,
        }
    }

    /// Feeds stdout bytes received before the handshake finished.
    pub fn stdout(&mut self, data: &[u8]) -> Result<Step, ConnectionError> {
        self.stdout.extend_from_slice(data);
        if let Some(pos) = find(&self.stdout, &self.marker) {
            let mut end = pos + self.marker.len();
            // The marker line ends with "\n", or "\r\n" on a terminal.
            while end < self.stdout.len() && matches!(self.stdout[end], b'\r' | b'\n') {
                end += 1;
                if self.stdout[end - 1] == b'\n' {
                    break;
                }
            }
            if end <= self.stdout.len() && self.stdout[..end].ends_with(b"\n") {
                return Ok(Step::Ready(self.stdout.split_off(end)));
            }
            return Ok(Step::Wait);
        }
        if self.prompt_on_stdout {
            return self.take_prompt(true);
        }
        Ok(Step::Wait)
    }

    /// Feeds stderr bytes received before the handshake finished.
    pub fn stderr(&mut self, data: &[u8]) -> Result<Step, ConnectionError> {
        self.stderr.extend_from_slice(data);
        self.take_prompt(false)
    }

    /// Consumes a prompt from the buffer, if one arrived, and decides what to do about it.
    fn take_prompt(&mut self, on_stdout: bool) -> Result<Step, ConnectionError> {
        let buf = if on_stdout {
            &mut self.stdout
        } else {
            &mut self.stderr
        };
        let Some(pos) = find(buf, &self.prompt) else {
            return Ok(Step::Wait);
        };
        buf.drain(..pos + self.prompt.len());
        self.prompts_seen += 1;
        if !self.has_password {
            return Err(ConnectionError::Become(
                "the become method asks for a password: pass -K/--ask-become-pass or set ansible_become_password".into(),
            ));
        }
        if self.prompts_seen > 1 {
            return Err(ConnectionError::Become("incorrect become password".into()));
        }
        Ok(Step::SendPassword)
    }

    /// Explains a program that ended before the handshake finished.
    pub fn failure(&self) -> ConnectionError {
        let mut text = String::from_utf8_lossy(&self.stderr).trim().to_string();
        if self.prompt_on_stdout {
            text = String::from_utf8_lossy(&self.stdout).trim().to_string();
        }
        if self.prompts_seen > 0 && (text.is_empty() || text.contains("Authentication failure")) {
            return ConnectionError::Become(format!(
                "incorrect become password{}",
                if text.is_empty() {
                    String::new()
                } else {
                    format!(" ({text})")
                }
            ));
        }
        if text.is_empty() {
            text = "the become method ended without running the command".to_string();
        }
        ConnectionError::Become(text)
    }
}

/// Where `needle` first occurs in `hay` (the become marker, the shared shell's end marker).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn become_(pw: bool, method: BecomeMethod) -> Become {
        Become {
            user: "root".into(),
            password: pw.then(|| Secret::new("pw")),
            method,
            prompt_timeout: std::time::Duration::from_secs(12),
            exe: None,
            flags: None,
        }
    }

    #[test]
    fn become_exe_and_flags_replace_the_defaults() {
        let b = Become {
            exe: Some("/usr/local/bin/sudo".into()),
            flags: Some("-H -S -n -E".into()),
            ..become_(false, BecomeMethod::Sudo)
        };
        let s = String::from_utf8(wrap(b"true", &b, "n").script).unwrap();
        assert!(s.starts_with("/usr/local/bin/sudo -H -S -n -E -p '[rsible-sudo-n]' -u root "));
        let b = Become {
            flags: Some("-Hn -S --non-interactive 'a b'".into()),
            ..become_(true, BecomeMethod::Sudo)
        };
        let s = String::from_utf8(wrap(b"true", &b, "n").script).unwrap();
        assert!(s.starts_with("sudo -H -S 'a b' -p "), "{s}");
        let b = Become {
            flags: Some("-l".into()),
            ..become_(true, BecomeMethod::Su)
        };
        let s = String::from_utf8(wrap(b"true", &b, "n").script).unwrap();
        assert!(s.starts_with("LC_ALL=C su -l -s /bin/sh -c "), "{s}");
    }

    #[test]
    fn wrap_quotes_user_and_script_and_never_contains_password() {
        let w = wrap(b"echo 'hi'", &become_(true, BecomeMethod::Sudo), "n1");
        let s = String::from_utf8(w.script).unwrap();
        assert!(s.starts_with("sudo -H -S -p '[rsible-sudo-n1]' -u root /bin/sh -c "));
        assert!(!s.contains("pw"));
        assert!(s.contains("RSIBLE-BECOME-OK-n1"));
        let w = wrap(b"true", &become_(false, BecomeMethod::Sudo), "n2");
        assert!(String::from_utf8(w.script).unwrap().contains(" -n "));
        let w = wrap(b"true", &become_(true, BecomeMethod::Su), "n3");
        assert!(w.needs_pty);
        assert!(String::from_utf8(w.script).unwrap().ends_with(" root"));
    }

    #[test]
    fn sudo_handshake_sends_password_on_prompt_then_ready_on_marker() {
        let w = wrap(b"true", &become_(true, BecomeMethod::Sudo), "n");
        let mut h = Handshake::new(&w, true);
        assert_eq!(h.stderr(b"[rsible-sudo").unwrap(), Step::Wait);
        assert_eq!(h.stderr(b"-n]").unwrap(), Step::SendPassword);
        assert_eq!(
            h.stdout(b"RSIBLE-BECOME-OK-n\nout").unwrap(),
            Step::Ready(b"out".to_vec())
        );
    }

    #[test]
    fn su_handshake_reads_the_prompt_on_the_terminal() {
        let w = wrap(b"true", &become_(true, BecomeMethod::Su), "n");
        let mut h = Handshake::new(&w, true);
        assert_eq!(h.stdout(b"Password: ").unwrap(), Step::SendPassword);
        assert_eq!(h.stdout(b"\r\nRSIBLE-BECOME-OK-n\r").unwrap(), Step::Wait);
        assert_eq!(h.stdout(b"\nx").unwrap(), Step::Ready(b"x".to_vec()));
    }

    #[test]
    fn second_prompt_means_wrong_password() {
        let w = wrap(b"true", &become_(true, BecomeMethod::Sudo), "n");
        let mut h = Handshake::new(&w, true);
        h.stderr(b"[rsible-sudo-n]").unwrap();
        let err = h.stderr(b"Sorry, try again.\n[rsible-sudo-n]").unwrap_err();
        assert!(err.to_string().contains("incorrect become password"));
    }
}
