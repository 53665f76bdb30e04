//! The INI dialect `ansible.cfg` is written in, read as Ansible's reader (Python's
//! configparser with `;` inline comments) reads it: `[section]` headers, `key = value` or
//! `key: value` (keys in any case, stored lower case), whole-line comments starting with `#` or
//! `;`, inline comments only after `;` preceded by a space, and continuation lines indented
//! deeper than their key (joined with newlines). A line that is none of these, a key outside
//! any section, or a repeated section or key is an error with its line and column. Knows
//! nothing of what the keys mean.

/// One `key = value` of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section it is in (`DEFAULT` applies to every section).
    pub section: String,
    /// The key, lower case.
    pub key: String,
    /// The value, continuation lines joined with `\n`.
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
    /// 1-based column where the value starts (of the key when the value is empty).
    pub column: usize,
}

/// A syntax error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Every entry of `text`, in the order written.
pub fn parse(text: &str) -> Result<Vec<Entry>, SyntaxError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut sections: Vec<String> = Vec::new();
    // The entry continuation lines go to, with its key's indentation.
    let mut open: Option<(usize, usize)> = None;
    // Blank lines seen inside the open value (kept only when more value follows).
    let mut blanks = 0;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let err = |column: usize, message: String| SyntaxError {
            line: line_no,
            column,
            message,
        };
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let content = strip_inline_comment(raw);
        let indent = content.len() - content.trim_start().len();
        let value = content.trim();
        if value.is_empty() {
            if open.is_some() {
                blanks += 1;
            }
            continue;
        }
        if let Some((idx, key_indent)) = open {
            if indent > key_indent {
                let e: &mut Entry = &mut entries[idx];
                for _ in 0..=blanks {
                    e.value.push('\n');
                }
                e.value.push_str(value);
                blanks = 0;
                continue;
            }
        }
        open = None;
        blanks = 0;
        let col = indent + 1;
        if let Some(rest) = value.strip_prefix('[') {
            let Some(end) = rest.rfind(']').filter(|&e| e > 0) else {
                return Err(err(col, format!("not a section header: {value}")));
            };
            let name = rest[..end].to_string();
            if sections.contains(&name) {
                return Err(err(col, format!("section '{name}' is already defined")));
            }
            sections.push(name);
            continue;
        }
        let Some(section) = sections.last() else {
            return Err(err(
                col,
                "a key outside any section (a [section] header must come first)".into(),
            ));
        };
        let Some(at) = value.find(['=', ':']) else {
            return Err(err(col, format!("expected 'key = value', found {value:?}")));
        };
        let key = value[..at].trim().to_lowercase();
        if key.is_empty() {
            return Err(err(col, "a value without a key".into()));
        }
        if entries
            .iter()
            .any(|e| &e.section == section && e.key == key)
        {
            return Err(err(
                col,
                format!("key '{key}' is already set in section [{section}]"),
            ));
        }
        let after = &value[at + 1..];
        let v = after.trim();
        let column = match v.is_empty() {
            true => col,
            false => indent + at + 1 + (after.len() - after.trim_start().len()) + 1,
        };
        entries.push(Entry {
            section: section.clone(),
            key,
            value: v.to_string(),
            line: line_no,
            column: char_column(content, column),
        });
        open = Some((entries.len() - 1, indent));
    }
    Ok(entries)
}

/// The line without its `;` comment (a `;` at the start or after whitespace).
fn strip_inline_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b';' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// The 1-based column in characters of 1-based byte column `byte_col` of `line`.
fn char_column(line: &str, byte_col: usize) -> usize {
    let end = (byte_col - 1).min(line.len());
    line.get(..end).map_or(byte_col, |s| s.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Vec<(String, String, String, usize, usize)> {
        parse(text)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .into_iter()
            .map(|e| (e.section, e.key, e.value, e.line, e.column))
            .collect()
    }

    #[test]
    fn comments_delimiters_case_and_continuations() {
        let got = one(concat!(
            "# a comment\n",
            "; another\n",
            "[defaults]\n",
            "Forks = 10 ; inline\n",
            "inventory = hosts # not a comment\n",
            "roles_path: roles:\n",
            "   /srv/roles\n",
            "\n",
            "   /more\n",
            "empty =\n",
            "[ssh_connection]\n",
            "ssh_args = -o ControlPersist=30s;x\n",
        ));
        let s = |a: &str| a.to_string();
        assert_eq!(
            got,
            vec![
                (s("defaults"), s("forks"), s("10"), 4, 9),
                (
                    s("defaults"),
                    s("inventory"),
                    s("hosts # not a comment"),
                    5,
                    13
                ),
                (
                    s("defaults"),
                    s("roles_path"),
                    s("roles:\n/srv/roles\n\n/more"),
                    6,
                    13
                ),
                (s("defaults"), s("empty"), s(""), 10, 1),
                (
                    s("ssh_connection"),
                    s("ssh_args"),
                    s("-o ControlPersist=30s;x"),
                    12,
                    12
                ),
            ]
        );
    }

    #[test]
    fn mistakes_are_located() {
        let e = parse("forks = 3\n").expect_err("no section");
        assert_eq!((e.line, e.column), (1, 1));
        let e = parse("[defaults]\n  just words\n").expect_err("no delimiter");
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.contains("key = value"), "{}", e.message);
        let e = parse("[defaults]\nforks=1\nFORKS=2\n").expect_err("twice");
        assert_eq!(e.line, 3);
        assert_eq!(
            e.message,
            "key 'forks' is already set in section [defaults]"
        );
        let e = parse("[a]\n[a]\n").expect_err("section twice");
        assert_eq!(e.line, 2);
        let e = parse("[defaults\n").expect_err("bad header");
        assert_eq!((e.line, e.column), (1, 1));
        let e = parse("[defaults]\n= 3\n").expect_err("no key");
        assert_eq!(e.message, "a value without a key");
    }
}
