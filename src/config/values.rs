//! Reading one setting's text the way Ansible's configuration types read it: booleans,
//! integers, comma lists, colon-separated path lists, and paths (`~`, `$VAR`, relative to the
//! file that set them). Knows nothing of which setting uses which type.

use std::path::{Path, PathBuf};

/// A value's text and what it needs to be read: the directory relative paths are taken from
/// (`None`: as written, relative to the current directory) and the environment `$VAR`s come
/// from.
pub struct Raw<'a> {
    /// The text.
    pub text: &'a str,
    /// The directory of the file that set it.
    pub base: Option<&'a Path>,
    /// Looks up an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// From an INI file: a string loses one pair of quotes around it, as in Ansible.
    pub from_ini: bool,
}

impl Raw<'_> {
    /// The text as a string setting (trimmed; unquoted when from an INI file).
    pub fn string(&self) -> String {
        let t = self.text.trim();
        match self.from_ini {
            true => unquote(t).to_string(),
            false => t.to_string(),
        }
    }

    /// Ansible's booleans: `yes/no`, `true/false`, `on/off`, `y/n`, `t/f`, `1/0`, any case.
    pub fn boolean(&self) -> Result<bool, String> {
        match self.text.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" | "y" | "t" | "1" => Ok(true),
            "no" | "false" | "off" | "n" | "f" | "0" => Ok(false),
            _ => Err("must be a boolean (yes/no, true/false, on/off, 1/0)".into()),
        }
    }

    /// A whole number (`10`, ` 10 `, `10.0`).
    pub fn integer(&self) -> Result<u64, String> {
        let t = self.text.trim();
        t.parse::<u64>()
            .ok()
            .or_else(|| {
                t.parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| "must be a whole number".to_string())
    }

    /// Comma-separated items, each trimmed and unquoted; empty items dropped.
    pub fn list(&self) -> Vec<String> {
        self.text
            .split(',')
            .map(|s| unquote(s.trim()).to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Ansible's `pathspec`: colon-separated paths, each resolved; empty entries dropped.
    pub fn pathspec(&self) -> Vec<PathBuf> {
        self.text
            .split(':')
            .filter(|p| !p.is_empty())
            .map(|p| self.resolve(p))
            .collect()
    }

    /// Ansible's `pathlist`: comma-separated paths, trimmed, each resolved; empty ones dropped.
    pub fn pathlist(&self) -> Vec<PathBuf> {
        self.text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| self.resolve(p))
            .collect()
    }

    /// One path, resolved; `None` when the text is empty (unset, not the base directory).
    pub fn path(&self) -> Option<PathBuf> {
        let t = self.text.trim();
        (!t.is_empty()).then(|| self.resolve(t))
    }

    /// As [`Raw::string`]; `None` when empty (an empty user is no user).
    pub fn nonempty(&self) -> Option<String> {
        Some(self.string()).filter(|s| !s.is_empty())
    }

    /// `$VAR`/`${VAR}` and `~/` expanded, then taken from `base` when relative.
    fn resolve(&self, p: &str) -> PathBuf {
        expand(&expand_vars(p, self.env), self.base)
    }
}

/// Drops one pair of matching quotes around `s`, as Ansible does for text from an INI file.
pub fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// `~/x` from the home directory; a relative path from `base` when given.
pub fn expand(p: &str, base: Option<&Path>) -> PathBuf {
    if p == "~" {
        if let Some(home) = dirs::home_dir() {
            return home;
        }
    }
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = dirs::home_dir() {
            return home.join(rest);
        }
    }
    match base {
        Some(b) => b.join(p),
        None => PathBuf::from(p),
    }
}

/// `$NAME` and `${NAME}` replaced by the variable's value; unset ones are left as written
/// (as Python's `os.path.expandvars`).
fn expand_vars(p: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = p;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match env(name).filter(|_| !name.is_empty()) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansible_types() {
        let env = |k: &str| (k == "TOP").then(|| "/top".to_string());
        let raw = |text| Raw {
            text,
            base: Some(Path::new("/etc/x")),
            env: &env,
            from_ini: true,
        };
        assert_eq!(raw("On").boolean(), Ok(true));
        assert_eq!(raw("f").boolean(), Ok(false));
        assert!(raw("maybe").boolean().is_err());
        assert_eq!(raw(" 12 ").integer(), Ok(12));
        assert_eq!(raw("12.0").integer(), Ok(12));
        assert!(raw("12.5").integer().is_err());
        assert_eq!(raw(" a , 'b',,").list(), ["a", "b"]);
        assert_eq!(
            raw("roles:$TOP/r:${TOP}/s:$NOPE/t").pathspec(),
            [
                PathBuf::from("/etc/x/roles"),
                PathBuf::from("/top/r"),
                PathBuf::from("/top/s"),
                PathBuf::from("/etc/x/$NOPE/t"),
            ]
        );
        assert_eq!(
            raw("hosts, /inv ,").pathlist(),
            [PathBuf::from("/etc/x/hosts"), PathBuf::from("/inv")]
        );
        assert_eq!(raw(" 'deploy' ").string(), "deploy");
        assert_eq!(unquote("'x'"), "x");
        assert_eq!(unquote("\"x'"), "\"x'");
    }
}
