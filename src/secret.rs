//! A string that must never be printed: passwords and passphrases. Its `Debug` and `Display`
//! show a mask, so a secret cannot reach logs or error messages by accident.

use std::fmt;

/// A secret value; read it with [`Secret::expose`] only where it is sent to its consumer.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that hands it to sshd or sudo.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// Asks for a password on the terminal without ever echoing it. `rpassword` prints the prompt
/// first and turns echo off after, so an answer typed as the prompt appears was shown on the
/// terminal; here echo is off (and typed-ahead input discarded, as Python's `getpass` does)
/// before the prompt is printed, and restored afterwards.
pub fn prompt_password(prompt: &str) -> std::io::Result<String> {
    let Some(saved) = EchoOff::new() else {
        return rpassword::prompt_password(prompt);
    };
    let answer = rpassword::prompt_password(prompt);
    drop(saved);
    answer
}

/// The terminal with echo turned off; its settings come back on drop.
struct EchoOff {
    tty: std::fs::File,
    saved: libc::termios,
}

impl EchoOff {
    /// `None` without a terminal (rpassword then reports the error).
    fn new() -> Option<EchoOff> {
        use std::os::unix::io::AsRawFd;
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        // SAFETY: a zeroed termios is a valid out-parameter for tcgetattr on an open fd.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: the fd is open for the duration of the call; `saved` is a valid pointer.
        if unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut saved) } != 0 {
            return None;
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: as above; `quiet` is a valid termios.
        if unsafe { libc::tcsetattr(tty.as_raw_fd(), libc::TCSAFLUSH, &quiet) } != 0 {
            return None;
        }
        Some(EchoOff { tty, saved })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        use std::os::unix::io::AsRawFd;
        // SAFETY: the fd is open until `self.tty` drops, after this call.
        unsafe { libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSANOW, &self.saved) };
    }
}

/// `line` with everything after a password-like key (`ansible_password=...`,
/// `become_pass: ...`, `passphrase ...`) replaced by a mask: how a line of the user's file is
/// quoted in an error message without printing a password written on it.
pub fn mask_passwords(line: &str) -> String {
    static KEY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b([a-z0-9_]*(?:pass|password|passwd|passphrase))(\s*[=:]\s*|\s+)\S.*",
        )
        .expect("valid regex")
    });
    KEY.replace(line, "${1}${2}********").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_passwords_hides_what_follows_a_password_key() {
        for (line, masked) in [
            (
                r#"h ansible_host=a ansible_password="pw 1"#,
                "h ansible_host=a ansible_password=********",
            ),
            (
                "    ansible_become_pass: 'x y'",
                "    ansible_become_pass: ********",
            ),
            ("ansible_ssh_pass hunter2", "ansible_ssh_pass ********"),
            ("Passphrase = s3", "Passphrase = ********"),
            ("- name: passing test", "- name: passing test"),
            ("ansible_user=root", "ansible_user=root"),
        ] {
            assert_eq!(mask_passwords(line), masked, "{line}");
        }
    }

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }
}
