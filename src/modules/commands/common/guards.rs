//! `creates` and `removes`: paths (globs, on the target) whose presence or absence means the
//! user's program must not run. The checks go in front of the program, in the same remote
//! program, and print a marker line when they stop it. Knows nothing of what the program is.

use crate::connection::become_wrap::nonce;
use crate::connection::quote::quote_glob;
use crate::modules::framework::prefetch::Read;

/// A task's `creates` and `removes`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Guards<'a> {
    /// Skip the program when something matches this glob.
    pub creates: Option<&'a str>,
    /// Skip the program when nothing matches this glob.
    pub removes: Option<&'a str>,
}

/// One of the two checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// `creates`: the path exists.
    Creates,
    /// `removes`: the path does not exist.
    Removes,
}

/// A check that stopped the program, with the path it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop<'a> {
    /// Which check.
    pub guard: Guard,
    /// The path as written.
    pub path: &'a str,
}

/// A fresh marker for the checks' output, so that nothing else a program prints can fake it.
pub fn marker() -> String {
    format!("rsible-guard-{}", nonce())
}

impl Guard {
    /// The argument's name, which is also the word the check prints after the marker.
    pub fn word(self) -> &'static str {
        match self {
            Guard::Creates => "creates",
            Guard::Removes => "removes",
        }
    }

    /// What was found about the path.
    pub fn state(self) -> &'static str {
        match self {
            Guard::Creates => "exists",
            Guard::Removes => "does not exist",
        }
    }
}

impl<'a> Guards<'a> {
    /// Whether either check is given.
    pub fn any(&self) -> bool {
        self.creates.is_some() || self.removes.is_some()
    }

    fn each(&self) -> impl Iterator<Item = Stop<'a>> {
        [
            (Guard::Creates, self.creates),
            (Guard::Removes, self.removes),
        ]
        .into_iter()
        .filter_map(|(guard, path)| Some(Stop { guard, path: path? }))
    }

    /// Appends the checks to `script`: each prints `MARKER creates` (or `removes`) and ends
    /// the script (exit 0) when the program must not run.
    pub fn append(&self, script: &mut Vec<u8>, marker: &str) {
        for Stop { guard, path } in self.each() {
            script.extend_from_slice(b"rsible_hit=\nfor rsible_p in ");
            script.extend(quote_glob(path));
            script.extend_from_slice(
                b"; do [ -e \"$rsible_p\" ] || [ -L \"$rsible_p\" ] && rsible_hit=1; done\n",
            );
            let test = match guard {
                Guard::Creates => "-n",
                Guard::Removes => "-z",
            };
            script.extend_from_slice(
                format!(
                    "if [ {test} \"$rsible_hit\" ]; then printf '%s\\n' '{marker} {}'; exit 0; fi\n",
                    guard.word()
                )
                .as_bytes(),
            );
        }
    }

    /// The paths the checks test, when each is a plain path (no glob, no `~`) that a
    /// read-ahead can answer for; `None` otherwise.
    pub fn plain_paths(&self) -> Option<Vec<&'a str>> {
        self.each()
            .map(|s| (!s.path.contains(['*', '?', '[', '~', '\\'])).then_some(s.path))
            .collect()
    }

    /// What a read-ahead reads for the checks (see
    /// [`Module::reads`](crate::modules::framework::spec::Module::reads)): their plain paths,
    /// nothing with a glob, `~` or a `chdir` (the program would `cd` first, which may fail).
    pub fn reads(&self, chdir: Option<&str>) -> Vec<Read> {
        match self.plain_paths() {
            Some(paths) if chdir.is_none() => paths.into_iter().map(Read::state).collect(),
            _ => Vec::new(),
        }
    }

    /// What the checks decide when `exists` answers for every path (see
    /// [`Guards::plain_paths`]): `Some(None)` the program runs, `Some(Some(stop))` a check
    /// stops it; `None` when a path is not answered for.
    pub fn decide(&self, exists: impl Fn(&str) -> Option<bool>) -> Option<Option<Stop<'a>>> {
        self.plain_paths()?;
        for stop in self.each() {
            let found = exists(stop.path)?;
            if found == (stop.guard == Guard::Creates) {
                return Some(Some(stop));
            }
        }
        Some(None)
    }

    /// The check that stopped a program whose whole output is `stdout`.
    pub fn stopped(&self, stdout: &str, marker: &str) -> Option<Stop<'a>> {
        self.each()
            .find(|s| stdout == format!("{marker} {}\n", s.guard.word()))
    }
}

impl Stop<'_> {
    /// Ansible's message: `Did not run command since '/x' exists` (`Would` when the command
    /// was held back).
    pub fn not_run(&self, ran: bool) -> String {
        let verb = if ran { "Did" } else { "Would" };
        format!(
            "{verb} not run command since '{}' {}",
            self.path,
            self.guard.state()
        )
    }

    /// Ansible's stand-in output: `skipped, since /x exists`.
    pub fn skipped(&self) -> String {
        format!("skipped, since {} {}", self.path, self.guard.state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_print_their_word_and_are_found_again() {
        let g = Guards {
            creates: Some("/a b/*"),
            removes: Some("/r"),
        };
        let mut s = Vec::new();
        g.append(&mut s, "M");
        let s = String::from_utf8(s).unwrap();
        assert!(s.contains("for rsible_p in '/a b/'*;"), "{s}");
        assert!(s.contains("'M creates'; exit 0"), "{s}");
        assert!(s.contains("if [ -z \"$rsible_hit\" ]; then printf '%s\\n' 'M removes'"));
        let stop = g.stopped("M removes\n", "M").unwrap();
        assert_eq!(stop.guard, Guard::Removes);
        assert_eq!(
            stop.not_run(true),
            "Did not run command since '/r' does not exist"
        );
        assert_eq!(stop.skipped(), "skipped, since /r does not exist");
        assert!(g.stopped("M removes\nmore\n", "M").is_none());
        assert!(Guards::default().stopped("M creates\n", "M").is_none());
    }

    #[test]
    fn decides_from_what_exists_only_for_plain_paths() {
        let g = Guards {
            creates: Some("/c"),
            removes: Some("/r"),
        };
        let exists = |c: bool, r: bool| move |p: &str| Some(if p == "/c" { c } else { r });
        let word = |d: Option<Option<Stop>>| d.map(|s| s.map(|s| s.guard.word()));
        assert_eq!(word(g.decide(exists(true, true))), Some(Some("creates")));
        assert_eq!(word(g.decide(exists(false, false))), Some(Some("removes")));
        assert_eq!(
            word(g.decide(exists(false, true))),
            Some(None),
            "the program runs"
        );
        assert_eq!(word(g.decide(|_| None)), None, "not answered for");
        let glob = Guards {
            creates: Some("/c*"),
            removes: None,
        };
        assert!(glob.plain_paths().is_none());
        assert_eq!(word(glob.decide(exists(true, true))), None);
        let home = Guards {
            creates: Some("~/c"),
            removes: None,
        };
        assert!(home.plain_paths().is_none());
    }
}
