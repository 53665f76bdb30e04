//! `get_url`: the target downloads a URL with curl or wget (whichever it has) into a temp file
//! next to `dest`, checks the checksum, and `mv -f` puts it in place only when the content
//! differs. Skipped without downloading when `dest` exists and `force` is off, or when its
//! checksum already matches `checksum`. One remote program. Knows nothing of playbooks.

use super::common::stat_fields::{parse_stat, path_fields, sum_command, STAT_FORMAT};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_bool, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn yes() -> bool {
    true
}

/// Arguments of `get_url` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    url: String,
    dest: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    checksum: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    mode: Option<String>,
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

/// `sha256:abc...` into (command, digest).
fn parse_checksum(c: &str) -> Result<(&'static str, String), String> {
    let (algo, digest) = c.split_once(':').ok_or_else(|| {
        format!("The checksum parameter has to be in format <algorithm>:<checksum>, got {c:?}")
    })?;
    let cmd = sum_command(&algo.to_ascii_lowercase())?;
    Ok((cmd, digest.trim().to_ascii_lowercase()))
}

/// The file name a download into a directory gets: the URL's last path segment.
fn url_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    match path.split_once('/') {
        Some((_, p)) => match p.rsplit('/').next() {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => "index.html".into(),
        },
        None => "index.html".into(),
    }
}

/// The remote program. It prints `dest PATH`, then `same` (nothing downloaded), `would`
/// (check mode), `fail MESSAGE`, `status CODE`, `badsum DIGEST`, `src SHA1`, `changed`;
/// `attrs` when mode/owner/group changed; finally `stat ...` of the destination.
fn program(a: &Args, check: bool) -> Result<String, String> {
    let sum = a.checksum.as_deref().map(parse_checksum).transpose()?;
    let t = a.timeout.unwrap_or(10);
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nu={}\nd={}\n[ -d \"$d\" ] && d=\"${{d%/}}\"/{}\nprintf 'dest %s\\n' \"$d\"\n",
        quote_str(&a.url),
        quote_str(&a.dest),
        quote_str(&url_file_name(&a.url))
    );
    let mut attrs = String::from("b=$(stat -c '%a %U %G' -- \"$d\")\n");
    for (cmd, v) in [("chmod", &a.mode), ("chown", &a.owner), ("chgrp", &a.group)] {
        if let Some(v) = v {
            if !check {
                attrs.push_str(&format!("{cmd} {} \"$d\" || exit 1\n", quote_str(v)));
            }
        }
    }
    attrs.push_str(&format!(
        "[ \"$b\" = \"$(stat -c '%a %U %G' -- \"$d\")\" ] || echo attrs\n\
         printf 'stat %s\\n' \"$(stat -c '{STAT_FORMAT}' -- \"$d\")\"\nexit 0\n"
    ));
    let fun = format!("finish() {{\n{attrs}}}\n");
    s.push_str(&fun);
    s.push_str("if [ -f \"$d\" ]; then\n");
    match &sum {
        Some((cmd, want)) => s.push_str(&format!(
            "  c=$({cmd} < \"$d\"); [ \"${{c%% *}}\" = {} ] && {{ echo same; finish; }}\n",
            quote_str(want)
        )),
        None if !a.force => s.push_str("  echo same; finish\n"),
        None => {}
    }
    s.push_str("fi\n");
    if check {
        s.push_str("echo would; exit 0\n");
        return Ok(s);
    }
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
        let h = quote_str(&format!("{k}: {}", args::scalar_text(v)));
        curl.push_str(&format!(" -H {h}"));
        wget.push_str(&format!(" --header={h}"));
    }
    s.push_str(&format!(
        "t=$(mktemp \"$(dirname -- \"$d\")/.rsible-get_url.XXXXXX\") || exit 1\n\
         trap 'rm -f \"$t\"' EXIT\n\
         if command -v curl >/dev/null 2>&1; then\n  code=$({curl} \"$u\"); rc=$?\n  \
         printf 'status %s\\n' \"$code\"\n  [ \"$rc\" -eq 0 ] || {{ echo \"fail curl exited with $rc\"; exit 0; }}\n  \
         case $code in 2??|3??|000) ;; *) echo \"fail HTTP Error $code\"; exit 0;; esac\n\
         elif command -v wget >/dev/null 2>&1; then\n  {wget} \"$u\" || {{ echo 'fail wget could not download the URL'; exit 0; }}\n\
         else echo 'fail the target has neither curl nor wget'; exit 0; fi\n"
    ));
    if let Some((cmd, want)) = &sum {
        s.push_str(&format!(
            "c=$({cmd} < \"$t\"); c=${{c%% *}}; [ \"$c\" = {} ] || {{ printf 'badsum %s\\n' \"$c\"; exit 0; }}\n",
            quote_str(want)
        ));
    }
    s.push_str(
        "c=$(sha1sum < \"$t\"); printf 'src %s\\n' \"${c%% *}\"\n\
         if [ -f \"$d\" ] && cmp -s \"$t\" \"$d\"; then finish; fi\n\
         if [ -f \"$d\" ]; then chmod \"$(stat -c %a -- \"$d\")\" \"$t\"; \
         else m=$(umask); chmod \"$(printf '%o' $((0666 & ~0$m)))\" \"$t\"; fi\n\
         mv -f \"$t\" \"$d\" || exit 1\necho changed\nfinish\n",
    );
    Ok(s)
}

/// `get_url`: returns `dest`, `url`, `status_code`, `checksum_src`, `checksum_dest`, `msg`
/// and the destination's `mode`, `owner`, `group`, `size`, `uid`, `gid`.
pub async fn get_url(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("get_url", a).map_err(Failure::BadArgs)?;
    let prog = program(&args, ctx.check).map_err(Failure::Failed)?;
    let started = std::time::Instant::now();
    let out = ctx.exec(prog.into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
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
    for line in stdout.lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
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
            "would" | "changed" | "attrs" => o.changed = true,
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

    fn args_of(v: Value) -> Args {
        args::parse("get_url", v.as_object().expect("obj")).expect("args")
    }

    #[test]
    fn file_names_and_checksums() {
        assert_eq!(url_file_name("http://h/a/b.tgz?x=1"), "b.tgz");
        assert_eq!(url_file_name("http://h/"), "index.html");
        assert_eq!(url_file_name("http://h"), "index.html");
        assert_eq!(
            parse_checksum("SHA256:ABC"),
            Ok(("sha256sum", "abc".to_string()))
        );
        assert!(parse_checksum("abc").is_err());
    }

    #[test]
    fn the_program_skips_existing_files_unless_forced() {
        let a = args_of(json!({"url": "http://x/f", "dest": "/d", "headers": {"A": "b c"}}));
        let p = program(&a, false).expect("program");
        assert!(p.contains("echo same; finish"), "{p}");
        assert!(p.contains("-H 'A: b c'"), "{p}");
        let a = args_of(json!({"url": "http://x/f", "dest": "/d", "force": true}));
        let p = program(&a, true).expect("program");
        assert!(!p.contains("echo same") && p.contains("echo would"), "{p}");
    }
}
