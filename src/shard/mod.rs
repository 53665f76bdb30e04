//! Sharding: one of N disjoint slices of the inventory, so that N rsible processes (a
//! Kubernetes Indexed Job, a CI matrix) run one playbook on a large fleet together, as AWX's
//! job slicing does. The slice is the inventory's hosts in inventory order dealt round-robin:
//! host number i (0-based) belongs to shard `i mod N + 1`, so the slices are stable for the
//! same inventory and N, disjoint, and differ in size by at most one host. What would run
//! differently inside a shard than in one whole run is refused ([`refusal`], and
//! [`refusals`] for a whole playbook at load). Knows nothing of connections or output.

mod walk;

pub use walk::refusals;

use serde_json::Value;
use std::collections::HashSet;
use std::fmt;

/// The environment variable that names a shard as `K/N`.
pub const RSIBLE_SHARD: &str = "RSIBLE_SHARD";

/// The index a Kubernetes Indexed Job gives each of its pods (0-based).
pub const JOB_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";

/// Shard `index + 1` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based.
    index: usize,
    /// How many shards there are (at least 1).
    count: usize,
}

impl Shard {
    /// Shard `k` (1-based) of `n`.
    pub fn new(k: usize, n: usize) -> Result<Shard, String> {
        if n == 0 || k == 0 || k > n {
            return Err(format!(
                "shard {k}/{n}: K must be between 1 and N (K/N, 1-based, as in 1/4 .. 4/4)"
            ));
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }

    /// Reads `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("shard {text:?}: expected K/N, as in 2/4 (shard 2 of 4, 1-based)");
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n)
    }

    /// The shard a run asked for: `--shard K/N`, else `RSIBLE_SHARD`, else `--shards N` with
    /// the pod's `JOB_COMPLETION_INDEX` (0-based, as Kubernetes sets it). `env` reads a
    /// variable (the process environment, or a test's).
    pub fn chosen(
        flag: Option<&str>,
        shards: Option<usize>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Shard>, String> {
        if let Some(s) = flag {
            return Shard::parse(s).map(Some);
        }
        if let Some(s) = env(RSIBLE_SHARD).filter(|s| !s.is_empty()) {
            return Shard::parse(&s)
                .map_err(|e| format!("{RSIBLE_SHARD}: {e}"))
                .map(Some);
        }
        let Some(n) = shards else {
            return Ok(None);
        };
        let i = env(JOB_COMPLETION_INDEX).ok_or_else(|| {
            format!("--shards {n} needs {JOB_COMPLETION_INDEX} (set by a Kubernetes Indexed Job), or use --shard K/N")
        })?;
        let i: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("{JOB_COMPLETION_INDEX}={i:?} is not a number"))?;
        Shard::new(i + 1, n).map(Some)
    }

    /// Whether the host at `position` (0-based, in inventory order) is in this shard.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.index
    }

    /// The names of `inventory` (all its hosts, in inventory order) that are in this shard.
    pub fn members<'a>(&self, inventory: &[&'a str]) -> HashSet<&'a str> {
        inventory
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.holds(i).then_some(*n))
            .collect()
    }

    /// How many shards there are.
    pub fn count(&self) -> usize {
        self.count
    }

    /// This shard's number, 1-based.
    pub fn number(&self) -> usize {
        self.index + 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// Why a task cannot run in a shard as it would in one whole run, or `None`: `module` is
/// its canonical module name, `keyword` reads its keywords (inherited ones included).
pub fn refusal<'v>(
    module: Option<&str>,
    keyword: impl Fn(&str) -> Option<&'v Value>,
) -> Option<String> {
    let on = |k: &str| keyword(k).is_some_and(set);
    if on("run_once") {
        return Some(
            "run_once is not supported with --shard: each shard would run the task once, N times in all"
                .into(),
        );
    }
    if on("throttle") {
        return Some(
            "throttle is not supported with --shard: each shard would allow that many hosts at once"
                .into(),
        );
    }
    if matches!(
        module,
        Some("add_host" | "ansible.builtin.add_host" | "ansible.legacy.add_host")
    ) {
        return Some(
            "add_host is not supported with --shard: every shard would add the host and run later plays on it"
                .into(),
        );
    }
    None
}

/// Whether a keyword's value turns it on: anything but false, null, 0 or a false word (a
/// template counts as on: it may render true).
pub(crate) fn set(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "no" | "false" | "n" | "off" | "0"
        ),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slices_are_disjoint_complete_and_balanced() {
        let shards: Vec<Shard> = (1..=4).map(|k| Shard::new(k, 4).unwrap()).collect();
        let mut sizes = [0; 4];
        for pos in 0..10 {
            let owners: Vec<usize> = shards
                .iter()
                .filter(|s| s.holds(pos))
                .map(Shard::number)
                .collect();
            assert_eq!(owners.len(), 1, "host {pos} in {owners:?}");
            sizes[owners[0] - 1] += 1;
        }
        assert_eq!(sizes, [3, 3, 2, 2]);
    }

    #[test]
    fn chosen_from_flag_env_or_job_index() {
        let none = |_: &str| None;
        assert_eq!(Shard::chosen(None, None, none), Ok(None));
        assert_eq!(
            Shard::chosen(Some("2/4"), None, none)
                .unwrap()
                .unwrap()
                .to_string(),
            "2/4"
        );
        let env = |k: &str| (k == RSIBLE_SHARD).then(|| "3/5".to_string());
        assert_eq!(
            Shard::chosen(None, None, env).unwrap().unwrap().to_string(),
            "3/5"
        );
        let job = |k: &str| (k == JOB_COMPLETION_INDEX).then(|| "0".to_string());
        assert_eq!(
            Shard::chosen(None, Some(3), job)
                .unwrap()
                .unwrap()
                .to_string(),
            "1/3"
        );
        assert!(Shard::chosen(None, Some(3), none)
            .unwrap_err()
            .contains(JOB_COMPLETION_INDEX));
        let out = |k: &str| (k == JOB_COMPLETION_INDEX).then(|| "3".to_string());
        assert!(Shard::chosen(None, Some(3), out).is_err());
        for bad in ["0/4", "5/4", "1/0", "x", "1/", "/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refused_task_keywords_and_modules() {
        let kw = json!({"run_once": true, "throttle": 2});
        let get = |k: &str| kw.get(k);
        assert!(refusal(Some("command"), get).unwrap().contains("run_once"));
        for off in [
            json!({"run_once": false}),
            json!({"run_once": "no"}),
            json!({"throttle": 0}),
        ] {
            assert_eq!(
                refusal(Some("command"), |k: &str| off.get(k)),
                None,
                "{off}"
            );
        }
        let kw = json!({"throttle": "{{ n }}"});
        assert!(refusal(None, |k: &str| kw.get(k))
            .unwrap()
            .contains("throttle"));
        assert!(refusal(Some("ansible.builtin.add_host"), |_: &str| None).is_some());
    }
}
