//! `wait_for` (a port opens or closes, a path appears or goes, a regex shows up in a file:
//! one remote sh program that loops, so waiting costs no round trips) and
//! `wait_for_connection` (retries a trivial program on the connection until it answers).
//! Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// Seconds written as a number or a numeric string.
fn de_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match de_opt_string(d)? {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| *f >= 0.0)
            .map(|f| Some(f.ceil() as u64))
            .ok_or_else(|| D::Error::custom(format!("{s:?} is not a number of seconds"))),
    }
}

/// Arguments of `wait_for` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    host: Option<String>,
    #[serde(default, deserialize_with = "de_secs")]
    port: Option<u64>,
    #[serde(default, alias = "dest", deserialize_with = "de_opt_string")]
    path: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default)]
    search_regex: Option<String>,
    #[serde(default, deserialize_with = "de_secs")]
    timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_secs")]
    delay: Option<u64>,
    #[serde(default, deserialize_with = "de_secs")]
    sleep: Option<u64>,
    #[serde(default, deserialize_with = "de_secs")]
    connect_timeout: Option<u64>,
    #[serde(default)]
    msg: Option<String>,
}

/// What the loop waits for.
#[derive(Debug, PartialEq, Eq)]
enum Goal {
    /// Only the timeout passes.
    Sleep,
    PortOpen(String, u64),
    PortClosed(String, u64),
    PathPresent(String),
    PathAbsent(String),
    RegexInFile(String, String),
}

impl Goal {
    fn of(a: &Args) -> Result<Goal, String> {
        let state = a.state.as_deref().unwrap_or("started");
        let host = a.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        if a.port.is_some() && a.path.is_some() {
            return Err("wait_for: port and path parameter can not both be passed".into());
        }
        Ok(match (a.port, &a.path, state) {
            (_, _, "drained") => {
                return Err("wait_for: state=drained is not supported by rsible".into())
            }
            (Some(_), _, _) if a.search_regex.is_some() => return Err(
                "wait_for: search_regex with a port is not supported by rsible (only with a path)"
                    .into(),
            ),
            (Some(p), None, "started" | "present") => Goal::PortOpen(host, p),
            (Some(p), None, "stopped" | "absent") => Goal::PortClosed(host, p),
            (None, Some(p), "started" | "present") => match &a.search_regex {
                Some(r) => Goal::RegexInFile(p.clone(), r.clone()),
                None => Goal::PathPresent(p.clone()),
            },
            (None, Some(p), "absent" | "stopped") => Goal::PathAbsent(p.clone()),
            (None, None, "started" | "present" | "stopped" | "absent") => Goal::Sleep,
            (_, _, other) => {
                return Err(format!(
                "wait_for: state must be one of started, stopped, present, absent; got {other:?}"
            ))
            }
        })
    }

    /// Ansible's timeout message.
    fn timeout_message(&self) -> String {
        match self {
            Goal::Sleep => String::new(),
            Goal::PortOpen(h, p) => format!("Timeout when waiting for {h}:{p}"),
            Goal::PortClosed(h, p) => format!("Timeout when waiting for {h}:{p} to stop."),
            Goal::PathPresent(p) => format!("Timeout when waiting for file {p}"),
            Goal::PathAbsent(p) => format!("Timeout when waiting for {p} to be absent."),
            Goal::RegexInFile(p, r) => {
                format!("Timeout when waiting for search string {r} in {p}")
            }
        }
    }

    /// The sh function `reached` that succeeds once the goal holds.
    fn check(&self, connect_timeout: u64) -> String {
        let port_open = |h: &str, p: u64| {
            format!(
                "open() {{\n  if command -v nc >/dev/null 2>&1; then nc -z -w {connect_timeout} {h} {p} >/dev/null 2>&1; return; fi\n  \
                 if command -v bash >/dev/null 2>&1; then timeout {connect_timeout} bash -c 'exec 3<>\"/dev/tcp/$1/$2\"' _ {h} {p} >/dev/null 2>&1; return; fi\n  \
                 awk -v p={:04X} 'FNR>1 && $4==\"0A\" {{ split($2,a,\":\"); if (toupper(a[2])==p) f=1 }} END {{ exit !f }}' /proc/net/tcp /proc/net/tcp6 2>/dev/null\n}}\n",
                p,
                h = quote_str(h)
            )
        };
        match self {
            Goal::Sleep => "reached() { false; }\n".into(),
            Goal::PortOpen(h, p) => format!("{}reached() {{ open; }}\n", port_open(h, *p)),
            Goal::PortClosed(h, p) => format!("{}reached() {{ ! open; }}\n", port_open(h, *p)),
            Goal::PathPresent(p) => format!("reached() {{ [ -e {} ]; }}\n", quote_str(p)),
            Goal::PathAbsent(p) => format!(
                "reached() {{ [ ! -e {q} ] && [ ! -L {q} ]; }}\n",
                q = quote_str(p)
            ),
            Goal::RegexInFile(p, r) => format!(
                "reached() {{ [ -f {q} ] && grep -Eq -- {} {q} 2>/dev/null; }}\n",
                quote_str(r),
                q = quote_str(p)
            ),
        }
    }
}

/// The waiting program: prints `reached ELAPSED` or `timeout ELAPSED`.
fn program(goal: &Goal, timeout: u64, delay: u64, sleep: u64, connect_timeout: u64) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{}start=$(date +%s)\nsleep {delay}\nend=$((start + {timeout}))\n\
         while :; do\n  if reached; then printf 'reached %s\\n' $(($(date +%s) - start)); exit 0; fi\n  \
         now=$(date +%s)\n  if [ \"$now\" -ge \"$end\" ]; then printf 'timeout %s\\n' $((now - start)); exit 0; fi\n  \
         sleep {sleep}\ndone\n",
        goal.check(connect_timeout)
    )
}

/// `wait_for`: returns `elapsed` (seconds) and the waited-for `path` or `port`; fails with
/// Ansible's message (or `msg`) on timeout.
pub async fn wait_for(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("wait_for", a).map_err(Failure::BadArgs)?;
    let goal = Goal::of(&args).map_err(Failure::BadArgs)?;
    let timeout = args.timeout.unwrap_or(300);
    let prog = program(
        &goal,
        timeout,
        args.delay.unwrap_or(0),
        args.sleep.unwrap_or(1).max(1),
        args.connect_timeout.unwrap_or(5).max(1),
    );
    let out = ctx.exec(prog.into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (what, secs) = stdout
        .lines()
        .find_map(|l| l.split_once(' '))
        .ok_or_else(|| {
            Failure::Failed(format!(
                "wait_for: the waiting program failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })?;
    let elapsed: u64 = secs.trim().parse().unwrap_or(0);
    let mut o = Output::default();
    o.fields.insert("elapsed".into(), json!(elapsed));
    if let Some(p) = &args.path {
        o.fields.insert("path".into(), json!(p));
    }
    if let Some(p) = args.port {
        o.fields.insert("port".into(), json!(p));
    }
    if let Some(r) = &args.search_regex {
        o.fields.insert("search_regex".into(), json!(r));
    }
    o.fields.insert(
        "state".into(),
        json!(args.state.as_deref().unwrap_or("started")),
    );
    if what == "timeout" && goal != Goal::Sleep {
        o.failed = true;
        o.msg = Some(args.msg.unwrap_or_else(|| goal.timeout_message()));
    }
    Ok(o)
}

/// Arguments of `wait_for_connection` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnArgs {
    #[serde(default, deserialize_with = "de_secs")]
    timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_secs")]
    delay: Option<u64>,
    #[serde(default, deserialize_with = "de_secs")]
    sleep: Option<u64>,
    #[serde(default, deserialize_with = "de_secs")]
    connect_timeout: Option<u64>,
}

/// `wait_for_connection`: runs `true` on the connection until it succeeds; returns `elapsed`.
/// Skipped in check mode, as in Ansible.
pub async fn wait_for_connection(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: ConnArgs = args::parse("wait_for_connection", a).map_err(Failure::BadArgs)?;
    if ctx.check {
        return Ok(Output {
            skipped: true,
            ..Output::default()
        });
    }
    let timeout = Duration::from_secs(args.timeout.unwrap_or(600));
    let connect = Duration::from_secs(args.connect_timeout.unwrap_or(5).max(1));
    let pause = Duration::from_secs(args.sleep.unwrap_or(1).max(1));
    tokio::time::sleep(Duration::from_secs(args.delay.unwrap_or(0))).await;
    let start = Instant::now();
    loop {
        let last = match tokio::time::timeout(connect, ctx.exec(b"true".to_vec(), Vec::new())).await
        {
            Ok(Ok(out)) if out.status.rc() == 0 => {
                let mut o = Output::default();
                o.fields
                    .insert("elapsed".into(), json!(start.elapsed().as_secs()));
                return Ok(o);
            }
            Ok(Ok(out)) => format!("exit code {}", out.status.rc()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timed out".into(),
        };
        if start.elapsed() + pause >= timeout {
            let mut o = Output {
                failed: true,
                msg: Some(format!("timed out waiting for ping module test: {last}")),
                ..Output::default()
            };
            o.fields
                .insert("elapsed".into(), json!(start.elapsed().as_secs()));
            return Ok(o);
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(v: Value) -> Result<Goal, String> {
        let a: Args = args::parse("wait_for", v.as_object().expect("obj"))?;
        Goal::of(&a)
    }

    #[test]
    fn goals_from_arguments() {
        assert_eq!(
            goal(json!({"port": "8080"})),
            Ok(Goal::PortOpen("127.0.0.1".into(), 8080))
        );
        assert_eq!(
            goal(json!({"path": "/f", "state": "absent"})),
            Ok(Goal::PathAbsent("/f".into()))
        );
        assert_eq!(
            goal(json!({"path": "/f", "search_regex": "ready"})),
            Ok(Goal::RegexInFile("/f".into(), "ready".into()))
        );
        assert_eq!(goal(json!({"timeout": 2})), Ok(Goal::Sleep));
        assert!(goal(json!({"port": 1, "path": "/f"})).is_err());
        assert!(goal(json!({"port": 1, "state": "drained"})).is_err());
        assert!(goal(json!({"timeout": "soon"})).is_err());
    }

    #[test]
    fn messages_and_program() {
        let g = Goal::PortClosed("db".into(), 5432);
        assert_eq!(
            g.timeout_message(),
            "Timeout when waiting for db:5432 to stop."
        );
        let p = program(&g, 10, 0, 1, 5);
        assert!(p.contains("awk -v p=1538"), "{p}");
        assert!(p.contains("reached() { ! open; }"), "{p}");
        let p = program(&Goal::PathPresent("/a b".into()), 3, 0, 1, 5);
        assert!(p.contains("[ -e '/a b' ]"), "{p}");
    }
}
