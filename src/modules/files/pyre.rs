//! Python `re` patterns and replacement templates on top of the `regex` crate, for the text
//! editing modules (`lineinfile`, `blockinfile`, `replace`): a pattern written for Ansible is
//! translated where the two syntaxes differ (`\Z`, a `{` that is not a repetition, `(?P=name)`
//! is refused clearly), and a template's `\1`, `\g<name>`, `\g<1>` and escapes are expanded
//! as Python's `Match.expand` does. Knows nothing of files or targets.

use regex::bytes::{Captures, Regex, RegexBuilder};

/// Compiles a Python-syntax `pattern`; `multiline` is Python's `re.MULTILINE`, `dotall` its
/// `re.DOTALL`.
pub fn compile(pattern: &str, multiline: bool, dotall: bool) -> Result<Regex, String> {
    let translated = translate(pattern)?;
    RegexBuilder::new(&translated)
        .multi_line(multiline)
        .dot_matches_new_line(dotall)
        .build()
        .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))
}

/// Rewrites the parts of a Python pattern the `regex` crate reads differently.
fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                match n {
                    'Z' if !in_class => out.push_str(r"\z"),
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
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
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if !in_class && chars[i..].starts_with(&['(', '?', 'P', '=']) => {
                return Err(format!(
                    "the regular expression {p:?} uses a named backreference (?P=...), \
                     which rsible's regex engine does not support"
                ));
            }
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
    Ok(out)
}

/// When `s` starts with a Python repetition (`{n}`, `{n,}`, `{,m}`, `{n,m}`): its length in
/// chars and its text for the `regex` crate.
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

/// Expands a Python replacement template (`\1`, `\g<name>`, `\g<1>`, `\n`, `\\`) with
/// `caps` of `re`, as `Match.expand`/`re.sub` do; a group that did not take part gives "".
pub fn expand(re: &Regex, caps: &Captures<'_>, template: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(template.len());
    let mut i = 0;
    let group = |out: &mut Vec<u8>, name: &str| -> Result<(), String> {
        let m = match name.parse::<usize>() {
            Ok(n) if n < caps.len() => caps.get(n),
            Ok(n) => return Err(format!("invalid group reference {n}")),
            Err(_) => {
                if !re.capture_names().flatten().any(|n| n == name) {
                    return Err(format!("unknown group name '{name}'"));
                }
                caps.name(name)
            }
        };
        if let Some(m) = m {
            out.extend_from_slice(m.as_bytes());
        }
        Ok(())
    };
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
                let mut digits = vec![n];
                if i < template.len() && template[i].is_ascii_digit() {
                    digits.push(template[i]);
                    i += 1;
                }
                group(&mut out, &String::from_utf8_lossy(&digits))?;
            }
            b'0' => out.push(0),
            b'g' => {
                let close = template[i..].iter().position(|b| *b == b'>');
                match (template.get(i), close) {
                    (Some(b'<'), Some(end)) => {
                        let name = String::from_utf8_lossy(&template[i + 1..i + end]).into_owned();
                        group(&mut out, &name)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(p: &str, t: &str, s: &str) -> String {
        let re = compile(p, false, false).unwrap();
        let caps = re.captures(s.as_bytes()).unwrap();
        String::from_utf8(expand(&re, &caps, t.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn python_patterns_are_translated() {
        assert_eq!(translate(r"^a{1,2}\Z").unwrap(), r"^a{1,2}\z");
        assert_eq!(translate("x{,3}").unwrap(), "x{0,3}");
        assert_eq!(translate("${HOME}").unwrap(), r"$\{HOME\}");
        assert_eq!(translate("[]a]").unwrap(), r"[\]a]");
        assert_eq!(translate("[[]").unwrap(), r"[\[]");
        assert!(compile("(?P<a>x)(?P=a)", false, false).is_err());
        assert!(compile("a{b}", false, false).unwrap().is_match(b"xa{b}"));
        assert!(compile("(", false, false).is_err());
    }

    #[test]
    fn templates_expand_like_python() {
        assert_eq!(sub(r"(\w+)=(\w+)", r"\2=\1", "a=b"), "b=a");
        assert_eq!(sub(r"(?P<k>\w+)=(\w+)", r"\g<k>:\g<2>", "a=b"), "a:b");
        assert_eq!(sub(r"(a)|(b)", r"[\2]", "a"), "[]");
        assert_eq!(sub(r"(?P<x>a)|(?P<y>b)", r"[\g<y>]", "a"), "[]");
        assert_eq!(sub(r"(a)", r"$1 \\ \n", "a"), "$1 \\ \n");
        let re = compile("(a)", false, false).unwrap();
        let caps = re.captures(b"a").unwrap();
        assert!(expand(&re, &caps, br"\3").is_err());
        assert!(expand(&re, &caps, br"\g<nope>").is_err());
        assert!(expand(&re, &caps, br"\q").is_err());
    }
}
