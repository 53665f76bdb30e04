//! `async_status`: reads (or, with `mode: cleanup`, erases) a background job's result file
//! under `~/.ansible_async` of the user the task runs as, and returns what Ansible's
//! `async_status` returns: the job's result with `started`/`finished`, or `finished: false`
//! while it runs. The job file is the background job's own record, not the host's state: it
//! is read, and erased, in check mode too, as Ansible does, so both modes are a probe. Knows
//! nothing of how jobs start (see `async_job`) or of polling.

use crate::connection::quote::quote;
use crate::modules::framework::args::{self, de_opt_string};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `async_status` in the registry.
pub const SPEC: Spec = spec::<AsyncStatus>(B, &[]);

/// The `async_status` module.
pub struct AsyncStatus;

/// Arguments of `async_status` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(deserialize_with = "de_jid")]
    jid: String,
    #[serde(default)]
    mode: Mode,
}

/// What to do with the job file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Read it.
    #[default]
    Status,
    /// Erase it.
    Cleanup,
}

/// A job id written as text or as a number.
fn de_jid<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_opt_string(d)?.ok_or_else(|| D::Error::custom("invalid type: null, expected a job id"))
}

impl Module for AsyncStatus {
    const NAME: &'static str = "async_status";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { status(&a.jid, a.mode, ctx).await })
    }
}

/// Reads job `jid` (erases it with [`Mode::Cleanup`]): one probe.
pub async fn status(jid: &str, mode: Mode, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let cleanup = mode == Mode::Cleanup;
    let mut s = MARK_FN.as_bytes().to_vec();
    s.extend_from_slice(b"rsible_f=\"$HOME/.ansible_async/\"");
    s.extend(quote(jid.as_bytes()));
    s.extend_from_slice(
        b"\nmx file \"$rsible_f\"\n[ -e \"$rsible_f\" ] || { m job missing; exit 0; }\n",
    );
    if cleanup {
        s.extend_from_slice(b"rm -f -- \"$rsible_f\" && m job erased\n");
    } else {
        s.extend_from_slice(b"m job found\ncat -- \"$rsible_f\"\n");
    }
    let out = ctx.probe(s, Vec::new()).await?;
    // The job file, one JSON document, is the output of `cat`: the report's rest.
    let report = Report::parse("async_status", &String::from_utf8_lossy(&out.stdout))?;
    let path = report.get("file").unwrap_or_default();
    match report.get("job").unwrap_or_default() {
        word @ ("missing" | "erased" | "found") => {
            Ok(interpret(jid, path, word, report.rest(), cleanup))
        }
        _ => Err(Failure::Failed(format!(
            "async_status could not read the job: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

/// The result for a job file that is missing, erased, or holds `body`.
fn interpret(jid: &str, path: &str, word: &str, body: &str, cleanup: bool) -> Output {
    let mut m = Map::new();
    m.insert("ansible_job_id".into(), json!(jid));
    m.insert("started".into(), json!(!cleanup));
    m.insert("finished".into(), json!(false));
    for k in ["stdout", "stderr"] {
        m.insert(k.into(), json!(""));
        m.insert(format!("{k}_lines"), json!([]));
    }
    if cleanup {
        m.insert("erased".into(), json!(path));
    } else {
        m.insert("results_file".into(), json!(path));
    }
    match word {
        "missing" => {
            m.insert("started".into(), json!(true));
            m.insert("finished".into(), json!(true));
            m.insert("msg".into(), json!("could not find job"));
            m.insert("failed".into(), json!(true));
        }
        // A file that does not parse is being written: the job still runs.
        "found" => {
            if let Ok(Value::Object(data)) = serde_json::from_str::<Value>(body.trim()) {
                let has_started = data.contains_key("started");
                let has_finished = data.contains_key("finished");
                for (k, v) in data {
                    m.insert(k, v);
                }
                if !has_started {
                    m.insert("finished".into(), json!(true));
                    m.insert("ansible_job_id".into(), json!(jid));
                } else if !has_finished {
                    m.insert("finished".into(), json!(false));
                }
                for k in ["stdout", "stderr"] {
                    let lines: Vec<Value> = m
                        .get(k)
                        .and_then(Value::as_str)
                        .map(|s| s.lines().map(|l| json!(l)).collect())
                        .unwrap_or_default();
                    m.insert(format!("{k}_lines"), Value::Array(lines));
                }
            }
        }
        _ => {}
    }
    for k in ["started", "finished"] {
        let b = m.get(k).and_then(args::to_bool).unwrap_or(false);
        m.insert(k.into(), json!(b));
    }
    let flag = |m: &mut Map<String, Value>, k: &str| {
        m.remove(k).and_then(|v| args::to_bool(&v)).unwrap_or(false)
    };
    let changed = flag(&mut m, "changed");
    let failed = flag(&mut m, "failed");
    let skipped = flag(&mut m, "skipped");
    let msg = m.remove("msg").map(|v| args::scalar_text(&v));
    Output {
        changed,
        failed,
        skipped,
        msg,
        fields: m,
        diffs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<AsyncStatus>(json!({"jid": "j1.2"})), Ok(true));
        assert_eq!(
            check::<AsyncStatus>(json!({"jid": 12, "mode": "cleanup"})),
            Ok(true)
        );
        assert_eq!(
            check::<AsyncStatus>(json!({"jid": "{{ job.ansible_job_id }}", "mode": "{{ m }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<AsyncStatus>(json!({"mode": "status"})),
            Err("missing required arguments: jid".into())
        );
        let e = check::<AsyncStatus>(json!({"jid": "j1", "mode": "erase"})).unwrap_err();
        assert!(e.contains("mode") && e.contains("cleanup"), "{e}");
        assert!(check::<AsyncStatus>(json!({"jid": "j1", "jdi": "j1"}))
            .unwrap_err()
            .contains("jdi"));
    }

    #[test]
    fn a_running_job_is_not_finished() {
        let body = r#"{"started": true, "finished": false, "ansible_job_id": "j1.2"}"#;
        let o = interpret("j1.2", "/root/.ansible_async/j1.2", "found", body, false);
        assert_eq!(o.fields["finished"], json!(false));
        assert_eq!(o.fields["started"], json!(true));
        assert_eq!(o.fields["results_file"], json!("/root/.ansible_async/j1.2"));
        assert!(!o.changed && !o.failed);
    }

    #[test]
    fn a_finished_job_carries_the_module_result() {
        let body = r#"{"changed": true, "stdout": "a\nb", "stderr": "", "rc": 0, "msg": ""}"#;
        let o = interpret("j1.2", "/r/j1.2", "found", body, false);
        assert_eq!(o.fields["finished"], json!(true));
        assert_eq!(o.fields["stdout_lines"], json!(["a", "b"]));
        assert_eq!(o.fields["rc"], json!(0));
        assert!(o.changed);
        assert_eq!(o.msg.as_deref(), Some(""));
    }

    #[test]
    fn a_missing_job_fails_and_cleanup_erases() {
        let o = interpret("j9", "/r/j9", "missing", "", false);
        assert!(o.failed);
        assert_eq!(o.msg.as_deref(), Some("could not find job"));
        assert_eq!(o.fields["finished"], json!(true));
        let o = interpret("j9", "/r/j9", "erased", "", true);
        assert!(!o.failed);
        assert_eq!(o.fields["erased"], json!("/r/j9"));
        assert_eq!(o.fields["started"], json!(false));
        assert!(o.fields.get("results_file").is_none());
    }
}
