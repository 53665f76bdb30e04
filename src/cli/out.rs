//! The command line's printing to stdout and stderr: a closed pipe (`rsible play x.yml
//! --list-tasks | head -1`) ends rsible quietly, by SIGPIPE as it ends other Unix tools,
//! instead of the panic `println!` gives. (A running play's reporter does not come here: it
//! ignores a closed stdout so that the run still finishes.) Knows nothing of what is printed.

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout.
pub fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    ended(o.write_all(text.as_bytes()).and_then(|()| o.flush()));
}

/// Writes `text` and a newline to stdout.
pub fn outln(text: &str) {
    out(&format!("{text}\n"));
}

/// Writes `text` and a newline to stderr.
pub fn errln(text: &str) {
    let mut e = std::io::stderr().lock();
    ended(writeln!(e, "{text}").and_then(|()| e.flush()));
}

/// Ends the process when a write found its reader gone; other write errors are ignored, as
/// `print!` has nowhere to report them either.
fn ended(r: std::io::Result<()>) {
    if matches!(r, Err(e) if e.kind() == ErrorKind::BrokenPipe) {
        closed();
    }
}

/// Ends the process as SIGPIPE ends a Unix tool whose output is closed.
fn closed() -> ! {
    // SAFETY: `signal` and `raise` only change and signal this process, which ends here; no
    // memory is shared with them.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    // Not reached: the default action of SIGPIPE ends the process. 128 + SIGPIPE otherwise.
    std::process::exit(141)
}
