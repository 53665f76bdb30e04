//! `wait_for`: a port opens or closes, a path appears or goes, a regex shows up in a file.
//! One probe (a remote sh program that loops, so waiting costs no round trips); it runs in
//! check mode too, as Ansible's does. It answers in the report format (`framework::report`).
//! Knows nothing of playbooks.

use super::common::de_opt_secs;
use crate::connection::quote::quote_str;
use crate::connection::ExecOutput;
use crate::modules::framework::args::de_opt_string;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `wait_for` in the registry.
pub const SPEC: Spec = spec::<WaitFor>(B, &[]);

/// The `wait_for` module.
pub struct WaitFor;

/// Arguments of `wait_for` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    host: Option<String>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    port: Option<u64>,
    #[serde(default, alias = "dest", deserialize_with = "de_opt_string")]
    path: Option<String>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default, deserialize_with = "de_opt_string")]
    search_regex: Option<String>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    delay: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    sleep: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    connect_timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_string")]
    msg: Option<String>,
}

/// Ansible's `state` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// The port open, the path there (the default).
    Started,
    /// As `started`.
    Present,
    /// The port closed, the path gone.
    Stopped,
    /// As `stopped`.
    Absent,
    /// No active connections on the port (not supported by rsible).
    Drained,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Started => "started",
            State::Present => "present",
            State::Stopped => "stopped",
            State::Absent => "absent",
            State::Drained => "drained",
        }
    }
}

impl Module for WaitFor {
    const NAME: &'static str = "wait_for";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        Goal::of(a).map(|_| ())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(wait_for(a, ctx))
    }
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
        let host = a.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        if a.port.is_some() && a.path.is_some() {
            return Err("port and path parameter can not both be passed".into());
        }
        let open = match a.state.unwrap_or(State::Started) {
            State::Drained => return Err("state=drained is not supported by rsible".into()),
            State::Started | State::Present => true,
            State::Stopped | State::Absent => false,
        };
        Ok(match (a.port, &a.path) {
            (Some(_), _) if a.search_regex.is_some() => {
                return Err(
                    "search_regex with a port is not supported by rsible (only with a path)".into(),
                )
            }
            (Some(p), _) if open => Goal::PortOpen(host, p),
            (Some(p), _) => Goal::PortClosed(host, p),
            (None, Some(p)) if open => match &a.search_regex {
                Some(r) => Goal::RegexInFile(p.clone(), r.clone()),
                None => Goal::PathPresent(p.clone()),
            },
            (None, Some(p)) => Goal::PathAbsent(p.clone()),
            (None, None) => Goal::Sleep,
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
    fn reached(&self, connect_timeout: u64) -> String {
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

/// The waiting program: reports `reached ELAPSED` or `timeout ELAPSED` (seconds).
fn program(goal: &Goal, timeout: u64, delay: u64, sleep: u64, connect_timeout: u64) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}{}start=$(date +%s)\nsleep {delay}\nend=$((start + {timeout}))\n\
         while :; do\n  if reached; then m reached $(($(date +%s) - start)); exit 0; fi\n  \
         now=$(date +%s)\n  if [ \"$now\" -ge \"$end\" ]; then m timeout $((now - start)); exit 0; fi\n  \
         sleep {sleep}\ndone\n",
        goal.reached(connect_timeout)
    )
}

/// `wait_for`: returns `elapsed` (seconds) and the waited-for `path` or `port`; fails with
/// Ansible's message (or `msg`) on timeout.
async fn wait_for(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let goal = Goal::of(&args).map_err(Failure::BadArgs)?;
    let timeout = args.timeout.unwrap_or(300);
    let prog = program(
        &goal,
        timeout,
        args.delay.unwrap_or(0),
        args.sleep.unwrap_or(1).max(1),
        args.connect_timeout.unwrap_or(5).max(1),
    );
    let out = ctx.probe(prog.into_bytes(), Vec::new()).await?;
    let (reached, elapsed) = waited(&out)?;
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
        json!(args.state.unwrap_or(State::Started).as_str()),
    );
    if !reached && goal != Goal::Sleep {
        o.failed = true;
        o.msg = Some(args.msg.unwrap_or_else(|| goal.timeout_message()));
    }
    Ok(o)
}

/// Whether the goal was reached, and after how many seconds; a malformed or missing report
/// fails, naming the module.
fn waited(out: &ExecOutput) -> Result<(bool, u64), Failure> {
    let r = Report::parse("wait_for", &String::from_utf8_lossy(&out.stdout))?;
    let (reached, secs) = match (r.get("reached"), r.get("timeout")) {
        (Some(s), _) => (true, s),
        (None, Some(s)) => (false, s),
        (None, None) => {
            return Err(Failure::Failed(format!(
                "wait_for: the waiting program failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    };
    Ok((reached, secs.trim().parse().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::Value;

    fn goal(v: Value) -> Result<Goal, String> {
        let a: Args =
            crate::modules::framework::args::parse("wait_for", v.as_object().expect("obj"))?;
        Goal::of(&a)
    }

    #[test]
    fn load_check() {
        assert_eq!(
            check::<WaitFor>(json!({"path": "/f", "state": "absent"})),
            Ok(true)
        );
        assert_eq!(
            check::<WaitFor>(json!({"dest": "{{ d }}", "state": "{{ s }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<WaitFor>(json!({"port": "{{ p }}", "timeout": "{{ t }}"})),
            Ok(false)
        );
        assert!(check::<WaitFor>(json!({"path": "/f", "state": "gone"})).is_err());
        assert!(check::<WaitFor>(json!({"path": "/f", "timeout": "long"})).is_err());
        assert!(check::<WaitFor>(json!({"paht": "/f"})).is_err());
        assert!(check::<WaitFor>(json!({"port": 22, "path": "/f"})).is_err());
        assert!(check::<WaitFor>(json!({"port": 22, "state": "drained"})).is_err());
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

    /// The program, run by sh here, reports what the parser reads.
    #[test]
    fn the_program_reports_in_the_one_format() {
        for (goal, reached) in [
            (Goal::PathPresent("/".into()), true),
            (Goal::PathPresent("/nonexistent/rsible".into()), false),
        ] {
            let out = std::process::Command::new("sh")
                .args(["-c", &program(&goal, 0, 0, 1, 1)])
                .output()
                .expect("sh");
            let out = ExecOutput {
                status: crate::connection::ExitStatus::Code(0),
                stdout: out.stdout,
                stderr: out.stderr,
            };
            assert_eq!(waited(&out).unwrap().0, reached);
        }
        let bad = ExecOutput {
            status: crate::connection::ExitStatus::Code(0),
            stdout: b"@@rsible timeout:x 3\n".to_vec(),
            stderr: Vec::new(),
        };
        let e = waited(&bad).unwrap_err();
        assert!(
            matches!(&e, Failure::Failed(m) if m.starts_with("wait_for: ")),
            "{e:?}"
        );
    }
}
