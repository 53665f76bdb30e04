//! Shards of one run merged: one recap (every host once, sorted as the engine sorts it) and
//! the exit code the unsharded run would have had. A shard that did not finish, a shard
//! missing from a set, a host in two files or files of different runs' shard counts make
//! the merge fail loudly instead of printing a recap that looks whole. Knows nothing of how
//! the recap is printed.

use super::EventLog;
use crate::event::Stats;
use crate::exit::{self, Exit};
use indexmap::IndexMap;

/// The merged run.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// Counts per host, sorted by name.
    pub stats: IndexMap<String, Stats>,
    /// The longest shard's wall time (the shards ran at once).
    pub elapsed_secs: f64,
    /// The exit code of the whole run.
    pub exit: Exit,
    /// Why the merge is not whole (each makes the exit 1); empty when it is.
    pub problems: Vec<String>,
}

/// Merges `logs` (one per shard, or one unsharded run).
pub fn merge(logs: &[EventLog]) -> Merged {
    let mut problems = shard_set_problems(logs);
    let mut stats = IndexMap::new();
    let mut owner: IndexMap<String, String> = IndexMap::new();
    for log in logs {
        let file = log.path.display().to_string();
        if log.exit.is_none() {
            problems.push(format!(
                "{file}: the run did not finish (no end line): its hosts may be missing from the recap"
            ));
        }
        for (host, s) in log.stats.iter().flatten() {
            if let Some(first) = owner.insert(host.clone(), file.clone()) {
                problems.push(format!(
                    "host {host} is in {first} and in {file}: these are not shards of one run"
                ));
            }
            stats.insert(host.clone(), *s);
        }
    }
    stats.sort_keys();
    let elapsed_secs = logs.iter().map(|l| l.elapsed_secs).fold(0.0, f64::max);
    let ended: Vec<Exit> = logs
        .iter()
        .filter_map(|l| l.exit)
        .map(Exit::from_code)
        .collect();
    // An error before any host (bad playbook, options) is every shard's: the whole run's.
    let early = ended
        .iter()
        .copied()
        .find(|e| matches!(e, Exit::Error | Exit::Parse | Exit::BadOptions));
    let exit = if !problems.is_empty() {
        Exit::Error
    } else if let Some(e) = early {
        e
    } else {
        exit::of_run(&stats, ended.contains(&Exit::Interrupted))
    };
    Merged {
        stats,
        elapsed_secs,
        exit,
        problems,
    }
}

/// What is wrong with the files as a set of shards: mixed counts, a shard twice or missing.
fn shard_set_problems(logs: &[EventLog]) -> Vec<String> {
    let shards: Vec<(usize, usize, String)> = logs
        .iter()
        .filter_map(|l| {
            let (k, n) = l.shard.as_deref()?.split_once('/')?;
            Some((
                k.parse().ok()?,
                n.parse().ok()?,
                l.path.display().to_string(),
            ))
        })
        .collect();
    let Some(&(_, n, _)) = shards.first() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if shards.len() != logs.iter().filter(|l| l.exit.is_some()).count() {
        problems.push("some files are shards and some are not: merge the shards of one run".into());
    }
    if let Some((_, m, f)) = shards.iter().find(|(_, m, _)| *m != n) {
        problems.push(format!(
            "{f} is a shard of {m}, the others of {n}: not one run"
        ));
        return problems;
    }
    for k in 1..=n {
        match shards.iter().filter(|(j, _, _)| *j == k).count() {
            0 => problems.push(format!(
                "shard {k}/{n} is missing: its hosts are not in the recap"
            )),
            1 => {}
            c => problems.push(format!("shard {k}/{n} is given {c} times")),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn log(name: &str, shard: Option<&str>, exit: Option<u8>, hosts: &[(&str, Stats)]) -> EventLog {
        EventLog {
            path: PathBuf::from(name),
            events: Vec::new(),
            stats: Some(hosts.iter().map(|(h, s)| (h.to_string(), *s)).collect()),
            elapsed_secs: 1.0,
            exit,
            shard: shard.map(str::to_string),
        }
    }

    fn ok(n: u32) -> Stats {
        Stats {
            ok: n,
            ..Stats::default()
        }
    }

    #[test]
    fn shards_merge_into_the_whole_runs_recap_and_code() {
        let failed = Stats {
            ok: 1,
            failed: 1,
            ..Stats::default()
        };
        let m = merge(&[
            log("b", Some("2/2"), Some(2), &[("h2", failed), ("h4", ok(2))]),
            log("a", Some("1/2"), Some(0), &[("h1", ok(2)), ("h3", ok(2))]),
        ]);
        assert_eq!(m.problems, Vec::<String>::new());
        assert_eq!(m.stats.keys().collect::<Vec<_>>(), ["h1", "h2", "h3", "h4"]);
        assert_eq!(m.exit, Exit::HostFailed);
        let unreachable = Stats {
            unreachable: 1,
            ..Stats::default()
        };
        let m = merge(&[
            log("a", Some("1/2"), Some(2), &[("h1", failed)]),
            log("b", Some("2/2"), Some(3), &[("h2", unreachable)]),
        ]);
        assert_eq!(m.exit, Exit::Unreachable);
        let m = merge(&[
            log("a", Some("1/2"), Some(99), &[("h1", ok(1))]),
            log("b", Some("2/2"), Some(0), &[("h2", ok(1))]),
        ]);
        assert_eq!(m.exit, Exit::Interrupted);
    }

    #[test]
    fn an_incomplete_set_fails_loudly() {
        let m = merge(&[log("a", Some("1/3"), Some(0), &[("h1", ok(1))])]);
        assert_eq!(m.exit, Exit::Error);
        assert!(m
            .problems
            .iter()
            .any(|p| p.contains("shard 2/3 is missing")));
        let m = merge(&[
            log("a", Some("1/2"), Some(0), &[("h1", ok(1))]),
            log("b", Some("2/2"), None, &[]),
        ]);
        assert!(
            m.problems.iter().any(|p| p.contains("did not finish")),
            "{:?}",
            m.problems
        );
        let m = merge(&[
            log("a", Some("1/2"), Some(0), &[("h1", ok(1))]),
            log("b", Some("2/2"), Some(0), &[("h1", ok(1))]),
        ]);
        assert!(m
            .problems
            .iter()
            .any(|p| p.contains("host h1 is in a and in b")));
        let m = merge(&[
            log("a", Some("1/2"), Some(0), &[("h1", ok(1))]),
            log("b", Some("2/3"), Some(0), &[("h2", ok(1))]),
        ]);
        assert!(m.problems.iter().any(|p| p.contains("not one run")));
    }

    #[test]
    fn an_error_before_any_host_is_the_whole_runs() {
        let m = merge(&[
            log("a", Some("1/2"), Some(4), &[]),
            log("b", Some("2/2"), Some(4), &[]),
        ]);
        assert_eq!(m.exit, Exit::Parse);
    }
}
