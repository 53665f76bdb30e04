//! `ini_file` (community.general): set or remove an option, or a whole section, in an INI
//! file. The file is read in one program, edited on the controller by [`edit_ini`]
//! (community.general's algorithm: commented-out options are reused, `exclusive` removes
//! other occurrences, a missing option goes after the section's last non-blank line, a
//! missing section is appended), and written back atomically only when something differs.
//! Knows nothing of playbooks.

use crate::modules::files::common::edit::{self, editor_args, shared_rules, Edit, State};
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string, yes};
use crate::modules::framework::probe::Kind;
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `ini_file` in the registry (also under its old `community.general.files` name).
pub const SPEC: Spec = spec::<IniFile>(CG, &["community.general.files.ini_file"]);

/// The `ini_file` module.
pub struct IniFile;

editor_args! {
/// Arguments of `ini_file` (community.general's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest")]
    path: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    section: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    option: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    value: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    values: Option<Vec<String>>,
    #[serde(default)]
    state: State,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    exclusive: bool,
    #[serde(default, deserialize_with = "de_bool")]
    no_extra_spaces: bool,
    #[serde(default, deserialize_with = "de_bool")]
    ignore_spaces: bool,
    #[serde(default, deserialize_with = "de_bool")]
    allow_no_value: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    create: bool,
    /// Accepted for compatibility: rsible always edits the file a link points to (the loader
    /// refuses any value but `false`).
    #[serde(default, rename = "follow", deserialize_with = "de_bool")]
    _follow: bool,
}
}

impl Module for IniFile {
    const NAME: &'static str = "ini_file";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.value.is_some() && a.values.is_some() {
            return Err("parameters are mutually exclusive: value|values".into());
        }
        if a.state == State::Present && !a.allow_no_value && values(a).is_empty() {
            return Err(
                "Parameter 'value(s)' must be defined if state=present and allow_no_value=False."
                    .into(),
            );
        }
        shared_rules(a.mode.as_ref(), None)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(ini_file(a, ctx))
    }
}

/// The values the option must have (`value` or `values`).
fn values(a: &Args) -> Vec<String> {
    match (&a.value, &a.values) {
        (Some(v), _) => vec![v.clone()],
        (None, Some(vs)) => vs.clone(),
        (None, None) => Vec::new(),
    }
}

/// What to do to the file.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// The section; `None` means the lines before the first section.
    pub section: Option<&'a str>,
    /// The option; `None` acts on the whole section.
    pub option: Option<&'a str>,
    /// The values the option must have (deduplicated by [`edit_ini`]).
    pub values: Vec<String>,
    /// `state=present`.
    pub present: bool,
    /// Remove other occurrences of the option.
    pub exclusive: bool,
    /// `option=value` instead of `option = value`.
    pub no_extra_spaces: bool,
    /// A line whose value is equal but spaced differently counts as unchanged.
    pub ignore_spaces: bool,
    /// Options without `=value` are allowed.
    pub allow_no_value: bool,
}

/// The name of the pseudo-section holding the lines before the first header.
const FAKE_SECTION: &str = "ad01e11446efb704fcdbdb21f2c43757423d91c5";

/// Matches an option line, perhaps commented out; group 1 is the comment mark, 7 the value.
fn opt_re(option: &str) -> Result<Regex, String> {
    let o = regex::escape(option);
    Regex::new(&format!(r"^([#;]?)( |\t)*({o})( |\t)*(=|$)( |\t)*(.*)"))
        .map_err(|e| format!("option {option:?}: {e}"))
}

/// Matches an active option line; group 6 is the value.
fn active_re(option: &str) -> Result<Regex, String> {
    let o = regex::escape(option);
    Regex::new(&format!(r"^( |\t)*({o})( |\t)*(=|$)( |\t)*(.*)"))
        .map_err(|e| format!("option {option:?}: {e}"))
}

/// A line without its final newline, as Python's `$` sees it.
fn body(l: &str) -> &str {
    l.strip_suffix('\n').unwrap_or(l)
}

/// Python's universal-newline reading of a UTF-8 file (BOM dropped): its lines with `\n`.
pub fn read_lines(content: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(content);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split_inclusive('\n').map(str::to_string).collect()
}

/// Replaces `lines[i]` by `newline` unless equal (or equal but for spaces, with
/// `ignore_spaces`); returns whether it changed.
fn update_line(
    opt: &Regex,
    lines: &mut [String],
    i: usize,
    newline: String,
    ignore_spaces: bool,
) -> bool {
    let mut changed = None;
    if ignore_spaces {
        if let (Some(old), Some(new)) =
            (opt.captures(body(&lines[i])), opt.captures(body(&newline)))
        {
            if old.get(1).map_or("", |m| m.as_str()).is_empty() {
                changed = Some(old.get(7).map(|m| m.as_str()) != new.get(7).map(|m| m.as_str()));
            }
        }
    }
    let changed = changed.unwrap_or(lines[i] != newline);
    if changed {
        lines[i] = newline;
    }
    changed
}

/// Edits the lines of an INI file (community.general's `do_ini`); returns the new content
/// and the message (`OK` when nothing changed, and then the content is `content` as is).
pub fn edit_ini(content: &[u8], r: &Request<'_>) -> Result<(Vec<u8>, &'static str), String> {
    let mut values: Vec<String> = Vec::new();
    for v in &r.values {
        if !values.contains(v) {
            values.push(v.clone());
        }
    }
    let mut ini = read_lines(content);
    if ini.is_empty() {
        ini.push("\n".into());
    }
    let mut newline_added = false;
    if let Some(last) = ini.last_mut() {
        if !last.ends_with('\n') {
            last.push('\n');
            newline_added = true;
        }
    }
    ini.insert(0, format!("[{FAKE_SECTION}]"));
    ini.push("[".into());
    let section = r.section.filter(|s| !s.is_empty()).unwrap_or(FAKE_SECTION);
    let header = format!("[{section}]");
    let mut within = false;
    let (mut start, mut end) = (0, 0);
    for (i, l) in ini.iter().enumerate() {
        if within && l.starts_with('[') {
            end = i;
            break;
        }
        if l.starts_with(&header) {
            within = true;
            start = i;
        }
    }
    let after: Vec<String> = ini.split_off(end);
    let mut sec: Vec<String> = ini.split_off(start);
    let mut lines = ini;
    let mut changed_lines = vec![false; sec.len()];
    let mut msg = "OK";
    let fmt = |o: &str, v: &str| {
        if r.no_extra_spaces {
            format!("{o}={v}\n")
        } else {
            format!("{o} = {v}\n")
        }
    };
    let mut no_value_present = false;
    if let (true, Some(o)) = (r.present, r.option) {
        let opt = opt_re(o)?;
        for i in 0..sec.len() {
            let Some(c) = opt.captures(body(&sec[i])) else {
                continue;
            };
            let val = c.get(7).map_or("", |m| m.as_str()).to_string();
            if !values.is_empty() && values.contains(&val) {
                let newline = if val.is_empty() && r.allow_no_value {
                    no_value_present = true;
                    format!("{o}\n")
                } else {
                    fmt(o, &val)
                };
                if update_line(&opt, &mut sec, i, newline, r.ignore_spaces) {
                    msg = "option changed";
                }
                changed_lines[i] = true;
                values.retain(|v| *v != val);
            } else if values.is_empty() && r.allow_no_value {
                if update_line(&opt, &mut sec, i, format!("{o}\n"), r.ignore_spaces) {
                    msg = "option changed";
                }
                changed_lines[i] = true;
                no_value_present = true;
                break;
            }
        }
    }
    if let (true, true, false, Some(o)) = (r.present, r.exclusive, r.allow_no_value, r.option) {
        let opt = opt_re(o)?;
        if !values.is_empty() {
            for i in 0..sec.len() {
                if !changed_lines[i] && opt.is_match(body(&sec[i])) {
                    let v = values.remove(0);
                    if update_line(&opt, &mut sec, i, fmt(o, &v), r.ignore_spaces) {
                        msg = "option changed";
                    }
                    changed_lines[i] = true;
                    if values.is_empty() {
                        break;
                    }
                }
            }
        }
        for i in (1..sec.len()).rev() {
            if !changed_lines[i] && opt.is_match(body(&sec[i])) {
                sec.remove(i);
                changed_lines.remove(i);
                msg = "option changed";
            }
        }
    }
    if r.present {
        let blank_or_comment = |l: &str| {
            let t = body(l).trim_start_matches([' ', '\t']);
            t.is_empty() || t.starts_with(['#', ';'])
        };
        if let Some(idx) = (1..=sec.len())
            .rev()
            .find(|i| !blank_or_comment(&sec[i - 1]))
        {
            match r.option {
                Some(o) if !values.is_empty() => {
                    for v in values.iter().rev() {
                        sec.insert(idx, fmt(o, v));
                        msg = "option added";
                    }
                }
                Some(o) if r.allow_no_value && !no_value_present => {
                    sec.insert(idx, format!("{o}\n"));
                    msg = "option added";
                }
                _ => {}
            }
        }
    } else if let Some(o) = r.option {
        let act = active_re(o)?;
        let before = sec.len();
        if r.exclusive {
            sec.retain(|l| !act.is_match(body(l)));
        } else if !values.is_empty() {
            sec.retain(|l| {
                act.captures(body(l)).is_none_or(|c| {
                    !values
                        .iter()
                        .any(|v| Some(v.as_str()) == c.get(6).map(|m| m.as_str()))
                })
            });
        }
        if sec.len() != before {
            msg = "option changed";
        }
    } else if !sec.is_empty() {
        sec.clear();
        msg = "section removed";
    }
    lines.extend(sec);
    lines.extend(after);
    lines.remove(0);
    lines.pop();
    if !within && r.present {
        lines.push(format!("{header}\n"));
        msg = "section and option added";
        match r.option {
            Some(o) if !values.is_empty() => {
                for v in &values {
                    lines.push(fmt(o, v));
                }
            }
            Some(o) if r.allow_no_value => lines.push(format!("{o}\n")),
            _ => msg = "only section added",
        }
    }
    if msg == "OK" && !newline_added {
        return Ok((content.to_vec(), msg));
    }
    Ok((lines.concat().into_bytes(), msg))
}

/// `ini_file`: one probe, and one apply when something differs.
async fn ini_file(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let present = args.state == State::Present;
    let values = values(&args);
    let attrs = args.attrs();
    let path = &args.path;
    let cur = edit::read(ctx, "ini_file", path).await?;
    match cur.state.kind {
        Kind::Directory => return Err(Failure::Failed(format!("Path {path} is a directory !"))),
        Kind::Absent if !args.create => {
            return Err(Failure::Failed(format!(
                "Destination {path} does not exist!"
            )))
        }
        _ => {}
    }
    let req = Request {
        section: args.section.as_deref(),
        option: args.option.as_deref(),
        values,
        present,
        exclusive: args.exclusive,
        no_extra_spaces: args.no_extra_spaces,
        ignore_spaces: args.ignore_spaces,
        allow_no_value: args.allow_no_value,
    };
    let (after, msg) =
        edit_ini(&cur.content, &req).map_err(|e| Failure::Failed(format!("ini_file: {e}")))?;
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
            validate: None,
            diff_header: format!("{path} (content)"),
        },
    )
    .await?;
    let mut fields = Map::new();
    fields.insert("path".into(), Value::String(path.clone()));
    Ok(applied.into_output(fields, msg.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::json;

    #[test]
    fn arguments() {
        let ok = |v: Value| assert_eq!(check::<IniFile>(v.clone()), Ok(true), "{v}");
        ok(json!({"dest": "/x", "section": "s", "option": "o", "value": 2}));
        ok(json!({"path": "/x", "section": null, "option": "o", "values": ["a", "b"]}));
        ok(json!({"path": "/x", "section": "s", "state": "absent"}));
        ok(json!({"path": "/x", "option": "o", "allow_no_value": true}));
        ok(json!({"path": "/x", "option": "o", "value": "{{ v }}", "create": "{{ c }}"}));
        let bad = |v: Value, want: &str| {
            let e = check::<IniFile>(v.clone()).unwrap_err();
            assert!(e.contains(want), "{v}: {e}");
        };
        bad(
            json!({"section": "s", "value": "v"}),
            "missing required arguments: path",
        );
        bad(json!({"path": "/x", "valeu": "v"}), "valeu");
        bad(
            json!({"path": "/x", "value": "v", "exclusive": "both"}),
            "exclusive",
        );
        bad(
            json!({"path": "/x", "value": "v", "values": ["w"]}),
            "value|values",
        );
        bad(json!({"path": "/x", "option": "o"}), "must be defined");
        bad(json!({"path": "/x", "value": "v", "mode": "a+q"}), "mode");
    }

    fn set(text: &str, section: Option<&str>, option: &str, value: &str) -> (String, &'static str) {
        let r = Request {
            section,
            option: Some(option),
            values: vec![value.to_string()],
            present: true,
            exclusive: true,
            ..Request::default()
        };
        let (out, msg) = edit_ini(text.as_bytes(), &r).unwrap();
        (String::from_utf8(out).unwrap(), msg)
    }

    #[test]
    fn options_are_added_changed_and_left_alone() {
        let f = "[drinks]\nfav = lemonade\n\n[food]\nfav = pizza\n";
        assert_eq!(
            set(f, Some("drinks"), "fav", "lemonade"),
            (f.to_string(), "OK")
        );
        assert_eq!(
            set(f, Some("drinks"), "fav", "water"),
            (
                "[drinks]\nfav = water\n\n[food]\nfav = pizza\n".into(),
                "option changed"
            )
        );
        // A new option goes after the section's last non-blank line.
        assert_eq!(
            set(f, Some("drinks"), "beer", "yes"),
            (
                "[drinks]\nfav = lemonade\nbeer = yes\n\n[food]\nfav = pizza\n".into(),
                "option added"
            )
        );
        // A commented-out option is reused; other occurrences go (exclusive).
        assert_eq!(
            set("[s]\n# k = 1\nk = 2\nk = 3\n", Some("s"), "k", "4"),
            ("[s]\nk = 4\n".into(), "option changed")
        );
    }

    #[test]
    fn missing_sections_are_appended_and_no_section_means_the_top() {
        assert_eq!(
            set("[a]\nx = 1\n", Some("b"), "y", "2"),
            (
                "[a]\nx = 1\n[b]\ny = 2\n".into(),
                "section and option added"
            )
        );
        assert_eq!(
            set("", Some("b"), "y", "2"),
            ("\n[b]\ny = 2\n".into(), "section and option added")
        );
        assert_eq!(
            set("top = 1\n[a]\nx = 1\n", None, "top", "2"),
            ("top = 2\n[a]\nx = 1\n".into(), "option changed")
        );
        let r = Request {
            section: Some("a"),
            option: Some("x"),
            values: vec!["1".into()],
            present: true,
            no_extra_spaces: true,
            ..Request::default()
        };
        assert_eq!(edit_ini(b"[a]\nx = 1\n", &r).unwrap().0, b"[a]\nx=1\n");
    }

    #[test]
    fn absent_removes_options_or_sections() {
        let f = b"[a]\nx = 1\nx = 2\ny = 3\n[b]\nz = 1\n";
        let mut r = Request {
            section: Some("a"),
            option: Some("x"),
            exclusive: true,
            ..Request::default()
        };
        assert_eq!(
            edit_ini(f, &r).unwrap(),
            (b"[a]\ny = 3\n[b]\nz = 1\n".to_vec(), "option changed")
        );
        r.exclusive = false;
        r.values = vec!["2".into()];
        assert_eq!(
            edit_ini(f, &r).unwrap().0,
            b"[a]\nx = 1\ny = 3\n[b]\nz = 1\n"
        );
        r.option = None;
        assert_eq!(
            edit_ini(f, &r).unwrap(),
            (b"[b]\nz = 1\n".to_vec(), "section removed")
        );
    }

    #[test]
    fn values_ignore_spaces_and_options_without_value() {
        let r = Request {
            section: Some("a"),
            option: Some("k"),
            values: vec!["1".into(), "2".into(), "1".into()],
            present: true,
            exclusive: true,
            ..Request::default()
        };
        assert_eq!(
            edit_ini(b"[a]\nk = 2\n", &r).unwrap().0,
            b"[a]\nk = 2\nk = 1\n"
        );
        let sp = Request {
            section: Some("a"),
            option: Some("k"),
            values: vec!["1".into()],
            present: true,
            ignore_spaces: true,
            exclusive: true,
            ..Request::default()
        };
        assert_eq!(
            edit_ini(b"[a]\nk=1\n", &sp).unwrap(),
            (b"[a]\nk=1\n".to_vec(), "OK")
        );
        let nv = Request {
            section: Some("a"),
            option: Some("flag"),
            present: true,
            allow_no_value: true,
            ..Request::default()
        };
        assert_eq!(
            edit_ini(b"[a]\nk = 1\n", &nv).unwrap(),
            (b"[a]\nk = 1\nflag\n".to_vec(), "option added")
        );
        // CRLF files are read with universal newlines; unchanged files stay as they are.
        assert_eq!(
            edit_ini(b"[a]\r\nk = 1\r\n", &sp).unwrap(),
            (b"[a]\r\nk = 1\r\n".to_vec(), "OK")
        );
    }
}
