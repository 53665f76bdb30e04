//! Python `re` patterns and replacement templates over a file's bytes, for the text editing
//! modules (`lineinfile`, `blockinfile`, `replace`): [`crate::pyregex`] (the translation and
//! the engine) with the small API the modules use. Knows nothing of files or targets.

use crate::pyregex::{self, Flags, GroupRef};

/// One match's groups in a byte text.
pub type Captures<'t> = fancy_regex::Captures<'t, [u8]>;

/// A compiled Python pattern matched against bytes.
#[derive(Debug, Clone)]
pub struct Regex(fancy_regex::Regex);

impl Regex {
    /// Whether the pattern matches somewhere in `text`. A match that runs past the engine's
    /// backtracking limit counts as none.
    pub fn is_match(&self, text: &[u8]) -> bool {
        self.0.is_match(text).unwrap_or(false)
    }

    /// The first match's groups in `text`.
    pub fn captures<'t>(&self, text: &'t [u8]) -> Option<Captures<'t>> {
        self.0.captures(text).ok().flatten()
    }

    /// Every non-overlapping match's groups in `text`, in order (up to a match that runs
    /// past the engine's backtracking limit).
    pub fn captures_iter<'r, 't>(
        &'r self,
        text: &'t [u8],
    ) -> impl Iterator<Item = Captures<'t>> + 'r
    where
        't: 'r,
    {
        self.0.captures_iter(text).map_while(Result::ok)
    }

    /// The span of the first match in `text`.
    pub fn find(&self, text: &[u8]) -> Option<std::ops::Range<usize>> {
        self.0.find(text).ok().flatten().map(|m| m.range())
    }

    /// The pattern as the engine reads it.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Compiles a Python-syntax `pattern`; `multiline` is Python's `re.MULTILINE`, `dotall` its
/// `re.DOTALL`.
pub fn compile(pattern: &str, multiline: bool, dotall: bool) -> Result<Regex, String> {
    let flags = Flags {
        multiline,
        dotall,
        ..Flags::default()
    };
    pyregex::compile(pattern, flags).map(Regex)
}

/// Expands a Python replacement template (`\1`, `\g<name>`, `\g<1>`, `\n`, `\\`) with
/// `caps` of `re`, as `Match.expand`/`re.sub` do; a group that did not take part gives "".
pub fn expand(re: &Regex, caps: &Captures<'_>, template: &[u8]) -> Result<Vec<u8>, String> {
    pyregex::expand(template, |r| {
        pyregex::has_group(&re.0, &r)?;
        Ok(match r {
            GroupRef::Number(n) => caps.get(n),
            GroupRef::Name(name) => caps.name(name),
        }
        .map(|m| m.as_bytes()))
    })
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
    fn patterns_match_bytes_with_python_features() {
        let re = compile(r"^(\w+)=\1$", false, false).unwrap();
        assert!(re.is_match(b"ab=ab"));
        assert!(!re.is_match(b"ab=cd"));
        assert!(compile("a(?=b)", false, false).unwrap().is_match(b"ab"));
        assert_eq!(compile("b", false, false).unwrap().find(b"abc"), Some(1..2));
        assert!(compile("(", false, false).is_err());
    }

    #[test]
    fn templates_expand_like_python() {
        assert_eq!(sub(r"(\w+)=(\w+)", r"\2=\1", "a=b"), "b=a");
        assert_eq!(sub(r"(?P<k>\w+)=(\w+)", r"\g<k>:\g<2>", "a=b"), "a:b");
        assert_eq!(sub(r"(a)|(b)", r"[\2]", "a"), "[]");
        let re = compile("(a)", false, false).unwrap();
        let caps = re.captures(b"a").unwrap();
        assert!(expand(&re, &caps, br"\3").is_err());
        assert!(expand(&re, &caps, br"\g<nope>").is_err());
        assert!(expand(&re, &caps, br"\q").is_err());
    }
}
