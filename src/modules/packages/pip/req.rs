//! `pip`'s `name` entries as Ansible's module reads them: version specifiers split off by a
//! comma joined back to their package (`['foo>1', '<2']` is `foo>1,<2`), each entry written
//! as `packaging` writes a requirement (`foo [b,a] >= 1` is `foo[a,b]>=1`), `version` added
//! to a lone package, and whether a `pip list --format=freeze` listing satisfies an entry.
//! An entry that is not a plain requirement (a path, a URL, markers) goes to pip as given
//! and is never satisfied by the listing. Knows nothing of targets.

use super::version::{satisfies, OPERATORS};

/// One package entry of `name`, ready for pip's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Req {
    /// The text given to pip.
    pub text: String,
    /// For a plain requirement: its canonical name and `(operator, version)` pairs.
    plain: Option<(String, Vec<(String, String)>)>,
}

/// Whether a comma-split piece starts a package rather than continuing a specifier list.
fn starts_package(piece: &str) -> bool {
    let t = piece.trim_start();
    !OPERATORS.iter().any(|op| t.starts_with(op))
}

/// The entries of `name` with the specifier pieces a comma split off joined back to their
/// package (a piece inside `[...]` extras stays with its package too).
pub fn recover(names: &[String]) -> Vec<String> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut in_brackets = false;
    for piece in names.iter().flat_map(|n| n.split(',')) {
        if (starts_package(piece) && !in_brackets) || out.is_empty() {
            out.push(Vec::new());
        }
        if piece.contains('[') {
            in_brackets = true;
        }
        if in_brackets && piece.contains(']') {
            in_brackets = false;
        }
        if let Some(last) = out.last_mut() {
            last.push(piece);
        }
    }
    out.into_iter().map(|parts| parts.join(",")).collect()
}

/// A package name as pip compares names: runs of `-_.` are one `-`, lower case.
pub fn canonical(name: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in name.chars() {
        if "-_.".contains(c) {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

/// The leading package name of `s` (letters, digits and `-_.`, starting and ending with a
/// letter or digit) and the rest.
fn split_name(s: &str) -> Option<(&str, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(s.len());
    let name = &s[..end];
    let edges_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    edges_ok.then_some((name, &s[end..]))
}

/// A plain requirement's name, sorted extras and `(operator, version)` specifiers.
type Parsed = (String, Vec<String>, Vec<(String, String)>);

/// Reads a plain requirement (`name`, `name[extras]`, specifiers separated by commas):
/// the name, its sorted extras and its specifiers; `None` for anything else.
fn parse(s: &str) -> Option<Parsed> {
    let (name, rest) = split_name(s.trim())?;
    let mut rest = rest.trim_start();
    let mut extras = Vec::new();
    if let Some(r) = rest.strip_prefix('[') {
        let (inside, after) = r.split_once(']')?;
        for e in inside.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            split_name(e).filter(|(_, tail)| tail.is_empty())?;
            extras.push(e.to_string());
        }
        extras.sort();
        extras.dedup();
        rest = after.trim_start();
    }
    let mut specs = Vec::new();
    if !rest.is_empty() {
        for piece in rest.split(',') {
            let p = piece.trim();
            let op = OPERATORS.iter().find(|op| p.starts_with(*op))?;
            let ver = p[op.len()..].trim();
            let ok = !ver.is_empty()
                && ver
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".*+!-_".contains(c));
            if !ok {
                return None;
            }
            specs.push((op.to_string(), ver.to_string()));
        }
    }
    Some((name.to_string(), extras, specs))
}

impl Req {
    /// The entry `s`, with `version` added when given (`==VERSION` for a version that starts
    /// with a digit, else the specifier as written).
    pub fn new(s: &str, version: Option<&str>) -> Req {
        let joined;
        let s = match version.map(str::trim_start) {
            Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => {
                joined = format!("{s}=={v}");
                &joined
            }
            Some(v) => {
                joined = format!("{s} {v}");
                &joined
            }
            None => s,
        };
        match parse(s) {
            Some((name, extras, specs)) => {
                let mut text = name.clone();
                if !extras.is_empty() {
                    text.push_str(&format!("[{}]", extras.join(",")));
                }
                let mut written: Vec<String> =
                    specs.iter().map(|(o, v)| format!("{o}{v}")).collect();
                written.sort();
                text.push_str(&written.join(","));
                Req {
                    text,
                    plain: Some((canonical(&name), specs)),
                }
            }
            None => Req {
                text: s.to_string(),
                plain: None,
            },
        }
    }

    /// Whether the entry carries a version specifier.
    pub fn has_specifier(&self) -> bool {
        self.plain
            .as_ref()
            .is_some_and(|(_, specs)| !specs.is_empty())
    }

    /// Whether a `NAME==VERSION` line of `listing` satisfies the entry.
    pub fn present_in(&self, listing: &str) -> bool {
        let Some((name, specs)) = &self.plain else {
            return false;
        };
        listing.lines().any(|line| {
            let Some((n, v)) = line.split_once("==") else {
                return false;
            };
            canonical(n) == *name && specs.iter().all(|(op, want)| satisfies(v, op, want))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn split_specifiers_join_their_package() {
        assert_eq!(
            recover(&strings(&[
                "django>1.11.1",
                "<1.11.3",
                "ipaddress",
                "simple>1.1.0",
                "<2.0.0"
            ])),
            ["django>1.11.1,<1.11.3", "ipaddress", "simple>1.1.0,<2.0.0"]
        );
        assert_eq!(
            recover(&strings(&["django>1.11.1,<1.11.3,ipaddress"])),
            ["django>1.11.1,<1.11.3", "ipaddress"]
        );
        assert_eq!(recover(&strings(&["a[x", "y]>1"])), ["a[x,y]>1"]);
    }

    #[test]
    fn entries_are_written_as_packaging_writes_them() {
        assert_eq!(
            Req::new("Foo_Bar [b, a] >= 1.0 , <2", None).text,
            "Foo_Bar[a,b]<2,>=1.0"
        );
        assert_eq!(Req::new("rsdemo", Some("1.0")).text, "rsdemo==1.0");
        assert_eq!(Req::new("rsdemo", Some(">=1.0")).text, "rsdemo>=1.0");
        assert_eq!(Req::new("./pkg/dir", None).text, "./pkg/dir");
        assert_eq!(
            Req::new("git+https://x/y.git", None).text,
            "git+https://x/y.git"
        );
        assert!(Req::new("a>=1", None).has_specifier());
        assert!(!Req::new("a", None).has_specifier());
    }

    #[test]
    fn the_listing_satisfies_by_canonical_name_and_version() {
        let listing = "pip==23.0.1\nRs_Demo==1.1\n";
        assert!(Req::new("rs-demo", None).present_in(listing));
        assert!(Req::new("rs.demo>=1.0,<2", None).present_in(listing));
        assert!(!Req::new("rs-demo==1.0", None).present_in(listing));
        assert!(!Req::new("other", None).present_in(listing));
        assert!(!Req::new("./rs-demo", None).present_in(listing));
    }
}
