//! `replace`: replace every match of a pattern in a file (optionally only between `after` and
//! `before`). The file is read in one program, edited on the controller by [`replace_all`]
//! (Python's `re.subn` with MULTILINE and its replacement templates), and written back
//! atomically only when something differs. Knows nothing of playbooks.

use crate::modules::files::common::edit::{self, editor_args, shared_rules, Edit};
use crate::modules::files::common::pyre;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::probe::Kind;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `replace` in the registry.
pub const SPEC: Spec = spec::<Replace>(B, &[]);

/// The `replace` module.
pub struct Replace;

editor_args! {
/// Arguments of `replace` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    path: String,
    regexp: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    replace: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    after: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    before: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    validate: Option<String>,
    /// Accepted for compatibility; files are edited as UTF-8 (or raw bytes). The loader
    /// refuses any value but UTF-8.
    #[serde(default, rename = "encoding", deserialize_with = "de_opt_string")]
    _encoding: Option<String>,
}
}

impl Module for Replace {
    const NAME: &'static str = "replace";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        shared_rules(a.mode.as_ref(), a.validate.as_deref())?;
        if !is_template(&a.regexp) {
            pyre::compile(&a.regexp, true, false).map_err(|e| format!("regexp: {e}"))?;
        }
        for (name, p) in [("after", &a.after), ("before", &a.before)] {
            if let Some(p) = p.as_deref().filter(|p| !is_template(p)) {
                pyre::compile(p, false, true).map_err(|e| format!("{name}: {e}"))?;
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(replace(a, ctx))
    }
}

/// The outcome of [`replace_all`].
#[derive(Debug, PartialEq, Eq)]
pub enum Replaced {
    /// The new content and the number of replacements.
    Changed(Vec<u8>, usize),
    /// Nothing to replace (or replacing changed nothing).
    Unchanged,
    /// `after`/`before` did not match; the message says so.
    NoSection(String),
}

/// Replaces every match of `regexp` by `replace` (a Python template) in `contents`, only in
/// the part between `after` and `before` when they are given (Ansible's `replace` module).
pub fn replace_all(
    contents: &[u8],
    regexp: &str,
    replace: &str,
    after: Option<&str>,
    before: Option<&str>,
) -> Result<Replaced, String> {
    let section_pattern = match (
        after.filter(|s| !s.is_empty()),
        before.filter(|s| !s.is_empty()),
    ) {
        (Some(a), Some(b)) => Some(format!("{a}(?P<subsection>.*?){b}")),
        (Some(a), None) => Some(format!("{a}(?P<subsection>.*)")),
        (None, Some(b)) => Some(format!("(?P<subsection>.*){b}")),
        (None, None) => None,
    };
    let (start, end) = match &section_pattern {
        Some(p) => {
            let re = pyre::compile(p, false, true)?;
            match re.captures(contents).and_then(|c| c.name("subsection")) {
                Some(m) => (m.start(), m.end()),
                None => {
                    return Ok(Replaced::NoSection(format!(
                        "Pattern for before/after params did not match the given file: {p}"
                    )))
                }
            }
        }
        None => (0, contents.len()),
    };
    let section = &contents[start..end];
    let re = pyre::compile(regexp, true, false)?;
    let mut out = Vec::with_capacity(section.len());
    let mut last = 0;
    let mut count = 0;
    for caps in re.captures_iter(section) {
        let Some(m) = caps.get(0) else { continue };
        out.extend_from_slice(&section[last..m.start()]);
        out.extend(pyre::expand(&re, &caps, replace.as_bytes())?);
        last = m.end();
        count += 1;
    }
    out.extend_from_slice(&section[last..]);
    if count == 0 || out == section {
        return Ok(Replaced::Unchanged);
    }
    let mut full = contents[..start].to_vec();
    full.extend(out);
    full.extend_from_slice(&contents[end..]);
    Ok(Replaced::Changed(full, count))
}

/// `replace`: one probe, and one apply when something differs.
async fn replace(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let attrs = args.attrs();
    let path = &args.path;
    let cur = edit::read(ctx, "replace", path).await?;
    match cur.state.kind {
        Kind::Directory => {
            return Ok(Output::failed_rc(
                format!("Path {path} is a directory !"),
                256,
            ))
        }
        Kind::Absent => {
            return Ok(Output::failed_rc(
                format!("Path {path} does not exist !"),
                257,
            ))
        }
        _ => {}
    }
    let result = replace_all(
        &cur.content,
        &args.regexp,
        args.replace.as_deref().unwrap_or(""),
        args.after.as_deref(),
        args.before.as_deref(),
    )
    .map_err(|e| Failure::Failed(format!("Unable to process replace due to error: {e}")))?;
    let fields = json!({"rc": 0}).as_object().cloned().unwrap_or_default();
    let (after, msg) = match result {
        Replaced::NoSection(msg) => {
            return Ok(Output {
                msg: Some(msg),
                fields,
                ..Output::default()
            })
        }
        Replaced::Unchanged => (cur.content.clone(), String::new()),
        Replaced::Changed(text, n) => (text, format!("{n} replacements made")),
    };
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
            diff_header: path.clone(),
        },
    )
    .await?;
    let msg = applied.msg.clone();
    Ok(applied.into_output(fields, msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Replace>(json!({"dest": "/x", "regexp": "a", "replace": 1})),
            Ok(true)
        );
        assert_eq!(
            check::<Replace>(json!({"path": "/x", "regexp": "{{ r }}", "after": "{{ a }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<Replace>(json!({"path": "/x", "regexp": "a", "encoding": "utf-8"})),
            Ok(true)
        );
        assert!(check::<Replace>(json!({"path": "/x"})).is_err());
        assert!(check::<Replace>(json!({"path": "/x", "regexp": "a", "replce": "b"})).is_err());
        assert!(check::<Replace>(json!({"path": "/x", "regexp": "a", "backup": "often"})).is_err());
        assert!(check::<Replace>(json!({"path": "/x", "regexp": "("})).is_err());
        assert!(check::<Replace>(json!({"path": "/x", "regexp": "a", "before": "["})).is_err());
        assert!(
            check::<Replace>(json!({"path": "/x", "regexp": "a", "mode": "preserve"})).is_err()
        );
    }

    /// Expectations come from ansible-core 2.19's replace run on the same files.
    fn run(text: &str, re: &str, rep: &str, after: Option<&str>, before: Option<&str>) -> Replaced {
        replace_all(text.as_bytes(), re, rep, after, before).unwrap()
    }

    fn changed(text: &str, n: usize) -> Replaced {
        Replaced::Changed(text.as_bytes().to_vec(), n)
    }

    #[test]
    fn every_match_is_replaced_with_python_templates() {
        assert_eq!(
            run("a=1\nb=1\na=2\n", r"^a=(\d)$", r"A=\1", None, None),
            changed("A=1\nb=1\nA=2\n", 2)
        );
        assert_eq!(
            run("a b\n", r"(?P<w>\w) ", r"\g<w>_", None, None),
            changed("a_b\n", 1)
        );
        assert_eq!(
            run("a\nb\n", "^", "# ", None, None),
            changed("# a\n# b\n# ", 3)
        );
        assert_eq!(run("aaa\n", "a", "a", None, None), Replaced::Unchanged);
        assert_eq!(run("aaa\n", "z", "a", None, None), Replaced::Unchanged);
    }

    #[test]
    fn after_and_before_limit_the_section() {
        let f = "x\n[s]\nk=1\n[t]\nk=1\n";
        assert_eq!(
            run(f, "k=1", "k=2", Some(r"\[s\]"), Some(r"\[t\]")),
            changed("x\n[s]\nk=2\n[t]\nk=1\n", 1)
        );
        assert_eq!(
            run("x=1\nx=1\n", "1", "2", None, Some("x=1\n$")),
            changed("x=2\nx=1\n", 1)
        );
        assert_eq!(
            run("x\n", "x", "y", Some("nomatch"), None),
            Replaced::NoSection(
                "Pattern for before/after params did not match the given file: nomatch(?P<subsection>.*)".into()
            )
        );
    }

    #[test]
    fn bad_patterns_and_templates_are_errors() {
        assert!(replace_all(b"a", "(", "", None, None).is_err());
        assert!(replace_all(b"a", "(a)", r"\2", None, None).is_err());
    }
}
