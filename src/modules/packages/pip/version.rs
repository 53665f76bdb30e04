//! Python package versions (PEP 440) and version specifiers (`>=1.0`, `~=2.1`, `==1.*`), as
//! far as `pip`'s check mode needs them: whether an installed version satisfies a
//! requirement, pre-releases allowed (as Ansible's module asks). Epoch, release,
//! pre-/post-/dev-release are ordered as PEP 440 orders them; a local label (`+abc`) is
//! ignored. Knows nothing of targets or of the module's arguments.

use std::cmp::Ordering;

/// A parsed version, comparable as PEP 440 orders versions.
#[derive(Debug, Clone)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    /// `(0|1|2, n)` for a, b, rc.
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
}

/// Splits the leading digits off `s`: the number (0 when there are none) and the rest.
fn number(s: &str) -> (u64, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    (s[..end].parse().unwrap_or(0), &s[end..])
}

/// `s` without one leading separator (`.`, `-` or `_`).
fn sep(s: &str) -> &str {
    s.strip_prefix(['.', '-', '_']).unwrap_or(s)
}

impl Version {
    /// Reads a version (`1.0`, `v2.0rc1`, `1!2.0.post3.dev4+local`); `None` when it is not
    /// one.
    pub fn parse(text: &str) -> Option<Version> {
        let lower = text.trim().to_ascii_lowercase();
        let s = lower.strip_prefix('v').unwrap_or(&lower);
        let s = s.split('+').next().unwrap_or("");
        let (epoch, s) = match s.split_once('!') {
            Some((e, rest)) => (e.parse().ok()?, rest),
            None => (0, s),
        };
        let mut release = Vec::new();
        let mut rest = s;
        loop {
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            let (n, r) = number(rest);
            release.push(n);
            match r.strip_prefix('.') {
                Some(r2) if r2.starts_with(|c: char| c.is_ascii_digit()) => rest = r2,
                _ => {
                    rest = r;
                    break;
                }
            }
        }
        let mut v = Version {
            epoch,
            release,
            pre: None,
            post: None,
            dev: None,
        };
        let kinds: [(&str, u8); 8] = [
            ("alpha", 0),
            ("a", 0),
            ("beta", 1),
            ("b", 1),
            ("preview", 2),
            ("pre", 2),
            ("rc", 2),
            ("c", 2),
        ];
        let t = sep(rest);
        if let Some((word, k)) = kinds.iter().find(|(w, _)| t.starts_with(w)) {
            let (n, r) = number(sep(&t[word.len()..]));
            v.pre = Some((*k, n));
            rest = r;
        }
        let t = sep(rest);
        if let Some(r) = t.strip_prefix("post").or_else(|| t.strip_prefix("rev")) {
            let (n, r) = number(sep(r));
            v.post = Some(n);
            rest = r;
        } else if rest.starts_with('-') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
            let (n, r) = number(&rest[1..]);
            v.post = Some(n);
            rest = r;
        }
        let t = sep(rest);
        if let Some(r) = t.strip_prefix("dev") {
            let (n, r) = number(r);
            v.dev = Some(n);
            rest = r;
        }
        rest.is_empty().then_some(v)
    }

    /// The release without trailing zeros (`1.0.0` and `1` are equal).
    fn trimmed(&self) -> &[u64] {
        let end = self
            .release
            .iter()
            .rposition(|&n| n != 0)
            .map_or(0, |i| i + 1);
        &self.release[..end]
    }

    /// The sort key: a dev release of a final version sorts before its pre-releases.
    fn key(&self) -> (u64, &[u64], [(i8, u64); 3]) {
        let pre = match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (-1, 0),
            (None, _, _) => (3, 0),
            (Some((k, n)), _, _) => (k as i8, n),
        };
        let post = self.post.map_or((-1, 0), |n| (0, n));
        let dev = self.dev.map_or((1, 0), |n| (0, n));
        (self.epoch, self.trimmed(), [pre, post, dev])
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The operators of a version specifier, longest first (as they are matched).
pub const OPERATORS: [&str; 8] = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

/// Whether `candidate`'s release starts with `prefix`'s (zeros padded, as `==1.0.*`).
fn release_prefix(candidate: &Version, prefix: &Version) -> bool {
    prefix
        .release
        .iter()
        .enumerate()
        .all(|(i, n)| candidate.release.get(i).copied().unwrap_or(0) == *n)
        && candidate.epoch == prefix.epoch
}

/// Whether installed version `installed` satisfies the specifier `op` `wanted`
/// (pre-releases allowed). A version that does not parse satisfies nothing but `===`.
pub fn satisfies(installed: &str, op: &str, wanted: &str) -> bool {
    if op == "===" {
        return installed.eq_ignore_ascii_case(wanted);
    }
    let Some(have) = Version::parse(installed) else {
        return false;
    };
    if let Some(prefix) = wanted.strip_suffix(".*") {
        let Some(p) = Version::parse(prefix) else {
            return false;
        };
        let m = release_prefix(&have, &p);
        return if op == "!=" { !m } else { op == "==" && m };
    }
    let Some(want) = Version::parse(wanted) else {
        return false;
    };
    match op {
        "==" => have == want,
        "!=" => have != want,
        "<" => have < want,
        ">" => have > want,
        "<=" => have <= want,
        ">=" => have >= want,
        "~=" => {
            let mut p = want.clone();
            p.release.pop();
            have >= want && !p.release.is_empty() && release_prefix(&have, &p)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn versions_order_as_pep_440() {
        let order = [
            "1.0.dev1",
            "1.0a1",
            "1.0b2",
            "1.0rc1",
            "1.0",
            "1.0.post1",
            "1.1",
            "2!0.1",
        ];
        for w in order.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.0.0"), v("1"));
        assert_eq!(v("V1.0-1"), v("1.0.post1"));
        assert!(Version::parse("abc").is_none());
        assert!(Version::parse("1.0 junk").is_none());
    }

    #[test]
    fn specifiers() {
        assert!(satisfies("1.0", ">=", "1.0"));
        assert!(!satisfies("1.0", ">", "1.0"));
        assert!(satisfies("1.1", "<", "2"));
        assert!(satisfies("1.0.0", "==", "1.0"));
        assert!(satisfies("1.4.2", "==", "1.4.*"));
        assert!(!satisfies("1.5", "==", "1.4.*"));
        assert!(satisfies("1.5", "!=", "1.4.*"));
        assert!(satisfies("2.3", "~=", "2.2"));
        assert!(!satisfies("3.0", "~=", "2.2"));
        assert!(!satisfies("2.1", "~=", "2.2"));
        assert!(satisfies("1.0b1", ">=", "1.0a1"));
        assert!(satisfies("1.0", "===", "1.0"));
        assert!(!satisfies("1.0.0", "===", "1.0"));
    }
}
