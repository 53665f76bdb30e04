//! The state of one path on the target, read by one program: whether it exists, its type,
//! mode, owner, size, link target, sha256, and optionally its content. The program answers in
//! `framework::report` lines under a name the caller picks (so one program may probe several
//! paths); the content is the report's body. Knows nothing of what a module will do with it.

use crate::connection::quote::quote;
use crate::modules::framework::report::{Report, BODY, MARK_FN};
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

/// The shell text that reports `path`'s state under `name` (see [`read`]); with
/// `want.content`, a regular file's bytes follow as the report's body, so it must be the last
/// thing the program prints.
pub fn script(path: &str, want: Want, name: &str) -> Vec<u8> {
    script_at(&quote(path.as_bytes()), want, name)
}

/// As [`script`], for the path held by the shell word `word` (say `"$d"`, already quoted),
/// so a program can decide the path itself before probing it. The program leaves the path
/// in `$p` and its kind in `$k`, and exits when nothing is there. Report keys: `NAME KIND`,
/// then `NAME.stat MODE UID OWNER GID GROUP SIZE MTIME`, `NAME.link TARGET` for a link and
/// `NAME.sha256 SUM` for a regular file when asked for.
pub fn script_at(word: &[u8], want: Want, name: &str) -> Vec<u8> {
    let mut s = MARK_FN.as_bytes().to_vec();
    s.extend_from_slice(b"p=");
    s.extend_from_slice(word);
    s.extend_from_slice(if want.follow {
        b"\nif [ -L \"$p\" ] && [ -e \"$p\" ]; then p=$(readlink -f -- \"$p\"); fi\n" as &[u8]
    } else {
        b"\n"
    });
    s.extend_from_slice(
        format!(
            r#"if [ -L "$p" ]; then k=link; elif [ -d "$p" ]; then k=directory; elif [ -f "$p" ]; then k=file; elif [ -e "$p" ]; then k=other; else k=absent; fi
m {name} "$k"
[ "$k" = absent ] && exit 0
s=$(stat -c '%a %u %U %g %G %s %Y' -- "$p") || exit 1
m {name}.stat "$s"
if [ "$k" = link ]; then m {name}.link "$(readlink -- "$p")"; fi
"#
        )
        .as_bytes(),
    );
    if want.sha256 {
        // From stdin, so that no file name is echoed (GNU escapes odd ones and marks
        // the sum with a backslash); the expansion spares a `cut` (an exec, ~1 ms).
        s.extend_from_slice(
            format!(
                "if [ \"$k\" = file ]; then s=$(sha256sum < \"$p\") || exit 1; m {name}.sha256 \"${{s%% *}}\"; fi\n"
            )
            .as_bytes(),
        );
    }
    if want.content {
        s.extend_from_slice(
            format!("if [ \"$k\" = file ]; then m {BODY}; exec cat -- \"$p\"; fi\n").as_bytes(),
        );
    }
    s
}

/// The state the probe named `name` reported in `r` (of a program of `module`); a missing
/// or malformed answer fails, naming the module.
pub fn read(module: &str, r: &Report, name: &str) -> Result<PathState, String> {
    let bad = |key: &str, v: &str| {
        format!("{module}: the target's answer about a path was malformed: {key} {v:?}")
    };
    let kind = match r.get(name) {
        None => return Err(format!("{module}: the target's answer was cut short")),
        Some("absent") => return Ok(PathState::absent()),
        Some("file") => Kind::File,
        Some("directory") => Kind::Directory,
        Some("link") => Kind::Link,
        Some("other") => Kind::Other,
        Some(v) => return Err(bad(name, v)),
    };
    let key = format!("{name}.stat");
    let meta = r
        .get(&key)
        .ok_or_else(|| format!("{module}: the target's answer was cut short"))?;
    let f: Vec<&str> = meta.split(' ').collect();
    if f.len() != 7 {
        return Err(bad(&key, meta));
    }
    let num = |s: &str| s.parse::<u64>().map_err(|_| bad(&key, meta));
    Ok(PathState {
        kind,
        mode: u32::from_str_radix(f[0], 8).map_err(|_| bad(&key, meta))?,
        uid: num(f[1])? as u32,
        owner: f[2].to_string(),
        gid: num(f[3])? as u32,
        group: f[4].to_string(),
        size: num(f[5])?,
        mtime: num(f[6])? as i64,
        link_target: (kind == Kind::Link)
            .then(|| r.get(&format!("{name}.link")).unwrap_or("").to_string()),
        sha256: r.get(&format!("{name}.sha256")).map(str::to_string),
    })
}

/// Reads `path`'s state (and content) from the target for `module`: one program, or none
/// when what `want` asks for was read ahead (a link with `follow` is resolved by the program).
pub async fn probe(
    ctx: &Ctx<'_>,
    module: &str,
    path: &str,
    want: Want,
) -> Result<(PathState, Vec<u8>), Failure> {
    if let Some(e) = ctx.read_ahead(path) {
        let file = e.state.kind == Kind::File;
        let resolves = want.follow && e.state.kind == Kind::Link;
        let lacks_sum = file && want.sha256 && e.state.sha256.is_none();
        let lacks_content = file && want.content && e.content.is_none();
        let held = !(resolves || lacks_sum || lacks_content);
        if held {
            let mut state = e.state.clone();
            if !want.sha256 {
                state.sha256 = None;
            }
            let content = if want.content {
                e.content.clone()
            } else {
                None
            };
            return Ok((state, content.unwrap_or_default()));
        }
    }
    let out = ctx.probe(script(path, want, "path"), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "could not read the state of {path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (r, content) = Report::parse_with_body(module, &out.stdout)?;
    let state = read(module, &r, "path").map_err(|e| Failure::Failed(format!("{path}: {e}")))?;
    Ok((state, content))
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

    fn report(out: &[u8]) -> (Report, Vec<u8>) {
        Report::parse_with_body("copy", out).unwrap()
    }

    #[test]
    fn parses_a_file_with_content() {
        let (r, content) = report(
            b"@@rsible path file\n@@rsible path.stat 644 0 root 0 root 3 1700000000\n\
              @@rsible path.sha256 abc123\n@@rsible body\nhi\n",
        );
        let s = read("copy", &r, "path").unwrap();
        assert_eq!(s.kind, Kind::File);
        assert_eq!(s.mode, 0o644);
        assert_eq!(s.owner, "root");
        assert_eq!(s.mtime, 1_700_000_000);
        assert_eq!(s.sha256.as_deref(), Some("abc123"));
        assert_eq!(s.link_target, None);
        assert_eq!(content, b"hi\n");
    }

    #[test]
    fn parses_absent_and_links_and_names_the_module_when_malformed() {
        let (r, _) = report(b"@@rsible a absent\n");
        assert_eq!(read("file", &r, "a").unwrap().kind, Kind::Absent);
        let (r, _) = report(
            b"@@rsible l link\n@@rsible l.stat 777 0 root 0 root 4 1\n@@rsible l.link /tmp\n",
        );
        assert_eq!(
            read("file", &r, "l").unwrap().link_target.as_deref(),
            Some("/tmp")
        );
        let (r, _) = report(b"garbage\n@@rsible p file\n@@rsible p.stat 644 x\n");
        let e = read("stat", &r, "p").unwrap_err();
        assert!(e.starts_with("stat: ") && e.contains("644 x"), "{e}");
        let e = read("copy", &r, "q").unwrap_err();
        assert!(e.starts_with("copy: "), "{e}");
    }

    #[test]
    fn the_script_reports_what_read_reads() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, b"a\x00b").unwrap();
        std::os::unix::fs::symlink(&f, d.path().join("l")).unwrap();
        let run = |path: &std::path::Path, want: Want| {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(String::from_utf8(script(path.to_str().unwrap(), want, "x")).unwrap())
                .output()
                .unwrap();
            let (r, body) = report(&out.stdout);
            (read("copy", &r, "x").unwrap(), body)
        };
        let want = Want {
            sha256: true,
            content: true,
            follow: false,
        };
        let (s, body) = run(&f, want);
        assert_eq!((s.kind, s.size), (Kind::File, 3));
        assert_eq!(body, b"a\x00b");
        assert_eq!(s.sha256.as_deref().map(str::len), Some(64));
        let (s, body) = run(&d.path().join("l"), want);
        assert_eq!(s.link_target.as_deref(), f.to_str());
        assert!(body.is_empty() && s.sha256.is_none());
        let (s, _) = run(
            &d.path().join("l"),
            Want {
                follow: true,
                ..want
            },
        );
        assert_eq!(s.kind, Kind::File);
        assert_eq!(run(&d.path().join("none"), want).0.kind, Kind::Absent);
    }
}
