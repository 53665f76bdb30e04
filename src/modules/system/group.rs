//! `group`: make sure a local group exists (with a gid) or does not. One program reads the
//! group (getent); when something differs a second runs groupadd/groupmod/groupdel. Round
//! trips: one when nothing changes (or in check mode), two otherwise. Knows nothing of
//! playbooks; arguments arrive templated.

use crate::connection::quote::{join, quote};
use crate::event::Diff;
use crate::modules::framework::args::{self, de_bool, de_opt_string};
use crate::modules::system::common;
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `group` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    gid: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    system: bool,
    #[serde(default, deserialize_with = "de_bool")]
    non_unique: bool,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    /// Accepted for compatibility: rsible always uses the local tools.
    #[serde(default, rename = "local")]
    _local: Option<Value>,
}

/// The command that brings a group whose current gid is `cur` (`None`: absent) to `args`.
fn plan(
    name: &str,
    present: bool,
    gid: Option<&str>,
    non_unique: bool,
    system: bool,
    force: bool,
    cur: Option<&str>,
) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    match (present, cur) {
        (false, None) => {}
        (false, Some(_)) => {
            c.push("groupdel".into());
            if force {
                c.push("-f".into());
            }
        }
        (true, None) => {
            c.push("groupadd".into());
            if let Some(g) = gid {
                c.extend(["-g".into(), g.into()]);
                if non_unique {
                    c.push("-o".into());
                }
            }
            if system {
                c.push("-r".into());
            }
        }
        (true, Some(have)) => {
            if let Some(g) = gid.filter(|g| *g != have) {
                c.extend(["groupmod".into(), "-g".into(), g.into()]);
                if non_unique {
                    c.push("-o".into());
                }
            }
        }
    }
    if !c.is_empty() {
        c.extend(["--".into(), name.into()]);
    }
    c
}

/// The sh program printing `gid=` of group `name` when it exists.
fn probe(name: &str) -> Vec<u8> {
    let mut s = b"e=$(getent group ".to_vec();
    s.extend(quote(name.as_bytes()));
    s.extend_from_slice(b") && printf 'gid=%s\\n' \"$(printf '%s\\n' \"$e\" | cut -d: -f3)\"\n");
    s
}

/// `group`.
pub async fn group(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("group", a).map_err(Failure::BadArgs)?;
    let bad = |m: String| Err(Failure::BadArgs(m));
    let name = match args.name.as_deref() {
        Some(n) if !n.is_empty() && !n.contains([':', '\n']) => n,
        _ => return bad("group: name is required (a group name)".into()),
    };
    if let Some(g) = &args.gid {
        if g.parse::<u32>().is_err() {
            return bad(format!("group: gid must be a number, got '{g}'"));
        }
    }
    let present = match args.state.as_deref() {
        None | Some("present") => true,
        Some("absent") => false,
        Some(o) => {
            return bad(format!(
                "group: state must be one of present, absent, got '{o}'"
            ))
        }
    };
    let out = common::run(ctx, probe(name), Vec::new(), "reading the group").await?;
    let cur = common::value(&out, "gid").map(str::to_string);
    let cmd = plan(
        name,
        present,
        args.gid.as_deref(),
        args.non_unique,
        args.system,
        args.force,
        cur.as_deref(),
    );
    let changed = !cmd.is_empty();
    let mut gid = cur.clone();
    if changed && !ctx.check {
        let mut s = join(&cmd);
        s.extend_from_slice(b" || exit 1\n");
        s.extend(probe(name));
        let out = common::run(ctx, s, Vec::new(), &format!("{} {name}", cmd[0])).await?;
        gid = common::value(&out, "gid").map(str::to_string);
    } else if changed {
        gid = args.gid.clone();
    }
    let mut fields = Map::new();
    fields.insert("name".into(), json!(name));
    fields.insert(
        "state".into(),
        json!(if present { "present" } else { "absent" }),
    );
    if present {
        let g = gid.unwrap_or_default();
        fields.insert(
            "gid".into(),
            g.parse::<u64>().map(Value::from).unwrap_or(json!(g)),
        );
        fields.insert("system".into(), json!(args.system));
    }
    let mut diffs = Vec::new();
    if ctx.diff && changed {
        let show = |g: Option<&str>| match g {
            Some(g) => format!("present gid={g}\n"),
            None => "absent\n".into(),
        };
        diffs.push(Diff {
            before_header: format!("group {name}"),
            after_header: format!("group {name}"),
            before: show(cur.as_deref()),
            after: if present {
                show(Some(
                    args.gid.as_deref().or(cur.as_deref()).unwrap_or("(new)"),
                ))
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

    #[test]
    fn only_differences_are_planned() {
        assert!(plan("g", true, Some("5000"), false, false, false, Some("5000")).is_empty());
        assert!(plan("g", true, None, false, false, false, Some("5000")).is_empty());
        assert!(plan("g", false, None, false, false, false, None).is_empty());
        assert_eq!(
            plan("g", true, Some("5001"), false, false, false, Some("5000")),
            vec!["groupmod", "-g", "5001", "--", "g"]
        );
        assert_eq!(
            plan("g", true, Some("5001"), true, true, false, None),
            vec!["groupadd", "-g", "5001", "-o", "-r", "--", "g"]
        );
        assert_eq!(
            plan("g", false, None, false, false, true, Some("1")),
            vec!["groupdel", "-f", "--", "g"]
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        let m = serde_json::json!({"name": "g", "gidd": 1});
        assert!(args::parse::<Args>("group", m.as_object().unwrap()).is_err());
    }
}
