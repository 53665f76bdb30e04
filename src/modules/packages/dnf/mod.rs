//! `dnf` and `yum`: installs, upgrades and removes RPM packages. One gated program per task:
//! the probe waits (up to `lock_timeout`) for another dnf/yum to finish and queries rpm for
//! each package (what check mode reports); the apply refreshes the metadata when asked (then
//! decides again) and runs one install transaction, one upgrade and one removal for what
//! differs. Not run against a real target in this project's lab (which is Debian): the
//! generated program is unit-tested. Knows nothing of playbooks.

use super::common::backend::{self, Backend, REDO};
use super::common::{de_flag, de_known, missing_or_failed, set_streams, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{
    de_bool, de_opt_bool, de_opt_list, de_opt_string, is_template,
};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

/// `dnf` in the registry.
pub const DNF: Spec = spec::<Dnf>(B, &[]);

/// `yum` in the registry.
pub const YUM: Spec = spec::<Yum>(B, &[]);

/// The `dnf` module.
pub struct Dnf;

/// The `yum` module: `dnf`'s arguments and program, run with yum.
pub struct Yum;

impl Module for Dnf {
    const NAME: &'static str = "dnf";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        validate(a)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { backend::run(&Plan::new("dnf", a), ctx).await })
    }
}

impl Module for Yum {
    const NAME: &'static str = "yum";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        validate(a)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { backend::run(&Plan::new("yum", a), ctx).await })
    }
}

fn thirty() -> u64 {
    30
}

/// Arguments of `dnf`/`yum` (Ansible's names; the common subset).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, alias = "pkg", deserialize_with = "de_opt_list")]
    name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_known")]
    state: State,
    #[serde(default, alias = "expire-cache", deserialize_with = "de_flag")]
    update_cache: bool,
    #[serde(default, deserialize_with = "de_bool")]
    disable_gpg_check: bool,
    #[serde(default, deserialize_with = "de_opt_list")]
    enablerepo: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    disablerepo: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    exclude: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_flag")]
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

/// Whether `s` is an RPM package spec (name, `name-1.2`, `name >= 1.2` written without
/// spaces, a glob, a path or URL of an .rpm).
fn valid_spec(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+:~^<>=*-@/".contains(c))
}

/// A name as the tool reads it (`nginx >= 1.2` is `nginx>=1.2`).
fn joined(n: &str) -> String {
    n.split_whitespace().collect()
}

/// The rules between the arguments of `dnf`/`yum` (value checks skip templates).
fn validate(a: &Args) -> Result<(), String> {
    let names: Vec<&String> = a.name.iter().flatten().collect();
    if let Some(bad) = names
        .iter()
        .find(|n| !is_template(n) && !valid_spec(&joined(n)))
    {
        return Err(format!("'{bad}' is not a valid package name"));
    }
    if names.is_empty() && !a.update_cache && !a.autoremove {
        return Err("one of the following is required: name, update_cache, autoremove".into());
    }
    if a.autoremove && !names.is_empty() && a.state != State::Absent {
        return Err("autoremove can only be used with state=absent or without names".into());
    }
    Ok(())
}

/// The checked request for tool `tool` (`dnf` or `yum`).
#[derive(Debug)]
pub struct Plan {
    tool: &'static str,
    names: Vec<String>,
    args: Args,
}

impl Plan {
    /// The plan of checked arguments for `tool`.
    pub fn new(tool: &'static str, args: Args) -> Plan {
        Plan {
            tool,
            names: args.name.iter().flatten().map(|n| joined(n)).collect(),
            args,
        }
    }
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

/// The probe: waits for the lock, decides per package (`would NAME`, `changed check`) and
/// sets `rsible_change=1` when the apply has work. Also `locked`, `fail MESSAGE`.
fn probe(p: &Plan) -> String {
    let a = &p.args;
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nset -f\n{MARK_FN}\
         command -v {t} >/dev/null 2>&1 || {{ m fail {t} was not found on the target; exit 0; }}\n{}\
         w=0\nfor pf in /var/run/dnf.pid /var/run/yum.pid; do\n  \
         while [ -s \"$pf\" ] && kill -0 \"$(cat \"$pf\")\" 2>/dev/null; do\n    \
         [ $w -ge {lt} ] && {{ m locked; exit 0; }}\n    sleep 1; w=$((w+1))\n  done\ndone\n\
         have() {{ rpm -q \"$1\" >/dev/null 2>&1 || rpm -q --whatprovides \"$1\" >/dev/null 2>&1; }}\n\
         decide() {{\n  inst=''; up=''; rem=''\n",
        tool_fn(p),
        t = p.tool,
        lt = a.lock_timeout,
    );
    for n in &p.names {
        let q = quote_str(n);
        s.push_str(&match a.state {
            State::Present if a.update_only => String::new(),
            State::Present => format!("  have {q} || {{ m would {q}; inst=\"$inst \"{q}; }}\n"),
            State::Latest if a.update_only => format!(
                "  have {q} && {{ T -q check-update {q} >/dev/null 2>&1; [ $? = 100 ] && {{ m would {q}; up=\"$up \"{q}; }}; }}\n"
            ),
            State::Latest => format!(
                "  if have {q}; then T -q check-update {q} >/dev/null 2>&1; [ $? = 100 ] && {{ m would {q}; up=\"$up \"{q}; }}; \
                 else m would {q}; inst=\"$inst \"{q}; fi\n"
            ),
            State::Absent => format!("  have {q} && {{ m would {q}; rem=\"$rem \"{q}; }}\n"),
        });
    }
    s.push_str("  [ -z \"$inst$up$rem\" ] || m changed check\n}\ndecide\n[ -z \"$inst$up$rem\" ] || rsible_change=1\n");
    if a.update_cache || (a.autoremove && p.names.is_empty()) {
        s.push_str("rsible_change=1\n");
    }
    s
}

/// The apply: the metadata refresh (then `decide` again), the transactions, autoremove.
fn apply(p: &Plan) -> String {
    let a = &p.args;
    let mut s = String::new();
    if a.update_cache {
        s.push_str(&format!(
            "m {REDO}\nT -q makecache >/dev/null || {{ m failed makecache 1; exit 0; }}\ndecide\n"
        ));
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

impl Backend for Plan {
    fn tool(&self) -> &'static str {
        self.tool
    }

    fn probe(&self) -> String {
        probe(self)
    }

    fn apply(&self) -> String {
        apply(self)
    }

    fn answer(&self, stdout: &str, stderr: &str) -> Output {
        answer(self, stdout, stderr)
    }
}

/// Reads the program's answer into Ansible's result (`msg`, `results`, `rc`).
fn answer(p: &Plan, stdout: &str, stderr: &str) -> Output {
    let r = match backend::report(p.tool, stdout) {
        Ok(r) => r,
        Err(o) => return *o,
    };
    let tool_out = r.rest();
    let mut o = Output::default();
    let mut results = Vec::new();
    for (k, v) in r.entries() {
        match k {
            "changed" => o.changed = true,
            "would" => results.push(v.to_string()),
            "locked" => {
                o.failed = true;
                o.msg = Some(format!(
                    "{} lockfile is held by another process: waited {} seconds (lock_timeout)",
                    p.tool, p.args.lock_timeout
                ));
            }
            "fail" => {
                o.failed = true;
                o.msg = Some(v.to_string());
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
    set_streams(&mut o, tool_out, stderr);
    if o.msg.is_none() {
        o.msg = Some(if o.changed {
            String::new()
        } else {
            "Nothing to do".into()
        });
    }
    o
}

#[cfg(test)]
mod tests;
