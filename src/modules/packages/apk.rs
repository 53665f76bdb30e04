//! `apk` (community.general): installs, upgrades and removes Alpine packages, updates the
//! index and upgrades the system. One remote program per task: `apk info -e` for each
//! package, then one `apk add` / `apk add --upgrade` / `apk del` for what differs. Check mode
//! stops after the query. Not run against a real target in this project's lab (which is
//! Debian): the generated program is unit-tested. Knows nothing of playbooks.

use super::common::{missing_or_failed, set_streams, split_output, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_bool, de_opt_list, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `apk`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_list")]
    name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    update_cache: bool,
    #[serde(default, deserialize_with = "de_bool")]
    upgrade: bool,
    #[serde(default, deserialize_with = "de_bool")]
    available: bool,
    #[serde(default, deserialize_with = "de_bool")]
    no_cache: bool,
    #[serde(default, deserialize_with = "de_opt_list")]
    repository: Option<Vec<String>>,
}

/// What `state` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Present,
    Latest,
    Absent,
}

/// The checked request.
#[derive(Debug)]
pub struct Plan {
    state: State,
    names: Vec<String>,
    args: Args,
}

fn valid(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+:~<>=*-@/".contains(c))
}

/// Reads and checks the arguments; nothing is sent before this succeeds.
pub fn plan(a: &Map<String, Value>) -> Result<Plan, String> {
    let args: Args = args::parse("apk", a)?;
    let state = match args.state.as_deref() {
        None | Some("present") | Some("installed") => State::Present,
        Some("latest") => State::Latest,
        Some("absent") | Some("removed") => State::Absent,
        Some(other) => {
            return Err(format!(
                "apk: value of state must be one of: absent, installed, latest, present, \
                 removed, got: {other}"
            ))
        }
    };
    let names: Vec<String> = args.name.clone().unwrap_or_default();
    if let Some(bad) = names.iter().find(|n| !valid(n)) {
        return Err(format!("apk: '{bad}' is not a valid package name"));
    }
    if names.is_empty() && !args.update_cache && !args.upgrade {
        return Err("apk: one of the following is required: name, update_cache, upgrade".into());
    }
    Ok(Plan { state, names, args })
}

/// The package name of a spec (`foo=1.2-r0` -> `foo`).
fn base(spec: &str) -> &str {
    spec.split(['=', '<', '>', '~']).next().unwrap_or(spec)
}

/// The remote program. Marker lines: `changed WHAT`, `would NAME`, `failed WHAT RC`, `fail`.
pub fn program(p: &Plan, check: bool) -> String {
    let a = &p.args;
    let mut w: Vec<String> = vec!["apk".into()];
    for r in a.repository.iter().flatten() {
        w.push("--repository".into());
        w.push(r.clone());
    }
    if a.no_cache {
        w.push("--no-cache".into());
    }
    let words: Vec<String> = w.iter().map(|x| quote_str(x)).collect();
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nset -f\n{MARK_FN}\
         command -v apk >/dev/null 2>&1 || {{ m fail apk was not found on the target; exit 0; }}\n\
         K() {{ {} \"$@\"; }}\ninst=''; up=''; rem=''\n",
        words.join(" ")
    );
    if a.update_cache && !check {
        s.push_str("K update >/dev/null || { m failed update $?; exit 0; }\n");
    }
    for n in &p.names {
        let q = quote_str(n);
        let b = quote_str(base(n));
        s.push_str(&match p.state {
            State::Present => format!("apk info -e {b} >/dev/null 2>&1 || {{ m would {q}; inst=\"$inst \"{q}; }}\n"),
            State::Latest => format!(
                "if apk info -e {b} >/dev/null 2>&1; then apk version {b} 2>/dev/null | grep -q ' < ' && {{ m would {q}; up=\"$up \"{q}; }}; \
                 else m would {q}; inst=\"$inst \"{q}; fi\n"
            ),
            State::Absent => format!("apk info -e {b} >/dev/null 2>&1 && {{ m would {q}; rem=\"$rem \"{q}; }}\n"),
        });
    }
    let avail = if a.available { " --available" } else { "" };
    if check {
        s.push_str("[ -n \"$inst$up$rem\" ] && m changed check\n");
        if a.upgrade {
            s.push_str(&format!(
                "K upgrade --simulate{avail} 2>/dev/null | grep -q Upgrading && m changed upgrade\n"
            ));
        }
        return s;
    }
    s.push_str(
        "if [ -n \"$inst\" ]; then m changed install; K add $inst || { m failed install $?; exit 0; }; fi\n\
         if [ -n \"$up\" ]; then m changed upgrade; K add --upgrade $up || { m failed upgrade $?; exit 0; }; fi\n\
         if [ -n \"$rem\" ]; then m changed remove; K del $rem || { m failed remove $?; exit 0; }; fi\n",
    );
    if a.upgrade {
        s.push_str(&format!(
            "o=$(K upgrade{avail} 2>&1) || {{ printf '%s\\n' \"$o\" >&2; m failed upgrade 1; exit 0; }}\n\
             printf '%s\\n' \"$o\"; case $o in *Upgrading*) m changed upgrade;; esac\n"
        ));
    }
    s
}

/// Reads the program's answer into the module's result (`msg`, `packages`).
pub fn answer(stdout: &str, stderr: &str) -> Output {
    let (marks, tool_out) = split_output(stdout);
    let mut o = Output::default();
    let mut packages = Vec::new();
    for (k, v) in marks {
        match k.as_str() {
            "changed" => o.changed = true,
            "would" => packages.push(v),
            "fail" => {
                o.failed = true;
                o.msg = Some(v);
            }
            "failed" => {
                o.failed = true;
                o.msg = Some(missing_or_failed(
                    &format!("apk {v}"),
                    &format!("{tool_out}\n{stderr}"),
                    stderr,
                    |l| {
                        l.contains("(no such package)")
                            .then(|| l.split_whitespace().next())
                            .flatten()
                    },
                ));
            }
            _ => {}
        }
    }
    if o.failed {
        o.changed = false;
    }
    o.fields.insert("packages".into(), json!(packages));
    set_streams(&mut o, &tool_out, stderr);
    o
}

/// `apk`.
pub async fn apk(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = plan(a).map_err(Failure::BadArgs)?;
    let out = ctx
        .exec(program(&p, ctx.check).into_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "apk: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(answer(
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: Value) -> Result<Plan, String> {
        plan(v.as_object().expect("object"))
    }

    #[test]
    fn arguments_are_checked() {
        assert!(of(json!({"name": "a b"})).is_err());
        assert!(of(json!({"name": "a", "state": "held"})).is_err());
        assert!(of(json!({})).is_err());
        assert!(of(json!({"upgrade": true})).is_ok());
    }

    #[test]
    fn commands_are_built_per_state() {
        let p = of(json!({"name": ["curl=8.0-r0", "git"], "state": "latest", "repository": "http://r/x", "update_cache": true}))
            .expect("plan");
        let s = program(&p, false);
        assert!(
            s.contains("K() { apk --repository http://r/x \"$@\"; }"),
            "{s}"
        );
        assert!(s.contains("apk info -e curl "), "{s}");
        assert!(
            s.contains("K add --upgrade $up") && s.contains("K update"),
            "{s}"
        );
        assert!(super::super::common::parses(&s), "{s}");
        let c = program(&p, true);
        assert!(super::super::common::parses(&c), "{c}");
        let u = of(json!({"upgrade": true, "available": true, "name": "x", "state": "absent"}))
            .expect("plan");
        for check in [false, true] {
            assert!(super::super::common::parses(&program(&u, check)));
        }
        assert!(!c.contains("K add") && !c.contains("K update"), "{c}");
        let o = answer(
            "@@rsible changed install\n@@rsible failed install 1\n",
            "ERROR: unable to select packages:\n  nope (no such package):\n    required by: world[nope]\n",
        );
        assert_eq!(
            o.msg.as_deref(),
            Some("No package matching 'nope' is available")
        );
    }
}
