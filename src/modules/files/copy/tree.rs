//! `copy` of a local directory, rsync-like: `src: dir/` copies what is inside `dir` into
//! `dest`, `src: dir` copies `dir` itself to `dest/dir`. One probe reads the state (and
//! sha256) of every path of the tree on the target; an apply creates missing directories,
//! recreates symlinks and fixes mode/owner/group; then one atomic write per file whose
//! content differs (none of them sent in check mode). Part of `copy`. Knows nothing of
//! playbooks.

use super::{basename, wanted_bits, Args};
use crate::connection::quote::quote;
use crate::modules::files::common::attrs::same_id;
use crate::modules::framework::mode::Mode;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::write::{self, Source, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use serde_json::json;
use std::path::{Path, PathBuf};

/// One path of the local tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Local {
    /// A directory.
    Dir,
    /// A regular file with its mode.
    File(PathBuf, u32),
    /// A symlink kept as a link (`local_follow: no`), with its target.
    Link(String),
}

/// One path of the tree as found on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Remote {
    /// `absent`, `file`, `directory`, `link` or `other`.
    kind: String,
    /// Permission bits (files and directories).
    mode: u32,
    /// Owner id and name.
    uid: u32,
    owner: String,
    /// Group id and name.
    gid: u32,
    group: String,
    /// sha256 of a file, or a link's target.
    extra: String,
}

/// The local tree below `root`, parents before children, sorted; `""` is the root itself.
fn walk(root: &Path, follow: bool) -> Result<Vec<(String, Local)>, String> {
    let mut out = vec![(String::new(), Local::Dir)];
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&rel)
        };
        let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names: Vec<String> = Vec::new();
        for e in rd {
            let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
            names.push(e.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        let mut subdirs = Vec::new();
        for n in names {
            let r = if rel.is_empty() {
                n
            } else {
                format!("{rel}/{n}")
            };
            let p = root.join(&r);
            let lmeta =
                std::fs::symlink_metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            if lmeta.file_type().is_symlink() && !follow {
                let t = std::fs::read_link(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                out.push((r, Local::Link(t.display().to_string())));
                continue;
            }
            let meta = std::fs::metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            if meta.is_dir() {
                out.push((r.clone(), Local::Dir));
                subdirs.push(r);
            } else if meta.is_file() {
                use std::os::unix::fs::PermissionsExt;
                out.push((r, Local::File(p, meta.permissions().mode() & 0o7777)));
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(out)
}

/// The program reporting one `entry` per path of the tree (see [`parse_listing`]).
fn probe_script(root: &str, rels: &[&str]) -> Vec<u8> {
    let mut s = MARK_FN.as_bytes().to_vec();
    s.extend_from_slice(b"r=");
    s.extend(quote(root.as_bytes()));
    s.extend_from_slice(
        br#"
f() { q="$r${1:+/$1}"; if [ -L "$q" ]; then m entry link 0 0 - 0 - "$(readlink -- "$q")"; elif [ -d "$q" ]; then m entry directory "$(stat -c '%a %u %U %g %G' -- "$q")" -; elif [ -f "$q" ]; then m entry file "$(stat -c '%a %u %U %g %G' -- "$q")" "$(sha256sum -- "$q" | cut -d' ' -f1)"; elif [ -e "$q" ]; then m entry other 0 0 - 0 - -; else m entry absent 0 0 - 0 - -; fi; }
"#,
    );
    for r in rels {
        s.extend_from_slice(b"f ");
        s.extend(quote(r.as_bytes()));
        s.push(b'\n');
    }
    s
}

/// Reads [`probe_script`]'s entries, one per path, in order.
fn parse_listing(r: &Report, n: usize) -> Result<Vec<Remote>, String> {
    let rows: Vec<Remote> = r
        .all("entry")
        .map(|l| {
            let f: Vec<&str> = l.splitn(7, ' ').collect();
            let bad = || format!("copy: unexpected answer from the target: {l:?}");
            if f.len() < 7 {
                return Err(bad());
            }
            Ok(Remote {
                kind: f[0].to_string(),
                mode: u32::from_str_radix(f[1], 8).map_err(|_| bad())?,
                uid: f[2].parse().map_err(|_| bad())?,
                owner: f[3].to_string(),
                gid: f[4].parse().map_err(|_| bad())?,
                group: f[5].to_string(),
                extra: f[6].to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    if rows.len() != n {
        return Err(format!(
            "the target listed {} paths, {n} expected",
            rows.len()
        ));
    }
    Ok(rows)
}

/// `copy` of the local directory `local` (the `src` as written: `src_arg`) to `dest`.
pub(super) async fn copy_tree(
    args: &Args,
    local: &Path,
    src_arg: &str,
    dest: &str,
    mode: Option<Mode>,
    ctx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let d = dest.trim_end_matches('/');
    let d = if d.is_empty() { "/" } else { d };
    let root = if src_arg.ends_with('/') {
        d.to_string()
    } else {
        format!("{}/{}", d.trim_end_matches('/'), basename(src_arg))
    };
    let tree = walk(local, args.local_follow).map_err(Failure::Failed)?;
    let rels: Vec<&str> = tree.iter().map(|(r, _)| r.as_str()).collect();
    let out = ctx.probe(probe_script(&root, &rels), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "could not read the state of {root}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse("copy", &String::from_utf8_lossy(&out.stdout))?;
    let remote =
        parse_listing(&r, tree.len()).map_err(|e| Failure::Failed(format!("{root}: {e}")))?;
    let dir_bits = match &args.directory_mode {
        Some(v) => Mode::parse(v)
            .and_then(|m| m.resolve(0o755, true))
            .map_err(Failure::Failed)?,
        None => None,
    };
    let mut prep = Vec::new();
    let mut writes = Vec::new();
    for ((rel, l), r) in tree.iter().zip(&remote) {
        let path = if rel.is_empty() {
            root.clone()
        } else {
            format!("{root}/{rel}")
        };
        let q = quote(path.as_bytes());
        let attrs = |prep: &mut Vec<u8>, bits: Option<u32>| {
            let exists = r.kind != "absent";
            if let Some(b) = bits.filter(|b| !exists || *b != r.mode) {
                cmd(prep, &format!("chmod {b:o} --"), &[], &q);
            }
            if let Some(o) = args
                .owner
                .as_deref()
                .filter(|o| !exists || !same_id(o, &r.owner, r.uid))
            {
                cmd(prep, "chown --", &[o], &q);
            }
            if let Some(g) = args
                .group
                .as_deref()
                .filter(|g| !exists || !same_id(g, &r.group, r.gid))
            {
                cmd(prep, "chgrp --", &[g], &q);
            }
        };
        match (l, r.kind.as_str()) {
            (Local::Dir, "absent") => {
                cmd(&mut prep, "mkdir -p --", &[], &q);
                attrs(&mut prep, dir_bits);
            }
            (Local::Dir, "directory") => attrs(&mut prep, None),
            (Local::Dir, other) => return Err(not_replaced(&path, other, "a directory")),
            (Local::Link(t), "link") if *t == r.extra => {}
            (Local::Link(t), "absent" | "link" | "file") => {
                cmd(&mut prep, "rm -f --", &[], &q);
                cmd(&mut prep, "ln -s --", &[t], &q);
            }
            (Local::Link(_), other) => return Err(not_replaced(&path, other, "a link")),
            (Local::File(..), "directory" | "other") => {
                return Err(not_replaced(&path, &r.kind, "a file"))
            }
            (Local::File(p, m), kind) => {
                let current = (kind == "file").then_some(r.mode);
                let bits = wanted_bits(&mode, current, Some(*m))?;
                let sum = file_sha256(p)?;
                let same = kind == "file" && r.extra == sum;
                if !same && (args.force || kind != "file") {
                    writes.push((path, p.clone(), sum, bits));
                } else if kind == "file" {
                    attrs(&mut prep, bits);
                }
            }
        }
    }
    let mut o = Output {
        changed: !prep.is_empty() || !writes.is_empty(),
        ..Output::default()
    };
    o.fields.insert("dest".into(), json!(format!("{root}/")));
    o.fields
        .insert("src".into(), json!(local.display().to_string()));
    if !prep.is_empty() {
        let Some(r) = ctx.apply(prep, Vec::new()).await? else {
            return Ok(o);
        };
        if r.status.rc() != 0 {
            return Err(Failure::Failed(format!(
                "{root}: {}",
                String::from_utf8_lossy(&r.stderr).trim()
            )));
        }
    }
    for (path, local_file, sum, bits) in writes {
        let opts = WriteOpts {
            mode: bits,
            owner: args.owner.clone(),
            group: args.group.clone(),
            backup: args.backup,
            validate: args.validate.clone(),
        };
        let source = Source::File {
            path: &local_file,
            sha256: &sum,
        };
        if write::write_from(ctx, &path, source, &opts, b"")
            .await?
            .is_none()
        {
            break;
        }
    }
    Ok(o)
}

/// Appends `CMD ARGS... PATH || exit 1` with every value quoted.
fn cmd(s: &mut Vec<u8>, command: &str, values: &[&str], path: &[u8]) {
    s.extend_from_slice(command.as_bytes());
    for v in values {
        s.push(b' ');
        s.extend(quote(v.as_bytes()));
    }
    s.push(b' ');
    s.extend_from_slice(path);
    s.extend_from_slice(b" || exit 1\n");
}

/// The error for a path of the wrong type on the target.
fn not_replaced(path: &str, found: &str, wanted: &str) -> Failure {
    Failure::Failed(format!(
        "cannot copy {wanted} to {path}: a {found} is there"
    ))
}

/// The sha256 of a local file.
fn file_sha256(p: &Path) -> Result<String, Failure> {
    use sha2::Digest;
    let b = std::fs::read(p)
        .map_err(|e| Failure::Failed(format!("could not read {}: {e}", p.display())))?;
    Ok(write::hex(&sha2::Sha256::digest(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_tree_lists_parents_first() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::fs::write(d.path().join("a/b/f"), "x").unwrap();
        std::fs::write(d.path().join("z"), "y").unwrap();
        std::os::unix::fs::symlink("z", d.path().join("l")).unwrap();
        let rels: Vec<String> = walk(d.path(), true)
            .unwrap()
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(rels, ["", "a", "l", "z", "a/b", "a/b/f"]);
        let t = walk(d.path(), false).unwrap();
        assert_eq!(t[2], ("l".to_string(), Local::Link("z".into())));
    }

    #[test]
    fn listings_are_read_in_order() {
        let out =
            "@@rsible entry directory 755 0 root 0 root -\n@@rsible entry file 644 1 u 1 g abc\n\
                   @@rsible entry link 0 0 - 0 - ../x  y\n@@rsible entry absent 0 0 - 0 - -\n";
        let r = Report::parse("copy", out).unwrap();
        let rows = parse_listing(&r, 4).unwrap();
        assert_eq!(rows[1].extra, "abc");
        assert_eq!(rows[2].extra, "../x  y");
        assert!(parse_listing(&r, 3).is_err());
        let bad = Report::parse("copy", "@@rsible entry file 6x4 1 u 1 g abc\n").unwrap();
        let e = parse_listing(&bad, 1).unwrap_err();
        assert!(e.starts_with("copy: ") && e.contains("6x4"), "{e}");
    }

    #[test]
    fn the_probe_reports_each_path_of_the_tree() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("a b")).unwrap();
        std::fs::write(d.path().join("a b/f"), "x").unwrap();
        std::os::unix::fs::symlink("../t  x", d.path().join("l")).unwrap();
        let root = d.path().to_str().unwrap();
        let s = probe_script(root, &["", "a b", "a b/f", "l", "none"]);
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(s).unwrap())
            .output()
            .unwrap();
        let r = Report::parse("copy", &String::from_utf8_lossy(&out.stdout)).unwrap();
        let rows = parse_listing(&r, 5).unwrap();
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["directory", "directory", "file", "link", "absent"]);
        assert_eq!(rows[2].extra.len(), 64);
        assert_eq!(rows[3].extra, "../t  x");
    }
}
