//! Version comparison as Ansible's `version` test: loose by default (Python's
//! `LooseVersion`: numbers compare as numbers, words as text), `strict` and `semver` on
//! request. Knows nothing of templates.

use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Num(u64),
    Text(String),
}

/// Python's `LooseVersion` components (a number sorts before text, where Python would fail).
fn loose(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, parts: &mut Vec<Part>| {
        if !cur.is_empty() {
            parts.push(match cur.parse::<u64>() {
                Ok(n) => Part::Num(n),
                Err(_) => Part::Text(cur.clone()),
            });
            cur.clear();
        }
    };
    for c in v.chars() {
        let same_kind = cur.chars().last().is_none_or(|last| {
            (last.is_ascii_digit() && c.is_ascii_digit())
                || (last.is_ascii_lowercase() && c.is_ascii_lowercase())
                || (!last.is_ascii_digit()
                    && !last.is_ascii_lowercase()
                    && !c.is_ascii_digit()
                    && !c.is_ascii_lowercase())
        });
        if c == '.' {
            flush(&mut cur, &mut parts);
            continue;
        }
        if !same_kind {
            flush(&mut cur, &mut parts);
        }
        cur.push(c);
    }
    flush(&mut cur, &mut parts);
    parts
}

fn strict(v: &str) -> Result<Vec<Part>, String> {
    let re = regex::Regex::new(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$")
        .map_err(|e| e.to_string())?;
    let caps = re
        .captures(v)
        .ok_or_else(|| format!("invalid version number '{v}'"))?;
    let num = |i: usize| {
        caps.get(i)
            .and_then(|m| m.as_str().parse().ok())
            .unwrap_or(0)
    };
    let mut parts = vec![Part::Num(num(1)), Part::Num(num(2)), Part::Num(num(3))];
    match caps.get(4) {
        // A release sorts after its pre-releases.
        None => parts.push(Part::Text("z".into())),
        Some(tag) => {
            parts.push(Part::Text(tag.as_str().into()));
            parts.push(Part::Num(num(5)));
        }
    }
    Ok(parts)
}

fn semver(v: &str) -> Result<Vec<Part>, String> {
    let core_pre = v.split('+').next().unwrap_or(v);
    let (core, pre) = match core_pre.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (core_pre, None),
    };
    let nums: Vec<u64> = core
        .split('.')
        .map(|n| {
            n.parse()
                .map_err(|_| format!("invalid semantic version '{v}'"))
        })
        .collect::<Result<_, _>>()?;
    if nums.len() != 3 {
        return Err(format!("invalid semantic version '{v}'"));
    }
    let mut parts: Vec<Part> = nums.into_iter().map(Part::Num).collect();
    match pre {
        None => parts.push(Part::Text("~".into())),
        Some(pre) => parts.extend(loose(pre)),
    }
    Ok(parts)
}

/// Compares `value` with `version` using `op` (`<`, `lt`, `>=`, `ge`, `==`, `eq`, `!=`,
/// `ne`, ...). `kind` is `loose` (default), `strict` or `semver`/`semantic`.
pub(crate) fn compare(value: &str, version: &str, op: &str, kind: &str) -> Result<bool, String> {
    let (a, b) = match kind {
        "loose" | "pep440" => (loose(value), loose(version)),
        "strict" => (strict(value)?, strict(version)?),
        "semver" | "semantic" => (semver(value)?, semver(version)?),
        other => return Err(format!("Invalid version type ({other}). Must be one of loose, strict, semver, semantic, pep440")),
    };
    let ord = a.cmp(&b);
    Ok(match op {
        "==" | "=" | "eq" => ord == Ordering::Equal,
        "<" | "lt" => ord == Ordering::Less,
        "<=" | "le" => ord != Ordering::Greater,
        ">" | "gt" => ord == Ordering::Greater,
        ">=" | "ge" => ord != Ordering::Less,
        "!=" | "<>" | "ne" => ord != Ordering::Equal,
        other => return Err(format!("Invalid operator type ({other})")),
    })
}
