//! `apt_repository`: adds or removes a one-line apt source. Present: a line with the same
//! source anywhere in `/etc/apt/sources.list` or `sources.list.d/*.list` is enabled (if it was
//! commented out) or the line is appended to `sources.list.d/<filename>.list`; absent: every
//! such line is removed (a file left empty is deleted). Files are rewritten atomically (temp
//! file and `mv`), then `apt-get update` runs when something changed (the old files come back
//! if it fails). One remote program. Knows nothing of playbooks.

use super::common::{split_output, MARK_FN};
use super::sources::{self, AWK};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{self, de_bool, de_opt_string};
use crate::modules::framework::mode::Mode;
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn yes() -> bool {
    true
}

/// Arguments of `apt_repository`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    repo: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    filename: Option<String>,
    #[serde(default = "yes", alias = "update-cache", deserialize_with = "de_bool")]
    update_cache: bool,
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

/// The checked request.
struct Plan {
    source: String,
    comment: String,
    present: bool,
    file: String,
    mode: u32,
    args: Args,
}

fn plan(a: &Map<String, Value>) -> Result<Plan, String> {
    let args: Args = args::parse("apt_repository", a)?;
    if args.repo.trim().is_empty() {
        return Err("apt_repository: Please set argument 'repo' to a non-empty value".into());
    }
    if args.repo.starts_with("ppa:") {
        return Err(
            "apt_repository: ppa: repositories (Ubuntu Launchpad) are not supported \
                    by rsible; give the deb line"
                .into(),
        );
    }
    let line = sources::parse(&args.repo);
    if !line.valid || !line.enabled {
        return Err(format!(
            "apt_repository: Invalid repository string: {}",
            args.repo
        ));
    }
    let present = match args.state.as_deref().unwrap_or("present") {
        "present" => true,
        "absent" => false,
        other => {
            return Err(format!(
                "apt_repository: value of state must be one of: absent, present, got: {other}"
            ))
        }
    };
    let name = match &args.filename {
        Some(f) if f.contains('/') || f.is_empty() => {
            return Err(format!(
                "apt_repository: filename '{f}' must be a plain file name"
            ))
        }
        Some(f) => f.clone(),
        None => sources::suggest_filename(&args.repo),
    };
    let mode = match &args.mode {
        None => 0o644,
        Some(v) => match Mode::parse(v).map_err(|e| format!("apt_repository: {e}"))? {
            Mode::Bits(b) => b,
            _ => return Err("apt_repository: mode must be an octal mode".into()),
        },
    };
    Ok(Plan {
        source: line.source,
        comment: line.comment,
        present,
        file: format!("/etc/apt/sources.list.d/{name}.list"),
        mode,
        args,
    })
}

/// The remote program. Marker lines: `changed FILE`, `b FILE LINE` / `a FILE LINE` (diff
/// text, in diff mode), `update_failed`.
fn program(p: &Plan, check: bool, diff: bool) -> String {
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
         OLD=0 ADD=$add awk \"$AWK\" \"$src\" > \"$td/new\"\n  \
         cmp -s \"$td/old\" \"$td/new\" && continue\n  m changed \"$f\"\n  \
         [ -s \"$td/old\" ] || m added \"$f\"; [ -s \"$td/new\" ] || m removed \"$f\"\n",
        quote_str(&p.source),
        quote_str(&p.comment),
        quote_str(&p.file),
        if p.present { "present" } else { "absent" },
        quote_str(AWK),
    );
    if diff {
        s.push_str(
            "  while IFS= read -r l; do m b \"$f\" \"$l\"; done < \"$td/old\"\n  \
             while IFS= read -r l; do m a \"$f\" \"$l\"; done < \"$td/new\"\n",
        );
    }
    if !check {
        s.push_str(&format!(
            "  if [ -f \"$f\" ]; then cp -p \"$f\" \"$td/bak.$n\"; chg=\"$chg $n:$f\"; \
             else chg=\"$chg 0:$f\"; fi\n  \
             if [ -s \"$td/new\" ]; then\n    \
             t=$(mktemp \"$(dirname \"$f\")/.rsible-apt.XXXXXX\") || exit 1\n    \
             cat \"$td/new\" > \"$t\"\n    \
             if [ -f \"$f\" ]; then chmod \"$(stat -c %a \"$f\")\" \"$t\"; else chmod {:o} \"$t\"; fi\n    \
             mv -f \"$t\" \"$f\" || exit 1\n  else rm -f \"$f\"; fi\n",
            p.mode
        ));
    }
    s.push_str("done\n");
    if !check && p.args.update_cache {
        let tries = p.args.update_cache_retries.unwrap_or(5).max(1);
        let delay = p.args.update_cache_retry_max_delay.unwrap_or(12).max(1);
        s.push_str(&format!(
            "if [ -n \"$chg\" ]; then\n  k=0; d=1\n  \
             until apt-get update -q >/dev/null; do\n    k=$((k+1))\n    \
             if [ $k -ge {tries} ]; then\n      \
             for e in $chg; do i=${{e%%:*}}; f=${{e#*:}}; \
             if [ \"$i\" = 0 ]; then rm -f \"$f\"; else cp -p \"$td/bak.$i\" \"$f\"; fi; done\n      \
             m update_failed {tries}; exit 0\n    fi\n    \
             sleep $d; d=$((d*2)); [ $d -gt {delay} ] && d={delay}\n  done\nfi\n"
        ));
    }
    s
}

/// `apt_repository`: returns `repo`, `state`, `sources_added`, `sources_removed`.
pub async fn apt_repository(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = plan(a).map_err(Failure::BadArgs)?;
    let out = ctx
        .exec(program(&p, ctx.check, ctx.diff).into_bytes(), Vec::new())
        .await?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "apt_repository: writing {} failed: {}",
            p.file,
            stderr.trim()
        )));
    }
    let (marks, _) = split_output(&String::from_utf8_lossy(&out.stdout));
    let mut o = Output::default();
    let mut files: Vec<(String, String, String)> = Vec::new();
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for (k, v) in marks {
        let (f, l) = v.split_once(' ').unwrap_or((v.as_str(), ""));
        match k.as_str() {
            "changed" => {
                o.changed = true;
                files.push((v.clone(), String::new(), String::new()));
            }
            "b" | "a" => {
                if let Some(e) = files.iter_mut().find(|e| e.0 == f) {
                    let t = if k == "b" { &mut e.1 } else { &mut e.2 };
                    t.push_str(l);
                    t.push('\n');
                }
            }
            "added" => added.push(v.clone()),
            "removed" => removed.push(v.clone()),
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
mod tests {
    use super::*;

    fn of(v: Value) -> Result<Plan, String> {
        plan(v.as_object().expect("object"))
    }

    #[test]
    fn repositories_are_checked_and_named() {
        let p = of(json!({"repo": "deb  [trusted=yes] file:/srv/x ./"})).expect("plan");
        assert_eq!(p.file, "/etc/apt/sources.list.d/file_srv_x.list");
        assert_eq!(p.source, "deb [trusted=yes] file:/srv/x ./");
        assert_eq!(p.mode, 0o644);
        let p = of(json!({"repo": "deb http://a b", "filename": "mine", "mode": "0600"}))
            .expect("plan");
        assert_eq!(p.file, "/etc/apt/sources.list.d/mine.list");
        assert_eq!(p.mode, 0o600);
        assert!(of(json!({"repo": "ppa:x/y"})).is_err());
        assert!(of(json!({"repo": "http://a b"})).is_err());
        assert!(of(json!({"repo": "deb http://a b", "filename": "../x"})).is_err());
        assert!(of(json!({"repo": "deb http://a b", "state": "gone"})).is_err());
    }

    #[test]
    fn check_mode_writes_nothing() {
        let p = of(json!({"repo": "deb http://a b"})).expect("plan");
        let s = program(&p, true, true);
        assert!(!s.contains("mv -f") && !s.contains("apt-get update"), "{s}");
        assert!(program(&p, false, false).contains("apt-get update"));
        for (check, diff) in [(false, false), (false, true), (true, true)] {
            assert!(super::super::common::parses(&program(&p, check, diff)));
        }
    }
}
