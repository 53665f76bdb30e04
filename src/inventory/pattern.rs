//! Ansible host patterns: `all`, `*`, globs, `a:b`/`a,b` unions, `&` intersections, `!`
//! exclusions, `~regex`, subscripts `g[0]`, `g[1:3]`, `g[-1]`, `@file`, and the implicit
//! localhost. Evaluated in Ansible's order (unions, then intersections, then exclusions).
//! Knows nothing of file formats or variables.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;

use super::{Inventory, PatternError, Selection, LOCALHOST_NAMES};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum HostRef {
    Known(usize),
    Implicit(String),
}

/// Resolves `pattern` against `inv`.
pub fn select(inv: &Inventory, pattern: &str) -> Result<Selection, PatternError> {
    let mut terms = Vec::new();
    for t in split_host_pattern(pattern) {
        if let Some(file) = t.strip_prefix('@') {
            let text = std::fs::read_to_string(file).map_err(|e| PatternError::LimitFile {
                path: file.to_string(),
                message: e.to_string(),
            })?;
            terms.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string),
            );
        } else {
            terms.push(t);
        }
    }
    let ordered = order_patterns(terms);
    let mut warnings = Vec::new();
    let mut hosts: Vec<HostRef> = Vec::new();
    for p in &ordered {
        if let Some(h) = inv.hosts.get_index_of(p.as_str()) {
            hosts.push(HostRef::Known(h));
            continue;
        }
        let that = match_one(inv, p, &mut warnings)?;
        // Sets, not list scans: `all:!ungrouped` over 100,000 hosts took 8.6 s (found by the
        // inventory fuzzer), and takes milliseconds with them.
        if p.starts_with('!') {
            let that: HashSet<HostRef> = that.into_iter().collect();
            hosts.retain(|h| !that.contains(h));
        } else if p.starts_with('&') {
            let that: HashSet<HostRef> = that.into_iter().collect();
            hosts.retain(|h| that.contains(h));
        } else {
            let mut existing: HashSet<HostRef> = hosts.iter().cloned().collect();
            hosts.extend(that.into_iter().filter(|h| existing.insert(h.clone())));
        }
    }
    // deduplicate_list, keeping first occurrences.
    let mut seen = vec![false; inv.hosts.len()];
    let mut names = Vec::new();
    for h in hosts {
        match h {
            HostRef::Known(i) => {
                if !std::mem::replace(&mut seen[i], true) {
                    names.push(inv.host_name(i).to_string());
                }
            }
            HostRef::Implicit(n) => {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    Ok(Selection {
        hosts: names,
        warnings,
    })
}

/// Ansible's `split_host_pattern`.
fn split_host_pattern(pattern: &str) -> Vec<String> {
    let pattern = pattern.trim();
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(str::to_string).collect()
    } else if is_ipv6(pattern) {
        vec![pattern.to_string()]
    } else {
        static RE: OnceLock<Regex> = OnceLock::new();
        let re = RE.get_or_init(|| {
            Regex::new(r"(?:[^\s:\[\]]|\[[^\]]*\])+").unwrap_or_else(|_| unreachable!())
        });
        re.find_iter(pattern)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn is_ipv6(p: &str) -> bool {
    let core = p.trim_start_matches('[').trim_end_matches(']');
    core.matches(':').count() >= 2
        && core
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
}

/// Ansible's `order_patterns`: regular terms, then `&`, then `!`; `all` if only modifiers.
fn order_patterns(terms: Vec<String>) -> Vec<String> {
    let mut regular = Vec::new();
    let mut inter = Vec::new();
    let mut excl = Vec::new();
    for t in terms {
        if t.starts_with('!') {
            excl.push(t);
        } else if t.starts_with('&') {
            inter.push(t);
        } else {
            regular.push(t);
        }
    }
    if regular.is_empty() {
        regular.push("all".to_string());
    }
    regular.extend(inter);
    regular.extend(excl);
    regular
}

type Subscript = (i64, Option<i64>);

fn split_subscript(pattern: &str) -> (&str, Option<Subscript>) {
    if pattern.starts_with('~') {
        return (pattern, None);
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")
            .unwrap_or_else(|_| unreachable!())
    });
    let Some(c) = re.captures(pattern) else {
        return (pattern, None);
    };
    let Some(base) = c.get(1) else {
        return (pattern, None);
    };
    let base = base.as_str();
    if let Some(idx) = c.get(2) {
        return match idx.as_str().parse() {
            Ok(i) => (base, Some((i, None))),
            Err(_) => (pattern, None),
        };
    }
    let start = c.get(3).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
    let end = match c.get(5).map(|m| m.as_str()) {
        None | Some("") => -1,
        Some(e) => e.parse().unwrap_or(-1),
    };
    (base, Some((start, Some(end))))
}

fn apply_subscript(
    hosts: Vec<HostRef>,
    sub: Option<Subscript>,
    pattern: &str,
) -> Result<Vec<HostRef>, PatternError> {
    let Some((start, end)) = sub else {
        return Ok(hosts);
    };
    let len = hosts.len() as i64;
    match end {
        // Python: `if end:` — an end of 0 falls through to single indexing.
        Some(end) if end != 0 => {
            let end = if end == -1 { len - 1 } else { end };
            let s = start.clamp(0, len) as usize;
            let e = (end + 1).clamp(0, len) as usize;
            Ok(if s < e {
                hosts[s..e].to_vec()
            } else {
                Vec::new()
            })
        }
        _ => {
            let i = if start < 0 { len + start } else { start };
            if i < 0 || i >= len {
                return Err(PatternError::SubscriptOutOfRange {
                    pattern: pattern.to_string(),
                });
            }
            Ok(vec![hosts[i as usize].clone()])
        }
    }
}

fn match_one(
    inv: &Inventory,
    pattern: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<HostRef>, PatternError> {
    let p = pattern.strip_prefix(['&', '!']).unwrap_or(pattern);
    let (expr, sub) = split_subscript(p);
    let hosts = enumerate_matches(inv, expr, warnings)?;
    apply_subscript(hosts, sub, p)
}

/// A compiled name matcher: exact, glob (fnmatch) or `~regex` (anchored at the start).
enum Matcher {
    Exact(String),
    Re(Regex),
}

impl Matcher {
    fn new(pattern: &str) -> Result<Self, PatternError> {
        let invalid = |e: regex::Error| PatternError::InvalidRegex {
            pattern: pattern.to_string(),
            message: e.to_string(),
        };
        if let Some(re) = pattern.strip_prefix('~') {
            return Regex::new(&format!("^(?:{re})"))
                .map(Matcher::Re)
                .map_err(invalid);
        }
        if !pattern.contains(['*', '?', '[']) {
            return Ok(Matcher::Exact(pattern.to_string()));
        }
        Regex::new(&fnmatch_translate(pattern))
            .map(Matcher::Re)
            .map_err(invalid)
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == s,
            Matcher::Re(r) => r.is_match(s),
        }
    }
}

/// Python's `fnmatch.translate`, anchored at both ends.
fn fnmatch_translate(pat: &str) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::from("(?s)^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                } else {
                    let mut stuff: String = chars[i..j].iter().collect();
                    i = j + 1;
                    stuff = stuff.replace('\\', "\\\\");
                    if let Some(rest) = stuff.strip_prefix('!') {
                        stuff = format!("^{rest}");
                    } else if stuff.starts_with('^') {
                        stuff = format!("\\{stuff}");
                    }
                    stuff = stuff.replace('[', "\\[");
                    out.push('[');
                    out.push_str(&stuff);
                    out.push(']');
                }
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    out.push('$');
    out
}

fn enumerate_matches(
    inv: &Inventory,
    pattern: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<HostRef>, PatternError> {
    let m = Matcher::new(pattern)?;
    let mut results = Vec::new();
    let groups: Vec<usize> = match &m {
        Matcher::Exact(e) => inv.groups.get_index_of(e.as_str()).into_iter().collect(),
        Matcher::Re(_) => (0..inv.groups.len())
            .filter(|&g| m.is_match(inv.group_name(g)))
            .collect(),
    };
    for &g in &groups {
        results.extend(inv.group_hosts(g).into_iter().map(HostRef::Known));
    }
    let special = pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']);
    if groups.is_empty() || special {
        match &m {
            Matcher::Exact(e) => {
                if let Some(h) = inv.hosts.get_index_of(e.as_str()) {
                    results.push(HostRef::Known(h));
                }
            }
            Matcher::Re(_) => {
                for h in 0..inv.hosts.len() {
                    if m.is_match(inv.host_name(h)) {
                        results.push(HostRef::Known(h));
                    }
                }
            }
        }
    }
    if results.is_empty() && LOCALHOST_NAMES.contains(&pattern) {
        results.push(HostRef::Implicit(pattern.to_string()));
    }
    if results.is_empty() && groups.is_empty() && pattern != "all" {
        warnings.push(format!(
            "Could not match supplied host pattern, ignoring: {pattern}"
        ));
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(split_host_pattern("a:b"), vec!["a", "b"]);
        assert_eq!(split_host_pattern("a, b"), vec!["a", "b"]);
        assert_eq!(split_host_pattern("web:&db:!x"), vec!["web", "&db", "!x"]);
        assert_eq!(split_host_pattern("g[1:3]:h"), vec!["g[1:3]", "h"]);
        assert_eq!(split_host_pattern("::1"), vec!["::1"]);
        assert_eq!(split_host_pattern(""), Vec::<String>::new());
    }

    #[test]
    fn ordering() {
        let o = order_patterns(vec!["!a".into(), "&b".into(), "c".into()]);
        assert_eq!(o, vec!["c", "&b", "!a"]);
        assert_eq!(order_patterns(vec!["!a".into()]), vec!["all", "!a"]);
    }

    #[test]
    fn subscripts() {
        assert_eq!(split_subscript("web[0]"), ("web", Some((0, None))));
        assert_eq!(split_subscript("web[-1]"), ("web", Some((-1, None))));
        assert_eq!(split_subscript("web[1:3]"), ("web", Some((1, Some(3)))));
        assert_eq!(split_subscript("web[1:]"), ("web", Some((1, Some(-1)))));
        assert_eq!(split_subscript("~web[0]"), ("~web[0]", None));
    }

    #[test]
    fn fnmatch() {
        let re = Regex::new(&fnmatch_translate("*.example.com")).unwrap();
        assert!(re.is_match("a.example.com"));
        assert!(!re.is_match("a.example.org"));
        let re = Regex::new(&fnmatch_translate("web[!2]")).unwrap();
        assert!(re.is_match("web1"));
        assert!(!re.is_match("web2"));
    }
}
