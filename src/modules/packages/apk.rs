//! `apk` (community.general): installs, upgrades and removes Alpine packages, updates the
//! index and upgrades the system. One gated program per task: the probe runs `apk info -e`
//! for each package and `apk upgrade --simulate` (what check mode reports); the apply
//! refreshes the index when asked (then decides again) and runs one `apk add` /
//! `apk add --upgrade` / `apk del` for what differs, then the upgrade. Not run against a real
//! target in this project's lab (which is Debian): the generated program is unit-tested.
//! Knows nothing of playbooks.

use super::common::backend::{self, Backend, REDO};
use super::common::{de_flag, missing_or_failed, set_streams, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_bool, de_opt_list, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `apk` in the registry.
pub const SPEC: Spec = spec::<Apk>(CG, &[]);

/// The `apk` module.
pub struct Apk;

impl Module for Apk {
    const NAME: &'static str = "apk";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let names = a.name.as_deref().unwrap_or_default();
        if let Some(bad) = names.iter().find(|n| !is_template(n) && !valid(n)) {
            return Err(format!("'{bad}' is not a valid package name"));
        }
        if names.is_empty() && !a.update_cache && !a.upgrade {
            return Err("one of the following is required: name, update_cache, upgrade".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { backend::run(&Plan::new(a), ctx).await })
    }
}

/// Arguments of `apk`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_list")]
    name: Option<Vec<String>>,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_flag")]
    update_cache: bool,
    #[serde(default, deserialize_with = "de_flag")]
    upgrade: bool,
    #[serde(default, deserialize_with = "de_bool")]
    available: bool,
    #[serde(default, deserialize_with = "de_bool")]
    no_cache: bool,
    #[serde(default, deserialize_with = "de_opt_list")]
    repository: Option<Vec<String>>,
}

/// What `state` asks for (the first is what a template stands for at load).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    #[serde(alias = "installed")]
    Present,
    Latest,
    #[serde(alias = "removed")]
    Absent,
}

/// The checked request.
#[derive(Debug)]
pub struct Plan {
    args: Args,
}

impl Plan {
    /// The plan of checked arguments.
    pub fn new(args: Args) -> Plan {
        Plan { args }
    }
}

fn valid(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+:~<>=*-@/".contains(c))
}

/// The package name of a spec (`foo=1.2-r0` -> `foo`).
fn base(spec: &str) -> &str {
    spec.split(['=', '<', '>', '~']).next().unwrap_or(spec)
}

/// The probe: `decide` prints `would NAME` per package to change, `changed check` and
/// `changed upgrade` (simulated); `rsible_change=1` when the apply has work. Also `fail`.
fn probe(p: &Plan) -> String {
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
         K() {{ {} \"$@\"; }}\ndecide() {{\n  inst=''; up=''; rem=''; upg=''\n",
        words.join(" ")
    );
    for n in a.name.iter().flatten() {
        let q = quote_str(n);
        let b = quote_str(base(n));
        s.push_str(&match a.state {
            State::Present => format!("  apk info -e {b} >/dev/null 2>&1 || {{ m would {q}; inst=\"$inst \"{q}; }}\n"),
            State::Latest => format!(
                "  if apk info -e {b} >/dev/null 2>&1; then apk version {b} 2>/dev/null | grep -q ' < ' && {{ m would {q}; up=\"$up \"{q}; }}; \
                 else m would {q}; inst=\"$inst \"{q}; fi\n"
            ),
            State::Absent => format!("  apk info -e {b} >/dev/null 2>&1 && {{ m would {q}; rem=\"$rem \"{q}; }}\n"),
        });
    }
    s.push_str("  [ -z \"$inst$up$rem\" ] || m changed check\n");
    if a.upgrade {
        s.push_str(&format!(
            "  K upgrade --simulate{} 2>/dev/null | grep -q Upgrading && {{ m changed upgrade; upg=1; }}\n",
            avail(p)
        ));
    }
    s.push_str("  return 0\n}\ndecide\n[ -z \"$inst$up$rem$upg\" ] || rsible_change=1\n");
    if a.update_cache {
        s.push_str("rsible_change=1\n");
    }
    s
}

fn avail(p: &Plan) -> &'static str {
    if p.args.available {
        " --available"
    } else {
        ""
    }
}

/// The apply: the index refresh (then `decide` again), the transactions, the upgrade.
fn apply(p: &Plan) -> String {
    let mut s = String::new();
    if p.args.update_cache {
        s.push_str(&format!(
            "m {REDO}\nK update >/dev/null || {{ m failed update $?; exit 0; }}\ndecide\n"
        ));
    }
    s.push_str(
        "if [ -n \"$inst\" ]; then m changed install; K add $inst || { m failed install $?; exit 0; }; fi\n\
         if [ -n \"$up\" ]; then m changed upgrade; K add --upgrade $up || { m failed upgrade $?; exit 0; }; fi\n\
         if [ -n \"$rem\" ]; then m changed remove; K del $rem || { m failed remove $?; exit 0; }; fi\n",
    );
    if p.args.upgrade {
        s.push_str(&format!(
            "if [ -n \"$upg\" ]; then\n  o=$(K upgrade{} 2>&1) || {{ printf '%s\\n' \"$o\" >&2; m failed upgrade 1; exit 0; }}\n  \
             printf '%s\\n' \"$o\"; case $o in *Upgrading*) m changed upgrade;; esac\nfi\n",
            avail(p)
        ));
    }
    s
}

impl Backend for Plan {
    fn tool(&self) -> &'static str {
        "apk"
    }

    fn probe(&self) -> String {
        probe(self)
    }

    fn apply(&self) -> String {
        apply(self)
    }

    fn answer(&self, stdout: &str, stderr: &str) -> Output {
        answer(stdout, stderr)
    }
}

/// Reads the program's answer into the module's result (`msg`, `packages`).
fn answer(stdout: &str, stderr: &str) -> Output {
    let r = match backend::report("apk", stdout) {
        Ok(r) => r,
        Err(o) => return *o,
    };
    let tool_out = r.rest();
    let mut o = Output::default();
    let mut packages = Vec::new();
    for (k, v) in r.entries() {
        match k {
            "changed" => o.changed = true,
            "would" => packages.push(v.to_string()),
            "fail" => {
                o.failed = true;
                o.msg = Some(v.to_string());
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
    set_streams(&mut o, tool_out, stderr);
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::sh_check::{parses, parses_gated};
    use crate::modules::framework::spec::check;
    use crate::modules::framework::{args, load_check};
    use serde_json::{Map, Value};

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    fn of(v: Value) -> Plan {
        let a: Args = args::parse("apk", &obj(v)).expect("args");
        Apk::validate(&a).expect("valid");
        Plan::new(a)
    }

    #[test]
    fn arguments_are_checked() {
        for n in [
            "name",
            "state",
            "update_cache",
            "upgrade",
            "available",
            "no_cache",
            "repository",
        ] {
            assert!(load_check::parse::<Args>("apk", &obj(json!({ n: "{{ v }}" }))).is_ok());
        }
        assert!(check::<Apk>(json!({"name": "a b"})).is_err());
        assert!(check::<Apk>(json!({"name": "a", "state": "held"})).is_err());
        assert!(check::<Apk>(json!({})).is_err());
        assert!(check::<Apk>(json!({"name": "a", "no_cache": "maybe"})).is_err());
        assert_eq!(check::<Apk>(json!({"upgrade": true})), Ok(true));
        assert_eq!(check::<Apk>(json!({"upgrade": "{{ u }}"})), Ok(false));
    }

    #[test]
    fn commands_are_built_per_state() {
        let p = of(
            json!({"name": ["curl=8.0-r0", "git"], "state": "latest", "repository": "http://r/x", "update_cache": true}),
        );
        let (probe, apply) = (p.probe(), p.apply());
        assert!(
            probe.contains("K() { apk --repository http://r/x \"$@\"; }"),
            "{probe}"
        );
        assert!(probe.contains("apk info -e curl "), "{probe}");
        assert!(
            !probe.contains("K add") && !probe.contains("K update"),
            "{probe}"
        );
        assert!(
            apply.contains("K add --upgrade $up") && apply.contains("K update"),
            "{apply}"
        );
        assert!(parses(&probe) && parses_gated(&probe, &apply), "{apply}");
        let u = of(json!({"upgrade": true, "available": true, "name": "x", "state": "absent"}));
        assert!(u.probe().contains("K upgrade --simulate --available"));
        assert!(parses_gated(&u.probe(), &u.apply()), "{}", u.apply());
        let o = u.answer(
            "@@rsible changed install\n@@rsible failed install 1\n",
            "ERROR: unable to select packages:\n  nope (no such package):\n    required by: world[nope]\n",
        );
        assert_eq!(
            o.msg.as_deref(),
            Some("No package matching 'nope' is available")
        );
    }
}
