//! Process exit codes, as ansible-playbook uses them, and the one rule that turns a finished
//! run's recap into one ([`of_run`]). Only `cli` turns these into a process status;
//! everything below reports values, never exits.

use crate::event::Stats;
use indexmap::IndexMap;

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

    /// The exit a process status stands for (an events file's `end` line); a status rsible
    /// never gives reads as `Error`.
    pub fn from_code(code: u8) -> Exit {
        [
            Exit::Ok,
            Exit::HostFailed,
            Exit::Unreachable,
            Exit::Parse,
            Exit::BadOptions,
            Exit::Interrupted,
        ]
        .into_iter()
        .find(|e| e.code() == code)
        .unwrap_or(Exit::Error)
    }
}

/// The exit code of a run that reached its recap, for `rsible play` and `rsible run` alike:
/// `Interrupted` when the user stopped it, else `Unreachable` when a host was unreachable
/// (it wins over a failure), `HostFailed` when one failed, else `Ok`. Ignored and rescued
/// failures do not count: the recap does not count them as failures either.
pub fn of_run(stats: &IndexMap<String, Stats>, interrupted: bool) -> Exit {
    if interrupted {
        Exit::Interrupted
    } else if stats.values().any(|s| s.unreachable > 0) {
        Exit::Unreachable
    } else if stats.values().any(|s| s.failed > 0) {
        Exit::HostFailed
    } else {
        Exit::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_wins_over_failed_and_an_interrupt_over_both() {
        let mut stats = IndexMap::new();
        stats.insert(
            "a".to_string(),
            Stats {
                ok: 1,
                ..Stats::default()
            },
        );
        assert_eq!(of_run(&stats, false), Exit::Ok);
        stats.insert(
            "b".to_string(),
            Stats {
                failed: 1,
                ..Stats::default()
            },
        );
        assert_eq!(of_run(&stats, false), Exit::HostFailed);
        stats.insert(
            "c".to_string(),
            Stats {
                unreachable: 1,
                ..Stats::default()
            },
        );
        assert_eq!(of_run(&stats, false), Exit::Unreachable);
        assert_eq!(of_run(&stats, true), Exit::Interrupted);
        let ignored = Stats {
            ok: 1,
            ignored: 1,
            ..Stats::default()
        };
        assert_eq!(
            of_run(&IndexMap::from([("d".to_string(), ignored)]), false),
            Exit::Ok
        );
    }
}
