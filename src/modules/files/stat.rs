//! `stat`: what a path is on the target (type, mode, owner, times, link target, checksum),
//! in one remote program. Also the `stat -c` format and its parser that `find` and
//! `tempfile` reuse. Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_bool};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `stat -c` fields, in the order [`parse_stat`] reads them (GNU and busybox agree on these).
pub const STAT_FORMAT: &str = "%f %u %g %s %i %h %d %X %Y %Z %U %G";

fn yes() -> bool {
    true
}

/// Arguments of `stat` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(alias = "dest", alias = "name")]
    path: String,
    #[serde(default, deserialize_with = "de_bool")]
    follow: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    get_checksum: bool,
    #[serde(default, alias = "checksum", alias = "checksum_algo")]
    checksum_algorithm: Option<String>,
    /// `mimetype` and `charset`, from the target's `file` command (`unknown` without it).
    #[serde(
        default = "yes",
        deserialize_with = "de_bool",
        alias = "mime",
        alias = "mime_type",
        alias = "mime-type"
    )]
    get_mime: bool,
    /// `version`, `attributes` and `attr_flags`, from the target's `lsattr`.
    #[serde(
        default = "yes",
        deserialize_with = "de_bool",
        alias = "attr",
        alias = "attributes"
    )]
    get_attributes: bool,
}

/// The command that prints a file's digest with `algorithm` (`sha1`, `sha256`, `md5`, ...).
pub fn sum_command(algorithm: &str) -> Result<&'static str, String> {
    Ok(match algorithm {
        "sha1" => "sha1sum",
        "sha224" => "sha224sum",
        "sha256" => "sha256sum",
        "sha384" => "sha384sum",
        "sha512" => "sha512sum",
        "md5" => "md5sum",
        other => return Err(format!("unsupported checksum algorithm '{other}'")),
    })
}

/// `stat`: reports `stat.exists` and, when it exists, Ansible's fields about the path.
pub async fn stat(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("stat", a).map_err(Failure::BadArgs)?;
    let algo = args.checksum_algorithm.as_deref().unwrap_or("sha1");
    let sum = sum_command(algo).map_err(Failure::Failed)?;
    let l = if args.follow { "-L " } else { "" };
    let exists = if args.follow {
        "[ -e \"$p\" ]"
    } else {
        "{ [ -e \"$p\" ] || [ -L \"$p\" ]; }"
    };
    let regular = if args.follow {
        "[ -f \"$p\" ]"
    } else {
        "[ -f \"$p\" ] && [ ! -L \"$p\" ]"
    };
    let mut script = format!(
        "LC_ALL=C; export LC_ALL\np={}\n{exists} || {{ echo absent; exit 0; }}\n\
         s=$(stat {l}-c '{STAT_FORMAT}' -- \"$p\") || exit 1\nprintf 'stat %s\\n' \"$s\"\n\
         if [ -L \"$p\" ]; then printf 'target %s\\n' \"$(readlink -- \"$p\")\"; \
         printf 'source %s\\n' \"$(readlink -f -- \"$p\")\"; fi\n\
         a=; [ -r \"$p\" ] && a=${{a}}r; [ -w \"$p\" ] && a=${{a}}w; [ -x \"$p\" ] && a=${{a}}x\n\
         printf 'access %s\\n' \"$a\"\n",
        quote_str(&args.path)
    );
    if args.get_checksum {
        script.push_str(&format!(
            "if {regular} && [ -r \"$p\" ]; then c=$({sum} < \"$p\") && printf 'sum %s\\n' \"${{c%% *}}\"; fi\n"
        ));
    }
    script.push_str(&format!(
        "x=$(stat {l}-c '%b %o %t %T' -- \"$p\" 2>/dev/null) && printf 'blocks %s\\n' \"$x\"; :\n"
    ));
    if args.get_mime {
        script.push_str(super::stat_extra::MIME_SCRIPT);
    }
    if args.get_attributes {
        script.push_str(super::stat_extra::ATTR_SCRIPT);
    }
    let out = ctx.exec(script.into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "stat: cannot stat {}: {}",
            args.path,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut st = parse_output(&stdout, &args.path)
        .ok_or_else(|| Failure::Failed(format!("stat: unexpected output: {stdout}")))?;
    if st.get("exists") == Some(&json!(true)) {
        super::stat_extra::fill(&mut st, &stdout, args.get_mime, args.get_attributes);
    }
    let mut o = Output::default();
    o.fields.insert("stat".into(), Value::Object(st));
    Ok(o)
}

/// Reads the remote program's output into Ansible's `stat` dict; `None` if it is garbled.
fn parse_output(stdout: &str, path: &str) -> Option<Map<String, Value>> {
    let mut st = Map::new();
    if stdout.lines().next() == Some("absent") {
        st.insert("exists".into(), json!(false));
        return Some(st);
    }
    for line in stdout.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "stat" => st.extend(parse_stat(rest)?),
            "target" => {
                st.insert("lnk_target".into(), json!(rest));
            }
            "source" => {
                st.insert("lnk_source".into(), json!(rest));
            }
            "access" => {
                st.insert("readable".into(), json!(rest.contains('r')));
                st.insert("writeable".into(), json!(rest.contains('w')));
                st.insert("executable".into(), json!(rest.contains('x')));
            }
            "sum" => {
                st.insert("checksum".into(), json!(rest));
            }
            _ => {}
        }
    }
    if !st.contains_key("mode") {
        return None;
    }
    st.insert("exists".into(), json!(true));
    st.insert("path".into(), json!(path));
    Some(st)
}

/// The `file`-module fields Ansible adds to a result about its path (`mode`, `uid`, `gid`,
/// `owner`, `group`, `size`, `state`) from a [`parse_stat`] map.
pub fn path_fields(st: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (from, to) in [
        ("mode", "mode"),
        ("uid", "uid"),
        ("gid", "gid"),
        ("pw_name", "owner"),
        ("gr_name", "group"),
        ("size", "size"),
    ] {
        if let Some(x) = st.get(from) {
            out.insert(to.into(), x.clone());
        }
    }
    let state = if st.get("isdir") == Some(&json!(true)) {
        "directory"
    } else if st.get("islnk") == Some(&json!(true)) {
        "link"
    } else {
        "file"
    };
    out.insert("state".into(), json!(state));
    out
}

/// Parses one `stat -c STAT_FORMAT` line into Ansible's stat fields (`mode` as `"0644"`,
/// `isdir`, `isreg`, `islnk`, ..., `uid`, `gid`, `pw_name`, `gr_name`, `size`, times).
pub fn parse_stat(line: &str) -> Option<Map<String, Value>> {
    let w: Vec<&str> = line.split_whitespace().collect();
    if w.len() < 12 {
        return None;
    }
    let raw = u32::from_str_radix(w[0], 16).ok()?;
    let num = |i: usize| w[i].parse::<u64>().ok();
    let kind = raw & 0o170_000;
    let perm = raw & 0o7777;
    let mut m = Map::new();
    m.insert("mode".into(), json!(format!("{perm:04o}")));
    for (name, bits) in [
        ("isdir", 0o040_000),
        ("ischr", 0o020_000),
        ("isblk", 0o060_000),
        ("isreg", 0o100_000),
        ("isfifo", 0o010_000),
        ("islnk", 0o120_000),
        ("issock", 0o140_000),
    ] {
        m.insert(name.into(), json!(kind == bits));
    }
    m.insert("uid".into(), json!(num(1)?));
    m.insert("gid".into(), json!(num(2)?));
    m.insert("size".into(), json!(num(3)?));
    m.insert("inode".into(), json!(num(4)?));
    m.insert("nlink".into(), json!(num(5)?));
    m.insert("dev".into(), json!(num(6)?));
    m.insert("atime".into(), json!(num(7)? as f64));
    m.insert("mtime".into(), json!(num(8)? as f64));
    m.insert("ctime".into(), json!(num(9)? as f64));
    for (i, key) in [(10, "pw_name"), (11, "gr_name")] {
        if w[i] != "UNKNOWN" {
            m.insert(key.into(), json!(w[i]));
        }
    }
    for (name, bit) in [
        ("isuid", 0o4000),
        ("isgid", 0o2000),
        ("rusr", 0o400),
        ("wusr", 0o200),
        ("xusr", 0o100),
        ("rgrp", 0o040),
        ("wgrp", 0o020),
        ("xgrp", 0o010),
        ("roth", 0o004),
        ("woth", 0o002),
        ("xoth", 0o001),
    ] {
        m.insert(name.into(), json!(perm & bit != 0));
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_like_ansible() {
        let out = "stat 81a4 1000 1000 12 77 1 2049 1700000001 1700000002 1700000003 joe staff\n\
                   access rw\nsum 3f786850e387550fdab836ed7e6dc881de23001b\n";
        let st = parse_output(out, "/tmp/a").expect("parsed");
        assert_eq!(st["exists"], json!(true));
        assert_eq!(st["mode"], json!("0644"));
        assert_eq!(st["isreg"], json!(true));
        assert_eq!(st["isdir"], json!(false));
        assert_eq!(st["pw_name"], json!("joe"));
        assert_eq!(st["size"], json!(12));
        assert_eq!(st["mtime"], json!(1_700_000_002.0));
        assert_eq!(st["readable"], json!(true));
        assert_eq!(st["executable"], json!(false));
        assert_eq!(
            st["checksum"],
            json!("3f786850e387550fdab836ed7e6dc881de23001b")
        );
    }

    #[test]
    fn links_and_absent_paths() {
        let out =
            "stat a1ff 0 0 4 9 1 2049 1 2 3 root root\ntarget /etc/x\nsource /etc/x\naccess r\n";
        let st = parse_output(out, "/l").expect("parsed");
        assert_eq!(st["islnk"], json!(true));
        assert_eq!(st["lnk_target"], json!("/etc/x"));
        assert_eq!(st["mode"], json!("0777"));
        let st = parse_output("absent\n", "/x").expect("parsed");
        assert_eq!(Value::Object(st), json!({"exists": false}));
        assert!(parse_output("garbage\n", "/x").is_none());
    }

    #[test]
    fn arguments_and_algorithms() {
        let m = json!({"path": "/a", "follow": "yes", "checksum_algorithm": "sha256"});
        let a: Args = args::parse("stat", m.as_object().expect("obj")).expect("args");
        assert!(a.follow && a.get_checksum);
        assert_eq!(sum_command("sha256"), Ok("sha256sum"));
        assert!(sum_command("crc").is_err());
    }
}
