//! A remote program's own deadline: when a command has a `timeout`, its shell text is run
//! under the target's `timeout(1)`, which kills the program's whole process group a moment
//! after rsible gave up on it. Needed because nothing else reliably stops it: OpenSSH ignores
//! the "signal" channel request for root logins ("session signalling requires privilege
//! separation"), and closing the channel does not stop a program that neither reads stdin nor
//! writes output (`sleep`, a hung `apt-get`). Pure text; knows nothing of channels or hosts.

use super::quote::quote;
use super::{BecomeMethod, RemoteCommand};
use std::time::Duration;

/// How much later than rsible's own timer the target kills the program: rsible must see its
/// timeout first and report it as Ansible does, not an exit status 137.
const GRACE: Duration = Duration::from_secs(1);

/// The shell text of `cmd` with a deadline on the target, or `None` when it needs none or
/// cannot have one: no timeout; `raw` (the login shell gets the text as the user wrote it);
/// `su` (it runs on a terminal, where closing the channel hangs the program up anyway, and a
/// program moved out of the terminal's foreground group would stop on reading it).
/// Targets without `timeout(1)` run the text as before.
pub fn with_deadline(cmd: &RemoteCommand) -> Option<Vec<u8>> {
    let t = cmd.timeout?;
    if cmd.raw
        || cmd
            .become_
            .as_ref()
            .is_some_and(|b| b.method == BecomeMethod::Su)
    {
        return None;
    }
    // Whole seconds, rounded up: busybox's timeout(1) takes no fractions.
    let secs = (t + GRACE).as_secs() + u64::from((t + GRACE).subsec_nanos() > 0);
    let mut s = b"s=".to_vec();
    s.extend(quote(&cmd.script));
    s.extend_from_slice(
        format!(
            "\nif command -v timeout >/dev/null 2>&1; then exec timeout -s KILL {secs} /bin/sh -c \"$s\"; fi\neval \"$s\"\n"
        )
        .as_bytes(),
    );
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Become;
    use std::os::unix::ffi::OsStrExt;

    fn cmd(script: &str, timeout: Option<u64>) -> RemoteCommand {
        RemoteCommand {
            script: script.as_bytes().to_vec(),
            timeout: timeout.map(Duration::from_secs),
            ..Default::default()
        }
    }

    fn run(text: &[u8]) -> (Option<i32>, String) {
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(std::ffi::OsStr::from_bytes(text))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into(),
        )
    }

    #[test]
    fn no_timeout_no_deadline() {
        assert_eq!(with_deadline(&cmd("true", None)), None);
        let raw = RemoteCommand {
            raw: true,
            ..cmd("true", Some(2))
        };
        assert_eq!(with_deadline(&raw), None);
    }

    #[test]
    fn su_runs_without_a_deadline() {
        let c = RemoteCommand {
            become_: Some(Become {
                user: "root".into(),
                password: None,
                method: BecomeMethod::Su,
                prompt_timeout: Duration::from_secs(12),
                exe: None,
                flags: None,
            }),
            ..cmd("true", Some(2))
        };
        assert_eq!(with_deadline(&c), None);
    }

    #[test]
    fn the_program_runs_unchanged_within_its_deadline() {
        let text = with_deadline(&cmd("printf '%s|' \"it's\" $((1+1)); exit 3", Some(5))).unwrap();
        assert!(String::from_utf8_lossy(&text).contains("timeout -s KILL 6 "));
        assert_eq!(run(&text), (Some(3), "it's|2|".into()));
    }

    #[test]
    fn the_deadline_kills_the_whole_group() {
        // A forked child (not exec'd) must die with its shell.
        let text = with_deadline(&cmd("sleep 30 | cat; echo survived", Some(0))).unwrap();
        let t0 = std::time::Instant::now();
        let (code, out) = run(&text);
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
        assert_ne!(code, Some(0));
        assert_eq!(out, "");
    }
}
