//! `authorized_key` (ansible.posix): add or remove SSH public keys in a user's
//! authorized_keys file. A probe reads the user's home and the file; [`edit`] applies
//! Ansible's algorithm on the controller (keys are identified by their base64 blob; options
//! and comment must match too; new keys go after existing ones; `exclusive` keeps only the
//! given keys); the atomic writer then writes the file (owner the user, mode 0600, `~/.ssh`
//! created 0700 when `manage_dir`). Round trips: one when nothing changes (or in check
//! mode), two otherwise. Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, POSIX};
use crate::modules::framework::write::{self, Source, WriteOpts};
use crate::modules::system::common::{self, de_text, State};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{json, Map};

/// `authorized_key` in the registry.
pub const SPEC: Spec = spec::<AuthorizedKey>(POSIX, &[]);

/// The `authorized_key` module.
pub struct AuthorizedKey;

/// Arguments of `authorized_key` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(deserialize_with = "de_text")]
    user: String,
    #[serde(deserialize_with = "de_text")]
    key: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    path: Option<String>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    manage_dir: bool,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_bool")]
    exclusive: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    key_options: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    comment: Option<String>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    validate_certs: bool,
    #[serde(default, deserialize_with = "de_bool")]
    follow: bool,
}

impl Module for AuthorizedKey {
    const NAME: &'static str = "authorized_key";
    type Args = Args;

    /// The user is named, the key is text (not a URL) and every line of it is a key.
    fn validate(a: &Args) -> Result<(), String> {
        if a.user.is_empty() {
            return Err("user must not be empty".into());
        }
        if a.key.starts_with("http://") || a.key.starts_with("https://") {
            return Err("keys from a URL are not supported by rsible: give the key text (a lookup('url', ...) or file works)".into());
        }
        if [Some(&a.key), a.key_options.as_ref(), a.comment.as_ref()]
            .into_iter()
            .flatten()
            .any(|v| is_template(v))
        {
            return Ok(());
        }
        edit("", &want(a)).map(|_| ())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(authorized_key(a, ctx))
    }
}

/// What the arguments ask of the file.
fn want(a: &Args) -> Want<'_> {
    Want {
        keys: a
            .key
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect(),
        present: a.state == State::Present,
        exclusive: a.exclusive,
        key_options: a.key_options.as_deref(),
        comment: a.comment.as_deref(),
    }
}

/// The key types sshd accepts (Ansible's list).
const KEY_TYPES: &[&str] = &[
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ssh-dss",
    "ssh-dss-cert-v01@openssh.com",
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "ssh-xmss@openssh.com",
    "ssh-xmss-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// One line of an authorized_keys file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A key: options (as written), type, base64 blob, comment.
    Key {
        /// Options before the type (`from="..."`, `no-pty`), empty when none.
        options: String,
        /// The key type.
        ktype: String,
        /// The base64 blob: the key's identity.
        blob: String,
        /// Everything after the blob.
        comment: String,
    },
    /// A comment, blank or unparsable line, kept as written.
    Other(String),
}

impl Line {
    /// Parses one line (without its newline), like Ansible's `parsekey`.
    pub fn parse(raw: &str) -> Line {
        let raw_key = raw.replace("\\#", "#");
        let parts: Vec<&str> = raw_key.split_whitespace().collect();
        if parts.first().is_none_or(|p| p.starts_with('#')) {
            return Line::Other(raw.to_string());
        }
        let Some(i) = parts.iter().position(|p| KEY_TYPES.contains(p)) else {
            return Line::Other(raw.to_string());
        };
        let Some(blob) = parts.get(i + 1) else {
            return Line::Other(raw.to_string());
        };
        Line::Key {
            options: parts[..i].join(" "),
            ktype: parts[i].to_string(),
            blob: blob.to_string(),
            comment: parts[i + 2..].join(" "),
        }
    }

    /// The identity of the line: a key's blob, or the line itself.
    fn id(&self) -> String {
        match self {
            Line::Key { blob, .. } => blob.clone(),
            Line::Other(l) => l.clone(),
        }
    }

    /// The line as written back.
    fn render(&self) -> String {
        match self {
            Line::Other(l) => l.clone(),
            Line::Key {
                options,
                ktype,
                blob,
                comment,
            } => {
                let mut s = String::new();
                if !options.is_empty() {
                    s.push_str(options);
                    s.push(' ');
                }
                s.push_str(ktype);
                s.push(' ');
                s.push_str(blob);
                if !comment.is_empty() {
                    s.push(' ');
                    s.push_str(comment);
                }
                s
            }
        }
    }
}

/// What to do with the given keys.
#[derive(Debug, Clone)]
pub struct Want<'a> {
    /// The key lines asked for.
    pub keys: Vec<&'a str>,
    /// Present (or absent).
    pub present: bool,
    /// Keep only the given keys.
    pub exclusive: bool,
    /// Options replacing each key's own.
    pub key_options: Option<&'a str>,
    /// Comment replacing each key's own.
    pub comment: Option<&'a str>,
}

/// Ansible's `enforce_state` on the file's `content`: the new content (`None` when nothing
/// is to be written: the file is left exactly as it is), or an error naming an invalid key.
pub fn edit(content: &str, w: &Want<'_>) -> Result<Option<String>, String> {
    let mut write = false;
    let mut existing: IndexMap<String, (Line, usize)> = IndexMap::new();
    for (rank, l) in content.lines().enumerate() {
        let line = Line::parse(l);
        existing.insert(line.id(), (line, rank));
    }
    let max_rank = existing.len();
    let mut keep: Vec<String> = Vec::new();
    for (rank, k) in w.keys.iter().enumerate() {
        let mut new = Line::parse(k);
        let Line::Key {
            options, comment, ..
        } = &mut new
        else {
            return Err(format!("invalid key specified: {k}"));
        };
        if let Some(o) = w.key_options {
            *options = o.trim().to_string();
        }
        if let Some(c) = w.comment {
            *comment = c.to_string();
        }
        let id = new.id();
        let matched = existing.get(&id).is_some_and(|(l, _)| *l == new);
        if w.present {
            keep.push(id.clone());
            if !matched {
                existing.shift_remove(&id);
                existing.insert(id, (new, max_rank + rank));
                write = true;
            }
        } else if matched {
            existing.shift_remove(&id);
            write = true;
        }
    }
    if w.present && w.exclusive {
        let before = existing.len();
        existing.retain(|id, _| keep.contains(id));
        write |= existing.len() != before;
    }
    if !write {
        return Ok(None);
    }
    let mut lines: Vec<(Line, usize)> = existing.into_values().collect();
    lines.sort_by_key(|(_, r)| *r);
    let mut out = String::new();
    for (l, _) in lines {
        out.push_str(&l.render());
        out.push('\n');
    }
    Ok(Some(out))
}

/// The sh program that finds the user's home and reports the user's group (`gid`), the
/// file's path (`path`) and the file (`content`, none when it does not exist).
fn probe(user: &str, path: Option<&str>) -> Vec<u8> {
    let mut s = b"u=".to_vec();
    s.extend(quote(user.as_bytes()));
    s.extend_from_slice(
        br#"
e=$(getent passwd "$u") || { printf 'Failed to lookup user %s: no such user\n' "$u" >&2; exit 3; }
h=$(printf '%s\n' "$e" | cut -d: -f6)
m gid "$(printf '%s\n' "$e" | cut -d: -f4)"
"#,
    );
    match path {
        Some(p) => {
            s.extend_from_slice(b"p=");
            s.extend(quote(p.as_bytes()));
            // `~/` and `~user/` as Ansible's expanduser (of the module's user: root) would.
            s.extend_from_slice(b"\ncase $p in \"~/\"*) p=\"$HOME/${p#??}\";; esac\n");
        }
        None => s.extend_from_slice(b"p=\"$h/.ssh/authorized_keys\"\n"),
    }
    s.extend_from_slice(b"m path \"$p\"\ncontent \"$p\"\n");
    s
}

/// `authorized_key`: a probe, then the atomic write when the file changes.
async fn authorized_key(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let user = args.user.as_str();
    let want = want(&args);
    let found = common::probe(
        ctx,
        "authorized_key",
        probe(user, args.path.as_deref()),
        "reading the authorized keys",
    )
    .await?;
    let path = found.get("path").unwrap_or_default().to_string();
    let gid = found.get("gid").unwrap_or_default().to_string();
    let before = common::content(&found).unwrap_or_default().to_string();
    let edited = edit(&before, &want).map_err(Failure::Failed)?;
    let changed = edited.as_ref().is_some_and(|a| *a != before);
    let after = edited.unwrap_or_else(|| before.clone());
    if changed {
        let mut prelude = Vec::new();
        if args.manage_dir {
            prelude.extend_from_slice(b"d=$(dirname -- ");
            prelude.extend(quote(path.as_bytes()));
            prelude.extend_from_slice(b")\n[ -d \"$d\" ] || mkdir -p -- \"$d\" || exit 2\nchown ");
            prelude.extend(quote(format!("{user}:{gid}").as_bytes()));
            prelude.extend_from_slice(b" \"$d\" && chmod 700 \"$d\" || exit 2\n");
        }
        let opts = WriteOpts {
            mode: Some(0o600),
            owner: Some(user.to_string()),
            group: Some(gid.clone()),
            ..WriteOpts::default()
        };
        write::write_from(ctx, &path, Source::Bytes(after.as_bytes()), &opts, &prelude).await?;
    }
    let mut fields = Map::new();
    fields.insert("user".into(), json!(user));
    fields.insert("key".into(), json!(args.key));
    fields.insert("key_options".into(), json!(args.key_options));
    fields.insert("keyfile".into(), json!(path));
    fields.insert("path".into(), json!(args.path));
    fields.insert("manage_dir".into(), json!(args.manage_dir));
    fields.insert("state".into(), json!(args.state.as_str()));
    fields.insert("exclusive".into(), json!(args.exclusive));
    fields.insert("comment".into(), json!(args.comment));
    fields.insert("validate_certs".into(), json!(args.validate_certs));
    fields.insert("follow".into(), json!(args.follow));
    let mut diffs = Vec::new();
    if ctx.diff && changed {
        diffs.push(Diff {
            before_header: path.clone(),
            after_header: path.clone(),
            before,
            after,
        });
    }
    Ok(Output {
        changed,
        fields,
        diffs,
        ..Output::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    const A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@x";
    const B: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ bob@y";

    fn want<'a>(keys: Vec<&'a str>, present: bool, exclusive: bool) -> Want<'a> {
        Want {
            keys,
            present,
            exclusive,
            key_options: None,
            comment: None,
        }
    }

    #[test]
    fn lines_are_parsed_with_options_and_comments() {
        let l = Line::parse(r#"no-pty,from="10.0.0.1" ssh-ed25519 AAAA c o m"#);
        assert_eq!(
            l,
            Line::Key {
                options: r#"no-pty,from="10.0.0.1""#.into(),
                ktype: "ssh-ed25519".into(),
                blob: "AAAA".into(),
                comment: "c o m".into()
            }
        );
        assert!(matches!(Line::parse("# hi"), Line::Other(_)));
        assert!(matches!(Line::parse("garbage"), Line::Other(_)));
    }

    #[test]
    fn present_adds_after_existing_and_is_idempotent() {
        let start = format!("# keep me\n{B}\n");
        let once = edit(&start, &want(vec![A], true, false)).unwrap().unwrap();
        assert_eq!(once, format!("# keep me\n{B}\n{A}\n"));
        assert_eq!(edit(&once, &want(vec![A], true, false)).unwrap(), None);
        // A file written by hand (blank lines, trailing spaces) is left alone.
        let hand = format!("\n\n{A} \n\n");
        assert_eq!(edit(&hand, &want(vec![A], true, false)).unwrap(), None);
    }

    #[test]
    fn exclusive_keeps_only_the_given_keys() {
        let start = format!("# c\n{B}\n{A}\n");
        assert_eq!(
            edit(&start, &want(vec![A], true, true)).unwrap(),
            Some(format!("{A}\n"))
        );
    }

    #[test]
    fn options_replace_the_key_line_and_absent_removes_it() {
        let start = format!("{A}\n{B}\n");
        let mut w = want(vec![A], true, false);
        w.key_options = Some("no-pty");
        let with = edit(&start, &w).unwrap().unwrap();
        assert_eq!(with, format!("{B}\nno-pty {A}\n"));
        w.present = false;
        assert_eq!(edit(&with, &w).unwrap(), Some(format!("{B}\n")));
    }

    #[test]
    fn invalid_keys_are_refused() {
        assert!(edit("", &want(vec!["not a key"], true, false)).is_err());
    }

    /// The report of the probe run here for `root` and the file `path`.
    fn probed(path: &std::path::Path) -> crate::modules::system::common::Report {
        let script = common::program(probe("root", Some(&path.display().to_string())));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(script).unwrap())
            .output()
            .expect("sh");
        assert!(out.status.success(), "{out:?}");
        common::Report::parse("authorized_key", &String::from_utf8_lossy(&out.stdout)).unwrap()
    }

    #[test]
    fn the_probe_reports_the_group_the_path_and_the_exact_text() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("keys");
        let r = probed(&f);
        assert_eq!(r.get("gid"), Some("0"));
        assert_eq!(r.get("path"), Some(f.display().to_string().as_str()));
        assert_eq!(common::content(&r), None);
        std::fs::write(&f, format!("{A}\n\n")).unwrap();
        assert_eq!(
            common::content(&probed(&f)),
            Some(format!("{A}\n\n").as_str())
        );
        std::fs::write(&f, "").unwrap();
        assert_eq!(common::content(&probed(&f)), Some(""));
    }

    #[test]
    fn arguments() {
        use serde_json::json;
        assert_eq!(
            check::<AuthorizedKey>(json!({"user": "u", "key": A, "exclusive": "yes"})),
            Ok(true)
        );
        assert_eq!(
            check::<AuthorizedKey>(json!({"user": "u", "key": "{{ k }}", "state": "{{ s }}"})),
            Ok(false)
        );
        assert!(check::<AuthorizedKey>(json!({"key": A}))
            .unwrap_err()
            .contains("user"));
        assert!(check::<AuthorizedKey>(json!({"user": "u"}))
            .unwrap_err()
            .contains("key"));
        assert!(check::<AuthorizedKey>(json!({"user": "u", "key": "not a key"})).is_err());
        assert!(check::<AuthorizedKey>(json!({"user": "u", "key": "https://x/keys"})).is_err());
        assert!(
            check::<AuthorizedKey>(json!({"user": "u", "key": A, "exclusive": "maybe"})).is_err()
        );
        assert!(check::<AuthorizedKey>(json!({"user": "u", "key": A, "keyy": 1})).is_err());
    }
}
