//! `copy` (and `template`, which the engine renders into `copy`'s `content`): put a file from
//! the controller (or from the target itself, `remote_src`) at `dest`. Idempotent by sha256:
//! a probe reads the destination's state, and an apply writes only when the content differs
//! (or, when only mode/owner/group differ, fixes those); in check mode the apply is not sent
//! and the result is the state the write would leave. A local directory is copied by
//! [`tree`], a directory on the target by [`remote_tree`]. Knows
//! nothing of playbooks; arguments arrive templated.

use super::common::attrs::{fill_state, mode_arg, same_id, value_diff};
use super::common::chattr::{self, Attributes};
use super::common::selinux;
use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{self, de_bool, de_opt_string, is_template};
use crate::modules::framework::local_src::find_local;
use crate::modules::framework::mode::{self, Mode};
use crate::modules::framework::prefetch::Read;
use crate::modules::framework::probe::{self, Kind, PathState, Want};
use crate::modules::framework::report::{Report, BODY, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, Source, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

mod remote_tree;
mod tree;

/// Ansible's `max_diff_size`: larger files are not diffed.
const MAX_DIFF_SIZE: u64 = 104_448;

/// `copy` in the registry.
pub const SPEC: Spec = spec::<Copy>(B, &[]);

/// The `copy` module.
pub struct Copy;

/// Arguments of `copy` (Ansible's names). `dest` is required (a null one is refused too).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) src: Option<String>,
    #[serde(default)]
    pub(super) content: Option<Value>,
    #[serde(deserialize_with = "de_opt_string")]
    pub(super) dest: Option<String>,
    #[serde(default)]
    pub(super) mode: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) group: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) backup: bool,
    #[serde(default = "yes", alias = "thirsty", deserialize_with = "de_bool")]
    pub(super) force: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) validate: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) remote_src: bool,
    #[serde(default)]
    pub(super) directory_mode: Option<Value>,
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) follow: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    pub(super) local_follow: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) checksum: Option<String>,
    /// A vault-encrypted local `src` is decrypted (in memory) before it is sent.
    #[serde(default = "yes", deserialize_with = "de_bool")]
    pub(super) decrypt: bool,
    /// SELinux contexts: see [`selinux`].
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) seuser: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) serole: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) setype: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) selevel: Option<String>,
    /// ext2-style flags of a copied file: see [`chattr`].
    #[serde(default, alias = "attr", deserialize_with = "de_opt_string")]
    pub(super) attributes: Option<String>,
    /// Accepted for compatibility: writes are always atomic.
    #[serde(default, rename = "unsafe_writes")]
    _unsafe_writes: Option<Value>,
}

impl Module for Copy {
    const NAME: &'static str = "copy";
    type Args = Args;
    const READS_AHEAD: bool = true;

    /// The destination and its sum, for content or a local source (a remote source is read
    /// with it by the probe).
    fn reads(a: &Args) -> Vec<Read> {
        match &a.dest {
            Some(d) if !a.remote_src && (a.content.is_some() || a.src.is_some()) => vec![Read {
                sha256: true,
                ..Read::state(d)
            }],
            _ => Vec::new(),
        }
    }

    fn validate(a: &Args) -> Result<(), String> {
        let dest = a.dest.as_deref().unwrap_or_default();
        if dest.is_empty() {
            return Err("missing required arguments: dest".into());
        }
        match (&a.src, &a.content) {
            (Some(_), Some(_)) => {
                return Err("parameters are mutually exclusive: content|src".into())
            }
            (None, None) => return Err("src (or content) is required".into()),
            (None, Some(_)) if dest.ends_with('/') && !is_template(dest) => {
                return Err("can not use content with a dir as dest".into())
            }
            _ => {}
        }
        mode_arg(a.mode.as_ref())?;
        mode_arg(a.directory_mode.as_ref())?;
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(copy(a, ctx))
    }
}

/// `copy`: a file from `content`, a controller file or directory, or a target file or
/// directory (`remote_src`).
async fn copy(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let se = [&args.seuser, &args.serole, &args.setype, &args.selevel].map(Option::is_some);
    selinux::check(ctx, "copy", se).await?;
    let dest = args.dest.clone().unwrap_or_default();
    let mode = args
        .mode
        .as_ref()
        .map(Mode::parse)
        .transpose()
        .map_err(Failure::BadArgs)?;
    match (&args.src, &args.content) {
        (_, Some(c)) => {
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
        (None, None) => Err(Failure::BadArgs("src (or content) is required".into())),
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
                no_tree_attributes(&args)?;
                return tree::copy_tree(&args, &path, src, &dest, mode, ctx).await;
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

/// `attributes` on a copied directory tree is refused (rsible sets flags on one file only).
fn no_tree_attributes(args: &Args) -> Result<(), Failure> {
    match &args.attributes {
        Some(_) => Err(Failure::Failed(
            "attributes when copying a directory is not supported by rsible (only for one file)"
                .into(),
        )),
        None => Ok(()),
    }
}

/// A controller file to copy, read once in chunks for its checksums (a large file is never
/// held in memory: it is streamed to the target when it differs).
struct LocalFile {
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
    fn read(path: &Path) -> Result<LocalFile, Failure> {
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
fn local_mode(p: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
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
/// `gated`: the probe part of a speculative write (see [`speculative`]): the state is read in
/// a subshell (it ends early for a missing path) and a missing path opens the gate.
fn probe_script(
    job: &FileJob,
    data: Data<'_>,
    follow: bool,
    diff: bool,
    attributes: bool,
    gated: bool,
) -> Vec<u8> {
    let mut s = MARK_FN.as_bytes().to_vec();
    if let Data::Remote(src) = data {
        let want = Want {
            sha256: true,
            content: false,
            follow: true,
        };
        s.extend_from_slice(b"(\n");
        s.extend(probe::script(src, want, SRC));
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
    s.extend_from_slice(b"m dest.path \"$d\"\n");
    if gated {
        s.extend_from_slice(b"(\n");
    }
    s.extend(probe::script_at(
        b"\"$d\"",
        Want {
            sha256: true,
            content: false,
            follow: false,
        },
        DEST,
    ));
    if gated {
        s.extend_from_slice(
            b")\nif ! [ -e \"$d\" ] && ! [ -L \"$d\" ]; then rsible_change=1; fi\n",
        );
    }
    if attributes {
        s.extend(chattr::probe_sh("\"$d\"", ATTR).into_bytes());
    }
    if diff {
        s.extend_from_slice(
            format!(
                "if [ \"$k\" = file ] && [ \"$(stat -c %s -- \"$p\")\" -le {MAX_DIFF_SIZE} ]; then m {BODY}; cat -- \"$p\"; fi\n"
            )
            .as_bytes(),
        );
    }
    s
}

/// The names of the probes of the remote source and of the destination.
const SRC: &str = "src";
const DEST: &str = "dest";
/// The name of the flags' probe and apply.
const ATTR: &str = "attr";

/// Parses [`probe_script`]'s output.
fn parse_probe(out: &[u8], remote: bool) -> Result<(Found, Report), String> {
    let (r, content) = Report::parse_with_body("copy", out).map_err(|e| e.to_string())?;
    let src = remote.then(|| probe::read("copy", &r, SRC)).transpose()?;
    let dest = probe::read("copy", &r, DEST)?;
    let path = match r.get("dest.path") {
        Some(p) => p.to_string(),
        None => return Err("copy: the target's answer was cut short".into()),
    };
    Ok((
        Found {
            path,
            dest,
            content,
            src,
        },
        r,
    ))
}

/// The apply of a speculative write and its stdin: for small plain-text content written to a
/// destination that may be missing (a first run), sent with the probe so that a missing file
/// costs one round trip, not two (see [`write::speculative`]). The probe opens the gate only
/// for a missing path, whose attributes are known here; everything else (a file whose
/// content or attributes differ, a directory, a link) is decided here after the probe, as
/// without it. `None` where it does not apply (`excluded`): `--diff` or `attributes` (more to
/// read or set), `checksum` (checked here before anything is written); and for a remote
/// source, a destination ending in `/` (parents to make), large or binary content.
fn speculative(
    args: &Args,
    job: &FileJob,
    data: Data<'_>,
    excluded: bool,
) -> Result<Option<write::Speculative>, Failure> {
    let content = match data {
        Data::Bytes(b) => b,
        Data::Local(f) => match &f.small {
            Some(b) => b.as_slice(),
            None => return Ok(None),
        },
        Data::Remote(_) => return Ok(None),
    };
    if excluded || job.dest.ends_with('/') {
        return Ok(None);
    }
    let opts = WriteOpts {
        mode: wanted_bits(&job.mode, None, job.local_mode)?,
        owner: args.owner.clone(),
        group: args.group.clone(),
        backup: false,
        validate: args.validate.clone(),
    };
    write::speculative(b"\"$d\"", content, &opts).map_err(Failure::Failed)
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

/// A regular file at `dest` as read ahead (see [`Copy::reads`]): what the probe would have
/// found there. `None` (the probe runs) for anything else, and where the probe reads more: a
/// remote source, `attributes`, `checksum`, a `dest` ending in `/`.
fn read_ahead(args: &Args, job: &FileJob, remote: bool, ctx: &Ctx<'_>) -> Option<Found> {
    if remote || args.attributes.is_some() || args.checksum.is_some() || job.dest.ends_with('/') {
        return None;
    }
    let e = ctx.read_ahead(&job.dest)?;
    (e.state.kind == Kind::File && e.state.sha256.is_some()).then(|| Found {
        path: job.dest.clone(),
        dest: e.state.clone(),
        content: Vec::new(),
        src: None,
    })
}

/// The probe of the destination (and of a remote source), with the speculative write of a
/// missing file where it applies.
async fn probe_dest(
    args: &Args,
    job: &FileJob,
    data: Data<'_>,
    attributes: bool,
    ctx: &Ctx<'_>,
) -> Result<(Found, Report), Failure> {
    let remote = matches!(data, Data::Remote(_));
    let spec = speculative(
        args,
        job,
        data,
        ctx.diff || attributes || args.checksum.is_some(),
    )?;
    let script = probe_script(
        job,
        data,
        args.follow,
        ctx.diff && !remote,
        attributes,
        spec.is_some(),
    );
    let out = match spec {
        Some(w) => ctx.gated(&script, &w.apply, w.stdin).await?,
        None => ctx.probe(script, Vec::new()).await?,
    };
    let parsed = parse_probe(&out.stdout, remote);
    if out.status.rc() != 0 {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A speculative write that failed: the destination was missing, as the probe said.
        if let Ok((f, _)) = &parsed {
            if !f.dest.exists() {
                return Err(Failure::Failed(format!("{}: {}", f.path, stderr.trim())));
            }
        }
        return Err(Failure::Failed(format!(
            "could not read the state of {}: {}",
            job.dest,
            stderr.trim()
        )));
    }
    parsed.map_err(|e| Failure::Failed(format!("{}: {e}", job.dest)))
}

/// Copies one file: a probe, then the write or the fix of the attributes when something
/// differs (an apply: not sent in check mode).
async fn copy_file(
    args: &Args,
    job: &FileJob,
    data: Data<'_>,
    ctx: &Ctx<'_>,
) -> Result<Output, Failure> {
    let remote = matches!(data, Data::Remote(_));
    let attributes = args.attributes.as_deref().and_then(Attributes::parse);
    let (found, report) = match read_ahead(args, job, remote, ctx) {
        Some(found) => (found, Report::default()),
        None => probe_dest(args, job, data, attributes.is_some(), ctx).await?,
    };
    // What the speculative write did (`None` when it was not sent or not needed).
    let pre_written = write::gated_written(&report).filter(|_| !found.dest.exists());
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
                no_tree_attributes(args)?;
                return remote_tree::copy_remote_tree(args, src, &job.dest, job.mode.as_ref(), ctx)
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
    let attr_was = attributes.as_ref().and_then(|a| a.change(&report, ATTR));
    o.changed =
        content_differs || owner_differs || group_differs || mode_differs || attr_was.is_some();
    if ctx.diff && o.changed {
        o.diffs = diffs(&found, data, content_differs, bits, args);
        if let (Some(was), Some(a)) = (&attr_was, &attributes) {
            o.diffs.push(value_diff("attributes", was, &a.arg()));
        }
    }
    let opts = WriteOpts {
        mode: bits,
        owner: args.owner.clone(),
        group: args.group.clone(),
        backup: args.backup,
        validate: args.validate.clone(),
    };
    let written = if !o.changed {
        None
    } else if let Some(w) = pre_written.filter(|_| content_differs) {
        w.state
    } else if content_differs {
        let prelude = mkdir_prelude(&found.path, job.dest.ends_with('/'));
        write::write_from(ctx, &found.path, source, &opts, &prelude)
            .await?
            .map(|w| {
                if let Some(b) = w.backup_file {
                    o.fields.insert("backup_file".into(), json!(b));
                }
                w.state.unwrap_or_else(PathState::absent)
            })
    } else if owner_differs || group_differs || mode_differs {
        write::set_attrs(ctx, &found.path, &opts).await?
    } else {
        None
    };
    if let Some(a) = attributes.as_ref().filter(|_| o.changed) {
        if let Some(failed) = set_flags(ctx, a, &found.path).await? {
            return Ok(failed);
        }
    }
    // Not written (nothing to do, or check mode): the state the write would leave.
    let after = written.unwrap_or_else(|| {
        let mut p = d.clone();
        if o.changed {
            p.kind = Kind::File;
            p.mode = bits.unwrap_or(if exists { d.mode } else { 0o644 });
        }
        p
    });
    if after.exists() {
        fill_state(&mut o.fields, &after);
    }
    if !matches!(data, Data::Remote(_)) {
        ansible_keys(&mut o, &found.path);
    }
    Ok(o)
}

/// Runs `chattr` on the written file when its flags differ (an apply: not in check mode);
/// Ansible's failure when `chattr` fails.
async fn set_flags(ctx: &Ctx<'_>, a: &Attributes, path: &str) -> Result<Option<Output>, Failure> {
    let word = String::from_utf8_lossy(&quote(path.as_bytes())).into_owned();
    let script = format!("{MARK_FN}{}", a.apply_sh(&word, ATTR));
    let Some(out) = ctx.apply(script.into_bytes(), Vec::new()).await? else {
        return Ok(None);
    };
    let r = Report::parse("copy", &String::from_utf8_lossy(&out.stdout))?;
    if !r.has("chattr_failed") {
        return Ok(None);
    }
    let mut o = Output::failed_rc("chattr failed".into(), 1);
    o.fields.remove("rc");
    o.fields.insert("path".into(), json!(path));
    let details = r.get("chattr_details").unwrap_or_default();
    o.fields.insert("details".into(), json!(details));
    Ok(Some(o))
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
    use crate::modules::framework::spec::check;

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
        assert_eq!(
            check::<Copy>(json!({"content": "x", "dest": "/b", "mode": "u=rw"})),
            Ok(true)
        );
        assert_eq!(
            check::<Copy>(
                json!({"src": "{{ s }}", "dest": "{{ d }}/", "mode": "{{ m }}",
                "force": "{{ f }}", "directory_mode": "{{ m }}"})
            ),
            Ok(true)
        );
        assert_eq!(
            check::<Copy>(json!({"content": "{{ c }}", "dest": "{{ d }}/"})),
            Ok(true)
        );
        assert!(check::<Copy>(json!({"src": "a"})).is_err());
        assert!(check::<Copy>(json!({"src": "a", "dest": ""})).is_err());
        assert!(check::<Copy>(json!({"dest": "/b"})).is_err());
        assert!(check::<Copy>(json!({"src": "a", "content": "b", "dest": "/c"})).is_err());
        assert!(check::<Copy>(json!({"content": "b", "dest": "/c/"})).is_err());
        assert!(check::<Copy>(json!({"src": "a", "dest": "/c", "mode": "rwxrwxrwx"})).is_err());
        assert!(
            check::<Copy>(json!({"src": "a", "dest": "/c", "directory_mode": "0999"})).is_err()
        );
        assert!(check::<Copy>(json!({"src": "a", "dest": "/c", "backup": "often"})).is_err());
        assert!(check::<Copy>(json!({"src": "a", "dest": "/c", "dset": "/d"})).is_err());
        assert_eq!(content_text(&json!({"a": 1})), "{\"a\": 1}");
        assert_eq!(content_text(&json!([1, "é"])), "[1, \"\\u00e9\"]");
        assert_eq!(content_text(&json!(12)), "12");
    }

    #[test]
    fn basenames() {
        assert_eq!(basename("dir/sub/"), "sub");
        assert_eq!(basename("f.txt"), "f.txt");
    }

    #[test]
    fn probe_output_is_read_with_the_written_path() {
        let out = b"@@rsible dest file\n@@rsible dest.stat 644 0 root 0 root 3 1\n\
                    @@rsible dest.sha256 abc\n@@rsible dest.path /d/f\n@@rsible body\nhi\n";
        let (f, _) = parse_probe(out, false).unwrap();
        assert_eq!(f.path, "/d/f");
        assert_eq!(f.dest.sha256.as_deref(), Some("abc"));
        assert_eq!(f.content, b"hi\n");
        let remote = b"@@rsible src absent\n@@rsible dest.path /x\n@@rsible dest absent\n";
        let (f, _) = parse_probe(remote, true).unwrap();
        assert!(!f.src.unwrap().exists() && !f.dest.exists());
        let e = parse_probe(b"@@rsible dest absent\n", false).unwrap_err();
        assert!(e.starts_with("copy: "), "{e}");
        let e = parse_probe(b"@@rsible dest file\n@@rsible dest.stat 6\n", false).unwrap_err();
        assert!(e.starts_with("copy: "), "{e}");
    }

    #[test]
    fn modes_resolve() {
        let sym = Some(Mode::parse(&json!("u=rw,g=r,o=")).unwrap());
        assert_eq!(wanted_bits(&sym, Some(0o777), None).unwrap(), Some(0o640));
        assert_eq!(
            wanted_bits(&Some(Mode::Preserve), None, Some(0o755)).unwrap(),
            Some(0o755)
        );
        assert_eq!(text_or_binary(b"a\0b"), "(binary)\n");
    }
}
