//! `assemble` (ansible.builtin): a file made of the fragments in a directory on the target
//! (`remote_src`, the default), in name order, filtered by a Python `regexp` and
//! `ignore_hidden`, with a `delimiter` between fragments and a newline after a fragment that
//! lacks one, as Ansible's module joins them. Round trips: one probe reads the fragments
//! and the destination; when the content differs one apply writes it (validated first when
//! asked, backed up, through the atomic writer) and reads the new state; when only `mode`,
//! `owner` or `group` differ one apply sets them; in check mode no apply is sent. The
//! result has Ansible's keys (`src`, `dest`, `checksum`, `md5sum`, `msg`, the file's state,
//! `backup_file`, `validation`) and no diff, as Ansible's module gives none. Fragments on
//! the controller (`remote_src: false`) are refused at load. Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::modules::files::common::edit::{self, attr_changes, editor_args, shared_rules};
use crate::modules::files::common::pyre;
use crate::modules::framework::args::{de_bool, de_opt_bool, de_opt_string, is_template};
use crate::modules::framework::probe::{self, PathState};
use crate::modules::framework::report::{Report, MARK, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `assemble` in the registry.
pub const SPEC: Spec = spec::<Assemble>(B, &[]);

/// The `assemble` module.
pub struct Assemble;

editor_args! {
/// Arguments of `assemble` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    src: String,
    dest: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    delimiter: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    remote_src: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    regexp: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    ignore_hidden: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    validate: Option<String>,
    /// Vault decryption of controller fragments: without them (`remote_src`), Ansible
    /// ignores it too.
    #[serde(default, rename = "decrypt", deserialize_with = "de_opt_bool")]
    _decrypt: Option<bool>,
}
}

impl Module for Assemble {
    const NAME: &'static str = "assemble";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.remote_src == Some(false) {
            return Err(
                "remote_src: false (fragments on the controller) is not supported by \
                 rsible; put the fragments on the target (copy them first) and keep \
                 remote_src: true"
                    .into(),
            );
        }
        shared_rules(a.mode.as_ref(), a.validate.as_deref())?;
        if let Some(r) = a.regexp.as_deref().filter(|r| !is_template(r)) {
            pyre::compile(r, false, false)
                .map_err(|e| format!("Invalid Regexp ({e}) in \"{r}\""))?;
        }
        if let Some(d) = a.delimiter.as_deref().filter(|d| !is_template(d)) {
            unescape(d.as_bytes())?;
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(assemble(a, ctx))
    }
}

/// Python's `codecs.escape_decode`: backslash escapes (`\n`, `\t`, `\\`, `\x41`, `\101`,
/// ...) decoded, an unknown escape kept as written.
fn unescape(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        let Some(&c) = s.get(i + 1) else {
            return Err("delimiter: Trailing \\ in string".into());
        };
        i += 2;
        match c {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(c),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut n = u32::from(c - b'0');
                for _ in 0..2 {
                    match s.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            n = n * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((n & 0xff) as u8);
            }
            b'x' => {
                let hex = s
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        format!("delimiter: invalid \\x escape at position {}", i - 2)
                    })?;
                out.push(hex);
                i += 2;
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// The assembled file, as Ansible's module joins `fragments` (in order): a newline after a
/// fragment that lacks one, then the delimiter (decoded once more for each use, as
/// Ansible's loop does) with a newline after it unless it ends with one.
fn join(fragments: &[Vec<u8>], delimiter: Option<&str>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut delim = delimiter.map(|d| d.as_bytes().to_vec());
    let mut add_newline = false;
    for (n, f) in fragments.iter().enumerate() {
        if add_newline {
            out.push(b'\n');
        }
        if n > 0 {
            if let Some(d) = delim.as_mut().filter(|d| !d.is_empty()) {
                *d = unescape(d)?;
                out.extend_from_slice(d);
                if d.last() != Some(&b'\n') {
                    out.push(b'\n');
                }
            }
        }
        out.extend_from_slice(f);
        add_newline = !f.ends_with(b"\n");
    }
    Ok(out)
}

/// The probe: `nosrc` or `notdir`, else one `name` and `content` pair per regular file (a
/// symlink to one counts) in `src`, then `dest` and [`edit::read_script`]'s answer.
fn probe(a: &Args) -> Vec<u8> {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}s={src}\n\
         if [ ! -e \"$s\" ]; then m nosrc\nelif [ ! -d \"$s\" ]; then m notdir\nelse\n\
         for f in \"$s\"/* \"$s\"/.*; do\n\
         [ -f \"$f\" ] || continue\nmx name \"${{f##*/}}\"\n\
         printf '{MARK}content:x '; od -An -v -tx1 < \"$f\" | tr -d ' \\n'; echo\n\
         done\nfi\nm dest\n",
        src = quote_str(&a.src),
    )
    .into_bytes();
    s.extend(edit::read_script(&a.dest));
    s
}

/// The fragments the probe listed (`raw`, its report part) that Ansible's module takes, in
/// name order. Their contents are read from the raw bytes: a fragment need not be UTF-8.
fn fragments(
    r: &Report,
    raw: &[u8],
    regexp: Option<&pyre::Regex>,
    ignore_hidden: bool,
) -> Vec<Vec<u8>> {
    let head = format!("{MARK}content:x ");
    let contents = raw
        .split(|b| *b == b'\n')
        .filter_map(|l| l.strip_prefix(head.as_bytes()))
        .map(|hex| {
            hex.chunks(2)
                .filter_map(|h| std::str::from_utf8(h).ok())
                .filter_map(|h| u8::from_str_radix(h, 16).ok())
                .collect::<Vec<u8>>()
        });
    let mut all: Vec<(&str, Vec<u8>)> = r.all("name").zip(contents).collect();
    all.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()));
    all.into_iter()
        .filter(|(n, _)| regexp.is_none_or(|re| re.is_match(n.as_bytes())))
        .filter(|(n, _)| !(ignore_hidden && n.starts_with('.')))
        .map(|(_, c)| c)
        .collect()
}

/// The apply when the content differs: the content (stdin) into a temp file, `validate` run
/// on it (its `vrc`, `vout`, `verr` reported), the write, then `after` and the new state.
fn write_program(a: &Args, opts: &WriteOpts) -> Result<Vec<u8>, String> {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         t0=$(mktemp) || exit 1\ne=$(mktemp) || exit 1\ntrap 'rm -f -- \"$t0\" \"$e\"' EXIT\n\
         cat > \"$t0\" || exit 1\n"
    );
    if let Some(v) = &a.validate {
        let cmd = v.replace("%s", "\"$t0\"");
        s.push_str(&format!(
            "vo=$({cmd} 2>\"$e\"; r=$?; printf x; exit $r); vr=$?\nm vrc $vr\nmx vout \"${{vo%x}}\"\n\
             ve=$(cat -- \"$e\"; printf x); mx verr \"${{ve%x}}\"\n[ $vr = 0 ] || exit 0\n"
        ));
    }
    let mut s = s.into_bytes();
    s.extend(write::inline_target(&a.dest, "\"$t0\"", opts)?);
    s.extend_from_slice(
        b" 2>\"$e\" || { m wfail; mx werr \"$(cat -- \"$e\")\"; exit 0; }\nm after\n",
    );
    s.extend(probe::script(&a.dest, probe::Want::default(), WRITTEN));
    Ok(s)
}

/// The name of the probe of `dest` after the write.
const WRITTEN: &str = "written";

/// The state of `dest` the apply program probed after its write.
fn after_state(stdout: &[u8]) -> Option<PathState> {
    let r = Report::parse("assemble", &String::from_utf8_lossy(stdout)).ok()?;
    probe::read("assemble", &r, WRITTEN).ok()
}

/// `assemble`: see the file header for the round trips.
async fn assemble(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let regexp = match a.regexp.as_deref() {
        Some(r) => Some(
            pyre::compile(r, false, false)
                .map_err(|e| Failure::BadArgs(format!("Invalid Regexp ({e}) in \"{r}\"")))?,
        ),
        None => None,
    };
    let out = ctx.probe(probe(&a), Vec::new()).await?;
    let marker = format!("{MARK}dest\n");
    let Some(at) = out
        .stdout
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
    else {
        return Err(Failure::Failed(format!(
            "assemble: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    let r = Report::parse("assemble", &String::from_utf8_lossy(&out.stdout[..at]))?;
    let mut o = Output::default();
    let fail = |msg: String| Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    };
    if r.has("nosrc") {
        return Ok(fail(format!("Source ({}) does not exist", a.src)));
    }
    if r.has("notdir") {
        return Ok(fail(format!("Source ({}) is not a directory", a.src)));
    }
    let current = edit::parse_read("assemble", &out.stdout[at + marker.len()..])
        .map_err(|e| Failure::Failed(format!("{}: {e}", a.dest)))?;
    let content = join(
        &fragments(&r, &out.stdout[..at], regexp.as_ref(), a.ignore_hidden),
        a.delimiter.as_deref(),
    )
    .map_err(Failure::Failed)?;
    o.fields.insert("src".into(), json!(a.src));
    o.fields.insert("dest".into(), json!(a.dest));
    o.fields
        .insert("checksum".into(), json!(sha1_hex(&content)));
    o.fields.insert(
        "md5sum".into(),
        json!(format!("{:x}", md5::compute(&content))),
    );
    let content_changed = !current.state.exists() || current.content != content;
    let attrs = a.attrs();
    let (attr_diffs, bits) = attr_changes(&current.state, &attrs).map_err(Failure::Failed)?;
    o.changed = content_changed || !attr_diffs.is_empty();
    o.msg = Some("OK".into());
    let opts = WriteOpts {
        mode: bits,
        owner: attrs.owner.clone(),
        group: attrs.group.clone(),
        backup: a.backup && current.state.exists(),
        validate: None,
    };
    let after = if content_changed {
        let program = write_program(&a, &opts).map_err(Failure::Failed)?;
        match ctx.apply(program, content).await? {
            None => None,
            Some(out) => {
                let stdout = String::from_utf8_lossy(&out.stdout);
                let w = Report::parse("assemble", &stdout)?;
                if let Some(rc) = w.get("vrc") {
                    let rc: i64 = rc.parse().unwrap_or(-1);
                    let err = w.get("verr").unwrap_or_default();
                    if rc != 0 {
                        return Ok(fail(format!("failed to validate: rc:{rc} error:{err}")));
                    }
                    o.fields.insert(
                        "validation".into(),
                        json!({"rc": rc, "stdout": w.get("vout").unwrap_or_default(),
                               "stderr": err}),
                    );
                }
                if w.has("wfail") || !w.has("after") {
                    return Ok(fail(format!(
                        "assemble: writing {} failed: {}{}",
                        a.dest,
                        w.get("werr").unwrap_or_default().trim(),
                        String::from_utf8_lossy(&out.stderr).trim()
                    )));
                }
                if let Some(b) = write::backup_of(&w) {
                    o.fields.insert("backup_file".into(), json!(b));
                }
                after_state(&out.stdout)
            }
        }
    } else if !attr_diffs.is_empty() {
        write::set_attrs(ctx, &current.real_path, &opts).await?
    } else {
        None
    };
    probe::path_info(&mut o.fields, after.as_ref().unwrap_or(&current.state));
    Ok(o)
}

/// The sha1 of `b` in hex (Ansible's `checksum`).
fn sha1_hex(b: &[u8]) -> String {
    use sha1::Digest;
    write::hex(&sha1::Sha1::digest(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn short_name_and_fqcn_resolve() {
        use crate::modules::registry::canonical;
        assert_eq!(canonical("assemble"), Some("assemble"));
        assert_eq!(canonical("ansible.builtin.assemble"), Some("assemble"));
    }

    #[test]
    fn load_check() {
        assert_eq!(
            check::<Assemble>(json!({"src": "/a", "dest": "/b", "regexp": "^[0-9]+-",
                "delimiter": "### \\n", "ignore_hidden": "yes", "mode": "0600",
                "validate": "sh -n %s", "backup": true, "decrypt": false})),
            Ok(true)
        );
        assert!(check::<Assemble>(json!({"src": "/a"})).is_err());
        assert!(
            check::<Assemble>(json!({"src": "/a", "dest": "/b", "remote_src": false}))
                .unwrap_err()
                .contains("not supported by rsible")
        );
        assert!(check::<Assemble>(json!({"src": "/a", "dest": "/b", "regexp": "("})).is_err());
        assert!(check::<Assemble>(json!({"src": "/a", "dest": "/b", "validate": "true"})).is_err());
        assert!(check::<Assemble>(json!({"src": "/a", "dest": "/b", "seuser": "x"})).is_err());
    }

    #[test]
    fn delimiters_are_decoded_as_python_does() {
        assert_eq!(unescape(br"a\nb\t\\\x41\101\q").unwrap(), b"a\nb\t\\AA\\q");
        assert!(unescape(b"a\\").is_err());
        assert!(unescape(br"\xZZ").is_err());
    }

    #[test]
    fn fragments_are_joined_as_ansible_joins_them() {
        let f = |s: &[&str]| s.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(join(&f(&["a\n", "b", "c"]), None).unwrap(), b"a\nb\nc");
        assert_eq!(join(&f(&["a", "b\n"]), Some("--")).unwrap(), b"a\n--\nb\n");
        assert_eq!(
            join(&f(&["a\n", "b\n"]), Some("#\\n")).unwrap(),
            b"a\n#\nb\n"
        );
        // The delimiter is decoded again for each use: `\\\\n` is `\\n`, then a newline.
        assert_eq!(
            join(&f(&["1\n", "2\n", "3\n"]), Some("\\\\n")).unwrap(),
            b"1\n\\n\n2\n\n3\n"
        );
        assert_eq!(join(&f(&["", "x"]), Some("")).unwrap(), b"\nx");
    }

    #[test]
    fn fragments_are_chosen_by_name() {
        let raw = "@@rsible name:x 62\n@@rsible content:x 42ff\n@@rsible name:x 2e68\n\
             @@rsible content:x 480a\n@@rsible name:x 61\n@@rsible content:x 410a\n";
        let r = Report::parse("assemble", raw).unwrap();
        let raw = raw.as_bytes();
        assert_eq!(
            fragments(&r, raw, None, false),
            vec![b"H\n".to_vec(), b"A\n".to_vec(), b"B\xff".to_vec()]
        );
        assert_eq!(
            fragments(&r, raw, None, true),
            vec![b"A\n".to_vec(), b"B\xff".to_vec()]
        );
        let re = pyre::compile("^b", false, false).unwrap();
        assert_eq!(
            fragments(&r, raw, Some(&re), false),
            vec![b"B\xff".to_vec()]
        );
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }
}
