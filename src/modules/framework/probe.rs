//! The state of one path on the target, read by one program: whether it exists, its type,
//! mode, owner, size, link target, sha256, and optionally its content. Knows nothing of what
//! a module will do with it.

use crate::connection::quote::quote;
use crate::modules::{Ctx, Failure};

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing.
    Absent,
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link (not followed).
    Link,
    /// A device, socket or fifo.
    Other,
}

impl Kind {
    /// Ansible's `state` word for it.
    pub fn state(self) -> &'static str {
        match self {
            Kind::Absent => "absent",
            Kind::File => "file",
            Kind::Directory => "directory",
            Kind::Link => "link",
            Kind::Other => "file",
        }
    }
}

/// A path's state on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathState {
    /// What is there.
    pub kind: Kind,
    /// Permission bits.
    pub mode: u32,
    /// Owner uid and name.
    pub uid: u32,
    /// Owner name.
    pub owner: String,
    /// Group gid.
    pub gid: u32,
    /// Group name.
    pub group: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (seconds).
    pub mtime: i64,
    /// Where a link points.
    pub link_target: Option<String>,
    /// sha256 of a regular file's content, when asked for.
    pub sha256: Option<String>,
}

impl PathState {
    /// Nothing at the path.
    pub fn absent() -> PathState {
        PathState {
            kind: Kind::Absent,
            mode: 0,
            uid: 0,
            owner: String::new(),
            gid: 0,
            group: String::new(),
            size: 0,
            mtime: 0,
            link_target: None,
            sha256: None,
        }
    }

    /// Whether something is there.
    pub fn exists(&self) -> bool {
        self.kind != Kind::Absent
    }
}

/// What to read besides the metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct Want {
    /// The sha256 of a regular file.
    pub sha256: bool,
    /// The whole content of a regular file.
    pub content: bool,
    /// Follow a symlink at the path.
    pub follow: bool,
}

/// The shell text that prints `path`'s state (see [`parse`]).
pub fn script(path: &str, want: Want) -> Vec<u8> {
    script_at(&quote(path.as_bytes()), want)
}

/// As [`script`], for the path held by the shell word `word` (say `"$d"`, already quoted),
/// so a program can decide the path itself before probing it. The program leaves the path
/// in `$p` and its kind in `$k`, and exits when nothing is there.
pub fn script_at(word: &[u8], want: Want) -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(b"p=");
    s.extend_from_slice(word);
    s.extend_from_slice(if want.follow {
        b"\nif [ -L \"$p\" ] && [ -e \"$p\" ]; then p=$(readlink -f -- \"$p\"); fi\n" as &[u8]
    } else {
        b"\n"
    });
    s.extend_from_slice(
        br#"if [ -L "$p" ]; then k=link; elif [ -d "$p" ]; then k=directory; elif [ -f "$p" ]; then k=file; elif [ -e "$p" ]; then k=other; else k=absent; fi
printf 'rsible-probe %s\n' "$k"
[ "$k" = absent ] && exit 0
stat -c '%a %u %U %g %G %s %Y' -- "$p" || exit 1
if [ "$k" = link ]; then readlink -- "$p"; else echo; fi
"#,
    );
    if want.sha256 || want.content {
        s.extend_from_slice(
            // From stdin, so that no file name is echoed (GNU escapes odd ones and marks
            // the sum with a backslash); the expansion spares a `cut` (an exec, ~1 ms).
            br#"if [ "$k" = file ]; then s=$(sha256sum < "$p") || exit 1; echo "${s%% *}"; else echo; fi
"#,
        );
    } else {
        s.extend_from_slice(b"echo\n");
    }
    if want.content {
        s.extend_from_slice(br#"[ "$k" = file ] && exec cat -- "$p""#);
        s.push(b'\n');
    }
    s
}

/// Parses the output of [`script`]: the state, and the content when it was asked for.
pub fn parse(out: &[u8]) -> Result<(PathState, Vec<u8>), String> {
    let mut rest = out;
    let mut line = || -> Result<String, String> {
        let nl = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("the target's answer was cut short")?;
        let l = String::from_utf8_lossy(&rest[..nl]).into_owned();
        rest = &rest[nl + 1..];
        Ok(l)
    };
    let head = line()?;
    let kind = match head.strip_prefix("rsible-probe ") {
        Some("absent") => return Ok((PathState::absent(), rest_after(out, &head))),
        Some("file") => Kind::File,
        Some("directory") => Kind::Directory,
        Some("link") => Kind::Link,
        Some("other") => Kind::Other,
        _ => return Err(format!("unexpected answer from the target: {head:?}")),
    };
    let meta = line()?;
    let f: Vec<&str> = meta.split(' ').collect();
    if f.len() < 7 {
        return Err(format!("unexpected stat output: {meta:?}"));
    }
    let num = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("unexpected stat output: {meta:?}"))
    };
    let link = line()?;
    let sum = line()?;
    let state = PathState {
        kind,
        mode: u32::from_str_radix(f[0], 8).map_err(|_| format!("bad mode in {meta:?}"))?,
        uid: num(f[1])? as u32,
        owner: f[2].to_string(),
        gid: num(f[3])? as u32,
        group: f[4].to_string(),
        size: num(f[5])?,
        mtime: num(f[6])? as i64,
        link_target: (kind == Kind::Link).then_some(link),
        sha256: (!sum.is_empty()).then_some(sum),
    };
    Ok((state, rest.to_vec()))
}

/// What follows the first line `head` of `out` (another program's output, when a probe was
/// one part of a larger program).
fn rest_after(out: &[u8], head: &str) -> Vec<u8> {
    out.get(head.len() + 1..).unwrap_or_default().to_vec()
}

/// Reads `path`'s state (and content) from the target: one program.
pub async fn probe(ctx: &Ctx<'_>, path: &str, want: Want) -> Result<(PathState, Vec<u8>), Failure> {
    let out = ctx.probe(script(path, want), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "could not read the state of {path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse(&out.stdout).map_err(|e| Failure::Failed(format!("{path}: {e}")))
}

/// Ansible's `add_path_info`: the fields a result about a file gets when something is at
/// its path (`uid`, `gid`, `owner`, `group`, `mode`, `state`, `size`); nothing otherwise.
pub fn path_info(f: &mut serde_json::Map<String, serde_json::Value>, s: &PathState) {
    use serde_json::json;
    if !s.exists() {
        return;
    }
    f.insert("uid".into(), json!(s.uid));
    f.insert("gid".into(), json!(s.gid));
    f.insert("owner".into(), json!(s.owner));
    f.insert("group".into(), json!(s.group));
    f.insert("mode".into(), json!(super::mode::octal(s.mode)));
    f.insert("state".into(), json!(s.kind.state()));
    f.insert("size".into(), json!(s.size));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_file_with_content() {
        let out = b"rsible-probe file\n644 0 root 0 root 3 1700000000\n\nabc123\nhi\n";
        let (s, content) = parse(out).unwrap();
        assert_eq!(s.kind, Kind::File);
        assert_eq!(s.mode, 0o644);
        assert_eq!(s.owner, "root");
        assert_eq!(s.sha256.as_deref(), Some("abc123"));
        assert_eq!(content, b"hi\n");
    }

    #[test]
    fn parses_absent_and_links() {
        assert_eq!(
            parse(b"rsible-probe absent\n").unwrap().0.kind,
            Kind::Absent
        );
        let (s, _) = parse(b"rsible-probe link\n777 0 root 0 root 4 1\n/tmp\n\n").unwrap();
        assert_eq!(s.link_target.as_deref(), Some("/tmp"));
        assert!(parse(b"garbage").is_err());
    }
}
