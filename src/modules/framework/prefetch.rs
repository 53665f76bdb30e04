//! Reads ahead: the state of the paths several consecutive tasks will look at, read by one
//! program on the target, so that a task whose module finds nothing to change costs no round
//! trip of its own. One `stat` names every path, one `sha256sum` every file whose sum is
//! wanted, one `cat` every file whose content is wanted: a no-change run spends most of the
//! target's time starting those programs (each ~1 ms of CPU), once per path without this.
//!
//! What a module may take from a [`Batch`] is exactly what its own probe would have printed;
//! the [`Batch`] is valid only while nothing that may change a target ran since it was read
//! (see [`Batch::fresh`]): the engine decides when to read one, the framework's doors count
//! every program that is not a probe. Knows nothing of tasks, playbooks or any one module.

use super::probe::{Kind, PathState};
use crate::connection::quote::quote;
use crate::connection::Become;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A path a module will read before deciding, and what of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The path exactly as the module will name it (links are not followed).
    pub path: String,
    /// Also the sha256 of a regular file.
    pub sha256: bool,
    /// Also the content of a regular file.
    pub content: bool,
}

impl Read {
    /// The metadata of `path` alone.
    pub fn state(path: &str) -> Read {
        Read {
            path: path.to_string(),
            sha256: false,
            content: false,
        }
    }
}

/// One path's state as the batch read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its state (`sha256` filled for a regular file when it was asked for).
    pub state: PathState,
    /// A regular file's content, when it was asked for.
    pub content: Option<Vec<u8>>,
}

/// What one program read of one host's paths, and under which conditions it still holds.
#[derive(Debug)]
pub struct Batch {
    /// The count of changing programs (see [`Changes`]) when it was read.
    pub generation: u64,
    /// The privilege escalation it was read with: only a task with the same may use it.
    pub become_: Option<Become>,
    /// The environment it was read with.
    pub environment: Vec<(String, String)>,
    /// What was read, by path.
    pub entries: HashMap<String, Entry>,
}

/// The run's count of programs that may have changed a target (every one that is not a
/// probe, on any host: two inventory names may be one machine) and of controller lookups
/// (which may run commands). A [`Batch`] read at one count is stale at any other.
#[derive(Debug, Default)]
pub struct Changes(AtomicU64);

impl Changes {
    /// The current count.
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Records that something may have changed.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Batch {
    /// Whether it still holds for a program run with `become_` and `environment` now.
    pub fn fresh(
        &self,
        changes: &Changes,
        become_: &Option<Become>,
        environment: &[(String, String)],
    ) -> bool {
        self.generation == changes.now()
            && self.become_ == *become_
            && self.environment == environment
    }
}

/// The `stat` format: the fields [`super::probe::read`] reads, in its order.
const STAT: &str = "%a %u %U %g %G %s %Y";

/// The program that reads `reads` (merged by path), with section markers made of `nonce`.
/// Sections: one kind per path; `stat` of those that exist; `readlink` of the links; the
/// sums; the contents back to back (split by the sizes `stat` gave).
pub fn script(reads: &[Read], nonce: &str) -> Vec<u8> {
    let words = |pick: &dyn Fn(&Read) -> bool| -> Vec<u8> {
        let mut w = Vec::new();
        for r in reads.iter().filter(|r| pick(r)) {
            w.push(b' ');
            w.extend(quote(r.path.as_bytes()));
        }
        w
    };
    let all = words(&|_| true);
    let mut s = b"set --\nfor p in".to_vec();
    s.extend_from_slice(&all);
    s.extend_from_slice(
        b"; do if [ -L \"$p\" ]; then k=link; elif [ -d \"$p\" ]; then k=directory; \
          elif [ -f \"$p\" ]; then k=file; elif [ -e \"$p\" ]; then k=other; else k=absent; fi\n\
          echo \"$k\"; [ \"$k\" = absent ] || set -- \"$@\" \"$p\"; done\n",
    );
    let section = |s: &mut Vec<u8>, name: &str, list: &[u8], test: &str, run: &str| {
        if !list.is_empty() {
            s.extend_from_slice(b"set --\nfor p in");
            s.extend_from_slice(list);
            s.extend_from_slice(
                format!("; do if {test}; then set -- \"$@\" \"$p\"; fi; done\n").as_bytes(),
            );
        }
        s.extend_from_slice(format!("echo @@{nonce}-{name}\n").as_bytes());
        if !list.is_empty() {
            s.extend_from_slice(format!("[ $# -eq 0 ] || {run} -- \"$@\" || exit 1\n").as_bytes());
        }
    };
    s.extend_from_slice(format!("echo @@{nonce}-stat\n").as_bytes());
    s.extend_from_slice(
        format!("[ $# -eq 0 ] || stat -c '{STAT}' -- \"$@\" || exit 1\n").as_bytes(),
    );
    section(&mut s, "link", &all, "[ -L \"$p\" ]", "readlink");
    let file = "[ -f \"$p\" ] && ! [ -L \"$p\" ]";
    section(&mut s, "sha", &words(&|r| r.sha256), file, "sha256sum");
    section(&mut s, "body", &words(&|r| r.content), file, "exec cat");
    s
}

/// `reads` merged by path (a path asked for twice is read once, with both wants).
pub fn merge(reads: Vec<Read>) -> Vec<Read> {
    let mut out: Vec<Read> = Vec::new();
    for r in reads {
        match out.iter_mut().find(|o| o.path == r.path) {
            Some(o) => {
                o.sha256 |= r.sha256;
                o.content |= r.content;
            }
            None => out.push(r),
        }
    }
    out
}

/// The entries [`script`]'s program printed for `reads` (merged); `None` when the answer does
/// not add up (something changed while it ran, a name the sections cannot carry): the tasks
/// then read for themselves.
pub fn parse(reads: &[Read], nonce: &str, out: &[u8]) -> Option<HashMap<String, Entry>> {
    let marker = |name: &str| format!("@@{nonce}-{name}\n").into_bytes();
    let (kinds, rest) = split(out, &marker("stat"))?;
    let (stats, rest) = split(rest, &marker("link"))?;
    let (links, rest) = split(rest, &marker("sha"))?;
    let (sums, body) = split(rest, &marker("body"))?;
    let kinds: Vec<Kind> = lines(kinds)
        .into_iter()
        .map(|k| match k {
            "absent" => Some(Kind::Absent),
            "file" => Some(Kind::File),
            "directory" => Some(Kind::Directory),
            "link" => Some(Kind::Link),
            "other" => Some(Kind::Other),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if kinds.len() != reads.len() {
        return None;
    }
    let mut stats = lines(stats).into_iter();
    let mut links = lines(links).into_iter();
    let mut sums = lines(sums).into_iter();
    let mut entries = HashMap::new();
    let mut sizes = Vec::new();
    for (r, kind) in reads.iter().zip(kinds) {
        let mut state = PathState::absent();
        if kind != Kind::Absent {
            state = stat_line(stats.next()?, kind)?;
        }
        if kind == Kind::Link {
            state.link_target = Some(links.next()?.to_string());
        }
        let file = kind == Kind::File;
        if file && r.sha256 {
            let line = sums.next()?;
            let sum = line.strip_prefix('\\').unwrap_or(line).get(..64)?;
            if !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            state.sha256 = Some(sum.to_string());
        }
        if file && r.content {
            sizes.push((r.path.clone(), state.size as usize));
        }
        entries.insert(
            r.path.clone(),
            Entry {
                state,
                content: None,
            },
        );
    }
    if stats.next().is_some() || links.next().is_some() || sums.next().is_some() {
        return None;
    }
    if sizes.iter().map(|(_, n)| n).sum::<usize>() != body.len() {
        return None;
    }
    let mut at = 0;
    for (path, n) in sizes {
        let e = entries.get_mut(&path)?;
        e.content = Some(body[at..at + n].to_vec());
        at += n;
    }
    Some(entries)
}

/// `out` before and after the line `marker` (which must be there).
fn split<'a>(out: &'a [u8], marker: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let at = if out.starts_with(marker) {
        0
    } else {
        out.windows(marker.len() + 1)
            .position(|w| w[0] == b'\n' && &w[1..] == marker)?
            + 1
    };
    Some((&out[..at], &out[at + marker.len()..]))
}

/// The lines of a section (UTF-8 only: anything else is not a name this carries).
fn lines(section: &[u8]) -> Vec<&str> {
    match std::str::from_utf8(section) {
        Ok(s) => s.lines().collect(),
        Err(_) => vec!["\u{0}"],
    }
}

/// One `stat` line in [`STAT`]'s format.
fn stat_line(line: &str, kind: Kind) -> Option<PathState> {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() != 7 {
        return None;
    }
    Some(PathState {
        kind,
        mode: u32::from_str_radix(f[0], 8).ok()?,
        uid: f[1].parse().ok()?,
        owner: f[2].to_string(),
        gid: f[3].parse().ok()?,
        group: f[4].to_string(),
        size: f[5].parse().ok()?,
        mtime: f[6].parse().ok()?,
        link_target: None,
        sha256: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::probe::{self, Want};
    use super::*;

    fn run(script: &[u8]) -> Vec<u8> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(std::str::from_utf8(script).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// What the one-path probe of [`probe`] reads, for comparison.
    fn one(path: &str, want: Want) -> (PathState, Vec<u8>) {
        let out = run(&probe::script(path, want, "x"));
        let (r, body) = super::super::report::Report::parse_with_body("t", &out).unwrap();
        (probe::read("t", &r, "x").unwrap(), body)
    }

    #[test]
    fn reads_what_the_one_path_probe_reads() {
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n).to_str().unwrap().to_string();
        std::fs::write(p("a"), b"alpha\n").unwrap();
        std::fs::write(p("odd\nname\\"), b"x\x00y").unwrap();
        std::fs::write(p("empty"), b"").unwrap();
        std::fs::create_dir(p("dir")).unwrap();
        std::os::unix::fs::symlink(p("a"), p("link")).unwrap();
        let reads = merge(vec![
            Read {
                sha256: true,
                content: true,
                ..Read::state(&p("a"))
            },
            Read {
                sha256: true,
                content: true,
                ..Read::state(&p("odd\nname\\"))
            },
            Read {
                content: true,
                ..Read::state(&p("empty"))
            },
            Read::state(&p("dir")),
            Read {
                sha256: true,
                content: true,
                ..Read::state(&p("link"))
            },
            Read {
                sha256: true,
                content: true,
                ..Read::state(&p("none"))
            },
            Read {
                sha256: true,
                ..Read::state(&p("a"))
            },
        ]);
        assert_eq!(reads.len(), 6);
        let nonce = "0123abcd";
        let got = parse(&reads, nonce, &run(&script(&reads, nonce))).unwrap();
        for r in &reads {
            let want = Want {
                sha256: r.sha256,
                content: r.content,
                follow: false,
            };
            let (state, body) = one(&r.path, want);
            let e = &got[&r.path];
            assert_eq!(e.state, state, "{}", r.path);
            if state.kind == Kind::File && r.content {
                assert_eq!(e.content.as_deref(), Some(body.as_slice()), "{}", r.path);
            } else {
                assert_eq!(e.content, None, "{}", r.path);
            }
        }
        assert_eq!(
            got[&p("odd\nname\\")].content.as_deref(),
            Some(&b"x\x00y"[..])
        );
        assert_eq!(
            got[&p("link")].state.link_target.as_deref(),
            Some(p("a").as_str())
        );
    }

    #[test]
    fn an_answer_that_does_not_add_up_is_dropped() {
        let reads = vec![Read {
            sha256: true,
            content: true,
            ..Read::state("/x")
        }];
        let answer = |kinds: &str, stat: &str, body: &str| {
            let sum = "ab".repeat(32);
            format!("{kinds}@@n-stat\n{stat}@@n-link\n@@n-sha\n{sum}  /x\n@@n-body\n{body}")
        };
        let stat = "644 0 root 0 root 2 1\n";
        let parse = |a: String| parse(&reads, "n", a.as_bytes());
        let ok = parse(answer("file\n", stat, "hi")).unwrap();
        assert_eq!(ok["/x"].content.as_deref(), Some(&b"hi"[..]));
        assert_eq!(ok["/x"].state.sha256, Some("ab".repeat(32)));
        assert!(parse(answer("file\n", stat, "h")).is_none(), "short body");
        assert!(
            parse(answer("file\nfile\n", stat, "hi")).is_none(),
            "a kind too many"
        );
        assert!(
            parse(answer("file\n", "", "hi")).is_none(),
            "a stat missing"
        );
        assert!(parse("file\n".into()).is_none(), "cut short");
    }

    #[test]
    fn a_batch_is_stale_after_any_change_or_with_other_settings() {
        let changes = Changes::default();
        let b = Batch {
            generation: changes.now(),
            become_: None,
            environment: vec![],
            entries: HashMap::new(),
        };
        assert!(b.fresh(&changes, &None, &[]));
        assert!(!b.fresh(&changes, &None, &[("A".into(), "1".into())]));
        changes.bump();
        assert!(!b.fresh(&changes, &None, &[]));
    }
}
