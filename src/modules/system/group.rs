//! `group`: make sure a local group exists (with a gid) or does not. One gated program: the
//! probe reads the group (getent) and decides in sh whether groupadd, groupmod or groupdel
//! is due; the apply runs it and reads the group again. One round trip, in check mode too.
//! Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::{join, quote};
use crate::event::Diff;
use crate::modules::framework::args::{de_bool, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::system::common::{self, de_opt_num, de_text, Report, State, MARK_FN};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `group` in the registry.
pub const SPEC: Spec = spec::<Group>(B, &[]);

/// The `group` module.
pub struct Group;

/// Arguments of `group` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(deserialize_with = "de_text")]
    name: String,
    #[serde(default, deserialize_with = "de_opt_num")]
    gid: Option<u32>,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_bool")]
    system: bool,
    #[serde(default, deserialize_with = "de_bool")]
    non_unique: bool,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    /// Only `local: false` gets this far (the loader refuses `true`): rsible always uses
    /// the local tools.
    #[serde(default, rename = "local", deserialize_with = "de_bool")]
    _local: bool,
}

impl Module for Group {
    const NAME: &'static str = "group";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let n = &a.name;
        if !is_template(n) && (n.is_empty() || n.contains([':', '\n'])) {
            return Err(format!("name is not a valid group name: {n:?}"));
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(group(a, ctx))
    }
}

/// Reports the gid of the group `$n`, when it exists, under `key`.
fn read_gid(key: &str) -> String {
    format!("if e=$(getent group \"$n\"); then g=${{e#*:*:}}; g=${{g%%:*}}; m {key} \"$g\"; fi\n")
}

/// The probe: reads the group (`gid`) and sets `rsible_change=1` (reporting `change`) when a
/// command is due. It defines the report functions for the apply that may follow.
fn probe(a: &Args) -> Vec<u8> {
    let mut s = MARK_FN.as_bytes().to_vec();
    s.extend_from_slice(b"n=");
    s.extend(quote(a.name.as_bytes()));
    s.push(b'\n');
    s.extend_from_slice(read_gid("gid").as_bytes());
    let differs = match (a.state, a.gid) {
        (State::Absent, _) => "[ -n \"$e\" ]".to_string(),
        (State::Present, None) => "[ -z \"$e\" ]".to_string(),
        (State::Present, Some(g)) => format!("[ -z \"$e\" ] || [ \"$g\" != {g} ]"),
    };
    s.extend_from_slice(
        format!("if {differs}; then rsible_change=1; m change; fi\n:\n").as_bytes(),
    );
    s
}

/// The command that brings the group to `a` (`exists`: whether it does now), without `--
/// NAME`; empty when nothing is to be done.
fn command(a: &Args, exists: bool) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    match (a.state, exists) {
        (State::Absent, false) => {}
        (State::Absent, true) => {
            c.push("groupdel".into());
            if a.force {
                c.push("-f".into());
            }
        }
        (State::Present, false) => {
            c.push("groupadd".into());
            if let Some(g) = a.gid {
                c.extend(["-g".into(), g.to_string()]);
                if a.non_unique {
                    c.push("-o".into());
                }
            }
            if a.system {
                c.push("-r".into());
            }
        }
        (State::Present, true) => {
            if let Some(g) = a.gid {
                c.extend(["groupmod".into(), "-g".into(), g.to_string()]);
                if a.non_unique {
                    c.push("-o".into());
                }
            }
        }
    }
    c
}

/// The apply, after the probe: the due command (chosen by whether the probe found the
/// group), then the group read again (`after`).
fn apply(a: &Args) -> Vec<u8> {
    let mut s = Vec::new();
    for (test, exists) in [("[ -n \"$e\" ]", true), ("[ -z \"$e\" ]", false)] {
        let cmd = command(a, exists);
        if cmd.is_empty() {
            continue;
        }
        s.extend_from_slice(format!("if {test}; then ").as_bytes());
        s.extend(join(&cmd));
        s.extend_from_slice(b" -- \"$n\" || exit 1; fi\n");
    }
    s.extend_from_slice(read_gid("after").as_bytes());
    s.extend_from_slice(b":\n");
    s
}

/// `group`: one gated program (see the file header).
async fn group(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let name = args.name.as_str();
    let out = ctx.gated(&probe(&args), &apply(&args), Vec::new()).await?;
    let said = Report::parse("group", &String::from_utf8_lossy(&out.stdout))?;
    let cur = said.get("gid").map(str::to_string);
    let what = command(&args, cur.is_some()).first().map_or_else(
        || "reading the group".to_string(),
        |c| format!("{c} {name}"),
    );
    let report = common::answer(out, "group", &what)?;
    let changed = report.has("change");
    let present = args.state == State::Present;
    let mut fields = Map::new();
    fields.insert("name".into(), json!(name));
    fields.insert("state".into(), json!(args.state.as_str()));
    if present {
        // After a change: the group as read again, or in check mode the gid asked for.
        let gid = match report.get("after") {
            Some(g) => Some(g.to_string()),
            None if changed => args.gid.map(|g| g.to_string()),
            None => cur.clone(),
        }
        .unwrap_or_default();
        fields.insert(
            "gid".into(),
            gid.parse::<u64>().map(Value::from).unwrap_or(json!(gid)),
        );
        fields.insert("system".into(), json!(args.system));
    }
    let mut diffs = Vec::new();
    if ctx.diff && changed {
        let show = |g: Option<&str>| match g {
            Some(g) => format!("present gid={g}\n"),
            None => "absent\n".into(),
        };
        let want = args.gid.map(|g| g.to_string());
        diffs.push(Diff {
            before_header: format!("group {name}"),
            after_header: format!("group {name}"),
            before: show(cur.as_deref()),
            after: if present {
                show(Some(want.as_deref().or(cur.as_deref()).unwrap_or("(new)")))
            } else {
                show(None)
            },
        });
    }
    Ok(Output {
        changed,
        fields,
        diffs,
        ..Output::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use std::process::Command;

    fn args(v: Value) -> Args {
        crate::modules::framework::args::parse("group", v.as_object().expect("obj")).unwrap()
    }

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Group>(json!({"name": "g", "gid": "4701", "local": false})),
            Ok(true)
        );
        assert_eq!(
            check::<Group>(json!({"name": "{{ g }}", "gid": "{{ n }}"})),
            Ok(false)
        );
        assert!(check::<Group>(json!({"name": "a:b"})).is_err());
        assert!(check::<Group>(json!({"gid": 1}))
            .unwrap_err()
            .contains("name"));
        assert!(check::<Group>(json!({"name": "g", "gidd": 1})).is_err());
        assert!(check::<Group>(json!({"name": "g", "gid": "x"})).is_err());
        assert!(check::<Group>(json!({"name": "g", "state": "gone"})).is_err());
    }

    /// Runs the probe and, when it says so, the apply, with `getent` and the group tools
    /// stubbed over a group file holding `groups`; returns the report (as `KEY VALUE` lines)
    /// and the tools' calls.
    fn run(a: &Args, groups: &str) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("db"), groups).unwrap();
        let stub = |name: &str, body: &str| {
            let p = d.join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        stub("getent", "grep \"^$2:\" \"$(dirname \"$0\")/db\"");
        for t in ["groupadd", "groupmod", "groupdel"] {
            stub(t, &format!("echo {t} \"$@\" >> \"$(dirname \"$0\")/log\""));
        }
        let mut program = b"rsible_change=0\n".to_vec();
        program.extend(probe(a));
        program.extend_from_slice(b"if [ \"$rsible_change\" = 1 ]; then\n");
        program.extend(apply(a));
        program.extend_from_slice(b"fi\n");
        let path = format!("{}:{}", d.display(), std::env::var("PATH").unwrap());
        let out = Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(program).unwrap())
            .env("PATH", path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let log = std::fs::read_to_string(d.join("log")).unwrap_or_default();
        let report = Report::parse("group", &String::from_utf8_lossy(&out.stdout)).unwrap();
        assert_eq!(report.rest(), "");
        let said: String = report
            .entries()
            .map(|(k, v)| format!("{k} {v}\n"))
            .collect();
        (said, log)
    }

    #[test]
    fn only_differences_are_applied() {
        let g = "g:x:5000:\n";
        let (out, log) = run(&args(json!({"name": "g", "gid": 5000})), g);
        assert_eq!((out.as_str(), log.as_str()), ("gid 5000\n", ""));
        let (out, log) = run(&args(json!({"name": "g"})), g);
        assert_eq!((out.as_str(), log.as_str()), ("gid 5000\n", ""));
        let (out, log) = run(&args(json!({"name": "g", "state": "absent"})), "");
        assert_eq!((out.as_str(), log.as_str()), ("", ""));
        let (out, log) = run(&args(json!({"name": "g", "gid": 5001})), g);
        assert_eq!(out, "gid 5000\nchange \nafter 5000\n");
        assert_eq!(log, "groupmod -g 5001 -- g\n");
        let a = args(json!({"name": "g", "gid": 5001, "non_unique": true, "system": true}));
        let (out, log) = run(&a, "");
        assert_eq!(
            (out.as_str(), log.as_str()),
            ("change \n", "groupadd -g 5001 -o -r -- g\n")
        );
        let a = args(json!({"name": "g", "state": "absent", "force": true}));
        let (_, log) = run(&a, g);
        assert_eq!(log, "groupdel -f -- g\n");
    }
}
