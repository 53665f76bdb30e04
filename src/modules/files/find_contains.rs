//! `find`'s `contains`: the content test Ansible applies to each candidate file, in Python's
//! regex syntax: line by line, matched at the start of each line (`re.match`), or with
//! `read_whole_file` searched anywhere in the whole text (`re.search`). The target sends the
//! files' bytes; the test runs here. Knows nothing of the other `find` filters.

use crate::modules::files::common::pyre::{self, Regex};
use crate::modules::framework::report::{Report, BODY};
use std::collections::HashMap;

/// A compiled `contains` test.
pub struct Contains {
    re: Regex,
    whole: bool,
}

impl Contains {
    /// The test for `pattern` (Python syntax); `whole` is `read_whole_file`.
    pub fn new(pattern: &str, whole: bool) -> Result<Contains, String> {
        let p = if whole {
            pattern.to_string()
        } else {
            format!("\\A(?:{pattern})")
        };
        let re = pyre::compile(&p, false, false)
            .map_err(|e| format!("invalid contains {pattern:?}: {e}"))?;
        Ok(Contains { re, whole })
    }

    /// Whether a file with `content` passes.
    pub fn matches(&self, content: &[u8]) -> bool {
        if self.whole {
            return self.re.is_match(content);
        }
        content
            .split_inclusive(|b| *b == b'\n')
            .any(|line| self.re.is_match(line))
    }
}

/// Shell text that reports `file N SIZE` for the `n`-th (from 1) readable regular file of
/// the quoted word list `list`, then, as the report's body, those files' bytes one after the
/// other (so it must come last). Needs `m` (`MARK_FN`).
pub fn dump_script(list: &str) -> String {
    format!(
        "i=0\nfor f in {list}; do i=$((i+1)); [ -f \"$f\" ] && [ -r \"$f\" ] || continue; \
         n=$(wc -c < \"$f\") || continue; n=$((n)); eval \"n$i=$n\"; m file \"$i\" $n; done\n\
         m {BODY}\ni=0\nfor f in {list}; do i=$((i+1)); eval \"n=\\${{n$i:-}}\"; \
         [ -n \"$n\" ] && head -c \"$n\" -- \"$f\"; done; :\n"
    )
}

/// The dumped files by their position in the list (from 1): the `file` entries of `r` cut
/// from `body` in turn; a garbled or short answer fails, naming the module.
pub fn parse_dump<'a>(r: &Report, body: &'a [u8]) -> Result<HashMap<usize, &'a [u8]>, String> {
    let mut files = HashMap::new();
    let mut rest = body;
    for v in r.all("file") {
        let bad = || format!("find: unexpected answer from the target: file {v:?}");
        let (i, n) = v.split_once(' ').ok_or_else(bad)?;
        let (i, n) = (
            i.parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if rest.len() < n {
            return Err("find: the target's answer was cut short".into());
        }
        files.insert(i, &rest[..n]);
        rest = &rest[n..];
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_at_their_start_and_whole_files_anywhere() {
        let c = Contains::new("b+", false).unwrap();
        assert!(!c.matches(b"abc\nxbb\n"));
        assert!(c.matches(b"abc\nbb\n"));
        let w = Contains::new("c\\nx", true).unwrap();
        assert!(w.matches(b"abc\nxbb\n"));
        assert!(!Contains::new("c\\nx", false)
            .unwrap()
            .matches(b"abc\nxbb\n"));
        assert!(Contains::new("(", false).is_err());
    }

    #[test]
    fn reads_the_dump() {
        let out = b"@@rsible sum abc /x\n@@rsible file 1 3\n@@rsible file 3 0\n@@rsible body\na\nb";
        let (r, body) = Report::parse_with_body("find", out).unwrap();
        let files = parse_dump(&r, &body).unwrap();
        assert_eq!(files[&1], b"a\nb");
        assert_eq!(files[&3], b"");
        assert!(!files.contains_key(&2));
        let (r, body) =
            Report::parse_with_body("find", b"@@rsible file 1 9\n@@rsible body\nab").unwrap();
        assert!(parse_dump(&r, &body).unwrap_err().starts_with("find: "));
        let (r, body) = Report::parse_with_body("find", b"@@rsible file x\n").unwrap();
        assert!(parse_dump(&r, &body).unwrap_err().starts_with("find: "));
    }

    #[test]
    fn the_dump_program_sends_each_readable_file() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b c"));
        std::fs::write(&a, b"1\x00\n").unwrap();
        std::fs::write(&b, b"22").unwrap();
        let list = format!("'{}' /none '{}'", a.display(), b.display());
        let s = format!(
            "{}{}",
            crate::modules::framework::report::MARK_FN,
            dump_script(&list)
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(s)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let (r, body) = Report::parse_with_body("find", &out.stdout).unwrap();
        let files = parse_dump(&r, &body).unwrap();
        assert_eq!(files[&1], b"1\x00\n");
        assert_eq!(files[&3], b"22");
        assert_eq!(files.len(), 2);
    }
}
