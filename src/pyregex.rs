//! Python `re` patterns and replacement templates on the `fancy-regex` engine, for every
//! place a user writes a regular expression (Jinja filters and tests, `lineinfile`,
//! `blockinfile`, `replace`): backreferences (`\1`, `(?P=name)`) and look-around work, and a
//! pattern is translated where Python's syntax means something else than the engine's (`\Z`,
//! `$` without MULTILINE, a `{` that is not a repetition). A replacement template's `\1`,
//! `\g<name>`, `\g<1>` and escapes are expanded as Python's `Match.expand` does.
//! Knows nothing of templates, files or targets.

use fancy_regex::{Regex, RegexBuilder};

/// How many backtracking steps one match may take before it fails (fancy-regex's default is
/// one million; Python has no limit, so ours is generous).
const BACKTRACK_LIMIT: usize = 50_000_000;

/// Python's flags that change how a pattern matches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    /// `re.IGNORECASE`.
    pub ignorecase: bool,
    /// `re.MULTILINE`: `^`/`$` match at every line.
    pub multiline: bool,
    /// `re.DOTALL`: `.` matches a newline too.
    pub dotall: bool,
}

/// Compiles a Python-syntax `pattern` with `flags`; the error names the pattern.
pub fn compile(pattern: &str, flags: Flags) -> Result<Regex, String> {
    let multiline = flags.multiline || has_inline_m(pattern);
    let translated = translate(pattern, multiline);
    RegexBuilder::new(&translated)
        .case_insensitive(flags.ignorecase)
        .multi_line(flags.multiline)
        .dot_matches_new_line(flags.dotall)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))
}

/// Whether the pattern sets MULTILINE in a flag group other than a leading `(?m` (`(?im)`):
/// a `(?` that is not escaped and not inside a character class.
fn has_inline_m(p: &str) -> bool {
    let b = p.as_bytes();
    let (mut i, mut in_class) = (0, false);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'(' if !in_class
                && b.get(i + 1) == Some(&b'?')
                && p[i + 2..]
                    .bytes()
                    .take_while(u8::is_ascii_alphabetic)
                    .any(|c| c == b'm') =>
            {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Rewrites the parts of a Python pattern the engine reads differently. Without MULTILINE,
/// Python's `$` also matches before a final newline.
fn translate(p: &str, multiline: bool) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                if n == 'Z' && !in_class {
                    out.push_str(r"\z");
                } else {
                    out.push('\\');
                    out.push(n);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` (or `^]`) right after the opening bracket is a literal in both.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
            }
            '[' => out.push_str(r"\["),
            '&' | '~' | '-' if in_class && chars.get(i + 1) == Some(&c) => {
                // Python reads `&&`, `~~` and `--` in a class as literals, the engine as
                // set operations.
                out.push('\\');
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '$' if !in_class && !multiline => out.push_str(r"(?=\n?\z)"),
            '{' if !in_class => {
                let rest: String = chars[i..].iter().collect();
                match quantifier_len(&rest) {
                    Some((len, text)) => {
                        out.push_str(&text);
                        i += len;
                        continue;
                    }
                    None => out.push_str(r"\{"),
                }
            }
            '}' if !in_class => out.push_str(r"\}"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// When `s` starts with a Python repetition (`{n}`, `{n,}`, `{,m}`, `{n,m}`): its length in
/// chars and its text for the engine.
fn quantifier_len(s: &str) -> Option<(usize, String)> {
    let end = s.find('}')?;
    let body = &s[1..end];
    let ok = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let text = match body.split_once(',') {
        None if !body.is_empty() && ok(body) => format!("{{{body}}}"),
        Some((a, b)) if ok(a) && ok(b) && !(a.is_empty() && b.is_empty()) => {
            let a = if a.is_empty() { "0" } else { a };
            format!("{{{a},{b}}}")
        }
        _ => return None,
    };
    Some((s[..=end].chars().count(), text))
}

/// A group of a match, by number or name, as a replacement template asks for it.
pub enum GroupRef<'a> {
    /// `\1`, `\g<1>`.
    Number(usize),
    /// `\g<name>`.
    Name(&'a str),
}

/// Expands a Python replacement template (`\1`, `\g<name>`, `\g<1>`, `\n`, `\\`): `group`
/// gives a group's text (`Ok(None)` for a group that did not take part, which gives "";
/// `Err` for a group the pattern does not have).
pub fn expand<'t>(
    template: &[u8],
    group: impl Fn(GroupRef<'_>) -> Result<Option<&'t [u8]>, String>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(template.len());
    let mut i = 0;
    while i < template.len() {
        let c = template[i];
        if c != b'\\' || i + 1 == template.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = template[i + 1];
        i += 2;
        match n {
            b'1'..=b'9' => {
                let mut num = usize::from(n - b'0');
                if i < template.len() && template[i].is_ascii_digit() {
                    num = num * 10 + usize::from(template[i] - b'0');
                    i += 1;
                }
                out.extend_from_slice(group(GroupRef::Number(num))?.unwrap_or_default());
            }
            b'0' => out.push(0),
            b'g' => {
                let close = template[i..].iter().position(|b| *b == b'>');
                match (template.get(i), close) {
                    (Some(b'<'), Some(end)) => {
                        let name = String::from_utf8_lossy(&template[i + 1..i + end]).into_owned();
                        let r = match name.parse::<usize>() {
                            Ok(num) => GroupRef::Number(num),
                            Err(_) => GroupRef::Name(&name),
                        };
                        out.extend_from_slice(group(r)?.unwrap_or_default());
                        i += end + 1;
                    }
                    _ => return Err("missing group name after \\g".into()),
                }
            }
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'\\' => out.push(b'\\'),
            other if other.is_ascii_alphabetic() => {
                return Err(format!("bad escape \\{} in the replacement", other as char))
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// The check [`expand`]'s `group` makes: whether `re` has the group `r`.
pub fn has_group(re: &Regex, r: &GroupRef<'_>) -> Result<(), String> {
    match r {
        GroupRef::Number(n) if *n < re.captures_len() => Ok(()),
        GroupRef::Number(n) => Err(format!("invalid group reference {n}")),
        GroupRef::Name(name) if re.capture_names().flatten().any(|n| n == *name) => Ok(()),
        GroupRef::Name(name) => Err(format!("unknown group name '{name}'")),
    }
}

/// Expands `template` for the captures `caps` of `re` in a text.
pub fn expand_str(
    re: &Regex,
    caps: &fancy_regex::Captures<'_, str>,
    template: &str,
) -> Result<String, String> {
    let bytes = expand(template.as_bytes(), |r| {
        has_group(re, &r)?;
        Ok(match r {
            GroupRef::Number(n) => caps.get(n),
            GroupRef::Name(name) => caps.name(name),
        }
        .map(|m| m.as_str().as_bytes()))
    })?;
    // Every piece is either the template's or the text's, both UTF-8; a `\0` is too.
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_real_flag_group_turns_multiline_on() {
        assert!(has_inline_m("a(?m)b") && has_inline_m("(?im)x$"));
        assert!(!has_inline_m(r"\(?mode$") && !has_inline_m("[(?m]$") && !has_inline_m("x$"));
        // So `$` still matches before a final newline, as in Python.
        assert!(re(r"\(?mode$").is_match("(mode\n").unwrap());
    }

    fn re(p: &str) -> Regex {
        compile(p, Flags::default()).unwrap()
    }

    fn sub(p: &str, t: &str, s: &str) -> String {
        let r = re(p);
        let caps = r.captures(s).unwrap().unwrap();
        expand_str(&r, &caps, t).unwrap()
    }

    #[test]
    fn python_patterns_are_translated() {
        assert_eq!(translate(r"^a{1,2}\Z", true), r"^a{1,2}\z");
        assert_eq!(translate("x{,3}", true), "x{0,3}");
        assert_eq!(translate("${HOME}", true), r"$\{HOME\}");
        assert_eq!(translate("[]a]", true), r"[\]a]");
        assert_eq!(translate("[[]", true), r"[\[]");
        assert_eq!(translate("a$", false), r"a(?=\n?\z)");
        assert_eq!(translate("[$]", false), "[$]");
        assert!(re("a{b}").is_match("xa{b}").unwrap());
        assert!(compile("(", Flags::default()).is_err());
    }

    #[test]
    fn backreferences_and_look_around_match_as_in_python() {
        assert!(re(r"(ab)\1").is_match("xabab").unwrap());
        assert!(re("(?P<a>x)(?P=a)").is_match("xx").unwrap());
        assert!(!re("(?P<a>x)(?P=a)").is_match("xy").unwrap());
        let found = re("(?<=a)X").find("bXaX").unwrap().unwrap();
        assert_eq!(found.start(), 3);
        assert!(re("^a(?!b)").is_match("ac").unwrap());
        assert!(!re("^a(?!b)").is_match("ab").unwrap());
    }

    #[test]
    fn dollar_matches_before_a_final_newline_as_in_python() {
        assert!(re("abc$").is_match("abc\n").unwrap());
        assert!(!re("abc$").is_match("abc\n\n").unwrap());
        assert!(re(r"abc\Z").is_match("abc").unwrap());
        assert!(!re(r"abc\Z").is_match("abc\n").unwrap());
        let ml = compile(
            "^b$",
            Flags {
                multiline: true,
                ..Flags::default()
            },
        )
        .unwrap();
        assert!(ml.is_match("a\nb\nc").unwrap());
        assert!(re("(?m)^b$").is_match("a\nb\nc").unwrap());
        assert!(re("[a&&b]").is_match("&").unwrap());
    }

    #[test]
    fn templates_expand_like_python() {
        assert_eq!(sub(r"(\w+)=(\w+)", r"\2=\1", "a=b"), "b=a");
        assert_eq!(sub(r"(?P<k>\w+)=(\w+)", r"\g<k>:\g<2>", "a=b"), "a:b");
        assert_eq!(sub(r"(a)|(b)", r"[\2]", "a"), "[]");
        assert_eq!(sub(r"(?P<x>a)|(?P<y>b)", r"[\g<y>]", "a"), "[]");
        assert_eq!(sub(r"(a)", r"$1 \\ \n", "a"), "$1 \\ \n");
        let r = re("(a)");
        let caps = r.captures("a").unwrap().unwrap();
        assert!(expand_str(&r, &caps, r"\3").is_err());
        assert!(expand_str(&r, &caps, r"\g<nope>").is_err());
        assert!(expand_str(&r, &caps, r"\q").is_err());
    }
}
