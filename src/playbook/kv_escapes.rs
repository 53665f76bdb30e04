//! The backslash escapes Ansible decodes in a `key=value` argument's value (`msg=a\tb`,
//! `line=\x41`, `regexp=\\bword`) before using it, as its key=value parser does: `\\`, `\'`,
//! `\"`, `\a`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v`, `\xHH`, `\uHHHH` and `\UHHHHHHHH`. Any other
//! backslash stays as written (so does `\N{name}`: rsible has no table of Unicode names).
//! Knows nothing of tasks or modules.

/// `s` with its escapes decoded.
pub fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        match escape(tail) {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('\\');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an escape decodes to and the length of its text after the backslash.
fn escape(tail: &str) -> Option<(char, usize)> {
    let first = tail.chars().next()?;
    let hex = |n: usize| -> Option<(char, usize)> {
        let digits = tail.get(1..=n)?;
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let code = u32::from_str_radix(digits, 16).ok()?;
        char::from_u32(code).map(|c| (c, n + 1))
    };
    let single = |c: char| Some((c, 1));
    match first {
        'U' => hex(8),
        'u' => hex(4),
        'x' => hex(2),
        '\\' | '\'' | '"' => single(first),
        'a' => single('\u{7}'),
        'b' => single('\u{8}'),
        'f' => single('\u{c}'),
        'n' => single('\n'),
        'r' => single('\r'),
        't' => single('\t'),
        'v' => single('\u{b}'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn escapes_decode_as_ansible_parse_kv_does() {
        assert_eq!(decode(r"a\nb\tc"), "a\nb\tc");
        assert_eq!(decode(r"\x41\u00e9\U0001F600"), "Aé😀");
        assert_eq!(decode(r"\\n"), "\\n");
        assert_eq!(decode(r"\bword\b"), "\u{8}word\u{8}");
        assert_eq!(decode(r"\\bword"), "\\bword");
        assert_eq!(
            decode(r#"\d+ \w \N{BULLET} \x4 \"q\'"#),
            "\\d+ \\w \\N{BULLET} \\x4 \"q'"
        );
        assert_eq!(decode("trailing\\"), "trailing\\");
        assert_eq!(decode(r"\ud800"), "\\ud800");
    }
}
