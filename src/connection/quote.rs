//! POSIX shell quoting: the one function every value goes through before it reaches remote
//! shell text. Knows nothing of what the words mean.

/// Quotes `word` for a POSIX shell so that it reaches the command as exactly these bytes.
///
/// Words made only of safe characters are left bare (readable `-vvv` output); anything else is
/// wrapped in single quotes, with each `'` written as `'\''`. Single quotes disable every
/// expansion (`$()`, backticks, globs, `~`), and newlines are literal inside them.
pub fn quote(word: &[u8]) -> Vec<u8> {
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(b);
    if !word.is_empty() && word.iter().all(safe) {
        return word.to_vec();
    }
    let mut out = Vec::with_capacity(word.len() + 2);
    out.push(b'\'');
    for &b in word {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// Quotes a UTF-8 word; see [`quote`].
pub fn quote_str(word: &str) -> String {
    // Quoting only adds ASCII around and inside valid UTF-8, so the result stays UTF-8.
    String::from_utf8(quote(word.as_bytes())).unwrap_or_default()
}

/// Joins an argv into shell text where each word is quoted.
pub fn join<S: AsRef<[u8]>>(argv: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, w) in argv.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend(quote(w.as_ref()));
    }
    out
}

/// Python's `shlex.quote`, for text that must read as Ansible writes a command (a module's
/// `cmd`): safe words unchanged, everything else in single quotes.
pub fn shlex_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\"'\"'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn roundtrip(word: &[u8]) -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        let mut script = b"printf %s ".to_vec();
        script.extend(quote(word));
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(std::ffi::OsStr::from_bytes(&script))
            .output()
            .expect("sh runs");
        out.stdout
    }

    #[test]
    fn safe_words_stay_bare() {
        assert_eq!(quote_str("abc-1.2/x"), "abc-1.2/x");
        assert_eq!(quote_str(""), "''");
    }

    #[test]
    fn hostile_words_reach_sh_literally() {
        let cases: &[&[u8]] = &[
            b"it's",
            b"$(touch /tmp/rsible-pwned)",
            b"`id`",
            b"a;b && c | d",
            b"line1\nline2",
            b"-n",
            b"*",
            b"~root",
            b"\"dq\" \\ back",
            "non-ascii: h\u{e9}llo \u{2603}".as_bytes(),
            b"\xff\xfe raw bytes",
        ];
        for c in cases {
            assert_eq!(
                roundtrip(c),
                c.to_vec(),
                "word {:?}",
                String::from_utf8_lossy(c)
            );
        }
        assert!(!std::path::Path::new("/tmp/rsible-pwned").exists());
    }

    #[test]
    fn join_quotes_each_word() {
        assert_eq!(join(&["echo", "a b", "c"]), b"echo 'a b' c".to_vec());
    }
}

/// Shell text that runs `argv` without a shell interpreting it: `exec` keeps the program's
/// own exit status and saves a process.
pub fn exec_argv<S: AsRef<[u8]>>(argv: &[S]) -> Vec<u8> {
    let mut s = b"exec ".to_vec();
    s.extend(join(argv));
    s
}

/// Quotes a glob pattern: `*`, `?`, `[` and `]` stay active, every other byte is quoted, so
/// `/tmp/a b*` matches files starting with `a b` and nothing in the pattern is executed.
pub fn quote_glob(pattern: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for &b in pattern.as_bytes() {
        if b"*?[]".contains(&b) {
            if !run.is_empty() {
                out.extend(quote(&run));
                run.clear();
            }
            out.push(b);
        } else {
            run.push(b);
        }
    }
    if !run.is_empty() || out.is_empty() {
        out.extend(quote(&run));
    }
    out
}

#[cfg(test)]
mod glob_tests {
    use super::quote_glob;

    #[test]
    fn glob_characters_stay_active_and_the_rest_is_quoted() {
        assert_eq!(quote_glob("/tmp/a b*"), b"'/tmp/a b'*".to_vec());
        assert_eq!(quote_glob("$(x)?"), b"'$(x)'?".to_vec());
        assert_eq!(quote_glob(""), b"''".to_vec());
    }
}
