//! `lineinfile`: make sure one line is in a file (or no line matching a pattern is). The file
//! is read in one program, edited on the controller by [`present`] / [`absent`] (Ansible's
//! algorithm: last match unless `firstmatch`, `insertafter`/`insertbefore` with `EOF`/`BOF`,
//! `backrefs`, `search_string`), and written back atomically only when something differs.
//! Knows nothing of playbooks; arguments arrive templated.

use crate::modules::files::common::edit::{self, editor_args, shared_rules, Edit, State};
use crate::modules::files::common::pyre;
use crate::modules::files::common::pyre::Regex;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template};
use crate::modules::framework::prefetch::Read;
use crate::modules::framework::probe::Kind;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map};

/// `lineinfile` in the registry.
pub const SPEC: Spec = spec::<LineInFile>(B, &[]);

/// The `lineinfile` module.
pub struct LineInFile;

editor_args! {
/// Arguments of `lineinfile` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    path: String,
    #[serde(default)]
    state: State,
    #[serde(default, alias = "regex", deserialize_with = "de_opt_string")]
    regexp: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    search_string: Option<String>,
    #[serde(default, alias = "value", deserialize_with = "de_opt_string")]
    line: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    insertafter: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    insertbefore: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    backrefs: bool,
    #[serde(default, deserialize_with = "de_bool")]
    create: bool,
    #[serde(default, deserialize_with = "de_bool")]
    firstmatch: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    validate: Option<String>,
}
}

impl Module for LineInFile {
    const NAME: &'static str = "lineinfile";
    type Args = Args;
    const READS_AHEAD: bool = true;

    fn reads(a: &Args) -> Vec<Read> {
        vec![edit::read_ahead(&a.path)]
    }

    fn validate(a: &Args) -> Result<(), String> {
        if a.insertafter.is_some() && a.insertbefore.is_some() {
            return Err("parameters are mutually exclusive: insertbefore|insertafter".into());
        }
        if a.regexp.is_some() && a.search_string.is_some() {
            return Err("parameters are mutually exclusive: regexp|search_string".into());
        }
        if a.backrefs && a.search_string.is_some() {
            return Err("parameters are mutually exclusive: backrefs|search_string".into());
        }
        shared_rules(a.mode.as_ref(), a.validate.as_deref())?;
        match a.state {
            State::Present if a.backrefs && a.regexp.is_none() => {
                return Err("regexp is required with backrefs=true".into())
            }
            State::Present if a.line.is_none() => {
                return Err("line is required with state=present".into())
            }
            State::Absent
                if a.regexp.is_none() && a.search_string.is_none() && a.line.is_none() =>
            {
                return Err(
                    "one of line, search_string, or regexp is required with state=absent".into(),
                )
            }
            _ => {}
        }
        patterns_compile(a)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(lineinfile(a, ctx))
    }
}

/// Where a new line goes when no line matches.
#[derive(Debug, Clone)]
pub enum Insert {
    /// After the last (or first) line matching the pattern; at the end when none does.
    After(Regex),
    /// Before the last (or first) line matching the pattern; at the end when none does.
    Before(Regex),
    /// At the end of the file.
    Eof,
    /// At the beginning of the file.
    Bof,
}

/// How lines are found: by pattern, by substring, or neither (the line itself).
#[derive(Debug, Clone)]
pub enum Search {
    /// `regexp`.
    Regex(Regex),
    /// `search_string`.
    Substring(Vec<u8>),
    /// Only `line` itself.
    None,
}

/// Splits `text` like Python's `readlines()`: each line keeps its `\n`.
pub fn split_lines(text: &[u8]) -> Vec<Vec<u8>> {
    text.split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// A line without its end-of-line characters (Python's `rstrip(b'\r\n')`).
fn trimmed(l: &[u8]) -> &[u8] {
    let mut end = l.len();
    while end > 0 && matches!(l[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &l[..end]
}

/// A line without its final `\n`: what a Python pattern without MULTILINE sees (its `$` also
/// matches before a final newline).
fn body(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\n").unwrap_or(l)
}

/// Whether `l` ends a line.
fn ends_line(l: &[u8]) -> bool {
    matches!(l.last(), Some(b'\n' | b'\r'))
}

/// `line` with a newline.
fn with_nl(line: &[u8]) -> Vec<u8> {
    let mut v = line.to_vec();
    v.push(b'\n');
    v
}

/// `state=present` on `lines`: Ansible's `present()`. Returns the message ("" when nothing
/// changed).
pub fn present(
    lines: &mut Vec<Vec<u8>>,
    search: &Search,
    line: &[u8],
    insert: &Insert,
    backrefs: bool,
    firstmatch: bool,
) -> Result<&'static str, String> {
    let mut found: Option<usize> = None;
    let mut replacement: Option<Vec<u8>> = None;
    match search {
        Search::Regex(re) => {
            for (i, l) in lines.iter().enumerate() {
                if let Some(c) = re.captures(body(l)) {
                    found = Some(i);
                    replacement = Some(if backrefs {
                        pyre::expand(re, &c, line)?
                    } else {
                        line.to_vec()
                    });
                    if firstmatch {
                        break;
                    }
                }
            }
        }
        Search::Substring(s) => {
            for (i, l) in lines.iter().enumerate() {
                if contains(l, s) {
                    found = Some(i);
                    if firstmatch {
                        break;
                    }
                }
            }
        }
        Search::None => {}
    }
    let matched = found.is_some();
    let mut ins: Option<usize> = None;
    if !matched {
        for (i, l) in lines.iter().enumerate() {
            if trimmed(l) == line {
                found = Some(i);
            } else {
                match insert {
                    Insert::After(re) if re.is_match(body(l)) => {
                        ins = Some(i + 1);
                        if firstmatch {
                            break;
                        }
                    }
                    Insert::Before(re) if re.is_match(body(l)) => {
                        ins = Some(i);
                        if firstmatch {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(idx) = found {
        let mut new_line = replacement.unwrap_or_else(|| line.to_vec());
        if !new_line.ends_with(b"\n") {
            new_line.push(b'\n');
        }
        // Found by the search or as the exact line: Ansible replaces it (which also adds a
        // missing final newline).
        if lines[idx] != new_line {
            lines[idx] = new_line;
            Ok("line replaced")
        } else {
            Ok("")
        }
    } else if backrefs {
        Ok("")
    } else {
        Ok(insert_line(lines, line, insert, ins))
    }
}

/// Inserts `line` where `insert` and the found anchor `ins` say (nothing matched the search).
fn insert_line(
    lines: &mut Vec<Vec<u8>>,
    line: &[u8],
    insert: &Insert,
    ins: Option<usize>,
) -> &'static str {
    match (insert, ins) {
        (Insert::Bof, _) => {
            lines.insert(0, with_nl(line));
            "line added"
        }
        (Insert::Eof, _) | (_, None) => {
            if lines.last().is_some_and(|l| !ends_line(l)) {
                lines.push(b"\n".to_vec());
            }
            lines.push(with_nl(line));
            "line added"
        }
        (Insert::After(_), Some(at)) => {
            if at == lines.len() {
                if trimmed(&lines[at - 1]) != line {
                    lines.push(with_nl(line));
                    return "line added";
                }
                ""
            } else if trimmed(&lines[at]) != line {
                lines.insert(at, with_nl(line));
                "line added"
            } else {
                ""
            }
        }
        (Insert::Before(_), Some(at)) => {
            lines.insert(at, with_nl(line));
            "line added"
        }
    }
}

/// Whether `hay` contains `needle`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// `state=absent` on `lines`: removes every line matching `search` (or equal to `line`);
/// returns how many were removed.
pub fn absent(lines: &mut Vec<Vec<u8>>, search: &Search, line: Option<&[u8]>) -> usize {
    let before = lines.len();
    lines.retain(|l| {
        let hit = match search {
            Search::Regex(re) => re.is_match(body(l)),
            Search::Substring(s) => contains(l, s),
            Search::None => line.is_some_and(|x| trimmed(l) == x),
        };
        !hit
    });
    before - lines.len()
}

/// Compiles a Python pattern argument, naming it in the error.
fn pattern(name: &str, p: &str) -> Result<Regex, String> {
    pyre::compile(p, false, false).map_err(|e| format!("{name}: {e}"))
}

/// Checks the pattern arguments that are not templates (those are compiled when they run).
fn patterns_compile(a: &Args) -> Result<(), String> {
    let anchor = |v: &Option<String>| v.clone().filter(|p| p != "BOF" && p != "EOF");
    for (name, p) in [
        ("regexp", a.regexp.clone()),
        ("insertafter", anchor(&a.insertafter)),
        ("insertbefore", anchor(&a.insertbefore)),
    ] {
        if let Some(p) = p.filter(|p| !is_template(p)) {
            pattern(name, &p)?;
        }
    }
    Ok(())
}

/// How lines are searched for.
fn search(a: &Args) -> Result<Search, String> {
    Ok(match (&a.regexp, &a.search_string) {
        (Some(r), _) => Search::Regex(pattern("regexp", r)?),
        (None, Some(s)) => Search::Substring(s.clone().into_bytes()),
        (None, None) => Search::None,
    })
}

/// Where a new line goes.
fn insert(a: &Args) -> Result<Insert, String> {
    Ok(
        match (a.insertafter.as_deref(), a.insertbefore.as_deref()) {
            (Some("EOF"), _) | (None, None) => Insert::Eof,
            (Some("BOF"), _) | (_, Some("BOF")) => Insert::Bof,
            (Some(r), _) => Insert::After(pattern("insertafter", r)?),
            (None, Some(r)) => Insert::Before(pattern("insertbefore", r)?),
        },
    )
}

/// `lineinfile`: one probe, and one apply when something differs.
async fn lineinfile(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let present_state = args.state == State::Present;
    let attrs = args.attrs();
    let failed = |e: String| Failure::Failed(format!("lineinfile: {e}"));
    let search = search(&args).map_err(failed)?;
    let insert = insert(&args).map_err(failed)?;
    let cur = edit::read(ctx, "lineinfile", &args.path).await?;
    let path = &args.path;
    match cur.state.kind {
        Kind::Directory => {
            return Ok(Output::failed_rc(
                format!("Path {path} is a directory !"),
                256,
            ));
        }
        Kind::Absent if !present_state => {
            return Ok(Output {
                msg: Some("file not present".into()),
                fields: json!({"backup": "", "found": 0})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                ..Output::default()
            });
        }
        Kind::Absent if !args.create => {
            return Ok(Output::failed_rc(
                format!("Destination {path} does not exist !"),
                257,
            ));
        }
        _ => {}
    }
    let mut lines = split_lines(&cur.content);
    let mut fields = Map::new();
    let msg = if present_state {
        let line = args.line.clone().unwrap_or_default();
        present(
            &mut lines,
            &search,
            line.as_bytes(),
            &insert,
            args.backrefs,
            args.firstmatch,
        )
        .map_err(|e| Failure::Failed(format!("lineinfile: {e}")))?
        .to_string()
    } else {
        let n = absent(&mut lines, &search, args.line.as_deref().map(str::as_bytes));
        fields.insert("found".into(), json!(n));
        if n > 0 {
            format!("{n} line(s) removed")
        } else {
            String::new()
        }
    };
    let after = lines.concat();
    let applied = edit::apply(
        ctx,
        Edit {
            path,
            real_path: &cur.real_path,
            state: &cur.state,
            before: &cur.content,
            after: &after,
            msg,
            attrs: &attrs,
            backup: args.backup,
            validate: args.validate.as_deref(),
            diff_header: format!("{path} (content)"),
        },
    )
    .await?;
    fields.insert(
        "backup".into(),
        json!(applied.backup_file.unwrap_or_default()),
    );
    Ok(Output {
        changed: applied.changed,
        msg: Some(applied.msg),
        fields,
        diffs: applied.diffs,
        ..Output::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;
    use crate::modules::framework::spec::check;

    fn re(p: &str) -> Regex {
        pyre::compile(p, false, false).unwrap()
    }

    /// Runs `present` on `text`; (new text, msg). Expectations come from ansible-core 2.19's
    /// lineinfile run on the same files.
    fn run(
        text: &str,
        search: Search,
        line: &str,
        insert: Insert,
        backrefs: bool,
        first: bool,
    ) -> (String, String) {
        let mut lines = split_lines(text.as_bytes());
        let msg = present(
            &mut lines,
            &search,
            line.as_bytes(),
            &insert,
            backrefs,
            first,
        )
        .unwrap();
        (String::from_utf8(lines.concat()).unwrap(), msg.to_string())
    }

    fn ok(text: &str, msg: &str) -> (String, String) {
        (text.to_string(), msg.to_string())
    }

    #[test]
    fn a_present_line_is_left_alone_and_a_missing_one_appended() {
        assert_eq!(
            run("a\nb\nc\n", Search::None, "b", Insert::Eof, false, false),
            ok("a\nb\nc\n", "")
        );
        assert_eq!(
            run("a\nb", Search::None, "x", Insert::Eof, false, false),
            ok("a\nb\nx\n", "line added")
        );
        assert_eq!(
            run("", Search::None, "x", Insert::Eof, false, false),
            ok("x\n", "line added")
        );
        // The exact line without its final newline, or with CRLF, is rewritten.
        assert_eq!(
            run("a\nb", Search::None, "b", Insert::Eof, false, false),
            ok("a\nb\n", "line replaced")
        );
        assert_eq!(
            run("a\r\nb\r\n", Search::None, "b", Insert::Eof, false, false),
            ok("a\r\nb\n", "line replaced")
        );
    }

    #[test]
    fn the_last_match_is_replaced_unless_firstmatch() {
        assert_eq!(
            run(
                "a\nb\nb2\n",
                Search::Regex(re("^b")),
                "B",
                Insert::Eof,
                false,
                false
            ),
            ok("a\nb\nB\n", "line replaced")
        );
        assert_eq!(
            run(
                "a\nb\nb2\n",
                Search::Regex(re("^b")),
                "B",
                Insert::Eof,
                false,
                true
            ),
            ok("a\nB\nb2\n", "line replaced")
        );
        assert_eq!(
            run(
                "a\nb\n",
                Search::Regex(re("^b$")),
                "c",
                Insert::Eof,
                false,
                false
            ),
            ok("a\nc\n", "line replaced")
        );
        assert_eq!(
            run(
                "foo=1\nbar=2\n",
                Search::Substring(b"bar".to_vec()),
                "bar=3",
                Insert::Eof,
                false,
                false
            ),
            ok("foo=1\nbar=3\n", "line replaced")
        );
    }

    #[test]
    fn insertafter_and_insertbefore_follow_ansible() {
        let after = |p: &str| Insert::After(re(p));
        let before = |p: &str| Insert::Before(re(p));
        assert_eq!(
            run("a\nb\na\nc\n", Search::None, "x", after("^a"), false, false),
            ok("a\nb\na\nx\nc\n", "line added")
        );
        assert_eq!(
            run("a\nb\na\nc\n", Search::None, "x", before("^a"), false, true),
            ok("x\na\nb\na\nc\n", "line added")
        );
        assert_eq!(
            run("a\nb\n", Search::None, "x", Insert::Bof, false, false),
            ok("x\na\nb\n", "line added")
        );
        assert_eq!(
            run("a\nx\n", Search::None, "x", after("^a"), false, false),
            ok("a\nx\n", "")
        );
        assert_eq!(
            run("a\nb\n", Search::None, "c", after("^zz"), false, false),
            ok("a\nb\nc\n", "line added")
        );
        assert_eq!(
            run("a\nb\n", Search::None, "c", before("^zz"), false, false),
            ok("a\nb\nc\n", "line added")
        );
        assert_eq!(
            run("a\nb\nc\n", Search::None, "b", before("^c"), false, false),
            ok("a\nb\nc\n", "")
        );
        assert_eq!(
            run("a\nb\nc\n", Search::None, "b", after("^c"), false, false),
            ok("a\nb\nc\n", "")
        );
        assert_eq!(
            run("a\nb\n", Search::None, "x", after("^b"), false, false),
            ok("a\nb\nx\n", "line added")
        );
    }

    #[test]
    fn backrefs_expand_groups_and_never_add_a_line() {
        let r = || Search::Regex(re(r"^(\w+)=(.*)$"));
        assert_eq!(
            run("k=v\n", r(), r"\2=\1", Insert::Eof, true, false),
            ok("v=k\n", "line replaced")
        );
        assert_eq!(
            run("z\n", r(), r"\2=\1", Insert::Eof, true, false),
            ok("z\n", "")
        );
    }

    #[test]
    fn absent_removes_every_matching_line() {
        let mut l = split_lines(b"#a\nb\n#c\n");
        assert_eq!(absent(&mut l, &Search::Regex(re("^#")), None), 2);
        assert_eq!(l.concat(), b"b\n");
        let mut l = split_lines(b"a\nb\n");
        assert_eq!(absent(&mut l, &Search::None, Some(b"b")), 1);
        assert_eq!(l.concat(), b"a\n");
        let mut l = split_lines(b"a\nb\n");
        assert_eq!(absent(&mut l, &Search::Substring(b"zz".to_vec()), None), 0);
    }

    #[test]
    fn arguments_take_ansible_names_and_aliases() {
        let m = json!({"dest": "/x", "value": "l", "regex": "^a", "create": "yes"});
        let a = load_check::parse::<Args>("lineinfile", m.as_object().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                a.path.as_str(),
                a.line.as_deref(),
                a.regexp.as_deref(),
                a.create
            ),
            ("/x", Some("l"), Some("^a"), true)
        );
        assert_eq!(check::<LineInFile>(m), Ok(true));
        assert!(check::<LineInFile>(json!({"path": "/x", "lines": "l"})).is_err());
        assert!(check::<LineInFile>(json!({"line": "l"})).is_err());
        assert!(
            check::<LineInFile>(json!({"path": "/x", "line": "l", "create": "maybe"})).is_err()
        );
        assert!(check::<LineInFile>(json!({"path": "/x", "line": "l", "state": "gone"})).is_err());
        assert!(check::<LineInFile>(json!({"path": "/x", "line": "l", "mode": "0999"})).is_err());
    }

    #[test]
    fn argument_rules_are_checked_at_load() {
        let ok = |v| assert_eq!(check::<LineInFile>(v), Ok(true));
        let bad = |v: serde_json::Value, want: &str| {
            let e = check::<LineInFile>(v.clone()).unwrap_err();
            assert!(e.contains(want), "{v}: {e}");
        };
        ok(json!({"path": "/x", "line": "l", "insertafter": "EOF"}));
        ok(json!({"path": "/x", "regexp": "{{ r }}", "line": "{{ l }}", "mode": "{{ m }}"}));
        ok(json!({"path": "/x", "regexp": "^a", "state": "absent"}));
        bad(
            json!({"path": "/x", "line": "l", "insertafter": "a", "insertbefore": "b"}),
            "mutually exclusive: insertbefore|insertafter",
        );
        bad(
            json!({"path": "/x", "line": "l", "regexp": "a", "search_string": "b"}),
            "mutually exclusive: regexp|search_string",
        );
        bad(
            json!({"path": "/x", "line": "l", "backrefs": true}),
            "regexp is required with backrefs=true",
        );
        bad(json!({"path": "/x"}), "line is required with state=present");
        bad(
            json!({"path": "/x", "state": "absent"}),
            "one of line, search_string, or regexp is required",
        );
        bad(
            json!({"path": "/x", "line": "l", "regexp": "("}),
            "regexp: ",
        );
        bad(
            json!({"path": "/x", "line": "l", "insertbefore": "(?P<"}),
            "insertbefore: ",
        );
        bad(
            json!({"path": "/x", "line": "l", "mode": "preserve"}),
            "preserve",
        );
        bad(
            json!({"path": "/x", "line": "l", "validate": "visudo -c"}),
            "%s",
        );
    }
}
