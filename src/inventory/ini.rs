//! Ansible's INI inventory format: host lines with `key=value` variables (POSIX shell
//! quoting), `[group]`, `[group:vars]`, `[group:children]`, ranges and `host:port`.
//! Knows nothing of YAML, scripts, variable files or patterns.

use std::collections::HashMap;
use std::path::Path;

use super::literal::parse_value;
use super::range;
use super::{Inventory, InventoryError, UNGROUPED};
use crate::secret::mask_passwords;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Hosts,
    Vars,
    Children,
}

struct Pending {
    line: usize,
    state: State,
    parents: Vec<usize>,
}

/// Parses INI inventory `text` (read from `path`) into `inv`.
pub fn parse(inv: &mut Inventory, text: &str, path: &Path) -> Result<(), InventoryError> {
    let err = |line: usize, col: usize, msg: String, hint: Option<&str>| {
        InventoryError::parse(path, line, col, msg, hint)
    };
    let mut group = UNGROUPED;
    let mut state = State::Hosts;
    // Groups referenced before being declared, as Ansible's `pending_declarations`.
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut pending_order: Vec<String> = Vec::new();

    for (idx, raw) in text.lines().enumerate() {
        let lineno = idx + 1;
        let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            if let Some((name, kind)) = parse_section(line) {
                let st = match kind {
                    None | Some("hosts") => State::Hosts,
                    Some("vars") => State::Vars,
                    Some("children") => State::Children,
                    Some(other) => {
                        return Err(err(
                            lineno,
                            indent + name.chars().count() + 3,
                            format!("Section [{name}:{other}] has unknown type: {other}"),
                            Some("a section is [group], [group:vars] or [group:children]"),
                        ))
                    }
                };
                let exists = inv.groups.contains_key(name);
                if !exists && st == State::Vars && !pending.contains_key(name) {
                    pending.insert(
                        name.to_string(),
                        Pending {
                            line: lineno,
                            state: State::Vars,
                            parents: Vec::new(),
                        },
                    );
                    pending_order.push(name.to_string());
                }
                group = inv.add_group(name);
                if st != State::Vars {
                    if let Some(p) = pending.get(name) {
                        if p.state == State::Children {
                            add_pending_children(inv, name, &mut pending)
                                .map_err(|m| err(lineno, indent + 1, m, None))?;
                        } else {
                            pending.remove(name);
                        }
                    }
                }
                state = st;
                continue;
            }
            let hint = if !line.contains(']') {
                "the section header is missing its closing ']'"
            } else if line.contains(' ') || line.contains('\t') {
                "section names cannot contain spaces"
            } else {
                "a section is [group], [group:vars] or [group:children]"
            };
            return Err(err(
                lineno,
                indent + 1,
                format!("Invalid section entry: '{line}'"),
                Some(hint),
            ));
        }

        match state {
            State::Hosts => {
                let tokens = shlex_split(line).map_err(|(col, m)| {
                    err(
                        lineno,
                        indent + col,
                        format!(
                            "Error parsing host definition '{}': {m}",
                            mask_passwords(line)
                        ),
                        Some("close the quote, or escape it with a backslash"),
                    )
                })?;
                let Some((first, first_col)) = tokens.first() else {
                    continue; // only a comment
                };
                let (pattern, port) = split_port(first).map_err(|m| {
                    err(
                        lineno,
                        indent + first_col,
                        m,
                        Some("write host:PORT with a numeric port, or drop the trailing ':'"),
                    )
                })?;
                let names = if range::has_range(pattern) {
                    range::expand(pattern).map_err(|e| {
                        let col = indent + first_col + pattern[..e.offset].chars().count();
                        err(lineno, col, e.message, Some(e.hint))
                    })?
                } else {
                    vec![pattern.to_string()]
                };
                let mut vars = Vec::new();
                for (tok, col) in &tokens[1..] {
                    let Some((k, v)) = tok.split_once('=') else {
                        return Err(err(
                            lineno,
                            indent + col,
                            format!("Expected key=value host variable assignment, got: {tok}"),
                            Some("host variables are written key=value; quote values with spaces"),
                        ));
                    };
                    vars.push((k.to_string(), parse_value(v)));
                }
                for name in names {
                    let h = inv.add_host(&name, Some(group), port);
                    for (k, v) in &vars {
                        inv.set_host_var(h, k, v.clone());
                    }
                }
            }
            State::Vars => {
                let Some((k, v)) = line.split_once('=') else {
                    return Err(err(
                        lineno,
                        indent + 1,
                        format!("Expected key=value, got: {}", mask_passwords(line)),
                        Some("[group:vars] sections hold one key=value per line"),
                    ));
                };
                let key = k.trim();
                inv.set_group_var(group, key, parse_value(v.trim()))
                    .map_err(|m| err(lineno, indent + 1, m, None))?;
            }
            State::Children => {
                let child = parse_group_name(line).ok_or_else(|| {
                    err(
                        lineno,
                        indent + 1,
                        format!("Expected group name, got: {line}"),
                        Some("[group:children] sections hold one group name per line"),
                    )
                })?;
                match inv.groups.get_index_of(child) {
                    Some(c) => inv
                        .add_child(group, c)
                        .map_err(|m| err(lineno, indent + 1, m, None))?,
                    None => match pending.get_mut(child) {
                        Some(p) => p.parents.push(group),
                        None => {
                            pending.insert(
                                child.to_string(),
                                Pending {
                                    line: lineno,
                                    state: State::Children,
                                    parents: vec![group],
                                },
                            );
                            pending_order.push(child.to_string());
                        }
                    },
                }
            }
        }
    }

    for name in pending_order {
        let Some(p) = pending.get(&name) else {
            continue;
        };
        match p.state {
            State::Vars => {
                return Err(err(
                    p.line,
                    1,
                    format!("Section [{name}:vars] not valid for undefined group '{name}'."),
                    Some("declare the group with a [group] or [group:children] section, even an empty one"),
                ))
            }
            _ => {
                let parent = p
                    .parents
                    .last()
                    .map(|&g| inv.group_name(g).to_string())
                    .unwrap_or_default();
                return Err(err(
                    p.line,
                    1,
                    format!("Section [{parent}:children] includes undefined group '{name}'."),
                    Some("declare the child group with its own [group] section, even an empty one"),
                ));
            }
        }
    }
    Ok(())
}

fn add_pending_children(
    inv: &mut Inventory,
    name: &str,
    pending: &mut HashMap<String, Pending>,
) -> Result<(), String> {
    let Some(p) = pending.remove(name) else {
        return Ok(());
    };
    let child = inv.add_group(name);
    for parent in p.parents {
        inv.add_child(parent, child)?;
        let pname = inv.group_name(parent).to_string();
        if pending
            .get(&pname)
            .is_some_and(|pp| pp.state == State::Children)
        {
            add_pending_children(inv, &pname, pending)?;
        }
    }
    Ok(())
}

/// `^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:\#.*)?$`
fn parse_section(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let inner = &rest[..close];
    let after = rest[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let (name, kind) = match inner.split_once(':') {
        Some((n, k)) => {
            if k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            (n, Some(k))
        }
        None => (inner, None),
    };
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == ':' || c == ']')
    {
        return None;
    }
    Some((name, kind))
}

/// `^([^:\]\s]+)\s*(?:\#.*)?$`
fn parse_group_name(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c == ':' || c == ']' || c.is_whitespace() || c == '#')
        .unwrap_or(line.len());
    let name = &line[..end];
    let rest = line[end..].trim_start();
    if name.is_empty() || !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    Some(name)
}

/// Splits `host:port` / `[v6]:port`, leaving ranges' colons alone.
pub(crate) fn split_port(token: &str) -> Result<(&str, Option<u16>), String> {
    if let Some(rest) = token.strip_prefix('[') {
        // Bracketed IPv6 address, optionally with a port. (A leading '[' can't be a range.)
        if let Some(close) = rest.find(']') {
            let addr = &rest[..close];
            if addr.contains(':') {
                let after = &rest[close + 1..];
                if after.is_empty() {
                    return Ok((addr, None));
                }
                if let Some(p) = after.strip_prefix(':') {
                    return parse_port(p, token).map(|port| (addr, Some(port)));
                }
            }
        }
    }
    // Colons outside brackets.
    let mut depth = 0i32;
    let mut colons = Vec::new();
    for (i, c) in token.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => colons.push(i),
            _ => {}
        }
    }
    match colons.as_slice() {
        [] => Ok((token, None)),
        [i] => {
            let (host, port) = (&token[..*i], &token[i + 1..]);
            if port.is_empty() {
                return Err(format!(
                    "Invalid host pattern '{token}' supplied, ending in ':' is not allowed"
                ));
            }
            parse_port(port, token).map(|p| (host, Some(p)))
        }
        // Bare IPv6 address.
        _ => Ok((token, None)),
    }
}

fn parse_port(p: &str, token: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .map_err(|_| format!("Invalid port '{p}' in host definition '{token}'"))
}

/// POSIX `shlex.split(line, comments=True)`; each token with its 1-based char column.
/// On error returns the column of the offending quote and a message.
pub(crate) fn shlex_split(line: &str) -> Result<Vec<(String, usize)>, (usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut start = 0usize;
    let mut chars = line.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        let col = i + 1;
        match c {
            c if c.is_whitespace() => {
                if in_token {
                    out.push((std::mem::take(&mut cur), start));
                    in_token = false;
                }
            }
            '#' => break,
            '\'' => {
                if !in_token {
                    in_token = true;
                    start = col;
                }
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, ch)) => cur.push(ch),
                        None => return Err((col, "No closing quotation".into())),
                    }
                }
            }
            '"' => {
                if !in_token {
                    in_token = true;
                    start = col;
                }
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, e @ ('\\' | '"' | '$' | '`'))) => cur.push(e),
                            Some((_, '\n')) => {}
                            Some((_, other)) => {
                                cur.push('\\');
                                cur.push(other);
                            }
                            None => return Err((col, "No closing quotation".into())),
                        },
                        Some((_, ch)) => cur.push(ch),
                        None => return Err((col, "No closing quotation".into())),
                    }
                }
            }
            '\\' => {
                if !in_token {
                    in_token = true;
                    start = col;
                }
                match chars.next() {
                    Some((_, e)) => cur.push(e),
                    None => return Err((col, "No escaped character".into())),
                }
            }
            other => {
                if !in_token {
                    in_token = true;
                    start = col;
                }
                cur.push(other);
            }
        }
    }
    if in_token {
        out.push((cur, start));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(text: &str) -> Result<Inventory, InventoryError> {
        let mut inv = Inventory::empty();
        parse(&mut inv, text, Path::new("t.ini"))?;
        inv.finalize();
        Ok(inv)
    }

    #[test]
    fn shlex_quoting() {
        let t = shlex_split(r#"h x='a b' y="c \"d\"" z=e\ f # comment"#).unwrap();
        let words: Vec<&str> = t.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(words, vec!["h", "x=a b", "y=c \"d\"", "z=e f"]);
        assert_eq!(t[1].1, 3);
        assert_eq!(shlex_split("h x='open").unwrap_err().0, 5);
        assert_eq!(shlex_split("h x=a#b").unwrap()[1].0, "x=a");
    }

    #[test]
    fn ports() {
        assert_eq!(split_port("h:22").unwrap(), ("h", Some(22)));
        assert_eq!(split_port("h").unwrap(), ("h", None));
        assert_eq!(split_port("w[1:3]").unwrap(), ("w[1:3]", None));
        assert_eq!(split_port("w[1:3]:2222").unwrap(), ("w[1:3]", Some(2222)));
        assert_eq!(split_port("[::1]:22").unwrap(), ("::1", Some(22)));
        assert_eq!(split_port("fe80::1").unwrap(), ("fe80::1", None));
        assert!(split_port("h:").is_err());
        assert!(split_port("h:abc").is_err());
    }

    #[test]
    fn hosts_groups_vars() {
        let inv = load(
            "top ansible_port=2222 x='a b' n=\"42\"\nj:2200\n[web]\nw[1:2] p=1\n[web:vars]\nv='q'\nw=[1, 2]\n[prod:children]\nweb\n",
        )
        .unwrap();
        assert_eq!(inv.host_names(), vec!["top", "j", "w1", "w2"]);
        let top = inv.host_vars("top").unwrap();
        assert_eq!(top["ansible_port"], json!(2222));
        assert_eq!(top["x"], json!("a b"));
        assert_eq!(top["n"], json!(42));
        assert_eq!(inv.host_vars("j").unwrap()["ansible_port"], json!(2200));
        let w1 = inv.host_vars("w1").unwrap();
        assert_eq!(w1["v"], json!("q"));
        assert_eq!(w1["w"], json!([1, 2]));
        assert_eq!(w1["p"], json!(1));
        assert_eq!(inv.group_names("w1"), vec!["prod", "web"]);
        assert_eq!(inv.group_names("top"), vec!["ungrouped"]);
    }

    #[test]
    fn children_declared_later() {
        let inv = load("[p:children]\nc\n[c]\nh\n").unwrap();
        assert_eq!(inv.group_names("h"), vec!["c", "p"]);
    }

    #[test]
    fn broken_lines_are_quoted_without_their_passwords() {
        for text in [
            "h ansible_host=a ansible_password=\"pw-Secret1\n",
            "[all:vars]\nansible_become_password pw-Secret1\n",
        ] {
            let e = load(text).unwrap_err().to_string();
            assert!(!e.contains("pw-Secret1"), "{e}");
            assert!(e.contains("password"), "{e}");
        }
    }

    #[test]
    fn errors_carry_location() {
        let e = load("h\n[web\nx\n").unwrap_err().to_string();
        assert!(e.starts_with("t.ini:2:1: Invalid section entry"), "{e}");
        assert!(e.contains("closing ']'"), "{e}");
        let e = load("[web]\nweb[10:1] a=1\n").unwrap_err().to_string();
        assert!(
            e.starts_with("t.ini:2:4: host range must have begin <= end"),
            "{e}"
        );
        let e = load("[web]\nh novalue\n").unwrap_err().to_string();
        assert!(e.starts_with("t.ini:2:3: Expected key=value"), "{e}");
        let e = load("[web]\nh x='a\n").unwrap_err().to_string();
        assert!(e.starts_with("t.ini:2:5:"), "{e}");
        let e = load("[p:children]\nnope\n").unwrap_err().to_string();
        assert!(e.contains("includes undefined group 'nope'"), "{e}");
        let e = load("[g:vars]\na=1\n").unwrap_err().to_string();
        assert!(e.contains("not valid for undefined group"), "{e}");
        let e = load("[g:weird]\n").unwrap_err().to_string();
        assert!(e.contains("unknown type"), "{e}");
        let e = load("[a:children]\nb\n[b:children]\na\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("recursive dependency loop"), "{e}");
    }
}
