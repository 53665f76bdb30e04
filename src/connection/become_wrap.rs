//! Become (sudo) wrapping and the password handshake. Builds the wrapped shell text and then
//! watches the program's first output to feed the password only when sudo asks for it, and
//! the caller's stdin only once sudo has handed over to the program. Knows nothing of SSH.
//!
//! The wrapped program prints a per-run marker on stdout as its first act; sudo prints a
//! per-run prompt on stderr when it wants the password. Without this, a password sent to a
//! sudo that does not ask (NOPASSWD, cached credentials) would leak into the program's stdin.

use super::quote::quote;
use super::{Become, ConnectionError};

/// The wrapped program and the strings that frame its handshake.
#[derive(Debug)]
pub struct Wrapped {
    /// Shell text to run instead of the original.
    pub script: Vec<u8>,
    /// Printed on stdout (followed by a newline) once the target user's shell runs.
    pub marker: Vec<u8>,
    /// sudo's password prompt, seen on stderr.
    pub prompt: Vec<u8>,
}

/// Wraps `script` (shell text) so it runs as `become_.user` via sudo, non-interactively when no
/// password is known (`-n`: fail at once instead of waiting on a prompt nobody answers).
pub fn wrap(script: &[u8], become_: &Become, nonce: &str) -> Wrapped {
    let marker = format!("RSIBLE-BECOME-OK-{nonce}").into_bytes();
    let prompt = format!("[rsible-sudo-{nonce}]").into_bytes();
    let mut inner = b"echo ".to_vec();
    inner.extend_from_slice(&marker);
    inner.extend_from_slice(b"; ");
    inner.extend_from_slice(script);
    let mut out = b"sudo -H -S ".to_vec();
    if become_.password.is_none() {
        out.extend_from_slice(b"-n ");
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
    }
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
    wrapped_marker: Vec<u8>,
    prompt: Vec<u8>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    prompts_seen: usize,
    has_password: bool,
}

impl Handshake {
    /// Starts watching for `w`'s marker and prompt.
    pub fn new(w: &Wrapped, has_password: bool) -> Self {
        Handshake {
            wrapped_marker: w.marker.clone(),
            prompt: w.prompt.clone(),
            stdout: Vec::new(),
            stderr: Vec::new(),
            prompts_seen: 0,
            has_password,
        }
    }

    /// Feeds stdout bytes received before the handshake finished.
    pub fn stdout(&mut self, data: &[u8]) -> Step {
        self.stdout.extend_from_slice(data);
        let mut line = self.wrapped_marker.clone();
        line.push(b'\n');
        if let Some(pos) = find(&self.stdout, &line) {
            let rest = self.stdout.split_off(pos + line.len());
            return Step::Ready(rest);
        }
        Step::Wait
    }

    /// Feeds stderr bytes received before the handshake finished; returns the step and
    /// consumes any prompt from the buffer.
    pub fn stderr(&mut self, data: &[u8]) -> Result<Step, ConnectionError> {
        self.stderr.extend_from_slice(data);
        if let Some(pos) = find(&self.stderr, &self.prompt) {
            self.stderr.drain(pos..pos + self.prompt.len());
            self.prompts_seen += 1;
            if !self.has_password {
                return Err(ConnectionError::Become(
                    "sudo asks for a password: pass -K/--ask-become-pass or set ansible_become_password".into(),
                ));
            }
            if self.prompts_seen > 1 {
                return Err(ConnectionError::Become("incorrect sudo password".into()));
            }
            return Ok(Step::SendPassword);
        }
        Ok(Step::Wait)
    }

    /// Explains a program that ended before the handshake finished.
    pub fn failure(&self) -> ConnectionError {
        let text = String::from_utf8_lossy(&self.stderr).trim().to_string();
        if self.prompts_seen > 0 && text.is_empty() {
            return ConnectionError::Become("incorrect sudo password".into());
        }
        let text = if text.is_empty() {
            "sudo ended without running the command".to_string()
        } else {
            text
        };
        ConnectionError::Become(text)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn become_(pw: bool) -> Become {
        Become {
            user: "root".into(),
            password: pw.then(|| Secret::new("pw")),
        }
    }

    #[test]
    fn wrap_quotes_user_and_script_and_never_contains_password() {
        let w = wrap(b"echo 'hi'", &become_(true), "n1");
        let s = String::from_utf8(w.script).unwrap();
        assert!(s.starts_with("sudo -H -S -p '[rsible-sudo-n1]' -u root /bin/sh -c "));
        assert!(!s.contains("pw"));
        assert!(s.contains("RSIBLE-BECOME-OK-n1"));
        let w = wrap(b"true", &become_(false), "n2");
        assert!(String::from_utf8(w.script).unwrap().contains(" -n "));
    }

    #[test]
    fn handshake_sends_password_on_prompt_then_ready_on_marker() {
        let w = wrap(b"true", &become_(true), "n");
        let mut h = Handshake::new(&w, true);
        assert_eq!(h.stderr(b"[rsible-sudo").unwrap(), Step::Wait);
        assert_eq!(h.stderr(b"-n]").unwrap(), Step::SendPassword);
        assert_eq!(
            h.stdout(b"RSIBLE-BECOME-OK-n\nout"),
            Step::Ready(b"out".to_vec())
        );
    }

    #[test]
    fn second_prompt_means_wrong_password() {
        let w = wrap(b"true", &become_(true), "n");
        let mut h = Handshake::new(&w, true);
        h.stderr(b"[rsible-sudo-n]").unwrap();
        let err = h.stderr(b"Sorry, try again.\n[rsible-sudo-n]").unwrap_err();
        assert!(err.to_string().contains("incorrect sudo password"));
    }
}
