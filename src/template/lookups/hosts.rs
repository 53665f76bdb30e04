//! `inventory_hostnames`: the hosts a host pattern selects, evaluated over the `groups`
//! variable as Ansible's lookup does (names, groups, `*`/`?`/`[..]` globs, `~regex`, `a:b` or
//! `a,b` unions, `&` intersections, `!` exclusions). An invalid pattern selects nothing.
//! Knows nothing of inventory files or host variables.

use indexmap::IndexMap;
use minijinja::value::Value;
use minijinja::Error;

use super::super::filters::compile_regex;
use super::super::pyrepr;
use super::{texts, Call};

/// The names that select the implicit localhost when the inventory has no such host.
const LOCAL_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1"];

/// `inventory_hostnames`: every host the patterns select, each once, in inventory order.
pub(super) fn inventory_hostnames(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let groups = Value::from_dyn_object(call.ctx.clone()).get_attr("groups")?;
    let mut map: IndexMap<String, Vec<String>> = IndexMap::new();
    if !groups.is_undefined() && !groups.is_none() {
        for g in groups.try_iter()? {
            let hosts = groups.get_item(&g)?;
            let names = hosts.try_iter()?.map(|h| pyrepr::to_str(&h)).collect();
            map.insert(pyrepr::to_str(&g), names);
        }
    }
    let patterns: Vec<String> = texts(terms).collect();
    Ok(select(&map, &patterns)
        .unwrap_or_default()
        .into_iter()
        .map(Value::from)
        .collect())
}

/// The hosts `patterns` select in `groups`; `None` for an invalid pattern.
fn select(groups: &IndexMap<String, Vec<String>>, patterns: &[String]) -> Option<Vec<String>> {
    let mut all: Vec<&str> = Vec::new();
    for hosts in groups.values() {
        for h in hosts {
            if !all.contains(&h.as_str()) {
                all.push(h);
            }
        }
    }
    let mut terms: Vec<&str> = patterns.iter().flat_map(|p| split(p)).collect();
    // Unions first, then intersections, then exclusions; only modifiers mean `all` first.
    terms.sort_by_key(|t| match t.as_bytes().first() {
        Some(b'&') => 1,
        Some(b'!') => 2,
        _ => 0,
    });
    if terms.first().is_none_or(|t| t.starts_with(['&', '!'])) {
        terms.insert(0, "all");
    }
    let mut picked: Vec<&str> = Vec::new();
    for term in terms {
        if let Some(t) = term.strip_prefix('!') {
            let that = matching(groups, &all, t)?;
            picked.retain(|h| !that.contains(h));
        } else if let Some(t) = term.strip_prefix('&') {
            let that = matching(groups, &all, t)?;
            picked.retain(|h| that.contains(h));
        } else {
            for h in matching(groups, &all, term)? {
                if !picked.contains(&h) {
                    picked.push(h);
                }
            }
        }
    }
    Some(picked.into_iter().map(str::to_string).collect())
}

/// Ansible's split of one pattern string: on `,` if it has one, else on `:` and spaces.
fn split(pattern: &str) -> Vec<&str> {
    let parts: Vec<&str> = if pattern.contains(',') {
        pattern.split(',').collect()
    } else {
        pattern.split([':', ' ', '\t', '\n']).collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The hosts one pattern term names: `all`/`*`, groups, then hosts by name.
fn matching<'a>(
    groups: &'a IndexMap<String, Vec<String>>,
    all: &[&'a str],
    term: &str,
) -> Option<Vec<&'a str>> {
    if term == "all" || term == "*" {
        return Some(all.to_vec());
    }
    if LOCAL_NAMES.contains(&term) && !all.contains(&term) {
        // The implicit localhost, as Ansible's inventory gives it for these names.
        return Some(vec![LOCAL_NAMES.iter().copied().find(|n| *n == term)?]);
    }
    let is: Box<dyn Fn(&str) -> bool> = if let Some(re) = term.strip_prefix('~') {
        let re = compile_regex(re, false, false).ok()?;
        Box::new(move |name: &str| re.find(name).ok().flatten().is_some_and(|m| m.start() == 0))
    } else if term.contains(['*', '?', '[']) {
        let glob = globset::GlobBuilder::new(term)
            .literal_separator(false)
            .backslash_escape(false)
            .build()
            .ok()?
            .compile_matcher();
        Box::new(move |name: &str| glob.is_match(name))
    } else {
        let exact = term.to_string();
        Box::new(move |name: &str| name == exact)
    };
    let mut out: Vec<&'a str> = Vec::new();
    for (group, hosts) in groups {
        if is(group) {
            for h in hosts {
                if !out.contains(&h.as_str()) {
                    out.push(h);
                }
            }
        }
    }
    for h in all {
        if is(h) && !out.contains(h) {
            out.push(h);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> IndexMap<String, Vec<String>> {
        let g = |hs: &[&str]| hs.iter().map(|h| h.to_string()).collect::<Vec<_>>();
        IndexMap::from([
            ("all".to_string(), g(&["web1", "web2", "db1"])),
            ("ungrouped".to_string(), g(&[])),
            ("web".to_string(), g(&["web1", "web2"])),
            ("db".to_string(), g(&["db1"])),
        ])
    }

    fn sel(p: &str) -> Vec<String> {
        select(&groups(), &[p.to_string()]).unwrap()
    }

    #[test]
    fn patterns_select_as_ansible() {
        assert_eq!(sel("all"), ["web1", "web2", "db1"]);
        assert_eq!(sel("all:!web"), ["db1"]);
        assert_eq!(sel("db,web1"), ["db1", "web1"]);
        assert_eq!(sel("web:&all:!web2"), ["web1"]);
        assert_eq!(sel("!db"), ["web1", "web2"]);
        assert_eq!(sel("web*"), ["web1", "web2"]);
        assert_eq!(sel("~d.1"), ["db1"]);
        assert!(sel("nosuch").is_empty());
        assert_eq!(sel("localhost"), ["localhost"]);
    }
}
