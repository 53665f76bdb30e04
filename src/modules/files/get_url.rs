//! `get_url`: the target downloads a URL with curl or wget (whichever it has) into a temp file
//! next to `dest`, checks the checksum, and puts it in place through the atomic writer only
//! when the content differs. Skipped without downloading when `dest` exists and `force` is
//! off, or when its checksum already matches `checksum`. One gated program: the probe decides
//! whether to download (in check mode that is the answer), the apply downloads and writes.
//! Knows nothing of playbooks.

use super::common::stat_fields::{parse_stat, path_fields, sum_command, STAT_FORMAT};
use super::common::url_name::url_file_name;
use crate::connection::quote::quote_str;
use crate::modules::files::common::edit::de_opt_mode;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template, scalar_text, yes};
use crate::modules::framework::mode::Mode;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `get_url` in the registry.
pub const SPEC: Spec = spec::<GetUrl>(B, &[]);

/// The `get_url` module.
pub struct GetUrl;

/// Arguments of `get_url` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    url: String,
    dest: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    checksum: Option<String>,
    #[serde(default, deserialize_with = "de_opt_mode")]
    mode: Option<Mode>,
    #[serde(default, deserialize_with = "de_opt_string")]
    owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    group: Option<String>,
    #[serde(default, alias = "thirsty", deserialize_with = "de_bool")]
    force: bool,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    validate_certs: bool,
}

impl Module for GetUrl {
    const NAME: &'static str = "get_url";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if let Some(Mode::Preserve) = a.mode {
            return Err("mode 'preserve' only applies to copy".into());
        }
        match a.checksum.as_deref() {
            Some(c) if !is_template(c) => parse_checksum(c).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(get_url(a, ctx))
    }
}

/// `sha256:abc...` into (command, digest).
fn parse_checksum(c: &str) -> Result<(&'static str, String), String> {
    let (algo, digest) = c.split_once(':').ok_or_else(|| {
        format!("The checksum parameter has to be in format <algorithm>:<checksum>, got {c:?}")
    })?;
    let cmd = sum_command(&algo.to_ascii_lowercase())?;
    Ok((cmd, digest.trim().to_ascii_lowercase()))
}

/// The probe of the gated program. It reports `dest PATH`, then `same` and `stat ...` of
/// the destination (nothing to download) or `would` (a download is needed); it leaves
/// `need` and the `finish` function (mode, owner and group set, `attrs` when they changed,
/// `stat ...`) for the apply, and raises the gate when there is a download or attributes to
/// set.
fn probe(a: &Args) -> Result<String, String> {
    let sum = a.checksum.as_deref().map(parse_checksum).transpose()?;
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}u={}\nd={}\n[ -d \"$d\" ] && d=\"${{d%/}}\"/{}\nmx dest \"$d\"\n",
        quote_str(&a.url),
        quote_str(&a.dest),
        quote_str(&url_file_name(&a.url))
    );
    let stat = format!("m stat \"$(stat -c '{STAT_FORMAT}' -- \"$d\")\"\n");
    let mut set = String::new();
    if let Some(m) = &a.mode {
        let m = match m {
            Mode::Bits(b) => format!("{b:o}"),
            Mode::Symbolic(text) => quote_str(text),
            Mode::Preserve => return Err("mode 'preserve' only applies to copy".into()),
        };
        set.push_str(&format!("chmod {m} \"$d\" || exit 1\n"));
    }
    for (cmd, v) in [("chown", &a.owner), ("chgrp", &a.group)] {
        if let Some(v) = v {
            set.push_str(&format!("{cmd} {} \"$d\" || exit 1\n", quote_str(v)));
        }
    }
    s.push_str(&format!(
        "finish() {{\nb=$(stat -c '%a %U %G' -- \"$d\")\n{set}\
         [ \"$b\" = \"$(stat -c '%a %U %G' -- \"$d\")\" ] || m attrs\n{stat}exit 0\n}}\n"
    ));
    s.push_str("need=1\nif [ -f \"$d\" ]; then\n");
    match &sum {
        Some((cmd, want)) => s.push_str(&format!(
            "  c=$({cmd} < \"$d\"); [ \"${{c%% *}}\" = {} ] && need=0\n",
            quote_str(want)
        )),
        None if !a.force => s.push_str("  need=0\n"),
        None => s.push_str("  :\n"),
    }
    s.push_str("fi\n");
    let attrs = if set.is_empty() {
        ""
    } else {
        "  rsible_change=1\n"
    };
    s.push_str(&format!(
        "if [ \"$need\" = 0 ]; then\n  m same\n  {stat}{attrs}else\n  m would\n  rsible_change=1\nfi\n"
    ));
    Ok(s)
}

/// The apply, after the probe: reports `applied`, then `fail MESSAGE`, `status CODE`,
/// `badsum DIGEST`, `src SHA1`, `changed`; finishes with the probe's `finish`. The download
/// reaches `dest` through the atomic writer.
fn apply(a: &Args) -> Result<String, String> {
    let sum = a.checksum.as_deref().map(parse_checksum).transpose()?;
    let t = a.timeout.unwrap_or(10);
    let mut s = String::from("m applied\n[ \"$need\" = 0 ] && finish\n");
    let mut curl = format!(
        "curl -sS -L -o \"$t\" -w '%{{http_code}}' --max-time {t}{}",
        if a.validate_certs { "" } else { " -k" }
    );
    let mut wget = format!(
        "wget -q -O \"$t\" -T {t}{}",
        if a.validate_certs {
            ""
        } else {
            " --no-check-certificate"
        }
    );
    for (k, v) in &a.headers {
        let h = quote_str(&format!("{k}: {}", scalar_text(v)));
        curl.push_str(&format!(" -H {h}"));
        wget.push_str(&format!(" --header={h}"));
    }
    s.push_str(&format!(
        "t=$(mktemp \"$(dirname -- \"$d\")/.rsible-get_url.XXXXXX\") || exit 1\n\
         trap 'rm -f \"$t\"' EXIT\n\
         if command -v curl >/dev/null 2>&1; then\n  code=$({curl} \"$u\"); rc=$?\n  \
         m status \"$code\"\n  [ \"$rc\" -eq 0 ] || {{ m fail \"curl exited with $rc\"; exit 0; }}\n  \
         case $code in 2??|3??|000) ;; *) m fail \"HTTP Error $code\"; exit 0;; esac\n\
         elif command -v wget >/dev/null 2>&1; then\n  {wget} \"$u\" || {{ m fail 'wget could not download the URL'; exit 0; }}\n\
         else m fail 'the target has neither curl nor wget'; exit 0; fi\n"
    ));
    if let Some((cmd, want)) = &sum {
        s.push_str(&format!(
            "c=$({cmd} < \"$t\"); c=${{c%% *}}; [ \"$c\" = {} ] || {{ m badsum \"$c\"; exit 0; }}\n",
            quote_str(want)
        ));
    }
    s.push_str(
        "c=$(sha1sum < \"$t\"); m src \"${c%% *}\"\n\
         if [ -f \"$d\" ] && cmp -s \"$t\" \"$d\"; then finish; fi\n",
    );
    let write = write::inline_target("\"$d\"", "\"$t\"", &WriteOpts::default())?;
    s.push_str(&String::from_utf8_lossy(&write));
    s.push_str(" || exit 1\nm changed\nfinish\n");
    Ok(s)
}

/// `get_url`: returns `dest`, `url`, `status_code`, `checksum_src`, `checksum_dest`, `msg`
/// and the destination's `mode`, `owner`, `group`, `size`, `uid`, `gid`.
async fn get_url(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let probe = probe(&args).map_err(Failure::Failed)?;
    let apply = apply(&args).map_err(Failure::Failed)?;
    let started = std::time::Instant::now();
    let out = ctx
        .gated(probe.as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "get_url: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut o = Output::default();
    o.fields.insert("url".into(), json!(args.url));
    // Whole seconds, as Ansible's `elapsed`.
    o.fields
        .insert("elapsed".into(), json!(started.elapsed().as_secs()));
    // A download the probe found needed is the change, unless the apply ran and found the
    // same content.
    let report = Report::parse("get_url", &String::from_utf8_lossy(&out.stdout))?;
    let applied = report.has("applied");
    for (k, v) in report.entries() {
        match k {
            "dest" => {
                o.fields.insert("dest".into(), json!(v));
            }
            "status" => {
                if let Ok(code) = v.parse::<u32>() {
                    o.fields.insert("status_code".into(), json!(code));
                }
            }
            "src" => {
                o.fields.insert("checksum_src".into(), json!(v));
            }
            "would" if !applied => o.changed = true,
            "changed" | "attrs" => o.changed = true,
            "fail" => {
                o.failed = true;
                o.msg = Some(format!("Request failed: {v}"));
            }
            "badsum" => {
                o.failed = true;
                o.msg = Some(format!(
                    "The checksum for {} did not match {}; it was {v}.",
                    args.dest,
                    args.checksum.as_deref().unwrap_or_default()
                ));
            }
            "same" => o.msg = Some("file already exists".into()),
            "stat" => {
                if let Some(st) = parse_stat(v) {
                    o.fields.extend(path_fields(&st));
                }
            }
            _ => {}
        }
    }
    if o.msg.is_none() {
        let size = o.fields.get("size").cloned().unwrap_or(json!(0));
        o.msg = Some(format!("OK ({size} bytes)"));
    }
    if let Some(c) = o.fields.get("checksum_src").cloned() {
        if o.changed && !o.failed {
            o.fields.insert("checksum_dest".into(), c);
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;
    use crate::modules::framework::spec::check;

    fn args_of(v: Value) -> Args {
        load_check::parse("get_url", v.as_object().expect("obj"))
            .expect("args")
            .expect("no templates")
    }

    #[test]
    fn arguments() {
        assert_eq!(
            check::<GetUrl>(json!({"url": "http://x/f", "dest": "/d", "thirsty": "yes"})),
            Ok(true)
        );
        assert_eq!(
            check::<GetUrl>(
                json!({"url": "{{ u }}", "dest": "/d", "checksum": "{{ c }}", "mode": "{{ m }}"})
            ),
            Ok(true)
        );
        assert!(check::<GetUrl>(json!({"url": "http://x/f"})).is_err());
        assert!(
            check::<GetUrl>(json!({"url": "http://x/f", "dest": "/d", "destination": "/e"}))
                .is_err()
        );
        assert!(
            check::<GetUrl>(json!({"url": "http://x/f", "dest": "/d", "timeout": "soon"})).is_err()
        );
        assert!(
            check::<GetUrl>(json!({"url": "http://x/f", "dest": "/d", "checksum": "abc"})).is_err()
        );
        assert!(
            check::<GetUrl>(json!({"url": "http://x/f", "dest": "/d", "checksum": "crc:1"}))
                .is_err()
        );
        assert!(
            check::<GetUrl>(json!({"url": "http://x/f", "dest": "/d", "mode": "preserve"}))
                .is_err()
        );
    }

    #[test]
    fn checksums() {
        assert_eq!(
            parse_checksum("SHA256:ABC"),
            Ok(("sha256sum", "abc".to_string()))
        );
        assert!(parse_checksum("abc").is_err());
    }

    #[test]
    fn the_probe_skips_existing_files_unless_forced() {
        let a = args_of(json!({"url": "http://x/f", "dest": "/d", "headers": {"A": "b c"}}));
        let p = probe(&a).expect("probe");
        assert!(p.contains("  need=0\n"), "{p}");
        assert!(
            !p.contains("rsible_change=1\nelse"),
            "no attributes to set: {p}"
        );
        assert!(!p.contains("curl"), "the probe downloads nothing: {p}");
        assert!(apply(&a).expect("apply").contains("-H 'A: b c'"));
        let a = args_of(json!({"url": "http://x/f", "dest": "/d", "force": true, "mode": 493}));
        let p = probe(&a).expect("probe");
        assert!(!p.contains("need=0") && p.contains("m would"), "{p}");
        assert!(p.contains("chmod 755 \"$d\""), "{p}");
        assert!(
            p.contains("  rsible_change=1\nelse"),
            "attributes to set: {p}"
        );
    }

    #[test]
    fn the_download_goes_through_the_writer() {
        let a = args_of(json!({"url": "http://x/f", "dest": "/d"}));
        let s = apply(&a).expect("apply");
        assert!(s.contains("exec < \"$t\"") && s.contains("p=\"$d\""), "{s}");
        assert!(s.contains("mv -f -- \"$t\" \"$p\""), "{s}");
    }
}
