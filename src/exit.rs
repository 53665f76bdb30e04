//! Process exit codes, as ansible-playbook uses them. Only `cli` turns these into a process
//! status; everything below reports values, never exits.

/// The outcome of a whole rsible invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Everything succeeded.
    Ok = 0,
    /// An error before or outside any host (bad files, I/O).
    Error = 1,
    /// At least one host failed.
    HostFailed = 2,
    /// At least one host was unreachable.
    Unreachable = 3,
    /// A file the user wrote could not be parsed.
    Parse = 4,
    /// Bad command-line options.
    BadOptions = 5,
    /// Interrupted by the user.
    Interrupted = 99,
}

impl Exit {
    /// The numeric process status.
    pub fn code(self) -> u8 {
        self as u8
    }
}
