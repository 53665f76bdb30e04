//! `find`'s `contains`: the content test Ansible applies to each candidate file, in Python's
//! regex syntax: line by line, matched at the start of each line (`re.match`), or with
//! `read_whole_file` searched anywhere in the whole text (`re.search`). The target sends the
//! files' bytes; the test runs here. Knows nothing of the other `find` filters.

use crate::modules::files::common::pyre::{self, Regex};
use std::collections::HashMap;

/// The marker line that starts the file dump in the program's output.
pub const MARKER: &[u8] = b"rsible-contents\n";

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

/// Shell text printing [`MARKER`], then, for the `n`-th (from 1) readable file of the
/// quoted word list `list`, a line `F n size` followed by its bytes.
pub fn dump_script(list: &str) -> String {
    format!(
        "printf 'rsible-contents\\n'\ni=0\nfor f in {list}; do i=$((i+1)); [ -f \"$f\" ] && [ -r \"$f\" ] || continue; \
         n=$(wc -c < \"$f\") || continue; printf 'F %s %s\\n' \"$i\" $n; head -c \"$n\" -- \"$f\"; done\n"
    )
}

/// The files in the dump after [`MARKER`] in `out`, by their position in the list (from 1),
/// and the text before the marker.
pub fn parse_dump(out: &[u8]) -> (&[u8], HashMap<usize, &[u8]>) {
    let mut files = HashMap::new();
    let Some(at) = out.windows(MARKER.len()).position(|w| w == MARKER) else {
        return (out, files);
    };
    let (head, mut rest) = (&out[..at], &out[at + MARKER.len()..]);
    while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
        let line = String::from_utf8_lossy(&rest[..nl]).into_owned();
        let mut w = line.split_whitespace();
        let (Some("F"), Some(i), Some(n)) = (w.next(), w.next(), w.next()) else {
            break;
        };
        let (Ok(i), Ok(n)) = (i.parse::<usize>(), n.parse::<usize>()) else {
            break;
        };
        let body = &rest[nl + 1..];
        if body.len() < n {
            break;
        }
        files.insert(i, &body[..n]);
        rest = &body[n..];
    }
    (head, files)
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
        let out = b"s abc /x\nrsible-contents\nF 1 3\na\nbF 3 0\n";
        let (head, files) = parse_dump(out);
        assert_eq!(head, b"s abc /x\n");
        assert_eq!(files[&1], b"a\nb");
        assert_eq!(files[&3], b"");
        assert!(!files.contains_key(&2));
    }
}
