//! The one way file content reaches a target: streamed over stdin into a temp file beside
//! the destination, its sha256 checked, mode and owner set, optionally validated and the old
//! file backed up, then `mv -f` into place. A reader sees the old file or the new one, never
//! half of one; a failure (full disk, bad validation) leaves the old file untouched and the
//! temp file removed. One remote program of its own ([`write_from`]), or a part of a module's
//! gated apply ([`inline`], [`inline_at`], [`inline_target`]); in check mode nothing is
//! written. A file fetched to the controller is written the
//! same way there ([`to_controller`]). An empty file made only where none exists (`file
//! state=touch`, `tempfile`) is not a write of content and stays with its module: it is
//! created exclusively (`set -C`), so it never truncates a file that appeared meanwhile.
//! Knows nothing of module arguments.

use crate::connection::quote::quote;
use crate::modules::framework::probe::{self, PathState};
use crate::modules::framework::report::Report;
use crate::modules::{Ctx, Failure};

/// Attributes and safety steps of one write.
#[derive(Debug, Clone, Default)]
pub struct WriteOpts {
    /// Permission bits; `None` keeps the old file's, or `0666 & ~umask` for a new one.
    pub mode: Option<u32>,
    /// Owner name or uid; `None` keeps the old file's owner (when allowed).
    pub owner: Option<String>,
    /// Group name or gid; `None` keeps the old file's group.
    pub group: Option<String>,
    /// Copy the old file to `PATH.PID.DATE@TIME~` first.
    pub backup: bool,
    /// A command run on the temp file before it replaces the old one; `%s` is its path.
    pub validate: Option<String>,
}

/// What a write did besides writing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// The backup file, when one was made.
    pub backup_file: Option<String>,
    /// The new file's state, read by the same program.
    pub state: Option<PathState>,
}

/// The sh program that performs the write of content with sha256 `sum` to `path`.
pub fn script(path: &str, sum: &str, o: &WriteOpts) -> Result<Vec<u8>, String> {
    script_words(&quote(path.as_bytes()), sum.as_bytes(), o)
}

/// As [`script`], with the path and the sha256 given as shell words (a quoted literal, or
/// `"$x"` for a value the program holds; the sha256's word must not be `$p`, set first).
///
/// Every step the shell can do itself, it does (an exec costs the target about a millisecond,
/// and a first run writes many files): the directory by expansion, not `dirname`; the temp
/// file under a random name, created exclusively (`set -C`: never a file that was there, so
/// never someone else's to remove), not by `mktemp`; its final mode from the umask where the
/// umask can give it, not by `chmod`; an old file's owner kept by `chown` only when it is not
/// already ours; the sha256 cut by expansion, not `cut`. What remains:
/// `cat` (the content from stdin), `sha256sum` (stdin ends early if the connection breaks,
/// and a short file must never be moved into place) and `mv`. The content stays on stdin,
/// never in the program's text: a program may run as `sh -c TEXT`, whose argv other users of
/// the target can read.
fn script_words(path: &[u8], sum: &[u8], o: &WriteOpts) -> Result<Vec<u8>, String> {
    // Both words are read before the program sets variables of its own.
    let mut s = Vec::new();
    s.extend_from_slice(b"p=");
    s.extend_from_slice(path);
    s.extend_from_slice(b"\nrsible_sum=");
    s.extend_from_slice(sum);
    let mut name = [0u8; 16];
    crate::random::fill(&mut name).map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    s.extend_from_slice(
        format!(
            r#"
case $p in */*) d=${{p%/*}}; d=${{d:-/}} ;; *) d=. ;; esac
[ -d "$d" ] || {{ echo "Destination directory $d does not exist" >&2; exit 3; }}
t="$d/.rsible-tmp.{}"
"#,
            hex(&name)
        )
        .as_bytes(),
    );
    // The umask gives a mode of at most 0666 that lets the owner write; other modes, and an
    // existing file's mode kept, start from 0600 and are set by `chmod`.
    let by_umask = o.mode.filter(|m| m & !0o666 == 0 && m & 0o600 == 0o600);
    match (by_umask, o.mode) {
        (Some(m), _) => s.extend_from_slice(format!("umask {:03o}\n", !m & 0o777).as_bytes()),
        (None, Some(_)) => s.extend_from_slice(b"umask 077\n"),
        (None, None) => s.extend_from_slice(b"[ -e \"$p\" ] && umask 077\n"),
    }
    s.extend_from_slice(
        br#"set -C
printf '' > "$t" || { echo "could not create $t; $p is unchanged" >&2; exit 4; }
set +C
trap 'rm -f -- "$t"' EXIT
trap 'rm -f -- "$t"; exit 1' HUP INT TERM PIPE
if ! cat > "$t"; then echo "writing $t failed; $p is unchanged" >&2; exit 5; fi
s=$(sha256sum < "$t")
[ "${s%% *}" = "$rsible_sum" ] || { echo "the content arrived damaged (sha256 ${s%% *}); $p is unchanged" >&2; exit 6; }
"#,
    );
    match (by_umask, o.mode) {
        (Some(_), _) => {}
        (None, Some(m)) => {
            s.extend_from_slice(format!("chmod {m:o} \"$t\" || exit 7\n").as_bytes())
        }
        (None, None) => s.extend_from_slice(
            br#"if [ -e "$p" ]; then chmod "$(stat -c %a -- "$p")" "$t" || exit 7; fi
"#,
        ),
    }
    // An old file's owner and group are kept; when they are already the temp file's (ours:
    // the shell's tests say so without an exec), there is nothing to give it.
    s.extend_from_slice(
        br#"if [ -e "$p" ] && ! { [ -O "$p" ] && [ -G "$p" ] && [ -G "$t" ]; }; then chown "$(stat -c %u:%g -- "$p")" "$t" 2>/dev/null; fi
"#,
    );
    if let Some(owner) = &o.owner {
        s.extend_from_slice(b"chown -- ");
        s.extend(quote(owner.as_bytes()));
        s.extend_from_slice(b" \"$t\" || exit 8\n");
    }
    if let Some(group) = &o.group {
        s.extend_from_slice(b"chgrp -- ");
        s.extend(quote(group.as_bytes()));
        s.extend_from_slice(b" \"$t\" || exit 8\n");
    }
    if let Some(v) = &o.validate {
        if !v.contains("%s") {
            return Err(format!("validate must contain %s: {v}"));
        }
        // The command is the user's shell text; only the temp path is substituted.
        let cmd = v.replace("%s", "\"$t\"");
        s.extend_from_slice(b"if ! o=$(");
        s.extend_from_slice(cmd.as_bytes());
        s.extend_from_slice(
            br#" 2>&1); then printf 'failed to validate: %s\n' "$o" >&2; exit 9; fi
"#,
        );
    }
    if o.backup {
        s.extend_from_slice(BACKUP);
    }
    s.extend_from_slice(
        br#"mv -f -- "$t" "$p" || { echo "could not move the new file into place; $p is unchanged" >&2; exit 11; }
trap - EXIT
"#,
    );
    Ok(s)
}

/// sh copying the file `$p`, when it exists, to `$p.PID.DATE@TIME~` (Ansible's backup name)
/// and reporting it (`@@rsible backup NAME`, read by [`backup_of`]); exit 10 when the copy fails. The PID is a process of this
/// program's own, not `$$`: programs that share one shell share its `$$`, and two backups
/// in one second would take one name.
const BACKUP: &[u8] = br#"if [ -e "$p" ]; then b="$p.$(sh -c 'echo $$').$(date +%Y-%m-%d@%H:%M:%S)~"; cp -p -- "$p" "$b" || exit 10; printf '@@rsible backup %s\n' "$b"; fi
"#;

/// The backup a write (or [`backup_script`]) made, from its program's report.
pub fn backup_of(r: &Report) -> Option<String> {
    r.get("backup").map(str::to_string)
}

/// The program that backs up `path` as a write with `backup` does, without writing: for
/// a module whose backup Ansible makes whether or not the file then changes.
pub fn backup_script(path: &str) -> Vec<u8> {
    let mut s = b"p=".to_vec();
    s.extend(quote(path.as_bytes()));
    s.push(b'\n');
    s.extend_from_slice(BACKUP);
    s
}

/// The write of `content` to `path` as a part of a larger program (the apply of a
/// [`Ctx::gated`] program): a subshell that reads the content from the program's stdin,
/// which must be the returned bytes (so one inline write per program). The subshell exits
/// non-zero with a message on stderr when the write fails; the old file is then untouched.
pub fn inline(path: &str, content: &[u8], opts: &WriteOpts) -> Result<(Vec<u8>, Vec<u8>), String> {
    use sha2::Digest;
    // The space keeps a caller's `$(` from reading `$((` as arithmetic.
    let mut s = b" (\n".to_vec();
    s.extend(script(path, &hex(&sha2::Sha256::digest(content)), opts)?);
    s.extend_from_slice(b")");
    Ok((s, content.to_vec()))
}

/// As [`inline`], for a write whose path and content the program itself decides (say each
/// file of a directory rewritten by `sed`): `path` and `sum` are shell words (`"$x"`,
/// `"$sum"`; any variable but `p`) holding the destination and the content's sha256, and
/// the content is the subshell's stdin (pipe it in: `sed ... "$x" | WRITE`).
pub fn inline_at(path: &[u8], sum: &[u8], opts: &WriteOpts) -> Result<Vec<u8>, String> {
    let mut s = b" (\n".to_vec();
    s.extend(script_words(path, sum, opts)?);
    s.extend_from_slice(b")");
    Ok(s)
}

/// The write of a file the same program made on the target (content the target downloaded
/// or computed) to `path`, as a part of a larger program (the apply of a [`Ctx::gated`]
/// program): like [`inline`], but the content is read from `src` instead of the program's
/// stdin, so one program may hold several. `path` and `src` are sh words the program expands
/// (`"$f"`, `"$td/new"`): the caller quotes them.
pub fn inline_target(path: &str, src: &str, opts: &WriteOpts) -> Result<Vec<u8>, String> {
    let mut s = format!(" (\nexec < {src} || exit 2\nws=$(sha256sum < {src})\nws=${{ws%% *}}\n")
        .into_bytes();
    s.extend(script_words(path.as_bytes(), b"\"$ws\"", opts)?);
    s.extend_from_slice(b")");
    Ok(s)
}

/// Contents up to this size, when plain text, are sent with the probe that decides whether
/// they are needed ([`speculative`]): a run that changes nothing then carries them for
/// nothing, which costs the target less than the second round trip a first run saves.
const SPECULATIVE_MAX: usize = 16 * 1024;

/// The apply part of a [`Ctx::gated`] program that writes `content` to the path held by the
/// shell word `word` (set by the probe part, say `"$d"`), then reads the new state (see
/// [`gated_written`]); with the program's stdin. `None` when the content is not worth sending
/// before the probe has answered: larger than 16 KiB, or not plain text (it would cost the
/// target a `base64` on every run).
pub fn speculative(
    word: &[u8],
    content: &[u8],
    opts: &WriteOpts,
) -> Result<Option<Speculative>, String> {
    use sha2::Digest;
    if content.len() > SPECULATIVE_MAX || !crate::connection::plain_text(content) {
        return Ok(None);
    }
    let sum = quote(hex(&sha2::Sha256::digest(content)).as_bytes());
    let mut s = inline_at(word, &sum, opts)?;
    s.extend_from_slice(b" || exit $?\n");
    s.extend(probe::script_at(word, probe::Want::default(), AFTER));
    Ok(Some(Speculative {
        apply: s,
        stdin: content.to_vec(),
    }))
}

/// The apply of a gated program that writes before it knows it must ([`speculative`]).
pub struct Speculative {
    /// The shell text behind the gate.
    pub apply: Vec<u8>,
    /// The program's stdin: the content.
    pub stdin: Vec<u8>,
}

/// What the apply of [`speculative`] did, from its program's report; `None` when it did not
/// run (nothing differed, or check mode).
pub fn gated_written(r: &Report) -> Option<Written> {
    let state = probe::read(WRITER, r, AFTER).ok()?;
    Some(Written {
        backup_file: backup_of(r),
        state: Some(state),
    })
}

/// Where the new content comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// Bytes from the controller, sent over stdin.
    Bytes(&'a [u8]),
    /// A controller file, streamed over stdin (never held in memory), with its sha256.
    File {
        /// Its path on the controller.
        path: &'a std::path::Path,
        /// Its sha256.
        sha256: &'a str,
    },
    /// A file already on the target (`remote_src`), with its sha256.
    Remote {
        /// Its path on the target.
        path: &'a str,
        /// Its sha256, as probed; the copy is checked against it.
        sha256: &'a str,
    },
}

/// Writes `content` to `path` atomically with `opts`; `None` in check mode (nothing sent).
pub async fn write_atomic(
    ctx: &Ctx<'_>,
    path: &str,
    content: &[u8],
    opts: &WriteOpts,
) -> Result<Option<Written>, Failure> {
    write_from(ctx, path, Source::Bytes(content), opts, b"").await
}

/// Writes `source` to `path` atomically with `opts`, after `prelude` (sh text run first in
/// the same program, say a `mkdir -p` of the parents; it must exit non-zero with a message
/// on stderr to stop the write). Also reads the new file's state. In check mode nothing is
/// sent and the answer is `None`.
pub async fn write_from(
    ctx: &Ctx<'_>,
    path: &str,
    source: Source<'_>,
    opts: &WriteOpts,
    prelude: &[u8],
) -> Result<Option<Written>, Failure> {
    use sha2::Digest;
    let (sum, stdin, file) = match source {
        Source::Bytes(b) => (hex(&sha2::Sha256::digest(b)), b.to_vec(), None),
        Source::File { path, sha256 } => (sha256.to_string(), Vec::new(), Some(path)),
        Source::Remote { sha256, .. } => (sha256.to_string(), Vec::new(), None),
    };
    let mut full = prelude.to_vec();
    if let Source::Remote { path: src, .. } = source {
        full.extend_from_slice(b"exec < ");
        full.extend(quote(src.as_bytes()));
        full.extend_from_slice(b" || exit 2\n");
    }
    full.extend(script(path, &sum, opts).map_err(Failure::Failed)?);
    full.extend(probe::script(path, probe::Want::default(), AFTER));
    let Some(out) = ctx.apply_streaming(full, stdin, file).await? else {
        return Ok(None);
    };
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse(WRITER, &String::from_utf8_lossy(&out.stdout))?;
    Ok(Some(Written {
        backup_file: backup_of(&r),
        state: probe::read(WRITER, &r, AFTER).ok(),
    }))
}

/// The name of the probe of the result, after the program's work.
const AFTER: &str = "after";

/// Who a malformed answer to these programs is blamed on (they serve several modules).
const WRITER: &str = "the atomic writer";

/// The sh program that gives an existing `path` `opts`' owner, group and mode (backup and
/// validate do not apply), changing only what differs, then probes it.
pub fn attrs_script(path: &str, opts: &WriteOpts) -> Vec<u8> {
    let mut s = b"p=".to_vec();
    s.extend(quote(path.as_bytes()));
    s.push(b'\n');
    for (value, fmt_name, fmt_id, cmd) in [
        (&opts.owner, "%U", "%u", "chown"),
        (&opts.group, "%G", "%g", "chgrp"),
    ] {
        if let Some(v) = value {
            let q = quote(v.as_bytes());
            s.extend_from_slice(b"v=");
            s.extend(q);
            s.extend_from_slice(
                format!(
                    "\n[ \"$(stat -c {fmt_name} -- \"$p\")\" = \"$v\" ] || [ \"$(stat -c {fmt_id} -- \"$p\")\" = \"$v\" ] || {cmd} -- \"$v\" \"$p\" || exit 8\n"
                )
                .as_bytes(),
            );
        }
    }
    // The mode last: a change of owner clears the setuid and setgid bits.
    if let Some(m) = opts.mode {
        s.extend_from_slice(
            format!("[ \"$(stat -c %a -- \"$p\")\" = {m:o} ] || chmod {m:o} -- \"$p\" || exit 7\n")
                .as_bytes(),
        );
    }
    s.extend(probe::script(path, probe::Want::default(), AFTER));
    s
}

/// Gives an existing `path` the mode, owner and group of `opts`: one program; returns the
/// path's new state (`None` in check mode: nothing sent).
pub async fn set_attrs(
    ctx: &Ctx<'_>,
    path: &str,
    opts: &WriteOpts,
) -> Result<Option<PathState>, Failure> {
    let Some(out) = ctx.apply(attrs_script(path, opts), Vec::new()).await? else {
        return Ok(None);
    };
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse(WRITER, &String::from_utf8_lossy(&out.stdout))?;
    probe::read(WRITER, &r, AFTER)
        .map(Some)
        .map_err(|e| Failure::Failed(format!("{path}: {e}")))
}

/// Writes `bytes` to the controller file `dest` (`fetch`): a temp file beside it, then a
/// rename, its directories made first. In check mode nothing is written and the answer is
/// `None`.
pub fn to_controller(
    ctx: &Ctx<'_>,
    dest: &std::path::Path,
    bytes: &[u8],
) -> std::io::Result<Option<()>> {
    if !ctx.applies() {
        return Ok(None);
    }
    let dir = dest.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rsible-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dest)
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .map(Some)
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_values_are_quoted_and_validate_needs_the_placeholder() {
        let o = WriteOpts {
            owner: Some("x; rm -rf /".into()),
            ..WriteOpts::default()
        };
        let s = String::from_utf8(script("/tmp/a b", "00", &o).unwrap()).unwrap();
        assert!(s.contains("p='/tmp/a b'"));
        assert!(s.contains("chown -- 'x; rm -rf /'"));
        let bad = WriteOpts {
            validate: Some("true".into()),
            ..WriteOpts::default()
        };
        assert!(script("/x", "00", &bad).is_err());
    }

    #[test]
    fn a_file_made_on_the_target_is_written_through_the_same_steps() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::write(dir.path().join("src"), "made here\n").unwrap();
        let opts = WriteOpts {
            mode: Some(0o600),
            ..WriteOpts::default()
        };
        let w = inline_target("\"$d/dest\"", "\"$d/src\"", &opts).unwrap();
        let program = format!("d='{d}'\n{} || exit 1\n", String::from_utf8(w).unwrap());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&program)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dest = dir.path().join("dest");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "made here\n");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    /// Runs `program` (with `stdin`) in a fresh `sh`, asserting success.
    fn run_sh(program: &[u8], stdin: &[u8]) {
        use std::io::Write;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(program))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The program of [`inline`] for `content` to `path`, run alone.
    fn program_for(path: &std::path::Path, content: &[u8], opts: &WriteOpts) -> (Vec<u8>, Vec<u8>) {
        inline(path.to_str().unwrap(), content, opts).unwrap()
    }

    #[test]
    fn the_shell_does_what_it_can_and_the_umask_gives_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let content = b"it's \"quoted\" $HOME `x`\n\xff\0\nno newline at the end";
        let cases: [(Option<u32>, Option<u32>, u32); 4] = [
            (Some(0o644), None, 0o644),
            (Some(0o750), None, 0o750),
            (None, Some(0o600), 0o600),
            (Some(0o400), None, 0o400),
        ];
        for (i, (mode, old, want)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("f{i}"));
            if let Some(m) = old {
                std::fs::write(&path, "old").unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
            }
            let opts = WriteOpts {
                mode,
                ..WriteOpts::default()
            };
            let (program, stdin) = program_for(&path, content, &opts);
            assert_eq!(stdin, content);
            let text = String::from_utf8_lossy(&program);
            for exec in ["mktemp", "dirname", "cut "] {
                assert!(!text.contains(exec), "{exec} in {text}");
            }
            let chmods = want & 0o111 != 0 || old.is_some() || want & 0o200 == 0;
            assert_eq!(text.contains("chmod"), chmods, "case {i}: {text}");
            run_sh(&program, &stdin);
            assert_eq!(std::fs::read(&path).unwrap(), content);
            let m = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(m, want, "case {i}");
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| n.starts_with('f')), "{names:?}");
    }

    /// An old file's owner and group stay: given back by `chown` when they are another
    /// user's (the tests run as root, which may), left alone when they are already ours.
    #[test]
    fn an_old_files_owner_and_group_are_kept() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let me = (
            std::fs::metadata(dir.path()).unwrap().uid(),
            std::fs::metadata(dir.path()).unwrap().gid(),
        );
        let owners = if me.0 == 0 {
            vec![(4321, 4322), me]
        } else {
            vec![me]
        };
        for (i, owner) in owners.into_iter().enumerate() {
            let path = dir.path().join(format!("f{i}"));
            std::fs::write(&path, "old").unwrap();
            std::os::unix::fs::chown(&path, Some(owner.0), Some(owner.1)).unwrap();
            let (program, stdin) = program_for(&path, b"new\n", &WriteOpts::default());
            run_sh(&program, &stdin);
            let m = std::fs::metadata(&path).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"new\n");
            assert_eq!((m.uid(), m.gid()), owner, "case {i}");
        }
    }

    #[test]
    fn a_short_stdin_is_never_moved_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "old\n").unwrap();
        let (program, stdin) = program_for(&path, b"the whole content\n", &WriteOpts::default());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "printf 'the whole' | {}",
                String::from_utf8(program).unwrap()
            ))
            .output()
            .unwrap();
        assert!(!stdin.is_empty());
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("arrived damaged"));
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/f");
        let (program, _) = program_for(&path, b"x", &WriteOpts::default());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(program).unwrap())
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no/such does not exist"));
    }

    #[test]
    fn a_controller_file_is_written_only_outside_check_mode() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("h1/etc/hosts");
        let conn = crate::connection::local::LocalConnection;
        let mut ctx = Ctx {
            conn: &conn,
            become_: None,
            check: true,
            diff: false,
            timeout: None,
            environment: &[],
            host: "h",
            search_paths: &[],
            reconnect: None,
            delegated_to: None,
            prefetched: None,
            changes: None,
        };
        assert_eq!(to_controller(&ctx, &dest, b"x").unwrap(), None);
        assert!(!dest.exists());
        ctx.check = false;
        assert_eq!(to_controller(&ctx, &dest, b"x").unwrap(), Some(()));
        assert_eq!(std::fs::read(&dest).unwrap(), b"x");
    }

    #[test]
    fn attributes_set_the_mode_after_the_owner() {
        let o = WriteOpts {
            mode: Some(0o4755),
            owner: Some("daemon".into()),
            ..WriteOpts::default()
        };
        let s = String::from_utf8(attrs_script("/x", &o)).unwrap();
        let (chown, chmod) = (s.find("chown").unwrap(), s.find("chmod 4755").unwrap());
        assert!(chown < chmod, "{s}");
    }

    #[tokio::test]
    async fn writes_atomically_and_keeps_the_old_file_on_validation_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "old\n").unwrap();
        let conn = crate::connection::local::LocalConnection;
        let ctx = Ctx {
            conn: &conn,
            become_: None,
            check: false,
            diff: false,
            timeout: None,
            environment: &[],
            host: "h",
            search_paths: &[],
            reconnect: None,
            delegated_to: None,
            prefetched: None,
            changes: None,
        };
        let p = path.to_str().unwrap();
        let bad = WriteOpts {
            validate: Some("grep -q never %s".into()),
            ..WriteOpts::default()
        };
        let e = write_atomic(&ctx, p, b"new\n", &bad).await.unwrap_err();
        assert!(e.to_string().contains("failed to validate"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        let ok = WriteOpts {
            mode: Some(0o640),
            backup: true,
            validate: Some("grep -q new %s".into()),
            ..WriteOpts::default()
        };
        let w = write_atomic(&ctx, p, b"new\n", &ok)
            .await
            .unwrap()
            .expect("written outside check mode");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let backup = w.backup_file.expect("a backup");
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "old\n");
        assert_eq!(w.state.map(|s| (s.mode, s.size)), Some((0o640, 4)));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("rsible-tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
