//! `copy` (and `template`, which the engine renders into `copy`'s `content`): put a file from
//! the controller (or from the target itself, `remote_src`) at `dest`. Idempotent by sha256:
//! one program reads the destination's state, a second writes only when the content differs
//! (or, when only mode/owner/group differ, fixes those). A local directory is copied by
//! [`super::copy_tree`]. Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::files::common::local_path;
use crate::modules::framework::args::{self, de_bool, de_opt_string};
use crate::modules::framework::mode::{self, Mode};
use crate::modules::framework::probe::{self, Kind, PathState, Want};
use crate::modules::framework::write::{self, Source, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Ansible's `max_diff_size`: larger files are not diffed.
pub const MAX_DIFF_SIZE: u64 = 104_448;

fn yes() -> bool {
    true
}

/// Arguments of `copy` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    pub src: Option<String>,
    #[serde(default)]
    pub content: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub dest: Option<String>,
    #[serde(default)]
    pub mode: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    pub backup: bool,
    #[serde(default = "yes", alias = "thirsty", deserialize_with = "de_bool")]
    pub force: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub validate: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    pub remote_src: bool,
    #[serde(default)]
    pub directory_mode: Option<Value>,
    #[serde(default, deserialize_with = "de_bool")]
    pub follow: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    pub local_follow: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub checksum: Option<String>,
    /// A vault-encrypted local `src` is decrypted (in memory) before it is sent.
    #[serde(default = "yes", deserialize_with = "de_bool")]
    pub decrypt: bool,
    /// Accepted for compatibility: writes are always atomic.
    #[serde(default, rename = "unsafe_writes")]
    _unsafe_writes: Option<Value>,
}

/// `copy`.
pub async fn copy(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("copy", a).map_err(Failure::BadArgs)?;
    let dest = args
        .dest
        .clone()
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Failure::Failed("copy: missing required arguments: dest".into()))?;
    let mode = args
        .mode
        .as_ref()
        .map(Mode::parse)
        .transpose()
        .map_err(Failure::Failed)?;
    match (&args.src, &args.content) {
        (Some(_), Some(_)) => Err(Failure::BadArgs(
            "copy: parameters are mutually exclusive: content|src".into(),
        )),
        (None, None) => Err(Failure::BadArgs(
            "copy: src (or content) is required".into(),
        )),
        (None, Some(c)) => {
            if dest.ends_with('/') {
                return Err(Failure::Failed(
                    "can not use content with a dir as dest".into(),
                ));
            }
            let bytes = content_text(c).into_bytes();
            let job = FileJob {
                dest,
                base: None,
                src: None,
                mode,
                local_mode: None,
            };
            copy_file(&args, &job, Data::Bytes(&bytes), ctx).await
        }
        (Some(src), None) if args.remote_src => {
            let job = FileJob {
                dest,
                base: Some(basename(src)),
                src: Some(src.clone()),
                mode,
                local_mode: None,
            };
            copy_file(&args, &job, Data::Remote(src), ctx).await
        }
        (Some(src), None) => {
            // Ansible's copy action words this failure so.
            let path = find_local(ctx.search_paths, "files", src)
                .map_err(|e| Failure::Failed(format!("Unexpected AnsibleActionFail error: {e}")))?;
            if path.is_dir() {
                return super::copy_tree::copy_tree(&args, &path, src, &dest, mode, ctx).await;
            }
            let local_mode = local_mode(&path);
            if args.decrypt && starts_with_vault(&path) {
                let text = std::fs::read(&path).map_err(|e| {
                    Failure::Failed(format!("could not read {}: {e}", path.display()))
                })?;
                let plain = crate::vault::decrypt(&text, crate::vault::installed())
                    .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?;
                let job = FileJob {
                    dest,
                    base: Some(basename(src)),
                    src: Some(path.display().to_string()),
                    mode,
                    local_mode,
                };
                return copy_file(&args, &job, Data::Bytes(&plain), ctx).await;
            }
            let local = LocalFile::read(&path)?;
            let job = FileJob {
                dest,
                base: Some(basename(src)),
                src: Some(path.display().to_string()),
                mode,
                local_mode,
            };
            copy_file(&args, &job, Data::Local(&local), ctx).await
        }
    }
}

/// A controller file to copy, read once in chunks for its checksums (a large file is never
/// held in memory: it is streamed to the target when it differs).
pub(super) struct LocalFile {
    path: PathBuf,
    size: u64,
    sha256: String,
    sha1: String,
    md5: String,
    /// The content, only when small enough to show in a diff.
    small: Option<Vec<u8>>,
}

impl LocalFile {
    /// Reads `path` once, computing its checksums.
    pub(super) fn read(path: &Path) -> Result<LocalFile, Failure> {
        use sha1::Digest as _;
        use std::io::Read;
        let fail =
            |e: std::io::Error| Failure::Failed(format!("could not read {}: {e}", path.display()));
        let mut f = std::fs::File::open(path).map_err(fail)?;
        let (mut s256, mut s1, mut m5) =
            (sha2::Sha256::new(), sha1::Sha1::new(), md5::Context::new());
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        let mut small = Some(Vec::new());
        loop {
            let n = f.read(&mut buf).map_err(fail)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            s256.update(chunk);
            s1.update(chunk);
            m5.consume(chunk);
            size += n as u64;
            small = small
                .filter(|_| size <= MAX_DIFF_SIZE)
                .map(|mut v: Vec<u8>| {
                    v.extend_from_slice(chunk);
                    v
                });
        }
        Ok(LocalFile {
            path: path.to_path_buf(),
            size,
            sha256: write::hex(&s256.finalize()),
            sha1: write::hex(&s1.finalize()),
            md5: format!("{:x}", m5.finalize()),
            small,
        })
    }
}

/// Whether the local file at `path` is a vault envelope (its first bytes say so).
fn starts_with_vault(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 32];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    crate::vault::is_encrypted(&head[..n])
}

/// `content:` as text: strings as they are, lists and dicts as JSON (as Ansible does).
fn content_text(v: &Value) -> String {
    match v {
        Value::Array(_) | Value::Object(_) => crate::template::python_json(v),
        other => args::scalar_text(other),
    }
}

/// The last path component of a local or remote path, ignoring a trailing `/`.
pub(super) fn basename(p: &str) -> String {
    let t = p.trim_end_matches('/');
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// A local file's permission bits.
pub(super) fn local_mode(p: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

/// What Ansible adds to every "Could not find or access" message.
const REMOTE_SRC_HINT: &str =
    "\nIf you are using a module and expect the file to exist on the remote, see the remote_src option";

/// Finds a controller-side `src`: absolute as is; otherwise `d/SUB/SRC`, then `d/SRC` for
/// each search directory `d`, in order. A path starting with `/` or `~` is expanded first
/// (see [`local_path`]).
pub fn find_local(search: &[PathBuf], sub: &str, src: &str) -> Result<PathBuf, String> {
    if local_path::is_expanded(src) {
        let p = local_path::expanded_path(src);
        return if p.exists() {
            Ok(p)
        } else {
            Err(format!(
                "Could not find or access '{src}' on the Ansible Controller.{REMOTE_SRC_HINT}"
            ))
        };
    }
    let p = Path::new(src);
    let mut tried = Vec::new();
    for d in search {
        for c in [d.join(sub).join(p), d.join(p)] {
            if c.exists() {
                return Ok(c);
            }
            tried.push(c.display().to_string());
        }
    }
    Err(format!(
        "Could not find or access '{src}'\nSearched in:\n\t{} on the Ansible Controller.{REMOTE_SRC_HINT}",
        tried.join("\n\t")
    ))
}

/// Where one file's content comes from.
#[derive(Clone, Copy)]
enum Data<'a> {
    /// From the controller (`content:`).
    Bytes(&'a [u8]),
    /// A controller file.
    Local(&'a LocalFile),
    /// A file on the target.
    Remote(&'a str),
}

/// One file to put in place.
struct FileJob {
    /// `dest` as given.
    dest: String,
    /// The source's file name, for a `dest` that is a directory.
    base: Option<String>,
    /// The `src` reported back.
    src: Option<String>,
    /// `mode:`.
    mode: Option<Mode>,
    /// The local source's mode, for `mode: preserve`.
    local_mode: Option<u32>,
}

/// What the probe of one copy found.
#[derive(Debug)]
struct Found {
    /// The file that will be written (dest, dest/basename, or a followed link's target).
    path: String,
    /// Its state.
    dest: PathState,
    /// Its content, when `--diff` asked for it and it is small enough.
    content: Vec<u8>,
    /// The remote source's state, for `remote_src`.
    src: Option<PathState>,
}

/// The probe program: the remote source (if any), then which path is written and its state.
fn probe_script(job: &FileJob, data: Data<'_>, follow: bool, diff: bool) -> Vec<u8> {
    let mut s = Vec::new();
    if let Data::Remote(src) = data {
        let want = Want {
            sha256: true,
            content: false,
            follow: true,
        };
        s.extend_from_slice(b"(\n");
        s.extend(probe::script(src, want));
        s.extend_from_slice(b")\n");
    }
    s.extend_from_slice(b"d=");
    match (&job.base, job.dest.ends_with('/')) {
        (Some(base), true) => s.extend(quote(format!("{}{base}", job.dest).as_bytes())),
        (Some(base), false) => {
            s.extend(quote(job.dest.as_bytes()));
            s.extend_from_slice(b"\nif [ -d \"$d\" ]; then d=\"$d\"/");
            s.extend(quote(base.as_bytes()));
            s.extend_from_slice(b"; fi");
        }
        (None, _) => s.extend(quote(job.dest.as_bytes())),
    }
    s.push(b'\n');
    if follow {
        s.extend_from_slice(
            b"if [ -L \"$d\" ] && [ -e \"$d\" ]; then d=$(readlink -f -- \"$d\"); fi\n",
        );
    }
    s.extend_from_slice(b"printf 'rsible-dest %s\\n' \"$d\"\n");
    s.extend(probe::script_at(
        b"\"$d\"",
        Want {
            sha256: true,
            content: false,
            follow: false,
        },
    ));
    if diff {
        s.extend_from_slice(
            format!(
                "if [ \"$k\" = file ] && [ \"$(stat -c %s -- \"$p\")\" -le {MAX_DIFF_SIZE} ]; then cat -- \"$p\"; fi\n"
            )
            .as_bytes(),
        );
    }
    s
}

/// Parses [`probe_script`]'s output.
fn parse_probe(out: &[u8], remote: bool) -> Result<Found, String> {
    let (src, rest) = if remote {
        let (s, rest) = probe::parse(out)?;
        (Some(s), rest)
    } else {
        (None, out.to_vec())
    };
    let nl = rest
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("the target's answer was cut short")?;
    let head = String::from_utf8_lossy(&rest[..nl]).into_owned();
    let path = head
        .strip_prefix("rsible-dest ")
        .ok_or_else(|| format!("unexpected answer from the target: {head:?}"))?
        .to_string();
    let (dest, content) = probe::parse(&rest[nl + 1..])?;
    Ok(Found {
        path,
        dest,
        content,
        src,
    })
}

/// Whether an `owner`/`group` value (a name or a numeric id) names what is there.
pub(super) fn same_id(wanted: &str, name: &str, id: u32) -> bool {
    wanted == name || wanted.parse::<u32>().is_ok_and(|n| n == id)
}

/// The bits `mode` gives a file now at `current` (new files start from 0644).
pub(super) fn wanted_bits(
    mode: &Option<Mode>,
    current: Option<u32>,
    preserve_from: Option<u32>,
) -> Result<Option<u32>, Failure> {
    match mode {
        None => Ok(None),
        Some(Mode::Preserve) => Ok(preserve_from),
        Some(m) => m
            .resolve(current.unwrap_or(0o644), false)
            .map_err(Failure::Failed),
    }
}

/// Copies one file: probe, then write or fix attributes when something differs.
async fn copy_file(
    args: &Args,
    job: &FileJob,
    data: Data<'_>,
    ctx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let remote = matches!(data, Data::Remote(_));
    let script = probe_script(job, data, args.follow, ctx.diff && !remote);
    let out = ctx.exec(script, Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "could not read the state of {}: {}",
            job.dest,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let found = parse_probe(&out.stdout, remote)
        .map_err(|e| Failure::Failed(format!("{}: {e}", job.dest)))?;
    let (new_sum, preserve) = match data {
        Data::Bytes(b) => {
            use sha2::Digest;
            (write::hex(&sha2::Sha256::digest(b)), job.local_mode)
        }
        Data::Local(f) => (f.sha256.clone(), job.local_mode),
        Data::Remote(src) => {
            let s = found
                .src
                .as_ref()
                .filter(|s| s.exists())
                .ok_or_else(|| Failure::Failed(format!("Source {src} not found")))?;
            if s.kind == Kind::Directory {
                return super::copy_remote_tree::copy_remote_tree(
                    args,
                    src,
                    &job.dest,
                    job.mode.as_ref(),
                    ctx,
                )
                .await;
            }
            let sum = s
                .sha256
                .clone()
                .ok_or_else(|| Failure::Failed(format!("Source {src} is not a regular file")))?;
            (sum, Some(s.mode))
        }
    };
    let source = match data {
        Data::Bytes(b) => Source::Bytes(b),
        Data::Local(f) => Source::File {
            path: &f.path,
            sha256: &f.sha256,
        },
        Data::Remote(path) => Source::Remote {
            path,
            sha256: &new_sum,
        },
    };
    if let Some(want) = &args.checksum {
        let have = match data {
            Data::Bytes(b) => {
                use sha1::Digest;
                Some(write::hex(&sha1::Sha1::digest(b)))
            }
            Data::Local(f) => Some(f.sha1.clone()),
            Data::Remote(_) => None,
        };
        if let Some(have) = have {
            if !want.eq_ignore_ascii_case(&have) {
                return Err(Failure::Failed(format!(
                    "Copied file does not match the expected checksum. Transfer failed. (expected {want}, got {have})"
                )));
            }
        }
    }
    let d = &found.dest;
    if d.kind == Kind::Directory {
        return Err(Failure::Failed(format!(
            "{} is a directory; cannot replace it with a file",
            found.path
        )));
    }
    let exists = d.exists();
    let mut o = Output::default();
    let f = &mut o.fields;
    f.insert("dest".into(), json!(found.path));
    if let Some(s) = &job.src {
        f.insert("src".into(), json!(s));
    }
    match data {
        Data::Bytes(b) => {
            use sha1::Digest;
            f.insert("checksum".into(), json!(write::hex(&sha1::Sha1::digest(b))));
            f.insert("md5sum".into(), json!(format!("{:x}", md5::compute(b))));
            f.insert("size".into(), json!(b.len()));
        }
        Data::Local(l) => {
            f.insert("checksum".into(), json!(l.sha1));
            f.insert("md5sum".into(), json!(l.md5));
            f.insert("size".into(), json!(l.size));
        }
        Data::Remote(_) => {}
    }
    if exists && !args.force {
        o.msg = Some("file already exists".into());
        fill_state(&mut o.fields, d);
        return Ok(o);
    }
    let current = exists.then_some(d.mode);
    let bits = wanted_bits(&job.mode, current, preserve)?;
    let content_differs = d.kind != Kind::File || d.sha256.as_deref() != Some(new_sum.as_str());
    let owner_differs = exists
        && args
            .owner
            .as_deref()
            .is_some_and(|w| !same_id(w, &d.owner, d.uid));
    let group_differs = exists
        && args
            .group
            .as_deref()
            .is_some_and(|w| !same_id(w, &d.group, d.gid));
    let mode_differs = exists && bits.is_some_and(|b| b != d.mode);
    o.changed = content_differs || owner_differs || group_differs || mode_differs;
    if ctx.diff && o.changed {
        o.diffs = diffs(&found, data, content_differs, bits, args);
    }
    let opts = WriteOpts {
        mode: bits,
        owner: args.owner.clone(),
        group: args.group.clone(),
        backup: args.backup,
        validate: args.validate.clone(),
    };
    let after = if !o.changed {
        d.clone()
    } else if ctx.check {
        let mut p = d.clone();
        p.kind = Kind::File;
        p.mode = bits.unwrap_or(if exists { d.mode } else { 0o644 });
        p
    } else if content_differs {
        let prelude = mkdir_prelude(&found.path, job.dest.ends_with('/'));
        let w = write::write_from(ctx, &found.path, source, &opts, &prelude)
            .await?
            .unwrap_or_default();
        if let Some(b) = w.backup_file {
            o.fields.insert("backup_file".into(), json!(b));
        }
        w.state.unwrap_or_else(PathState::absent)
    } else {
        write::set_attrs(ctx, &found.path, &opts)
            .await?
            .unwrap_or_else(PathState::absent)
    };
    if after.exists() {
        fill_state(&mut o.fields, &after);
    }
    if !matches!(data, Data::Remote(_)) {
        ansible_keys(&mut o, &found.path);
    }
    Ok(o)
}

/// The keys Ansible's `copy` action leaves on a one-file result sent from the controller:
/// `diff` (empty without `--diff`); an unchanged file is the `file` module's answer (`path`,
/// no `md5sum` nor `src`).
fn ansible_keys(o: &mut Output, path: &str) {
    if o.diffs.is_empty() {
        o.fields.insert("diff".into(), json!([]));
    }
    if !o.changed {
        o.fields.remove("md5sum");
        o.fields.remove("src");
        o.fields.insert("path".into(), json!(path));
    }
}

/// For a `dest` ending in `/`: create the missing directories above the file.
fn mkdir_prelude(path: &str, wanted: bool) -> Vec<u8> {
    let Some((parent, _)) = path.rsplit_once('/').filter(|_| wanted) else {
        return Vec::new();
    };
    if parent.is_empty() {
        return Vec::new();
    }
    let mut s = b"mkdir -p -- ".to_vec();
    s.extend(quote(parent.as_bytes()));
    s.extend_from_slice(b" || exit 2\n");
    s
}

/// Ansible's state fields of a file.
pub(super) fn fill_state(f: &mut Map<String, Value>, s: &PathState) {
    f.insert("mode".into(), json!(mode::octal(s.mode)));
    f.insert("owner".into(), json!(s.owner));
    f.insert("group".into(), json!(s.group));
    f.insert("uid".into(), json!(s.uid));
    f.insert("gid".into(), json!(s.gid));
    f.insert("size".into(), json!(s.size));
    f.insert("state".into(), json!(s.kind.state()));
}

/// The `--diff` entries: the content (text, or placeholders), then mode and owner changes.
fn diffs(
    found: &Found,
    data: Data<'_>,
    content_differs: bool,
    bits: Option<u32>,
    args: &Args,
) -> Vec<Diff> {
    let d = &found.dest;
    let mut out = Vec::new();
    if content_differs {
        let before = if !d.exists() {
            String::new()
        } else if d.kind != Kind::File {
            format!("({})\n", d.kind.state())
        } else if d.size > MAX_DIFF_SIZE {
            "(file too large to diff)\n".into()
        } else {
            text_or_binary(&found.content)
        };
        let after = match data {
            Data::Bytes(b) if b.len() as u64 > MAX_DIFF_SIZE => "(file too large to diff)\n".into(),
            Data::Bytes(b) => text_or_binary(b),
            Data::Local(f) => match &f.small {
                Some(b) => text_or_binary(b),
                None => "(file too large to diff)\n".into(),
            },
            Data::Remote(src) => format!("(content of {src} on the target)\n"),
        };
        out.push(Diff {
            before_header: if d.exists() {
                found.path.clone()
            } else {
                String::new()
            },
            after_header: found.path.clone(),
            before,
            after,
        });
    }
    if d.exists() {
        if let Some(b) = bits.filter(|b| *b != d.mode) {
            out.push(value_diff("mode", &mode::octal(d.mode), &mode::octal(b)));
        }
        if let Some(w) = args
            .owner
            .as_deref()
            .filter(|w| !same_id(w, &d.owner, d.uid))
        {
            out.push(value_diff("owner", &d.owner, w));
        }
        if let Some(w) = args
            .group
            .as_deref()
            .filter(|w| !same_id(w, &d.group, d.gid))
        {
            out.push(value_diff("group", &d.group, w));
        }
    }
    out
}

/// A one-line before/after diff of an attribute.
pub(super) fn value_diff(what: &str, before: &str, after: &str) -> Diff {
    Diff {
        before_header: what.into(),
        after_header: what.into(),
        before: before.into(),
        after: after.into(),
    }
}

/// Text for a diff, or `(binary)` for content that is not UTF-8 text.
fn text_or_binary(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) if !s.contains('\0') => s.to_string(),
        _ => "(binary)\n".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Args, String> {
        args::parse("copy", v.as_object().expect("object"))
    }

    #[test]
    fn arguments_follow_ansible() {
        let a = parse(json!({"src": "a", "dest": "/b", "thirsty": "no", "backup": "yes"})).unwrap();
        assert!(!a.force && a.backup && a.local_follow);
        let e = parse(json!({"dest": "/b", "mdoe": "0644"})).unwrap_err();
        assert!(
            e.contains("Unsupported parameters for (copy) module"),
            "{e}"
        );
        assert_eq!(content_text(&json!({"a": 1})), "{\"a\": 1}");
        assert_eq!(content_text(&json!([1, "é"])), "[1, \"\\u00e9\"]");
        assert_eq!(content_text(&json!(12)), "12");
    }

    #[test]
    fn basenames_and_local_search() {
        assert_eq!(basename("dir/sub/"), "sub");
        assert_eq!(basename("f.txt"), "f.txt");
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("files")).unwrap();
        std::fs::write(d.path().join("files/x"), "1").unwrap();
        std::fs::write(d.path().join("y"), "2").unwrap();
        let dirs = [d.path().to_path_buf()];
        assert_eq!(
            find_local(&dirs, "files", "x").unwrap(),
            d.path().join("files/x")
        );
        assert_eq!(find_local(&dirs, "files", "y").unwrap(), d.path().join("y"));
        let e = find_local(&dirs, "files", "z").unwrap_err();
        assert!(e.contains("Could not find or access 'z'"), "{e}");
    }

    #[test]
    fn probe_output_is_read_with_the_written_path() {
        let out = b"rsible-dest /d/f\nrsible-probe file\n644 0 root 0 root 3 1\n\nabc\nhi\n";
        let f = parse_probe(out, false).unwrap();
        assert_eq!(f.path, "/d/f");
        assert_eq!(f.dest.sha256.as_deref(), Some("abc"));
        assert_eq!(f.content, b"hi\n");
        let remote = b"rsible-probe absent\nrsible-dest /x\nrsible-probe absent\n";
        let f = parse_probe(remote, true).unwrap();
        assert!(!f.src.unwrap().exists() && !f.dest.exists());
    }

    #[test]
    fn ids_match_by_name_or_number_and_modes_resolve() {
        assert!(same_id("root", "root", 0) && same_id("0", "root", 0));
        assert!(!same_id("1000", "root", 0));
        let sym = Some(Mode::parse(&json!("u=rw,g=r,o=")).unwrap());
        assert_eq!(wanted_bits(&sym, Some(0o777), None).unwrap(), Some(0o640));
        assert_eq!(
            wanted_bits(&Some(Mode::Preserve), None, Some(0o755)).unwrap(),
            Some(0o755)
        );
        assert_eq!(text_or_binary(b"a\0b"), "(binary)\n");
    }
}
