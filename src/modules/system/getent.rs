//! `getent`: one probe runs the target's `getent DATABASE [KEY] [-s SERVICE]` and the answer
//! becomes the fact `getent_DATABASE` as Ansible's module builds it (records split on `split`,
//! `:` for the colon databases, runs of whitespace otherwise; the first field keys the
//! rest, repeated keys gather into a list). Changes nothing, so it runs in check mode too.
//! Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_bool, de_opt_string, yes};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `getent` in the registry.
pub const SPEC: Spec = spec::<Getent>(B, &[]);

/// The `getent` module.
pub struct Getent;

/// Arguments of `getent` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    database: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    key: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    service: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    split: Option<String>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    fail_key: bool,
}

/// The databases whose records are split on `:` unless `split` says otherwise.
const COLON: &[&str] = &["passwd", "shadow", "group", "gshadow"];

impl Module for Getent {
    const NAME: &'static str = "getent";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.database.is_empty() {
            return Err("missing required arguments: database".into());
        }
        if a.split.as_deref() == Some("") {
            return Err("split must not be empty".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(getent(a, ctx))
    }
}

/// The probe: getent's output as is, then the marker line `rc N` (127: no getent).
fn probe(a: &Args) -> String {
    let mut cmd = format!("getent {}", quote_str(&a.database));
    if let Some(k) = &a.key {
        cmd.push(' ');
        cmd.push_str(&quote_str(k));
    }
    if let Some(s) = &a.service {
        cmd.push_str(&format!(" -s {}", quote_str(s)));
    }
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}if command -v getent >/dev/null 2>&1; then {cmd}; m rc $?; else m rc 127; fi\n"
    )
}

/// The records of getent's `out` keyed by their first field, as Ansible's module makes them.
fn records(out: &str, split: Option<&str>) -> Map<String, Value> {
    let mut db = Map::new();
    let mut seen: Map<String, Value> = Map::new();
    for line in out.lines() {
        let fields: Vec<&str> = match split {
            Some(s) => line.split(s).collect(),
            None => line.split_whitespace().collect(),
        };
        let Some((first, rest)) = fields.split_first() else {
            continue;
        };
        let rest = json!(rest);
        match db.get_mut(*first) {
            Some(existing) => {
                if seen.contains_key(*first) {
                    if let Value::Array(list) = existing {
                        list.push(rest);
                    }
                } else {
                    let before = existing.take();
                    *existing = json!([before, rest]);
                    seen.insert(first.to_string(), Value::Bool(true));
                }
            }
            None => {
                db.insert(first.to_string(), rest);
            }
        }
    }
    db
}

/// `getent`: one probe; the fact, or Ansible's message for getent's exit code.
async fn getent(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(probe(&a).into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = Report::parse("getent", &stdout)?;
    let text = report.rest();
    let rc: i32 = report
        .get("rc")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Failure::Failed(format!(
                "getent: the remote program failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })?;
    let split = a
        .split
        .as_deref()
        .or(COLON.contains(&a.database.as_str()).then_some(":"));
    let fact = format!("getent_{}", a.database);
    let mut o = Output::default();
    let msg = match rc {
        0 => {
            o.fields.insert(
                "ansible_facts".into(),
                json!({ fact: records(text, split) }),
            );
            return Ok(o);
        }
        1 => "Missing arguments, or database unknown.",
        2 => {
            let msg = "One or more supplied key could not be found in the database.";
            if !a.fail_key {
                let mut db = Map::new();
                db.insert(a.key.clone().unwrap_or_default(), Value::Null);
                o.fields.insert("ansible_facts".into(), json!({ fact: db }));
                o.msg = Some(msg.into());
                return Ok(o);
            }
            msg
        }
        3 => "Enumeration not supported on this database.",
        127 => "Failed to find required executable \"getent\" on the target",
        _ => "Unexpected failure!",
    };
    o.failed = true;
    o.msg = Some(msg.into());
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;

    fn check(v: Value) -> Result<(), String> {
        let a =
            load_check::parse::<Args>("getent", v.as_object().expect("obj")).map_err(|e| e.msg)?;
        a.map_or(Ok(()), |a| Getent::validate(&a))
    }

    #[test]
    fn arguments() {
        assert_eq!(check(json!({"database": "passwd", "key": "root"})), Ok(()));
        assert_eq!(
            check(json!({"database": "hosts", "key": 1, "fail_key": "no", "split": "\t"})),
            Ok(())
        );
        assert!(check(json!({"key": "root"})).is_err());
        assert!(check(json!({"database": "passwd", "keys": "root"})).is_err());
        assert!(check(json!({"database": "passwd", "fail_key": "maybe"})).is_err());
    }

    #[test]
    fn records_as_ansible_keys_them() {
        let db = records("root:x:0:0:root:/root:/bin/bash\n", Some(":"));
        assert_eq!(
            db["root"],
            json!(["x", "0", "0", "root", "/root", "/bin/bash"])
        );
        let db = records(
            "127.0.0.1 localhost\n::1  localhost ip6-localhost\n127.0.0.1 other\n127.0.0.1 third\n",
            None,
        );
        assert_eq!(
            db["127.0.0.1"],
            json!([["localhost"], ["other"], ["third"]])
        );
        assert_eq!(db["::1"], json!(["localhost", "ip6-localhost"]));
    }

    #[test]
    fn the_probe_quotes_and_reports_the_exit_code() {
        let a: Args = load_check::parse(
            "getent",
            json!({"database": "passwd", "key": "a b", "service": "files"})
                .as_object()
                .expect("obj"),
        )
        .expect("args")
        .expect("no templates");
        let p = probe(&a);
        assert!(p.contains("getent passwd 'a b' -s files; m rc $?"), "{p}");
    }
}
