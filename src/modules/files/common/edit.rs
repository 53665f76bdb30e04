//! The step the text-editing modules (`lineinfile`, `blockinfile`, `replace`, `ini_file`)
//! share once they have computed a file's new content on the controller: read the file (a
//! probe), compare, then in one apply either write the new content through the atomic writer
//! (creating missing parent directories, with backup, validate, mode, owner, group) or, when
//! only attributes differ, set them. Check mode is the framework's: the applies are simply
//! not sent. Also the arguments they share (`state`, `mode` and the [`editor_args`] fields), Ansible's `--diff` entries and
//! its "ownership, perms or SE linux context changed" message. Knows nothing of how any one
//! module edits text.

use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::framework::args::is_template;
use crate::modules::framework::mode::{octal, Mode};
use crate::modules::framework::prefetch::Read;
use crate::modules::framework::probe::{self, Kind, PathState, Want};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::write::{self, Source, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The mode a new file gets when none is asked for (`0666` under the usual umask `022`).
const NEW_FILE_MODE: u32 = 0o644;

/// Ansible's message when the attributes of the file were changed.
const ATTRS_MSG: &str = "ownership, perms or SE linux context changed";

/// `state` of the editors: the line, block or option is to be there or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// It must be there (the default).
    #[default]
    Present,
    /// It must not.
    Absent,
}

/// serde `deserialize_with` for a `mode:` argument (octal string, integer or symbolic). The
/// load-time stand-in of a template reads as a symbolic mode, its value unknown.
pub fn de_opt_mode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Mode>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if is_template(&s) => Ok(Some(Mode::Symbolic(s))),
        v => Mode::parse(&v).map(Some).map_err(serde::de::Error::custom),
    }
}

/// The rules on the arguments every editor shares: no `mode: preserve` (only `copy` and
/// `template` understand it), and a `validate` command that names the file to check (`%s`).
pub fn shared_rules(mode: Option<&Mode>, validate: Option<&str>) -> Result<(), String> {
    if let Some(Mode::Preserve) = mode {
        return Err("mode 'preserve' only applies to copy".into());
    }
    match validate {
        Some(v) if !is_template(v) && !v.contains("%s") => {
            Err(format!("validate must contain %s: {v}"))
        }
        _ => Ok(()),
    }
}

/// Declares an editor's `Args`: the module's own fields as written, then the arguments every
/// editor shares, in Ansible's names (`backup`, `mode`, `owner`, `group`, `unsafe_writes`,
/// which is accepted for compatibility only: rsible's writes are always atomic and the loader
/// refuses any value but `false`), and `Args::attrs`, the requested mode, owner and group.
macro_rules! editor_args {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        $vis struct $name {
            $($own)*
            #[serde(default, deserialize_with = "crate::modules::framework::args::de_bool")]
            backup: bool,
            #[serde(
                default,
                deserialize_with = "crate::modules::files::common::edit::de_opt_mode"
            )]
            mode: Option<crate::modules::framework::mode::Mode>,
            #[serde(default, deserialize_with = "crate::modules::framework::args::de_opt_string")]
            owner: Option<String>,
            #[serde(default, deserialize_with = "crate::modules::framework::args::de_opt_string")]
            group: Option<String>,
            #[serde(
                default,
                rename = "unsafe_writes",
                deserialize_with = "crate::modules::framework::args::de_bool"
            )]
            _unsafe_writes: bool,
        }

        impl $name {
            /// The requested mode, owner and group.
            fn attrs(&self) -> crate::modules::files::common::edit::Attrs {
                crate::modules::files::common::edit::Attrs {
                    mode: self.mode.clone(),
                    owner: self.owner.clone(),
                    group: self.group.clone(),
                }
            }
        }
    };
}
pub(crate) use editor_args;

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

/// What [`read`] reads of `path`, for a module's [`Module::reads`](crate::modules::framework::spec::Module::reads).
pub fn read_ahead(path: &str) -> Read {
    Read {
        content: true,
        ..Read::state(path)
    }
}

/// Reads `path`'s real location, state and content for `module`: one program, or none when
/// the path was read ahead (a file or nothing there; a link is resolved by the program).
pub async fn read(ctx: &Ctx<'_>, module: &str, path: &str) -> Result<Current, Failure> {
    if let Some(e) = ctx.read_ahead(path) {
        let content = match (e.state.kind, &e.content) {
            (Kind::File, Some(c)) => Some(c.clone()),
            (Kind::Absent, _) => Some(Vec::new()),
            _ => None,
        };
        if let Some(content) = content {
            return Ok(Current {
                real_path: path.to_string(),
                state: PathState {
                    sha256: None,
                    ..e.state.clone()
                },
                content,
            });
        }
    }
    let out = ctx.probe(read_script(path), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "could not read {path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse_read(module, &out.stdout).map_err(|e| Failure::Failed(format!("{path}: {e}")))
}

/// The program of [`read`], for a module that reads more in the same probe (it must come
/// last: the content runs to the end of the output); [`parse_read`] reads its answer.
pub fn read_script(path: &str) -> Vec<u8> {
    let q = quote(path.as_bytes());
    let mut script = MARK_FN.as_bytes().to_vec();
    script.extend_from_slice(b"if [ -L ");
    script.extend_from_slice(&q);
    script.extend_from_slice(b" ]; then r=$(readlink -f -- ");
    script.extend_from_slice(&q);
    script.extend_from_slice(b") || exit 1; m real \"$r\"; else m real ");
    script.extend_from_slice(&q);
    script.extend_from_slice(b"; fi\n");
    let want = Want {
        sha256: false,
        content: true,
        follow: true,
    };
    script.extend(probe::script(path, want, PATH));
    script
}

/// The name of the probe of the edited path.
const PATH: &str = "path";

/// Parses the output of [`read_script`]'s program, for `module`.
pub fn parse_read(module: &str, out: &[u8]) -> Result<Current, String> {
    let (r, content) = Report::parse_with_body(module, out).map_err(|e| e.to_string())?;
    let real_path = r
        .get("real")
        .ok_or_else(|| format!("{module}: the target's answer was cut short"))?
        .to_string();
    let state = probe::read(module, &r, PATH)?;
    Ok(Current {
        real_path,
        state,
        content,
    })
}

/// Applies `e`: one apply (the write, or the attributes alone) when something differs; in
/// check mode the framework sends nothing and the answer is what would change.
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
    if !out.changed {
        return Ok(out);
    }
    let opts = WriteOpts {
        mode: bits,
        owner: e.attrs.owner.clone(),
        group: e.attrs.group.clone(),
        backup: e.backup && e.state.exists(),
        validate: e.validate.map(str::to_string),
    };
    if content_changed {
        let written = write::write_from(
            ctx,
            e.real_path,
            Source::Bytes(e.after),
            &opts,
            &mkdir_parents(e.real_path),
        )
        .await?;
        out.backup_file = written.and_then(|w| w.backup_file);
    } else {
        write::set_attrs(ctx, e.real_path, &opts).await?;
    }
    Ok(out)
}

/// The shell text that creates `path`'s missing parent directories (run before the write):
/// nothing runs when they exist (the test is the shell's; `dirname` and `mkdir` would cost
/// the target two execs on every write). The directory is `dirname`'s, computed here.
fn mkdir_parents(path: &str) -> Vec<u8> {
    let trimmed = path.trim_end_matches('/');
    let parent = match trimmed.rfind('/') {
        Some(i) => trimmed[..i].trim_end_matches('/'),
        None => ".",
    };
    let parent = if parent.is_empty() { "/" } else { parent };
    let q = quote(parent.as_bytes());
    let mut s = b"[ -d ".to_vec();
    s.extend_from_slice(&q);
    s.extend_from_slice(b" ] || mkdir -p -- ");
    s.extend(q);
    s.extend_from_slice(b" || exit 2\n");
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

    fn attrs(mode: &str, owner: Option<&str>, group: Option<&str>) -> Attrs {
        Attrs {
            mode: Some(Mode::parse(&json!(mode)).unwrap()),
            owner: owner.map(str::to_string),
            group: group.map(str::to_string),
        }
    }

    #[test]
    fn attribute_changes_compare_names_and_ids() {
        let a = attrs("0600", Some("0"), Some("wheel"));
        let (d, bits) = attr_changes(&file(0o644), &a).unwrap();
        assert_eq!(bits, Some(0o600));
        assert_eq!(
            d,
            vec![
                ("mode", "0644".to_string(), "0600".to_string()),
                ("group", "root".to_string(), "wheel".to_string())
            ]
        );
        let same = attrs("u=rw,go=r", Some("root"), None);
        assert!(attr_changes(&file(0o644), &same).unwrap().0.is_empty());
        // A new file is compared with the default mode of a new file.
        let new = PathState::absent();
        assert!(attr_changes(&new, &attrs("0644", None, None))
            .unwrap()
            .0
            .is_empty());
    }

    #[derive(Debug, Deserialize)]
    struct M {
        #[serde(default, deserialize_with = "de_opt_mode")]
        mode: Option<Mode>,
    }

    fn mode_of(v: Value) -> Result<Option<Mode>, String> {
        serde_json::from_value::<M>(json!({ "mode": v }))
            .map(|m| m.mode)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn modes_are_read_as_ansible_writes_them() {
        assert_eq!(mode_of(json!("0640")), Ok(Some(Mode::Bits(0o640))));
        assert_eq!(mode_of(json!(420)), Ok(Some(Mode::Bits(0o644))));
        assert_eq!(mode_of(Value::Null), Ok(None));
        assert!(mode_of(json!("{{ m }}")).is_ok());
        assert!(mode_of(json!("0999")).is_err());
        assert!(mode_of(json!("rwx")).is_err());
        let preserve = mode_of(json!("preserve")).unwrap();
        assert!(shared_rules(preserve.as_ref(), None).is_err());
        assert!(shared_rules(Some(&Mode::Bits(0o600)), Some("visudo -cf %s")).is_ok());
        assert!(shared_rules(None, Some("visudo -c")).is_err());
        assert!(shared_rules(None, Some("{{ cmd }}")).is_ok());
    }

    #[test]
    fn the_read_answer_starts_with_the_real_path() {
        let out = b"@@rsible real /real/f\n@@rsible path file\n\
                    @@rsible path.stat 644 0 root 0 root 2 1\n@@rsible body\nhi";
        let c = parse_read("lineinfile", out).unwrap();
        assert_eq!(c.real_path, "/real/f");
        assert_eq!(c.state.size, 2);
        assert_eq!(c.content, b"hi");
        let e = parse_read("replace", b"").unwrap_err();
        assert!(e.starts_with("replace: "), "{e}");
        let e = parse_read("ini_file", b"@@rsible real /f\n@@rsible path file\n").unwrap_err();
        assert!(e.starts_with("ini_file: "), "{e}");
    }

    #[test]
    fn the_parents_are_made_with_the_path_quoted() {
        let s = String::from_utf8(mkdir_parents("/x'y/f")).unwrap();
        assert_eq!(s, "[ -d '/x'\\''y' ] || mkdir -p -- '/x'\\''y' || exit 2\n");
        // dirname's answers.
        for (path, parent) in [("/f", "/"), ("f", "."), ("a/b//f", "a/b"), ("/a/b/", "/a")] {
            let s = String::from_utf8(mkdir_parents(path)).unwrap();
            assert!(s.starts_with(&format!("[ -d {parent} ]")), "{path}: {s}");
        }
    }
}
