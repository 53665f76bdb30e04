//! The `stat -c` line the file modules ask the target for ([`STAT_FORMAT`]) and its reading
//! into Ansible's stat fields ([`parse_stat`], [`path_fields`]), and the digest commands by
//! Ansible's algorithm names ([`sum_command`]). Used by `stat`, `find`, `tempfile`,
//! `get_url` and `unarchive`. Knows nothing of any one module's arguments.

use serde_json::{json, Map, Value};

/// `stat -c` fields, in the order [`parse_stat`] reads them (GNU and busybox agree on these).
pub const STAT_FORMAT: &str = "%f %u %g %s %i %h %d %X %Y %Z %U %G";

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
    fn a_stat_line_reads_like_ansible() {
        let st = parse_stat("81a4 1000 1000 12 77 1 2049 1 2 3 joe UNKNOWN").expect("parsed");
        assert_eq!(st["mode"], json!("0644"));
        assert_eq!(st["isreg"], json!(true));
        assert_eq!(st["pw_name"], json!("joe"));
        assert!(!st.contains_key("gr_name"));
        let f = path_fields(&st);
        assert_eq!(f["owner"], json!("joe"));
        assert_eq!(f["state"], json!("file"));
        assert!(parse_stat("81a4 1").is_none());
        assert_eq!(sum_command("sha256"), Ok("sha256sum"));
        assert!(sum_command("crc").is_err());
    }
}
