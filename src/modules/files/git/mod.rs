//! `git` (ansible.builtin): a checkout of a repository at `version` (a branch, tag, commit or
//! the remote's HEAD), through the target's own git, its ssh given Ansible's options
//! (`GIT_SSH_COMMAND`: `BatchMode`, `key_file`, `accept_hostkey`/`accept_newhostkey`,
//! `ssh_opts`). One gated program ([`script`]): the probe reads the checkout and the remote
//! revision, the apply clones or fetches and checks out as Ansible's module does; in check
//! mode the remote revision stands for `after`. Returns `before`, `after`,
//! `remote_url_changed`, `msg`, `warnings` and the `diff` (`prepared`) as Ansible. Refused
//! at load: `bare`, `refspec`, `reference`, `verify_commit`, `gpg_allowlist`, `archive`,
//! `archive_prefix`, `separate_git_dir`, `track_submodules`, and a `dest`, `repo` or
//! `key_file` Ansible would expand (`~`, `$`) or a relative `dest`; a checkout with
//! submodules fails unless `recursive: false`. Knows nothing of playbooks.

mod script;

use crate::modules::framework::args::{de_bool, de_opt_int, de_opt_string, is_template, yes};
use crate::modules::framework::report::Report;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use script::Plan;
use serde::Deserialize;
use serde_json::{json, Value};

/// `git` in the registry.
pub const SPEC: Spec = spec::<Git>(B, &[]);

/// The `git` module.
pub struct Git;

/// Arguments of `git` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "name")]
    repo: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    dest: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    version: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    remote: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    #[serde(default, deserialize_with = "de_opt_int")]
    depth: Option<i64>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    clone: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    update: bool,
    #[serde(default, deserialize_with = "de_bool")]
    accept_hostkey: bool,
    #[serde(default, deserialize_with = "de_bool")]
    accept_newhostkey: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    key_file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    ssh_opts: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    executable: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    single_branch: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    recursive: bool,
    #[serde(default, deserialize_with = "de_bool")]
    track_submodules: bool,
    #[serde(default, deserialize_with = "de_bool")]
    bare: bool,
    #[serde(default, deserialize_with = "de_bool")]
    verify_commit: bool,
    #[serde(default, alias = "gpg_whitelist")]
    gpg_allowlist: Option<Vec<Value>>,
    #[serde(default)]
    umask: Option<Value>,
    #[serde(default)]
    refspec: Option<Value>,
    #[serde(default)]
    reference: Option<Value>,
    #[serde(default)]
    archive: Option<Value>,
    #[serde(default)]
    archive_prefix: Option<Value>,
    #[serde(default)]
    separate_git_dir: Option<Value>,
}

/// A path Ansible expands on the target (`~`, `$VAR`) or, for `dest`, resolves against the
/// module's directory.
fn unexpanded(p: &str, relative_ok: bool) -> bool {
    !is_template(p)
        && (p.starts_with('~') || p.contains('$') || !(relative_ok || p.starts_with('/')))
}

impl Module for Git {
    const NAME: &'static str = "git";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let refused = [
            ("refspec", a.refspec.is_some()),
            ("reference", a.reference.is_some()),
            ("archive", a.archive.is_some()),
            ("archive_prefix", a.archive_prefix.is_some()),
            ("separate_git_dir", a.separate_git_dir.is_some()),
            ("bare", a.bare),
            ("verify_commit", a.verify_commit),
            (
                "gpg_allowlist",
                a.gpg_allowlist.as_ref().is_some_and(|l| !l.is_empty()),
            ),
            ("track_submodules", a.track_submodules),
        ];
        if let Some((name, _)) = refused.iter().find(|(_, given)| *given) {
            return Err(format!("{name} is not supported by rsible's git"));
        }
        if a.accept_hostkey && a.accept_newhostkey {
            return Err(
                "parameters are mutually exclusive: accept_hostkey|accept_newhostkey".into(),
            );
        }
        let paths = [
            ("dest", a.dest.as_deref(), false),
            ("key_file", a.key_file.as_deref(), true),
            (
                "repo",
                Some(a.repo.as_str()).filter(|r| r.starts_with('~')),
                true,
            ),
        ];
        for (name, p, relative_ok) in paths {
            if let Some(p) = p.filter(|p| unexpanded(p, relative_ok)) {
                return Err(format!(
                    "{name}={p:?}: a path Ansible expands on the target (~, $VAR, or relative \
                     to the module's directory) is not supported by rsible"
                ));
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(git(a, ctx))
    }
}

/// The ssh options Ansible's module gives git's ssh (`GIT_SSH_COMMAND` after `ssh `), with
/// `extra` (`StrictHostKeyChecking=...`) added to the user's `ssh_opts` as the module adds it.
fn ssh_options(a: &Args, extra: Option<&str>) -> String {
    let mut opts = a.ssh_opts.clone();
    for mode in [a.accept_hostkey.then_some("no"), extra]
        .into_iter()
        .flatten()
    {
        let o = format!("-o StrictHostKeyChecking={mode}");
        opts = Some(match opts {
            Some(s)
                if s.contains("-o StrictHostKeyChecking=no")
                    || s.contains("-o StrictHostKeyChecking=accept-new") =>
            {
                s
            }
            Some(s) => format!("{s} {o}"),
            None => o,
        });
    }
    let mut s = opts.map(|o| format!(" {o}")).unwrap_or_default();
    if a.accept_hostkey && !s.contains("StrictHostKeyChecking=no") {
        s.push_str(" -o StrictHostKeyChecking=no");
    }
    if !s.contains("BatchMode=yes") {
        s.push_str(" -o BatchMode=yes");
    }
    if let Some(k) = &a.key_file {
        let key = format!("-i {k}");
        if !s.contains(&key) {
            s.push_str(&format!("  {key}"));
        }
        if !s.contains("IdentitiesOnly=yes") {
            s.push_str(" -o IdentitiesOnly=yes");
        }
    }
    s
}

/// `umask` as Ansible reads it: quoted octal text (Python's `int(u, 8)`), else its message.
fn umask(v: &Value) -> Result<String, Box<Output>> {
    let Value::String(s) = v else {
        let msg = "umask must be defined as a quoted octal integer";
        return Err(Box::new(failed(msg.into())));
    };
    let t = s.trim().replace('_', "");
    let digits = t
        .strip_prefix("0o")
        .or_else(|| t.strip_prefix("0O"))
        .unwrap_or(&t);
    match u32::from_str_radix(digits, 8) {
        Ok(n) if n <= 0o777 => Ok(format!("{n:04o}")),
        _ => {
            let mut o = failed("umask must be an octal integer".into());
            o.fields.insert(
                "details".into(),
                json!(format!("invalid literal for int() with base 8: '{s}'")),
            );
            Err(Box::new(o))
        }
    }
}

/// A remote URL as Ansible compares them (`os.path.normpath`, without the symlinks).
fn unfrack(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            ".." if abs => {}
            c => parts.push(c),
        }
    }
    let body = parts.join("/");
    if abs {
        format!("/{body}")
    } else {
        body
    }
}

fn failed(msg: String) -> Output {
    Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    }
}

/// A failure the program reported (`fmsg`, and `frc`/`fstdout`/`fstderr` for a git command
/// that failed, as Ansible's `check_rc`).
fn failure(r: &Report, keys: [&str; 4]) -> Output {
    let [msg, rc, stdout, stderr] = keys;
    let mut o = failed(r.get(msg).unwrap_or("").trim_end().to_string());
    if let Some(rc) = r.get(rc) {
        o.fields
            .insert("rc".into(), json!(rc.parse::<i64>().unwrap_or(1)));
        o.fields
            .insert("stdout".into(), json!(r.get(stdout).unwrap_or("")));
        o.fields
            .insert("stderr".into(), json!(r.get(stderr).unwrap_or("")));
    }
    o
}

/// Ansible's `prepared` diff between two revisions from `git diff`'s answer.
fn prepared(before: &str, after: &str, diff: Option<&str>, err: Option<&str>) -> String {
    match (diff, err) {
        (Some(d), _) if !d.is_empty() => format!("{d}\n"),
        (Some(_), _) => format!(">> No visual differences between {before} and {after}"),
        (None, Some(e)) if !e.is_empty() => {
            format!(">> Failed to get proper diff between {before} and {after}:\n>> {e}\n")
        }
        (None, _) => format!(">> Failed to get proper diff between {before} and {after}"),
    }
}

/// `git`: one gated program (see the file header).
async fn git(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    if a.dest.is_none() && a.clone {
        return Ok(failed(
            "the destination directory must be specified unless clone=no".into(),
        ));
    }
    let umask = match a.umask.as_ref().map(umask).transpose() {
        Ok(u) => u,
        Err(o) => return Ok(*o),
    };
    let repo = if a.repo.starts_with('/') {
        format!("file://{}", a.repo)
    } else {
        a.repo.clone()
    };
    let version = a.version.as_deref().unwrap_or("HEAD");
    let plan = Plan {
        git: a.executable.as_deref(),
        repo: &repo,
        dest: a.dest.as_deref(),
        version,
        remote: a.remote.as_deref().unwrap_or("origin"),
        depth: a.depth.and_then(|d| u64::try_from(d).ok()),
        force: a.force,
        update: a.update,
        clone: a.clone,
        single_branch: a.single_branch,
        recursive: a.recursive,
        ssh_opts: ssh_options(&a, None),
        ssh_opts_new: a
            .accept_newhostkey
            .then(|| ssh_options(&a, Some("accept-new"))),
        umask: umask.as_deref(),
        diff: ctx.diff,
    };
    let out = ctx
        .gated(
            script::probe(&plan).as_bytes(),
            script::apply(&plan).as_bytes(),
            Vec::new(),
        )
        .await?;
    let r = Report::parse("git", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    let warnings: Vec<&str> = r.all("warning").collect();
    if !warnings.is_empty() {
        o.fields.insert("warnings".into(), json!(warnings));
    }
    if let Some(path) = r.get("nogit") {
        return Ok(failed(format!(
            "Failed to find required executable \"git\" in paths: {path}"
        )));
    }
    if r.has("fmsg") {
        let mut f = failure(&r, ["fmsg", "frc", "fstdout", "fstderr"]);
        if r.has("keepbefore") {
            f.fields.insert("before".into(), json!(r.get("before")));
            f.fields.insert("changed".into(), json!(false));
        }
        f.fields.extend(o.fields);
        return Ok(f);
    }
    let Some(state) = r.get("state") else {
        return Err(Failure::Failed(format!(
            "git: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    if r.has("submodules") {
        return Ok(failed(format!(
            "git: {} has submodules (.gitmodules); updating submodules is not supported by \
             rsible: set recursive: false",
            a.dest.as_deref().unwrap_or("")
        )));
    }
    let before = r.get("before");
    let mut diff = None;
    if r.has("applied") {
        let after = r.get("after").unwrap_or("");
        o.fields.insert("after".into(), json!(after));
        if state == "new" {
            o.changed = true;
            o.fields.insert("before".into(), Value::Null);
            diff = Some(format!(">> Newly checked out {after}"));
        } else {
            let before = before.unwrap_or("");
            let url_changed = r.get("url_changed") == Some("1");
            o.fields.insert("before".into(), json!(before));
            o.fields
                .insert("remote_url_changed".into(), json!(url_changed));
            if r.has("reset") {
                o.msg = Some(format!(
                    "Local modifications exist in the destination: {}",
                    a.dest.as_deref().unwrap_or("")
                ));
            }
            o.changed = before != after || r.has("reset") || url_changed;
            if o.changed && before != after {
                diff = Some(prepared(
                    before,
                    after,
                    r.get("diff"),
                    r.has("diffrc").then(|| r.get("differr").unwrap_or("")),
                ));
            }
        }
    } else if state == "keep" {
        o.fields.insert("before".into(), json!(before));
        o.fields.insert("after".into(), json!(before));
    } else {
        if r.has("rherr") || r.has("rherr_rc") {
            let mut f = failure(&r, ["rherr", "rherr_rc", "rherr_stdout", "rherr_stderr"]);
            f.fields.extend(o.fields);
            return Ok(f);
        }
        let rh = r.get("rh").unwrap_or("");
        o.changed = true;
        o.fields.insert("after".into(), json!(rh));
        if state == "new" {
            o.fields.insert("before".into(), Value::Null);
            diff = Some(format!(">> Newly checked out {rh}"));
        } else {
            let before = before.unwrap_or("");
            let url_changed = r
                .get("url")
                .is_some_and(|u| !u.is_empty() && u != repo && unfrack(u) != unfrack(&repo));
            o.changed = before != rh || url_changed;
            o.fields.insert("before".into(), json!(before));
            o.fields
                .insert("remote_url_changed".into(), json!(url_changed));
            if before != rh {
                diff = Some(prepared(before, rh, r.get("pdiff"), r.get("pdifferr")));
            }
        }
    }
    if let Some(d) = diff.filter(|_| ctx.diff) {
        o.fields.insert("diff".into(), json!({ "prepared": d }));
    }
    Ok(o)
}

#[cfg(test)]
mod tests;
