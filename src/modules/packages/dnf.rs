//! `dnf` and `yum`: installs, upgrades and removes RPM packages. One remote program per task:
//! it waits (up to `lock_timeout`) for another dnf/yum to finish, queries rpm for each
//! package, and runs one install transaction, one upgrade and one removal for what differs.
//! Check mode stops after the query and reports what would change. Not run against a real
//! target in this project's lab (which is Debian): the generated program is unit-tested.
//! Knows nothing of playbooks.

use super::common::{missing_or_failed, set_streams, split_output, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_bool, de_opt_bool, de_opt_list, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn thirty() -> u64 {
    30
}

/// Arguments of `dnf`/`yum` (Ansible's names; the common subset).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, alias = "pkg", deserialize_with = "de_opt_list")]
    name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, alias = "expire-cache", deserialize_with = "de_bool")]
    update_cache: bool,
    #[serde(default, deserialize_with = "de_bool")]
    disable_gpg_check: bool,
    #[serde(default, deserialize_with = "de_opt_list")]
    enablerepo: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    disablerepo: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    exclude: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_bool")]
    autoremove: bool,
    #[serde(default, deserialize_with = "de_bool")]
    allow_downgrade: bool,
    #[serde(default, deserialize_with = "de_opt_bool")]
    install_weak_deps: Option<bool>,
    #[serde(default, deserialize_with = "de_bool")]
    allowerasing: bool,
    #[serde(default, deserialize_with = "de_bool")]
    nobest: bool,
    #[serde(default, deserialize_with = "de_bool")]
    skip_broken: bool,
    #[serde(default, deserialize_with = "de_bool")]
    security: bool,
    #[serde(default, deserialize_with = "de_bool")]
    bugfix: bool,
    #[serde(default, deserialize_with = "de_bool")]
    update_only: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    releasever: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    conf_file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    installroot: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    cacheonly: bool,
    #[serde(default = "thirty")]
    lock_timeout: u64,
    /// Accepted for compatibility: the target's dnf/yum checks certificates as configured.
    #[serde(default, rename = "validate_certs")]
    _validate_certs: Option<Value>,
    /// Accepted for compatibility: the tool is chosen by the module name.
    #[serde(default, rename = "use_backend")]
    _use_backend: Option<Value>,
}

/// What `state` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Present,
    Latest,
    Absent,
}

/// The checked request for tool `tool` (`dnf` or `yum`).
#[derive(Debug)]
pub struct Plan {
    tool: &'static str,
    state: State,
    names: Vec<String>,
    args: Args,
}

/// Whether `s` is an RPM package spec (name, `name-1.2`, `name >= 1.2` written without
/// spaces, a glob, a path or URL of an .rpm).
fn valid_spec(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+:~^<>=*-@/".contains(c))
}

/// Reads and checks the arguments of `tool`; nothing is sent before this succeeds.
pub fn plan(tool: &'static str, a: &Map<String, Value>) -> Result<Plan, String> {
    let args: Args = args::parse(tool, a)?;
    let state = match args.state.as_deref() {
        None | Some("present") | Some("installed") => State::Present,
        Some("latest") => State::Latest,
        Some("absent") | Some("removed") => State::Absent,
        Some(other) => {
            return Err(format!(
                "{tool}: value of state must be one of: absent, installed, latest, present, \
                 removed, got: {other}"
            ))
        }
    };
    let names: Vec<String> = args
        .name
        .iter()
        .flatten()
        .map(|n| n.split_whitespace().collect::<String>())
        .collect();
    if let Some(bad) = names.iter().find(|n| !valid_spec(n)) {
        return Err(format!("{tool}: '{bad}' is not a valid package name"));
    }
    if names.is_empty() && !args.update_cache && !args.autoremove {
        return Err(format!(
            "{tool}: one of the following is required: name, update_cache, autoremove"
        ));
    }
    if args.autoremove && !names.is_empty() && state != State::Absent {
        return Err(format!(
            "{tool}: autoremove can only be used with state=absent or without names"
        ));
    }
    Ok(Plan {
        tool,
        state,
        names,
        args,
    })
}

/// The tool's command line with the options of every transaction.
fn tool_fn(p: &Plan) -> String {
    let a = &p.args;
    let mut w: Vec<String> = vec![p.tool.into(), "-y".into()];
    for r in a.disablerepo.iter().flatten() {
        w.push(format!("--disablerepo={r}"));
    }
    for r in a.enablerepo.iter().flatten() {
        w.push(format!("--enablerepo={r}"));
    }
    for x in a.exclude.iter().flatten() {
        w.push(format!("--exclude={x}"));
    }
    let flags = [
        (a.disable_gpg_check, "--nogpgcheck"),
        (a.allowerasing, "--allowerasing"),
        (a.nobest, "--nobest"),
        (a.skip_broken, "--skip-broken"),
        (a.security, "--security"),
        (a.bugfix, "--bugfix"),
        (a.cacheonly, "--cacheonly"),
    ];
    w.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_string()));
    if let Some(weak) = a.install_weak_deps {
        w.push(format!("--setopt=install_weak_deps={weak}"));
    }
    if let Some(r) = &a.releasever {
        w.push(format!("--releasever={r}"));
    }
    if let Some(c) = &a.conf_file {
        w.push(format!("--config={c}"));
    }
    if let Some(r) = &a.installroot {
        w.push(format!("--installroot={r}"));
    }
    let words: Vec<String> = w.iter().map(|x| quote_str(x)).collect();
    format!("T() {{ {} \"$@\"; }}\n", words.join(" "))
}

/// The remote program. Marker lines: `changed WHAT`, `would NAME`, `failed WHAT RC`,
/// `locked`, `fail MESSAGE`.
pub fn program(p: &Plan, check: bool) -> String {
    let a = &p.args;
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nset -f\n{MARK_FN}\
         command -v {t} >/dev/null 2>&1 || {{ m fail {t} was not found on the target; exit 0; }}\n{}\
         w=0\nfor pf in /var/run/dnf.pid /var/run/yum.pid; do\n  \
         while [ -s \"$pf\" ] && kill -0 \"$(cat \"$pf\")\" 2>/dev/null; do\n    \
         [ $w -ge {lt} ] && {{ m locked; exit 0; }}\n    sleep 1; w=$((w+1))\n  done\ndone\n\
         inst=''; up=''; rem=''\n\
         have() {{ rpm -q \"$1\" >/dev/null 2>&1 || rpm -q --whatprovides \"$1\" >/dev/null 2>&1; }}\n",
        tool_fn(p),
        t = p.tool,
        lt = a.lock_timeout,
    );
    if a.update_cache && !check {
        s.push_str("T -q makecache >/dev/null || { m failed makecache 1; exit 0; }\n");
    }
    for n in &p.names {
        let q = quote_str(n);
        s.push_str(&match p.state {
            State::Present if a.update_only => String::new(),
            State::Present => format!("have {q} || {{ m would {q}; inst=\"$inst \"{q}; }}\n"),
            State::Latest if a.update_only => format!(
                "have {q} && {{ T -q check-update {q} >/dev/null 2>&1; [ $? = 100 ] && {{ m would {q}; up=\"$up \"{q}; }}; }}\n"
            ),
            State::Latest => format!(
                "if have {q}; then T -q check-update {q} >/dev/null 2>&1; [ $? = 100 ] && {{ m would {q}; up=\"$up \"{q}; }}; \
                 else m would {q}; inst=\"$inst \"{q}; fi\n"
            ),
            State::Absent => format!("have {q} && {{ m would {q}; rem=\"$rem \"{q}; }}\n"),
        });
    }
    if check {
        s.push_str("[ -n \"$inst$up$rem\" ] && m changed check\n");
        return s;
    }
    let down = if a.allow_downgrade {
        "--allowdowngrade"
    } else {
        ""
    };
    s.push_str(&format!(
        "if [ -n \"$inst\" ]; then m changed install; T install {down} $inst || {{ m failed install $?; exit 0; }}; fi\n\
         if [ -n \"$up\" ]; then m changed upgrade; T upgrade $up || {{ m failed upgrade $?; exit 0; }}; fi\n\
         if [ -n \"$rem\" ]; then m changed remove; T remove $rem || {{ m failed remove $?; exit 0; }}; fi\n"
    ));
    if a.autoremove && p.names.is_empty() {
        s.push_str(
            "o=$(T autoremove 2>&1) || { printf '%s\\n' \"$o\" >&2; m failed autoremove 1; exit 0; }\n\
             printf '%s\\n' \"$o\"; case $o in *Removing*|*Erasing*) m changed autoremove;; esac\n",
        );
    }
    s
}

/// Reads the program's answer into Ansible's result (`msg`, `results`, `rc`).
pub fn answer(p: &Plan, stdout: &str, stderr: &str) -> Output {
    let (marks, tool_out) = split_output(stdout);
    let mut o = Output::default();
    let mut results = Vec::new();
    for (k, v) in marks {
        match k.as_str() {
            "changed" => o.changed = true,
            "would" => results.push(v),
            "locked" => {
                o.failed = true;
                o.msg = Some(format!(
                    "{} lockfile is held by another process: waited {} seconds (lock_timeout)",
                    p.tool, p.args.lock_timeout
                ));
            }
            "fail" => {
                o.failed = true;
                o.msg = Some(v);
            }
            "failed" => {
                o.failed = true;
                o.msg = Some(missing_or_failed(
                    &format!("{} {v}", p.tool),
                    &format!("{tool_out}\n{stderr}"),
                    stderr,
                    |l| l.trim().strip_prefix("No match for argument:"),
                ));
            }
            _ => {}
        }
    }
    if o.failed {
        o.changed = false;
    }
    o.fields.insert("results".into(), json!(results));
    o.fields.insert("rc".into(), json!(i32::from(o.failed)));
    set_streams(&mut o, &tool_out, stderr);
    if o.msg.is_none() {
        o.msg = Some(if o.changed {
            String::new()
        } else {
            "Nothing to do".into()
        });
    }
    o
}

/// `dnf` or `yum` (`tool`).
pub async fn run(
    tool: &'static str,
    a: &Map<String, Value>,
    ctx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let p = plan(tool, a).map_err(Failure::BadArgs)?;
    let out = ctx
        .exec(program(&p, ctx.check).into_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(answer(
        &p,
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: Value) -> Result<Plan, String> {
        plan("dnf", v.as_object().expect("object"))
    }

    #[test]
    fn arguments_are_checked() {
        assert!(of(json!({"name": "a;b"})).is_err());
        assert!(of(json!({"name": "a", "state": "gone"})).is_err());
        assert!(of(json!({})).is_err());
        assert!(of(json!({"name": "a", "autoremove": true})).is_err());
        assert!(of(json!({"name": "a", "list": "x"})).is_err());
        let p = of(json!({"name": "httpd, nginx >= 1.2", "state": "latest"})).expect("plan");
        assert_eq!(p.names, vec!["httpd", "nginx>=1.2"]);
    }

    #[test]
    fn one_transaction_per_kind_with_quoted_names() {
        let p = of(json!({"name": ["a", "b*"], "enablerepo": "epel", "disable_gpg_check": true}))
            .expect("plan");
        let s = program(&p, false);
        assert!(
            s.contains("T() { dnf -y --enablerepo=epel --nogpgcheck \"$@\"; }"),
            "{s}"
        );
        assert!(
            s.contains("have a || { m would a; inst=\"$inst \"a; }"),
            "{s}"
        );
        assert!(s.contains("have 'b*' ||"), "{s}");
        assert_eq!(s.matches("T install").count(), 1, "{s}");
        let c = program(&p, true);
        assert!(
            !c.contains("T install") && c.contains("m changed check"),
            "{c}"
        );
        let y = plan(
            "yum",
            json!({"name": "a", "state": "absent"}).as_object().unwrap(),
        )
        .expect("plan");
        let s = program(&y, false);
        assert!(
            s.contains("T() { yum -y \"$@\"; }") && s.contains("T remove $rem"),
            "{s}"
        );
        for v in [
            json!({"name": ["a", "b"], "state": "latest", "update_cache": true, "update_only": true}),
            json!({"autoremove": true, "exclude": ["k*"], "install_weak_deps": false}),
            json!({"name": "a", "state": "latest", "allow_downgrade": true}),
        ] {
            let p = of(v).expect("plan");
            for check in [false, true] {
                let s = program(&p, check);
                assert!(super::super::common::parses(&s), "{s}");
            }
        }
    }

    #[test]
    fn missing_packages_are_named() {
        let p = of(json!({"name": ["a", "nope"]})).expect("plan");
        let o = answer(
            &p,
            "@@rsible changed install\n@@rsible failed install 1\n",
            "No match for argument: nope\nError: Unable to find a match: nope\n",
        );
        assert!(o.failed && !o.changed);
        assert_eq!(
            o.msg.as_deref(),
            Some("No package matching 'nope' is available")
        );
    }
}
