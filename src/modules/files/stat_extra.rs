//! The `stat` fields that come from other programs than `stat` itself: the block counts and
//! device number (`block_size`, `blocks`, `device_type`), the MIME type from `file`
//! (`mimetype`, `charset`) and the ext2-style attributes from `lsattr` (`version`,
//! `attributes`, `attr_flags`), with Ansible's values when a program is missing. The shell
//! lines that ask for them and the parser of their answers; knows nothing of the rest of `stat`.

use crate::modules::framework::report::Report;
use serde_json::{json, Map, Value};

/// Reports `mime TYPE; charset=CHARSET` from `file`, or nothing when `file` is missing
/// (with `m` of `framework::report`).
pub const MIME_SCRIPT: &str = "if command -v file >/dev/null 2>&1; then \
     t=$(file --mime-type --mime-encoding -- \"$p\" 2>/dev/null) && m mime \"${t##*:}\"; fi; :\n";

/// Reports `attr VERSION FLAGS` from `lsattr -vd`, or nothing when it cannot say.
pub const ATTR_SCRIPT: &str = "if command -v lsattr >/dev/null 2>&1; then \
     a=$(lsattr -vd -- \"$p\" 2>/dev/null) && m attr \"$a\"; fi; :\n";

/// The name of each `lsattr` flag letter (the names Ansible's `attributes` list uses).
const FLAG_NAMES: &[(char, &str)] = &[
    ('A', "noatime"),
    ('a', "append"),
    ('c', "compressed"),
    ('C', "nocow"),
    ('d', "nodump"),
    ('D', "dirsync"),
    ('e', "extents"),
    ('E', "encrypted"),
    ('h', "blocksize"),
    ('i', "immutable"),
    ('I', "indexed"),
    ('j', "journalled"),
    ('N', "inline"),
    ('s', "zero"),
    ('S', "synchronous"),
    ('t', "notail"),
    ('T', "blockroot"),
    ('u', "undelete"),
    ('X', "compressedraw"),
    ('Z', "compresseddirty"),
];

/// Linux's `st_rdev` from a device's major and minor numbers (`stat`'s hex `%t %T`).
fn rdev(major: u64, minor: u64) -> u64 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32)
}

/// Adds the fields to the `stat` dict `st` of an existing path from the program's report.
pub fn fill(st: &mut Map<String, Value>, r: &Report, mime: bool, attributes: bool) {
    if let Some(rest) = r.get("blocks") {
        let w: Vec<&str> = rest.split_whitespace().collect();
        let dec = |i: usize| w.get(i).and_then(|x| x.parse::<u64>().ok());
        let hex = |i: usize| w.get(i).and_then(|x| u64::from_str_radix(x, 16).ok());
        if let (Some(b), Some(o)) = (dec(0), dec(1)) {
            st.insert("blocks".into(), json!(b));
            st.insert("block_size".into(), json!(o));
        }
        if let (Some(ma), Some(mi)) = (hex(2), hex(3)) {
            st.insert("device_type".into(), json!(rdev(ma, mi)));
        }
    }
    if mime {
        let (mut t, mut c) = ("unknown".to_string(), "unknown".to_string());
        if let Some((ty, cs)) = r.get("mime").and_then(|m| m.split_once(';')) {
            if let Some((_, cs)) = cs.split_once('=') {
                t = ty.trim().to_string();
                c = cs.trim().to_string();
            }
        }
        st.insert("mimetype".into(), json!(t));
        st.insert("charset".into(), json!(c));
    }
    if attributes {
        let mut version = Value::Null;
        let mut flags = String::new();
        if let Some(rest) = r.get("attr") {
            let mut w = rest.split_whitespace();
            if let (Some(v), Some(f)) = (w.next(), w.next()) {
                version = json!(v);
                flags = f.replace('-', "");
            }
        }
        let names: Vec<&str> = flags
            .chars()
            .filter_map(|c| FLAG_NAMES.iter().find(|(l, _)| *l == c).map(|(_, n)| *n))
            .collect();
        st.insert("version".into(), version);
        st.insert("attributes".into(), json!(names));
        st.insert("attr_flags".into(), json!(flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(out: &str) -> Report {
        Report::parse("stat", out).unwrap()
    }

    #[test]
    fn reads_blocks_mime_and_attributes() {
        let out = "@@rsible stat x\n@@rsible blocks 8 4096 0 0\n@@rsible mime  text/plain; charset=us-ascii\n\
                   @@rsible attr 1765558942 --------------e------- /x\n";
        let mut st = Map::new();
        fill(&mut st, &report(out), true, true);
        assert_eq!(st["blocks"], json!(8));
        assert_eq!(st["block_size"], json!(4096));
        assert_eq!(st["device_type"], json!(0));
        assert_eq!(st["mimetype"], json!("text/plain"));
        assert_eq!(st["charset"], json!("us-ascii"));
        assert_eq!(st["version"], json!("1765558942"));
        assert_eq!(st["attr_flags"], json!("e"));
        assert_eq!(st["attributes"], json!(["extents"]));
    }

    #[test]
    fn missing_programs_give_ansibles_placeholders() {
        let mut st = Map::new();
        fill(&mut st, &report("@@rsible blocks 0 4096 1 3\n"), true, true);
        assert_eq!(st["device_type"], json!(259));
        assert_eq!(st["mimetype"], json!("unknown"));
        assert_eq!(st["charset"], json!("unknown"));
        assert_eq!(st["version"], Value::Null);
        assert_eq!(st["attributes"], json!([]));
        assert_eq!(st["attr_flags"], json!(""));
        let mut none = Map::new();
        fill(&mut none, &report(""), false, false);
        assert!(none.is_empty());
    }
}
