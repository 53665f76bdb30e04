//! `apt_repository`: adds or removes a one-line apt source. Present: a line with the same
//! source anywhere in `/etc/apt/sources.list` or `sources.list.d/*.list` is enabled (if it was
//! commented out) or the line is appended to `sources.list.d/<filename>.list`; absent: every
//! such line is removed (a file left empty is deleted). One gated program: the probe computes
//! each file's new text on the target (the same rules as [`sources`]), the apply writes every
//! changed file through the atomic writer, then runs `apt-get update` (the old files come
//! back, through the same writer, if it fails). Knows nothing of playbooks.

mod sources;

use super::common::{file_mode, Report, MARK_FN};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_bool, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use sources::AWK;

/// `apt_repository` in the registry.
pub const SPEC: Spec = spec::<AptRepository>(B, &[]);

/// The `apt_repository` module.
pub struct AptRepository;

/// Arguments of `apt_repository`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    repo: String,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_opt_string")]
    filename: Option<String>,
    /// `None`: yes.
    #[serde(default, alias = "update-cache", deserialize_with = "de_opt_bool")]
    update_cache: Option<bool>,
    #[serde(default)]
    update_cache_retries: Option<u64>,
    #[serde(default)]
    update_cache_retry_max_delay: Option<u64>,
    #[serde(default)]
    mode: Option<Value>,
    /// Accepted for compatibility (certificates are apt's business here).
    #[serde(default, rename = "validate_certs")]
    _validate_certs: Option<Value>,
    /// Accepted for compatibility: rsible needs no Python on the target.
    #[serde(default, rename = "install_python_apt")]
    _install_python_apt: Option<Value>,
    /// Only meaningful for PPAs, which rsible refuses.
    #[serde(default, rename = "codename")]
    _codename: Option<Value>,
}

/// Whether the source should be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
}

impl Module for AptRepository {
    const NAME: &'static str = "apt_repository";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.repo.trim().is_empty() {
            return Err("Please set argument 'repo' to a non-empty value".into());
        }
        if !is_template(&a.repo) {
            if a.repo.starts_with("ppa:") {
                return Err("ppa: repositories (Ubuntu Launchpad) are not supported by \
                            rsible; give the deb line"
                    .into());
            }
            let line = sources::parse(&a.repo);
            if !line.valid || !line.enabled {
                return Err(format!("Invalid repository string: {}", a.repo));
            }
        }
        if let Some(f) = a.filename.as_deref().filter(|f| !is_template(f)) {
            if f.contains('/') || f.is_empty() {
                return Err(format!("filename '{f}' must be a plain file name"));
            }
        }
        file_mode(a.mode.as_ref()).map(|_| ())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// The checked request.
struct Plan {
    source: String,
    comment: String,
    present: bool,
    file: String,
    mode: u32,
    args: Args,
}

impl Plan {
    fn new(args: Args) -> Result<Plan, String> {
        let line = sources::parse(&args.repo);
        let name = match &args.filename {
            Some(f) => f.clone(),
            None => sources::suggest_filename(&args.repo),
        };
        Ok(Plan {
            source: line.source,
            comment: line.comment,
            present: args.state == State::Present,
            file: format!("/etc/apt/sources.list.d/{name}.list"),
            mode: file_mode(args.mode.as_ref())?.unwrap_or(0o644),
            args,
        })
    }
}

/// The probe: the new text of each file into the temp dir, `changed FILE`, `added`/`removed`
/// and, in diff mode, `b FILE LINE` / `a FILE LINE`. `chg` lists the changed files' numbers.
fn probe(p: &Plan, diff: bool) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         R={}; C={}; T={}; ST={}; export R C ST\nAWK={}\n\
         td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\n\
         set -- /etc/apt/sources.list /etc/apt/sources.list.d/*.list\n\
         found=''\nfor f do [ -f \"$f\" ] || continue\n  \
         [ -n \"$(ST=find awk \"$AWK\" \"$f\")\" ] && found=1\ndone\n\
         case \" $* \" in *\" $T \"*) ;; *) set -- \"$@\" \"$T\";; esac\n\
         n=0; chg=''\nfor f do\n  n=$((n+1)); src=$f; [ -f \"$f\" ] || src=/dev/null\n  \
         add=0; [ \"$ST\" = present ] && [ -z \"$found\" ] && [ \"$f\" = \"$T\" ] && add=1\n  \
         OLD=1 ADD=0 awk \"$AWK\" \"$src\" > \"$td/old\"\n  \
         OLD=0 ADD=$add awk \"$AWK\" \"$src\" > \"$td/new.$n\"\n  \
         cmp -s \"$td/old\" \"$td/new.$n\" && continue\n  m changed \"$f\"\n  \
         [ -s \"$td/old\" ] || m added \"$f\"; [ -s \"$td/new.$n\" ] || m removed \"$f\"\n  \
         printf '%s' \"$f\" > \"$td/path.$n\"; chg=\"$chg $n\"; rsible_change=1\n",
        quote_str(&p.source),
        quote_str(&p.comment),
        quote_str(&p.file),
        if p.present { "present" } else { "absent" },
        quote_str(AWK),
    );
    if diff {
        s.push_str(
            "  while IFS= read -r l; do m b \"$f\" \"$l\"; done < \"$td/old\"\n  \
             while IFS= read -r l; do m a \"$f\" \"$l\"; done < \"$td/new.$n\"\n",
        );
    }
    s.push_str("done\n");
    s
}

/// The apply: each changed file kept in the temp dir, then written (a new file with the
/// plan's mode, an existing one keeping its own) or removed when empty; then the cache
/// update, which puts the old files back when it fails.
fn apply(p: &Plan) -> Result<String, String> {
    let keep = write::inline_target("\"$f\"", "\"$td/new.$i\"", &WriteOpts::default())?;
    let fresh = write::inline_target(
        "\"$f\"",
        "\"$td/new.$i\"",
        &WriteOpts {
            mode: Some(p.mode),
            ..WriteOpts::default()
        },
    )?;
    let restore = write::inline_target("\"$f\"", "\"$td/bak.$i\"", &WriteOpts::default())?;
    let (keep, fresh, restore) = (
        String::from_utf8_lossy(&keep),
        String::from_utf8_lossy(&fresh),
        String::from_utf8_lossy(&restore),
    );
    let mut s = format!(
        "for i in $chg; do\n  f=$(cat \"$td/path.$i\")\n  \
         if [ -f \"$f\" ]; then cp -p \"$f\" \"$td/bak.$i\" || exit 1; fi\n  \
         if [ ! -s \"$td/new.$i\" ]; then rm -f \"$f\" || exit 1\n  \
         elif [ -f \"$f\" ]; then{keep} || exit 1\n  \
         else{fresh} || exit 1\n  fi\ndone\n"
    );
    if p.args.update_cache.unwrap_or(true) {
        let tries = p.args.update_cache_retries.unwrap_or(5).max(1);
        let delay = p.args.update_cache_retry_max_delay.unwrap_or(12).max(1);
        s.push_str(&format!(
            "k=0; d=1\nuntil apt-get update -q >/dev/null; do\n  k=$((k+1))\n  \
             if [ $k -ge {tries} ]; then\n    \
             for i in $chg; do f=$(cat \"$td/path.$i\")\n      \
             if [ -f \"$td/bak.$i\" ]; then{restore} || exit 1; else rm -f \"$f\"; fi\n    done\n    \
             m update_failed {tries}; exit 0\n  fi\n  \
             sleep $d; d=$((d*2)); [ $d -gt {delay} ] && d={delay}\ndone\n"
        ));
    }
    Ok(s)
}

/// `apt_repository`: returns `repo`, `state`, `sources_added`, `sources_removed`.
async fn run(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = Plan::new(args).map_err(Failure::BadArgs)?;
    let apply = apply(&p).map_err(Failure::Failed)?;
    let out = ctx
        .gated(probe(&p, ctx.diff).as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "apt_repository: writing {} failed: {}",
            p.file,
            stderr.trim()
        )));
    }
    let r = Report::parse("apt_repository", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    let mut files: Vec<(String, String, String)> = Vec::new();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for (k, v) in r.entries() {
        let (f, l) = v.split_once(' ').unwrap_or((v, ""));
        match k {
            "changed" => {
                o.changed = true;
                files.push((v.to_string(), String::new(), String::new()));
            }
            "b" | "a" => {
                if let Some(e) = files.iter_mut().find(|e| e.0 == f) {
                    let t = if k == "b" { &mut e.1 } else { &mut e.2 };
                    t.push_str(l);
                    t.push('\n');
                }
            }
            "added" => added.push(v.to_string()),
            "removed" => removed.push(v.to_string()),
            "update_failed" => {
                o.failed = true;
                o.msg = Some(format!(
                    "Failed to update apt cache after {f} retries: {}",
                    stderr.trim()
                ));
            }
            _ => {}
        }
    }
    o.fields.insert("repo".into(), json!(p.args.repo));
    o.fields.insert(
        "state".into(),
        json!(if p.present { "present" } else { "absent" }),
    );
    o.fields.insert("sources_added".into(), json!(added));
    o.fields.insert("sources_removed".into(), json!(removed));
    if ctx.diff {
        for (f, before, after) in files {
            let header = |empty: bool| {
                if empty {
                    "/dev/null".to_string()
                } else {
                    f.clone()
                }
            };
            o.diffs.push(Diff {
                before_header: header(before.is_empty()),
                after_header: header(after.is_empty()),
                before,
                after,
            });
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests;
