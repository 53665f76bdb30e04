//! `pip` (ansible.builtin.pip): Python packages in a virtualenv (created when missing) or
//! the system's Python, through the target's own pip, as Ansible's module runs it. One
//! gated program ([`script`]); outside check mode pip always runs and the change is read
//! from its output (`Successfully installed`/`uninstalled`), or, for a requirements file or
//! a VCS URL, from `pip list` before and after. In check mode the listing decides for plain
//! names (`present`/`absent`, versions by [`version`]'s PEP 440 rules), and anything else
//! (extra_args, requirements, `latest`, a virtualenv to create) reports a change, as
//! Ansible's module does. Returns `cmd`, `name`, `requirements`, `version`, `virtualenv`,
//! `state`, `stdout`, `stderr`. Knows nothing of playbooks.

pub mod req;
pub mod script;
pub mod version;

use super::common::set_streams;
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string, is_template};
use crate::modules::framework::report::Report;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use req::Req;
use script::{Plan, VenvCmd};
use serde::Deserialize;
use serde_json::{json, Value};

/// `pip` in the registry.
pub const SPEC: Spec = spec::<Pip>(B, &[]);

/// The `pip` module.
pub struct Pip;

/// What to do with the packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// `pip install`.
    #[default]
    Present,
    /// `pip uninstall -y`.
    Absent,
    /// `pip install -U`.
    Latest,
    /// `pip install -U --force-reinstall`.
    Forcereinstall,
}

impl State {
    /// Ansible's word for it.
    fn word(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Absent => "absent",
            State::Latest => "latest",
            State::Forcereinstall => "forcereinstall",
        }
    }

    /// pip's subcommand and flags for it.
    fn pip_words(self) -> &'static [&'static str] {
        match self {
            State::Present => &["install"],
            State::Absent => &["uninstall", "-y"],
            State::Latest => &["install", "-U"],
            State::Forcereinstall => &["install", "-U", "--force-reinstall"],
        }
    }
}

/// Arguments of `pip` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_list")]
    name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    version: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    requirements: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    virtualenv: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    virtualenv_site_packages: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    virtualenv_command: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    virtualenv_python: Option<String>,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_opt_string")]
    extra_args: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    editable: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    chdir: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    executable: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    umask: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    break_system_packages: bool,
}

/// Whether `u` reads as an octal number as Python's `int(u, 8)` reads it.
fn octal(u: &str) -> bool {
    let t = u.trim();
    let t = t
        .strip_prefix("0o")
        .or_else(|| t.strip_prefix("0O"))
        .unwrap_or(t);
    !t.is_empty() && t.chars().all(|c| ('0'..='7').contains(&c) || c == '_')
}

/// Whether a `name` entry is a VCS URL (`git+`, `hg+`, `svn+`, `bzr+`).
fn is_vcs(name: &str) -> bool {
    ["svn+", "git+", "hg+", "bzr+"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Whether a virtualenv command is Python's `venv` (`pyvenv`, `-m venv`): no `-p` for it.
fn is_venv_command(words: &[String]) -> bool {
    if words.first().is_some_and(|w| w == "pyvenv") {
        return true;
    }
    let mut module = None;
    let mut it = words.iter().skip(1);
    while let Some(w) = it.next() {
        if w == "-m" {
            module = it.next().cloned();
        } else if let Some(m) = w.strip_prefix("-m") {
            module = Some(m.trim_start_matches('=').to_string());
        }
    }
    module.as_deref() == Some("venv")
}

impl Module for Pip {
    const NAME: &'static str = "pip";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match (&a.name, &a.requirements) {
            (None, None) => {
                return Err("one of the following is required: name, requirements".into())
            }
            (Some(_), Some(_)) => {
                return Err("parameters are mutually exclusive: name|requirements".into())
            }
            _ => {}
        }
        if a.executable.is_some() && a.virtualenv.is_some() {
            return Err("parameters are mutually exclusive: executable|virtualenv".into());
        }
        if let Some(u) = a.umask.as_deref().filter(|u| !is_template(u)) {
            if !octal(u) {
                return Err("umask must be an octal integer".into());
            }
        }
        if a.state == State::Latest && a.version.is_some() {
            return Err("version is incompatible with state=latest".into());
        }
        if let Some(c) = a.virtualenv_command.as_deref().filter(|c| !is_template(c)) {
            if shlex::split(c).is_none_or(|w| w.is_empty()) {
                return Err(format!("virtualenv_command={c} is not a command"));
            }
        }
        if let Some(e) = a.extra_args.as_deref().filter(|e| !is_template(e)) {
            if shlex::split(e).is_none() {
                return Err(format!("extra_args={e} has an unclosed quote"));
            }
        }
        let names = a.name.as_deref().unwrap_or_default();
        if a.version.is_some() && !names.iter().any(|n| is_template(n)) {
            let entries = req::recover(names);
            if entries.len() > 1 {
                return Err(
                    "'version' argument is ambiguous when installing multiple package \
                            distributions. Please specify version restrictions next to each \
                            package in 'name' argument."
                        .into(),
                );
            }
            if entries
                .first()
                .is_some_and(|e| Req::new(e, None).has_specifier())
            {
                return Err(
                    "The 'version' argument conflicts with any version specifier \
                            provided along with a package name. Please keep the version \
                            specifier, but remove the 'version' argument."
                        .into(),
                );
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(pip(a, ctx))
    }
}

/// The package entries of `name` as pip receives them.
fn entries(a: &Args) -> Vec<Req> {
    let names = a.name.as_deref().unwrap_or_default();
    req::recover(names)
        .iter()
        .map(|e| Req::new(e, a.version.as_deref()))
        .collect()
}

/// The extra arguments, with `-e` added for `editable` as Ansible adds it.
fn extra_words(a: &Args) -> Vec<String> {
    let mut extra = a.extra_args.clone().unwrap_or_default();
    if a.editable && !extra.split(' ').any(|w| w == "-e") {
        extra = if extra.is_empty() {
            "-e".into()
        } else {
            format!("{extra} -e")
        };
    }
    shlex::split(&extra).unwrap_or_default()
}

/// Whether check mode decides from the listing (plain names, no extra arguments, not
/// `latest`); else it reports a change, as Ansible's module does.
fn listing_decides(a: &Args) -> bool {
    a.name.is_some() && extra_words(a).is_empty() && a.state != State::Latest
}

/// The program's plan for `a`.
fn plan(a: &Args, reqs: &[Req]) -> Plan {
    let extra = extra_words(a);
    let mut pip_args: Vec<String> = a.state.pip_words().iter().map(|w| w.to_string()).collect();
    pip_args.extend(extra.iter().cloned());
    match &a.requirements {
        Some(r) if a.name.is_none() => pip_args.extend(["-r".to_string(), r.clone()]),
        _ => pip_args.extend(reqs.iter().map(|r| r.text.clone())),
    }
    let names = a.name.as_deref().unwrap_or_default();
    let compare = a.requirements.is_some() || names.iter().any(|n| is_vcs(n));
    let words =
        shlex::split(a.virtualenv_command.as_deref().unwrap_or("virtualenv")).unwrap_or_default();
    Plan {
        chdir: a.chdir.clone(),
        env: a.virtualenv.clone(),
        executable: a.executable.clone(),
        venv: VenvCmd {
            is_venv: is_venv_command(&words),
            words,
            site_packages: a.virtualenv_site_packages,
            python: a.virtualenv_python.clone(),
        },
        pip_args,
        list_before: listing_decides(a) || compare,
        compare,
        umask: a.umask.clone(),
        break_system: a.break_system_packages,
    }
}

/// Ansible's failure text for a command's output (`stdout: ...`, then `\n:stderr: ...`).
fn fail_text(out: &str, err: &str) -> String {
    let mut msg = String::new();
    if !out.is_empty() {
        msg.push_str(&format!("stdout: {out}"));
    }
    if !err.is_empty() {
        msg.push_str(&format!("\n:stderr: {err}"));
    }
    msg
}

/// A failed result with `msg` (and `cmd` when given).
fn failed(msg: String, cmd: Option<Value>) -> Output {
    let mut o = Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    };
    if let Some(c) = cmd {
        o.fields.insert("cmd".into(), c);
    }
    o
}

/// The failure the program reported before pip's command ran, if any.
fn early_failure(r: &Report, pip_words: &[String]) -> Option<Output> {
    let env = r.get("env").unwrap_or("");
    if r.has("nopipenv") {
        return Some(failed(
            format!(
                "Unable to find pip in the virtualenv, {env}, under any of these names: pip3, \
                 pip. Make sure pip is present in the virtualenv."
            ),
            None,
        ));
    }
    if let Some(n) = r.get("nopip") {
        return Some(failed(
            format!("Unable to find any of {n} to use.  pip needs to be installed."),
            None,
        ));
    }
    if let Some(n) = r.get("nobin") {
        let paths = r.get("paths").unwrap_or("");
        return Some(failed(
            format!("Failed to find required executable \"{n}\" in paths: {paths}"),
            None,
        ));
    }
    if let Some(h) = r.get("helpfail") {
        let cmd = r.get("helpcmd").unwrap_or("");
        return Some(failed(
            format!("Could not get output from {cmd}: {h}"),
            None,
        ));
    }
    if r.has("pyconflict") {
        return Some(failed(
            "virtualenv_python should not be used when using the venv module or pyvenv as \
             virtualenv_command"
                .into(),
            None,
        ));
    }
    let vout = r.get("vout").unwrap_or("");
    let verr = r.get("verr").unwrap_or("");
    if r.has("vfail") {
        let cmd: Vec<&str> = r.all("vcmd").collect();
        return Some(failed(fail_text(vout, verr), Some(json!(cmd))));
    }
    if let Some(phase) = r.get("listfail") {
        let get = |k: &str| r.get(&format!("{phase}_{k}")).unwrap_or("").to_string();
        let mut cmd = pip_words.to_vec();
        cmd.push("freeze".into());
        return Some(failed(
            fail_text(&get("out"), &get("err")),
            Some(json!(cmd)),
        ));
    }
    None
}

/// `pip`: one gated program (see the file header).
async fn pip(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let reqs = entries(&a);
    let plan = plan(&a, &reqs);
    let out = ctx
        .gated(
            script::probe(&plan).as_bytes(),
            script::apply(&plan).as_bytes(),
            Vec::new(),
        )
        .await?;
    let r = Report::parse("pip", &String::from_utf8_lossy(&out.stdout))?;
    let mut pip_words: Vec<String> = r.get("pip").map(str::to_string).into_iter().collect();
    if r.get("pipm") == Some("1") {
        pip_words.extend(["-m".to_string(), "pip".to_string()]);
    }
    if let Some(o) = early_failure(&r, &pip_words) {
        return Ok(o);
    }
    if !r.has("applied") {
        return Ok(check_mode(&a, &r, &reqs, &pip_words));
    }
    let Some(rc) = r.get("rc").and_then(|c| c.parse::<i64>().ok()) else {
        return Err(Failure::Failed(format!(
            "pip: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    let (pout, perr) = (r.get("out").unwrap_or(""), r.get("err").unwrap_or(""));
    let stdout = format!("{}{pout}", r.get("vout").unwrap_or(""));
    let stderr = format!("{}{perr}", r.get("verr").unwrap_or(""));
    let mut cmd = pip_words.clone();
    cmd.extend(plan.pip_args.iter().cloned());
    let not_installed = pout.contains("not installed") || perr.contains("not installed");
    if rc != 0 && !(rc == 1 && a.state == State::Absent && not_installed) {
        return Ok(failed(fail_text(&stdout, &stderr), Some(json!(cmd))));
    }
    let changed = if a.state == State::Absent {
        pout.contains("Successfully uninstalled")
    } else if plan.compare {
        r.get("before_out") != r.get("after_out")
    } else {
        pout.contains("Successfully installed")
    };
    let mut o = Output {
        changed: changed || r.has("mkvenv"),
        ..Output::default()
    };
    let env = r.get("env").filter(|e| !e.is_empty());
    for (k, v) in [
        ("cmd", json!(cmd)),
        ("name", json!(a.name)),
        ("version", json!(a.version)),
        ("state", json!(a.state.word())),
        ("requirements", json!(a.requirements)),
        ("virtualenv", json!(env)),
    ] {
        o.fields.insert(k.into(), v);
    }
    set_streams(&mut o, &stdout, &stderr);
    Ok(o)
}

/// The check-mode result: a change for anything the listing cannot decide, else whether a
/// `present` entry is missing or an `absent` one installed.
fn check_mode(a: &Args, r: &Report, reqs: &[Req], pip_words: &[String]) -> Output {
    let mut o = Output::default();
    let Some(listing) = r
        .get("before_out")
        .filter(|_| listing_decides(a) && !r.has("mkvenv"))
    else {
        o.changed = true;
        return o;
    };
    o.changed = reqs.iter().any(|q| {
        let present = q.present_in(listing);
        (a.state == State::Present && !present) || (a.state == State::Absent && present)
    });
    let sub = match r.get("before_cmd") {
        Some("freeze") => "freeze",
        _ => "list --format=freeze",
    };
    let cmd = format!("{} {sub}", pip_words.join(" "));
    o.fields.insert("cmd".into(), json!(cmd));
    set_streams(&mut o, listing, r.get("before_err").unwrap_or(""));
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Pip>(json!({"name": ["a>1", "<2"], "virtualenv": "/v"})),
            Ok(true)
        );
        assert_eq!(
            check::<Pip>(json!({"requirements": "/r.txt", "state": "latest"})),
            Ok(true)
        );
        assert!(check::<Pip>(json!({})).is_err());
        assert!(check::<Pip>(json!({"name": "a", "requirements": "r"})).is_err());
        assert!(check::<Pip>(json!({"name": "a", "executable": "p", "virtualenv": "v"})).is_err());
        assert!(check::<Pip>(json!({"name": "a", "version": "1", "state": "latest"})).is_err());
        assert!(check::<Pip>(json!({"name": "a,b", "version": "1"})).is_err());
        assert!(check::<Pip>(json!({"name": "a>=1", "version": "1"})).is_err());
        assert!(check::<Pip>(json!({"name": "a", "umask": "0x22"})).is_err());
        assert_eq!(
            check::<Pip>(json!({"name": "a", "umask": "0022"})),
            Ok(true)
        );
        assert!(check::<Pip>(json!({"name": "a", "state": "installed"})).is_err());
        assert!(check::<Pip>(json!({"name": "a", "extra_args": "'x"})).is_err());
    }

    #[test]
    fn venv_commands() {
        let w = |s: &str| shlex::split(s).unwrap_or_default();
        assert!(is_venv_command(&w("python3 -m venv")));
        assert!(is_venv_command(&w("/usr/bin/python3 -mvenv")));
        assert!(is_venv_command(&w("pyvenv")));
        assert!(!is_venv_command(&w("virtualenv")));
        assert!(!is_venv_command(&w("python3 -m virtualenv")));
    }

    #[test]
    fn the_plan_follows_the_arguments() {
        let a: Args = serde_json::from_value(json!({
            "name": ["rsdemo", "other>=1"], "state": "latest",
            "extra_args": "--no-index --find-links '/w d'", "editable": true
        }))
        .expect("args");
        let p = plan(&a, &entries(&a));
        assert_eq!(
            p.pip_args,
            [
                "install",
                "-U",
                "--no-index",
                "--find-links",
                "/w d",
                "-e",
                "rsdemo",
                "other>=1"
            ]
        );
        assert!(!p.list_before && !p.compare);
        let a: Args = serde_json::from_value(json!({"requirements": "r.txt", "state": "absent"}))
            .expect("args");
        let p = plan(&a, &entries(&a));
        assert_eq!(p.pip_args, ["uninstall", "-y", "-r", "r.txt"]);
        assert!(p.list_before && p.compare);
    }

    #[test]
    fn failures_read_as_ansible_writes_them() {
        assert_eq!(fail_text("o\n", "e\n"), "stdout: o\n\n:stderr: e\n");
        assert_eq!(fail_text("", "e"), "\n:stderr: e");
        assert!(octal("0o22") && octal("022") && !octal("9"));
    }
}
