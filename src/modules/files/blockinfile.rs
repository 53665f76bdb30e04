//! `blockinfile`: keep a block of lines between two marker lines in a file (or remove it).
//! The file is read in one program, edited on the controller by [`edit_block`] (Ansible's
//! algorithm: an existing marked block is replaced in place, a new one goes after/before the
//! last line matching `insertafter`/`insertbefore`, or at `EOF`/`BOF`), and written back
//! atomically only when something differs. Knows nothing of playbooks.

use crate::modules::files::common::edit::{self, editor_args, shared_rules, Edit, State};
use crate::modules::files::common::pyre;
use crate::modules::files::common::pyre::Regex;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template};
use crate::modules::framework::probe::Kind;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::Map;

/// `blockinfile` in the registry.
pub const SPEC: Spec = spec::<BlockInFile>(B, &[]);

/// The `blockinfile` module.
pub struct BlockInFile;

fn default_marker() -> String {
    "# {mark} ANSIBLE MANAGED BLOCK".into()
}
fn default_begin() -> String {
    "BEGIN".into()
}
fn default_end() -> String {
    "END".into()
}

editor_args! {
/// Arguments of `blockinfile` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    path: String,
    #[serde(default)]
    state: State,
    #[serde(default = "default_marker")]
    marker: String,
    #[serde(default, alias = "content", deserialize_with = "de_opt_string")]
    block: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    insertafter: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    insertbefore: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    create: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    validate: Option<String>,
    #[serde(default = "default_begin")]
    marker_begin: String,
    #[serde(default = "default_end")]
    marker_end: String,
    #[serde(default, deserialize_with = "de_bool")]
    append_newline: bool,
    #[serde(default, deserialize_with = "de_bool")]
    prepend_newline: bool,
}
}

impl Module for BlockInFile {
    const NAME: &'static str = "blockinfile";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.insertafter.is_some() && a.insertbefore.is_some() {
            return Err("parameters are mutually exclusive: insertbefore|insertafter".into());
        }
        shared_rules(a.mode.as_ref(), a.validate.as_deref())?;
        for (name, p) in [
            ("insertafter", &a.insertafter),
            ("insertbefore", &a.insertbefore),
        ] {
            if let Some(p) = p.as_deref() {
                if p != "EOF" && p != "BOF" && !is_template(p) {
                    pattern(name, p)?;
                }
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(blockinfile(a, ctx))
    }
}

/// Where a new block goes.
#[derive(Debug, Clone)]
pub enum Place {
    /// After the last line matching (at the end when none does).
    After(Regex),
    /// Before the last line matching (at the end when none does).
    Before(Regex),
    /// At the end.
    Eof,
    /// At the beginning.
    Bof,
}

/// What to do with the block.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    /// The first marker line, without newline.
    pub begin: &'a [u8],
    /// The last marker line, without newline.
    pub end: &'a [u8],
    /// The block's text; `None` removes the block (`state=absent` or an empty block).
    pub text: Option<&'a [u8]>,
    /// Where a new block goes.
    pub place: &'a Place,
    /// A blank line before the block.
    pub prepend_newline: bool,
    /// A blank line after the block.
    pub append_newline: bool,
}

/// Python's `bytes.splitlines(True)`: lines end at `\n`, `\r\n` or `\r`, ends kept.
pub fn splitlines(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let end = match text[i] {
            b'\n' => Some(i + 1),
            b'\r' if text.get(i + 1) == Some(&b'\n') => Some(i + 2),
            b'\r' => Some(i + 1),
            _ => None,
        };
        match end {
            Some(e) => {
                out.push(text[start..e].to_vec());
                start = e;
                i = e;
            }
            None => i += 1,
        }
    }
    if start < text.len() {
        out.push(text[start..].to_vec());
    }
    out
}

/// Whether a pattern asks for Python's MULTILINE (then it is searched in the whole file).
fn is_multiline(re: &Regex) -> bool {
    re.as_str().starts_with("(?m")
}

/// The new content of a file holding `original`: Ansible's blockinfile algorithm.
pub fn edit_block(original: &[u8], b: &Block<'_>) -> Vec<u8> {
    let mut lines = splitlines(original);
    let nl = |s: &[u8]| [s, b"\n"].concat();
    let marker0 = nl(b.begin);
    let marker1 = nl(b.end);
    let blocklines: Vec<Vec<u8>> = match b.text {
        Some(t) if !t.is_empty() => {
            let mut t = t.to_vec();
            if !t.ends_with(b"\n") {
                t.push(b'\n');
            }
            let mut v = vec![marker0.clone()];
            v.extend(splitlines(&t));
            v.push(marker1.clone());
            v
        }
        _ => Vec::new(),
    };
    let mut n0 = None;
    let mut n1 = None;
    for (i, l) in lines.iter().enumerate() {
        if *l == marker0 {
            n0 = Some(i);
        }
        if *l == marker1 {
            n1 = Some(i);
        }
    }
    let at = match (n0, n1) {
        (Some(a), Some(z)) if a < z => {
            lines.drain(a..=z);
            a
        }
        (Some(a), Some(z)) => {
            lines.drain(z..=a);
            z
        }
        _ => match b.place {
            Place::After(re) | Place::Before(re) => {
                let after = matches!(b.place, Place::After(_));
                let mut found = None;
                if is_multiline(re) {
                    if let Some(m) = re.find(original) {
                        let upto = if after { m.end } else { m.start };
                        found = Some(original[..upto].iter().filter(|c| **c == b'\n').count());
                    }
                } else {
                    for (i, l) in lines.iter().enumerate() {
                        if re.is_match(l.strip_suffix(b"\n").unwrap_or(l)) {
                            found = Some(i);
                        }
                    }
                }
                match found {
                    None => lines.len(),
                    Some(i) if after => i + 1,
                    Some(i) => i,
                }
            }
            Place::Bof => 0,
            Place::Eof => lines.len(),
        },
    };
    let mut n0 = at.min(lines.len());
    if n0 > 0 && !lines[n0 - 1].ends_with(b"\n") {
        lines[n0 - 1].push(b'\n');
    }
    if b.prepend_newline && b.text.is_some() && n0 != 0 && lines[n0 - 1] != b"\n" {
        lines.insert(n0, b"\n".to_vec());
        n0 += 1;
    }
    let count = blocklines.len();
    lines.splice(n0..n0, blocklines);
    if b.append_newline && b.text.is_some() {
        let after = n0 + count;
        if after < lines.len() && lines[after] != b"\n" {
            lines.insert(after, b"\n".to_vec());
        }
    }
    lines.concat()
}

/// Compiles a Python pattern argument, naming it in the error.
fn pattern(name: &str, p: &str) -> Result<Regex, String> {
    pyre::compile(p, false, false).map_err(|e| format!("{name}: {e}"))
}

/// Where a new block goes.
fn place(a: &Args) -> Result<Place, String> {
    Ok(
        match (a.insertafter.as_deref(), a.insertbefore.as_deref()) {
            (Some("EOF"), _) | (None, None) => Place::Eof,
            (None, Some("BOF")) => Place::Bof,
            (Some(r), _) => Place::After(pattern("insertafter", r)?),
            (None, Some(r)) => Place::Before(pattern("insertbefore", r)?),
        },
    )
}

/// `blockinfile`: one probe, and one apply when something differs.
async fn blockinfile(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let present = args.state == State::Present;
    let attrs = args.attrs();
    let place = place(&args).map_err(|e| Failure::Failed(format!("blockinfile: {e}")))?;
    let path = &args.path;
    let cur = edit::read(ctx, "blockinfile", path).await?;
    match cur.state.kind {
        Kind::Directory => {
            return Ok(Output::failed_rc(
                format!("Path {path} is a directory !"),
                256,
            ))
        }
        Kind::Absent if !args.create && present => {
            return Ok(Output::failed_rc(
                format!("Path {path} does not exist !"),
                257,
            ))
        }
        Kind::Absent if !present => {
            return Ok(Output {
                msg: Some(format!("File {path} not present")),
                ..Output::default()
            })
        }
        _ => {}
    }
    let begin = args.marker.replace("{mark}", &args.marker_begin);
    let end = args.marker.replace("{mark}", &args.marker_end);
    let block = args.block.clone().unwrap_or_default();
    let spec = Block {
        begin: begin.as_bytes(),
        end: end.as_bytes(),
        text: present.then_some(block.as_bytes()),
        place: &place,
        prepend_newline: args.prepend_newline,
        append_newline: args.append_newline,
    };
    let after = edit_block(&cur.content, &spec);
    let msg = if !cur.state.exists() {
        "File created"
    } else if block.is_empty() || !present {
        "Block removed"
    } else {
        "Block inserted"
    };
    let applied = edit::apply(
        ctx,
        Edit {
            path,
            real_path: &cur.real_path,
            state: &cur.state,
            before: &cur.content,
            after: &after,
            msg: msg.into(),
            attrs: &attrs,
            backup: args.backup,
            validate: args.validate.as_deref(),
            diff_header: format!("{path} (content)"),
        },
    )
    .await?;
    let fields = Map::new();
    let msg = applied.msg.clone();
    Ok(applied.into_output(fields, msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::json;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<BlockInFile>(json!({"dest": "/x", "content": "b", "backup": "yes"})),
            Ok(true)
        );
        assert_eq!(
            check::<BlockInFile>(
                json!({"path": "/x", "block": "{{ b }}", "insertafter": "{{ r }}"})
            ),
            Ok(true)
        );
        assert_eq!(
            check::<BlockInFile>(json!({"path": "/x", "state": "absent"})),
            Ok(true)
        );
        assert!(check::<BlockInFile>(json!({"block": "b"})).is_err());
        assert!(check::<BlockInFile>(json!({"path": "/x", "blok": "b"})).is_err());
        assert!(check::<BlockInFile>(json!({"path": "/x", "create": "perhaps"})).is_err());
        assert!(check::<BlockInFile>(
            json!({"path": "/x", "insertafter": "a", "insertbefore": "b"})
        )
        .is_err());
        assert!(check::<BlockInFile>(json!({"path": "/x", "insertbefore": "("})).is_err());
        assert!(check::<BlockInFile>(json!({"path": "/x", "validate": "true"})).is_err());
        assert!(check::<BlockInFile>(json!({"path": "/x", "state": "there"})).is_err());
    }

    const B: &str = "# BEGIN ANSIBLE MANAGED BLOCK\n";
    const E: &str = "# END ANSIBLE MANAGED BLOCK\n";

    fn re(p: &str) -> Regex {
        pyre::compile(p, false, false).unwrap()
    }

    /// `edit_block` with the default markers. Expectations come from ansible-core 2.19's
    /// blockinfile run on the same files.
    fn run(text: &str, block: Option<&str>, place: Place, pre: bool, app: bool) -> String {
        let b = Block {
            begin: B.trim_end().as_bytes(),
            end: E.trim_end().as_bytes(),
            text: block.map(str::as_bytes),
            place: &place,
            prepend_newline: pre,
            append_newline: app,
        };
        String::from_utf8(edit_block(text.as_bytes(), &b)).unwrap()
    }

    #[test]
    fn a_new_block_goes_at_the_end_after_a_missing_newline() {
        assert_eq!(
            run("a\nb", Some("x"), Place::Eof, false, false),
            format!("a\nb\n{B}x\n{E}")
        );
        assert_eq!(
            run("", Some("x"), Place::Eof, false, false),
            format!("{B}x\n{E}")
        );
        assert_eq!(run("a\nb\n", Some(""), Place::Eof, false, false), "a\nb\n");
    }

    #[test]
    fn an_existing_block_is_replaced_or_removed_in_place() {
        let f = format!("a\n{B}old\n{E}z\n");
        assert_eq!(
            run(&f, Some("x\ny"), Place::Eof, false, false),
            format!("a\n{B}x\ny\n{E}z\n")
        );
        assert_eq!(run(&f, None, Place::Eof, false, false), "a\nz\n");
        assert_eq!(run(&f, Some(""), Place::Eof, false, false), "a\nz\n");
        // Markers in the wrong order: the span between them is replaced all the same.
        let swapped = format!("a\n{E}old\n{B}z\n");
        assert_eq!(
            run(&swapped, Some("x"), Place::Eof, false, false),
            format!("a\n{B}x\n{E}z\n")
        );
    }

    #[test]
    fn insertafter_and_insertbefore_use_the_last_match() {
        let f = "a\nb\na\nc\n";
        assert_eq!(
            run(f, Some("x"), Place::After(re("^a")), false, false),
            format!("a\nb\na\n{B}x\n{E}c\n")
        );
        assert_eq!(
            run(f, Some("x"), Place::Before(re("^a")), false, false),
            format!("a\nb\n{B}x\n{E}a\nc\n")
        );
        assert_eq!(
            run("a\nb\n", Some("x"), Place::Bof, false, false),
            format!("{B}x\n{E}a\nb\n")
        );
        assert_eq!(
            run("a\nb\n", Some("x"), Place::After(re("^zz")), false, false),
            format!("a\nb\n{B}x\n{E}")
        );
        let ml = pyre::compile("(?m)^b$", false, false).unwrap();
        assert_eq!(
            run("a\nb\nc\n", Some("x"), Place::After(ml), false, false),
            format!("a\nb\n{B}x\n{E}c\n")
        );
    }

    #[test]
    fn blank_lines_around_the_block_on_request() {
        assert_eq!(
            run("a\nb\n", Some("x"), Place::Before(re("^b")), true, true),
            format!("a\n\n{B}x\n{E}\nb\n")
        );
    }

    #[test]
    fn crlf_files_keep_their_lines() {
        let b = Block {
            begin: b"<!-- S -->",
            end: b"<!-- E -->",
            text: Some(b"x"),
            place: &Place::Eof,
            prepend_newline: false,
            append_newline: false,
        };
        assert_eq!(
            edit_block(b"a\r\nb\r\n", &b),
            b"a\r\nb\r\n<!-- S -->\nx\n<!-- E -->\n"
        );
        assert_eq!(
            splitlines(b"a\rb\r\nc"),
            vec![b"a\r".to_vec(), b"b\r\n".to_vec(), b"c".to_vec()]
        );
    }
}
