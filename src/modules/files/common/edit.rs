//! The step the text-editing modules (`lineinfile`, `blockinfile`, `replace`, `ini_file`)
//! share once they have computed a file's new content on the controller: compare, then in
//! one remote program either write the new content atomically (creating missing parent
//! directories, with backup, validate, mode, owner, group) or, when only attributes differ,
//! set them; in check mode nothing is sent. Also builds Ansible's `--diff` entries and its
//! "ownership, perms or SE linux context changed" message. Knows nothing of how any one
//! module edits text.

use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::framework::mode::{octal, Mode};
use crate::modules::framework::probe::{self, PathState, Want};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use serde_json::{Map, Value};

/// The mode a new file gets when none is asked for (`0666` under the usual umask `022`).
const NEW_FILE_MODE: u32 = 0o644;

/// Ansible's message when the attributes of the file were changed.
const ATTRS_MSG: &str = "ownership, perms or SE linux context changed";

/// `mode`, `owner` and `group` as asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    /// The requested mode.
    pub mode: Option<Mode>,
    /// Owner name or uid.
    pub owner: Option<String>,
    /// Group name or gid.
    pub group: Option<String>,
}

impl Attrs {
    /// Reads the file arguments as a module received them.
    pub fn parse(
        mode: Option<&Value>,
        owner: Option<String>,
        group: Option<String>,
    ) -> Result<Attrs, String> {
        let mode = match mode {
            None | Some(Value::Null) => None,
            Some(v) => match Mode::parse(v)? {
                Mode::Preserve => return Err("mode 'preserve' only applies to copy".into()),
                m => Some(m),
            },
        };
        Ok(Attrs { mode, owner, group })
    }
}

/// One attribute that differs: its name, the current and the wanted value.
pub type AttrChange = (&'static str, String, String);

/// The attribute changes `attrs` asks of a file in `state` (a new file when absent):
/// `(name, before, after)` for each attribute that differs, and the mode bits to set.
pub fn attr_changes(
    state: &PathState,
    attrs: &Attrs,
) -> Result<(Vec<AttrChange>, Option<u32>), String> {
    let current = if state.exists() {
        state.mode & 0o7777
    } else {
        NEW_FILE_MODE
    };
    let mut out = Vec::new();
    let bits = match &attrs.mode {
        Some(m) => m.resolve(current, false)?,
        None => None,
    };
    if let Some(b) = bits {
        if b != current {
            out.push(("mode", octal(current), octal(b)));
        }
    }
    if state.exists() {
        let differs = |want: &str, id: u32, name: &str| {
            if want.chars().all(|c| c.is_ascii_digit()) {
                want.parse::<u32>().ok() != Some(id)
            } else {
                want != name
            }
        };
        if let Some(o) = &attrs.owner {
            if differs(o, state.uid, &state.owner) {
                out.push(("owner", state.owner.clone(), o.clone()));
            }
        }
        if let Some(g) = &attrs.group {
            if differs(g, state.gid, &state.group) {
                out.push(("group", state.group.clone(), g.clone()));
            }
        }
    }
    Ok((out, bits))
}

/// One file edit, computed on the controller.
#[derive(Debug)]
pub struct Edit<'a> {
    /// The file as the user named it (for messages).
    pub path: &'a str,
    /// Where to write it (symlinks resolved).
    pub real_path: &'a str,
    /// Its state as probed (absent: it is to be created).
    pub state: &'a PathState,
    /// Its old content.
    pub before: &'a [u8],
    /// Its new content.
    pub after: &'a [u8],
    /// The module's message for a content change ("line added", ...).
    pub msg: String,
    /// Requested attributes.
    pub attrs: &'a Attrs,
    /// Back the old file up first.
    pub backup: bool,
    /// Command that must accept the new content (`%s` is its path).
    pub validate: Option<&'a str>,
    /// The header of the content diff (Ansible: `PATH (content)` or `PATH`).
    pub diff_header: String,
}

/// What applying an [`Edit`] did (or would do, in check mode).
#[derive(Debug, Default)]
pub struct Applied {
    /// Something changed.
    pub changed: bool,
    /// Ansible's message.
    pub msg: String,
    /// The backup file, when one was made.
    pub backup_file: Option<String>,
    /// Diffs for `--diff`.
    pub diffs: Vec<Diff>,
}

impl Applied {
    /// The module's output: `fields` plus `backup_file`, the change, `msg` and the diffs.
    pub fn into_output(self, mut fields: Map<String, Value>, msg: String) -> Output {
        if let Some(b) = self.backup_file {
            fields.insert("backup_file".into(), Value::String(b));
        }
        Output {
            changed: self.changed,
            msg: Some(msg),
            fields,
            diffs: self.diffs,
            ..Output::default()
        }
    }
}

/// `state: present|absent` (default present) as a boolean.
pub fn present(state: Option<&str>) -> Result<bool, Failure> {
    match state {
        None | Some("present") => Ok(true),
        Some("absent") => Ok(false),
        Some(other) => Err(Failure::BadArgs(format!(
            "value of state must be one of: absent, present, got: {other}"
        ))),
    }
}

/// A file as read before an edit.
#[derive(Debug)]
pub struct Current {
    /// Where the file really is: `path` with a symlink resolved (edits go through links).
    pub real_path: String,
    /// Its state.
    pub state: PathState,
    /// Its content.
    pub content: Vec<u8>,
}

/// Reads `path`'s real location, state and content: one program.
pub async fn read(ctx: &Ctx<'_>, path: &str) -> Result<Current, Failure> {
    let q = quote(path.as_bytes());
    let mut script = b"if [ -L ".to_vec();
    script.extend_from_slice(&q);
    script.extend_from_slice(b" ]; then readlink -f -- ");
    script.extend_from_slice(&q);
    script.extend_from_slice(b" || exit 1; else printf '%s\\n' ");
    script.extend_from_slice(&q);
    script.extend_from_slice(b"; fi\n");
    let want = Want {
        sha256: false,
        content: true,
        follow: true,
    };
    script.extend(probe::script(path, want));
    let out = ctx.exec(script, Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "could not read {path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse_read(&out.stdout).map_err(|e| Failure::Failed(format!("{path}: {e}")))
}

/// Parses the output of [`read`]'s program.
fn parse_read(out: &[u8]) -> Result<Current, String> {
    let nl = out
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("the target's answer was cut short")?;
    let real_path = String::from_utf8_lossy(&out[..nl]).into_owned();
    let (state, content) = probe::parse(&out[nl + 1..])?;
    Ok(Current {
        real_path,
        state,
        content,
    })
}

/// Applies `e`: at most one remote program, none in check mode or when nothing differs.
pub async fn apply(ctx: &Ctx<'_>, e: Edit<'_>) -> Result<Applied, Failure> {
    let content_changed = !e.state.exists() || e.before != e.after;
    let (attr_diffs, bits) = attr_changes(e.state, e.attrs).map_err(Failure::Failed)?;
    let mut msg = if content_changed {
        e.msg.clone()
    } else {
        String::new()
    };
    if !attr_diffs.is_empty() {
        if !msg.is_empty() {
            msg.push_str(" and ");
        }
        msg.push_str(ATTRS_MSG);
    }
    let mut out = Applied {
        changed: content_changed || !attr_diffs.is_empty(),
        msg,
        ..Applied::default()
    };
    if ctx.diff {
        if content_changed {
            out.diffs.push(Diff {
                before_header: e.diff_header.clone(),
                after_header: e.diff_header.clone(),
                before: String::from_utf8_lossy(e.before).into_owned(),
                after: String::from_utf8_lossy(e.after).into_owned(),
            });
        }
        for (name, before, after) in &attr_diffs {
            out.diffs.push(Diff {
                before_header: (*name).to_string(),
                after_header: (*name).to_string(),
                before: before.clone(),
                after: after.clone(),
            });
        }
    }
    if ctx.check || !out.changed {
        return Ok(out);
    }
    let script = if content_changed {
        let opts = WriteOpts {
            mode: bits,
            owner: e.attrs.owner.clone(),
            group: e.attrs.group.clone(),
            backup: e.backup && e.state.exists(),
            validate: e.validate.map(str::to_string),
        };
        write_script(e.real_path, e.after, &opts).map_err(Failure::Failed)?
    } else {
        attrs_script(e.real_path, bits, e.attrs)
    };
    let stdin = if content_changed {
        e.after.to_vec()
    } else {
        Vec::new()
    };
    let res = ctx.exec(script, stdin).await?;
    if res.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "{}: {}",
            e.path,
            String::from_utf8_lossy(&res.stderr).trim()
        )));
    }
    out.backup_file = String::from_utf8_lossy(&res.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("backup="))
        .map(str::to_string);
    Ok(out)
}

/// The atomic write of `content` to `path`, preceded by creating its parent directories.
fn write_script(path: &str, content: &[u8], opts: &WriteOpts) -> Result<Vec<u8>, String> {
    use sha2::Digest;
    let sum = write::hex(&sha2::Sha256::digest(content));
    let mut s = b"mkdir -p -- \"$(dirname -- ".to_vec();
    s.extend(quote(path.as_bytes()));
    s.extend_from_slice(b")\" || exit 2\n");
    s.extend(write::script(path, &sum, opts)?);
    Ok(s)
}

/// chmod/chown/chgrp of an existing file whose content stays.
fn attrs_script(path: &str, bits: Option<u32>, a: &Attrs) -> Vec<u8> {
    let mut s = b"p=".to_vec();
    s.extend(quote(path.as_bytes()));
    s.push(b'\n');
    if let Some(o) = &a.owner {
        s.extend_from_slice(b"chown -- ");
        s.extend(quote(o.as_bytes()));
        s.extend_from_slice(b" \"$p\" || exit 1\n");
    }
    if let Some(g) = &a.group {
        s.extend_from_slice(b"chgrp -- ");
        s.extend(quote(g.as_bytes()));
        s.extend_from_slice(b" \"$p\" || exit 1\n");
    }
    if let Some(b) = bits {
        s.extend_from_slice(format!("chmod {b:o} \"$p\" || exit 1\n").as_bytes());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::probe::Kind;
    use serde_json::json;

    fn file(mode: u32) -> PathState {
        PathState {
            kind: Kind::File,
            mode,
            uid: 0,
            owner: "root".into(),
            gid: 0,
            group: "root".into(),
            ..PathState::absent()
        }
    }

    #[test]
    fn attribute_changes_compare_names_and_ids() {
        let a = Attrs::parse(Some(&json!("0600")), Some("0".into()), Some("wheel".into())).unwrap();
        let (d, bits) = attr_changes(&file(0o644), &a).unwrap();
        assert_eq!(bits, Some(0o600));
        assert_eq!(
            d,
            vec![
                ("mode", "0644".to_string(), "0600".to_string()),
                ("group", "root".to_string(), "wheel".to_string())
            ]
        );
        let same = Attrs::parse(Some(&json!("u=rw,go=r")), Some("root".into()), None).unwrap();
        assert!(attr_changes(&file(0o644), &same).unwrap().0.is_empty());
        // A new file is compared with the default mode of a new file.
        let new = PathState::absent();
        assert!(attr_changes(
            &new,
            &Attrs::parse(Some(&json!("0644")), None, None).unwrap()
        )
        .unwrap()
        .0
        .is_empty());
        assert!(Attrs::parse(Some(&json!("preserve")), None, None).is_err());
    }

    #[test]
    fn the_read_answer_starts_with_the_real_path() {
        let c = parse_read(b"/real/f\nrsible-probe file\n644 0 root 0 root 2 1\n\n\nhi").unwrap();
        assert_eq!(c.real_path, "/real/f");
        assert_eq!(c.content, b"hi");
        assert!(parse_read(b"").is_err());
    }

    #[test]
    fn the_attribute_program_quotes_its_values() {
        let a = Attrs {
            mode: None,
            owner: Some("a b".into()),
            group: None,
        };
        let s = String::from_utf8(attrs_script("/x'y", Some(0o600), &a)).unwrap();
        assert!(s.contains(r"p='/x'\''y'"), "{s}");
        assert!(s.contains("chown -- 'a b' \"$p\""), "{s}");
        assert!(s.contains("chmod 600 \"$p\""), "{s}");
    }
}
