//! Lookups that find files on the controller: `file`, `template`, `first_found` and
//! `fileglob`. A relative name is searched as Ansible does: in each search path's subdirectory
//! (`files/`, `templates/`, `vars/`), then in the search path itself. Knows nothing of hosts
//! or of how the search paths were chosen.

use std::path::{Component, Path, PathBuf};

use minijinja::value::{Value, ValueKind};
use minijinja::Error;

use super::super::filters::fail;
use super::super::pyrepr;
use super::{texts, Call};

/// `file`: each file's text, trailing whitespace stripped (`rstrip`, `lstrip` options).
pub(super) fn file(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let rstrip = call.kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
    let lstrip = call.kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
    texts(terms)
        .map(|term| {
            let path = find(call.ctx.search_paths(), Some("files"), &term).ok_or_else(|| {
                fail(format!(
                    "Unable to access the file {}: File not found. Use -vvvvv to see paths searched.",
                    pyrepr::repr(&Value::from(term.as_str()))
                ))
            })?;
            let text = read(&path)?;
            let text = if rstrip { text.trim_end() } else { &text[..] };
            let text = if lstrip { text.trim_start() } else { text };
            Ok(Value::from(text))
        })
        .collect()
}

/// `template`: each template file rendered in the current variables.
pub(super) fn template(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let session = call
        .ctx
        .session()
        .ok_or_else(|| fail("lookup('template') outside a render"))?;
    texts(terms)
        .map(|term| {
            let path =
                find(call.ctx.search_paths(), Some("templates"), &term).ok_or_else(|| {
                    fail(format!(
                        "the template file {term} could not be found for the lookup"
                    ))
                })?;
            let out = session
                .templar()
                .render_file_in(&read(&path)?, call.ctx)
                .map_err(|e| fail(format!("{term}: {e}")))?;
            Ok(Value::from(out))
        })
        .collect()
}

/// The `first_found` options in force for one term.
struct FirstFound {
    paths: Vec<String>,
    skip: bool,
}

/// `first_found`: the absolute path of the first candidate that exists. Terms are names,
/// lists of them, or mappings with `files`, `paths` and `skip`; names and paths given as one
/// string are split on `,;` (files) and `,:;` (paths).
pub(super) fn first_found(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut opts = FirstFound {
        paths: string_list(call.kwargs.get::<Option<Value>>("paths")?.as_ref())?,
        skip: call.kwargs.get::<Option<bool>>("skip")?.unwrap_or(false),
    };
    let files = call.kwargs.get::<Option<Value>>("files")?;
    let terms: Vec<Value> = if terms.is_empty() {
        string_list(files.as_ref())?
            .into_iter()
            .map(Value::from)
            .collect()
    } else {
        terms.to_vec()
    };
    let mut candidates = Vec::new();
    collect_candidates(&terms, &mut opts, &mut candidates)?;
    // Run as a `with_` loop, the task's action picks the subdirectory; a template call
    // searches the paths themselves.
    let subdir = call.with_action.map(|action| {
        ["template", "var", "file"]
            .into_iter()
            .find(|s| action.contains(s))
            .map_or("files", |s| match s {
                "template" => "templates",
                "var" => "vars",
                _ => "files",
            })
    });
    for name in candidates {
        if let Some(found) = find_any(call.ctx.search_paths(), subdir, &name) {
            return Ok(vec![Value::from(absolute(&found).display().to_string())]);
        }
    }
    if opts.skip {
        return Ok(Vec::new());
    }
    Err(fail("No file was found when using first_found."))
}

fn collect_candidates(
    terms: &[Value],
    opts: &mut FirstFound,
    out: &mut Vec<String>,
) -> Result<(), Error> {
    for term in terms {
        let files = match term.kind() {
            ValueKind::Map => {
                for key in term.try_iter()? {
                    if !matches!(key.as_str(), Some("files" | "paths" | "skip")) {
                        return Err(fail(format!(
                            "first_found: unknown option '{}' (it takes files, paths, skip)",
                            pyrepr::to_str(&key)
                        )));
                    }
                }
                let get = |k: &str| term.get_attr(k).ok().filter(|v| !v.is_undefined());
                opts.paths = string_list(get("paths").as_ref())?;
                opts.skip = get("skip").is_some_and(|v| super::super::truth::to_bool(&v));
                string_list(get("files").as_ref())?
            }
            ValueKind::String => vec![pyrepr::to_str(term)],
            ValueKind::Seq | ValueKind::Iterable => {
                let inner: Vec<Value> = term.try_iter()?.collect();
                collect_candidates(&inner, opts, out)?;
                continue;
            }
            _ => {
                return Err(fail(format!(
                    "Invalid term supplied. A string, dict or list is required, not '{}').",
                    super::super::templar::py_type(term)
                )))
            }
        };
        let files: Vec<&str> = files.iter().flat_map(|f| f.split([',', ';'])).collect();
        let paths: Vec<&str> = opts
            .paths
            .iter()
            .flat_map(|p| p.split([',', ':', ';']))
            .collect();
        if paths.is_empty() {
            out.extend(files.iter().map(|f| f.to_string()));
        } else {
            for p in &paths {
                for f in &files {
                    out.push(Path::new(p).join(f).display().to_string());
                }
            }
        }
    }
    Ok(())
}

/// A string or a list of strings as a list (`None`: empty).
fn string_list(v: Option<&Value>) -> Result<Vec<String>, Error> {
    match v {
        None => Ok(Vec::new()),
        Some(v) if v.is_none() || v.is_undefined() => Ok(Vec::new()),
        Some(v) if v.kind() == ValueKind::String => Ok(vec![pyrepr::to_str(v)]),
        Some(v) => Ok(v.try_iter()?.map(|x| pyrepr::to_str(&x)).collect()),
    }
}

/// `fileglob`: the files matching each pattern, in the first directory where any match.
/// A pattern without a directory is tried in each search path's `files/`, then the path.
pub(super) fn fileglob(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let search = call.ctx.search_paths();
    let mut out = Vec::new();
    for term in texts(terms) {
        let path = Path::new(&term);
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let dirs: Vec<PathBuf> = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => find_any(search, Some("files"), &dir.display().to_string())
                .into_iter()
                .collect(),
            None if search.is_empty() => vec![PathBuf::from(".")],
            None => search
                .iter()
                .flat_map(|p| [p.join("files"), p.clone()])
                .collect(),
        };
        let matcher = glob_matcher(name)?;
        for dir in dirs {
            let found: Vec<String> = match std::fs::read_dir(&dir) {
                Ok(entries) => entries
                    .flatten()
                    .filter(|e| e.path().is_file())
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .filter(|n| {
                        (!n.starts_with('.') || name.starts_with('.')) && matcher.is_match(n)
                    })
                    .map(|n| absolute(&dir.join(n)).display().to_string())
                    .collect(),
                Err(_) => Vec::new(),
            };
            if !found.is_empty() {
                // In directory order, as Python's glob lists them.
                out.extend(found.into_iter().map(Value::from));
                break;
            }
        }
    }
    Ok(out)
}

fn glob_matcher(name: &str) -> Result<globset::GlobMatcher, Error> {
    globset::GlobBuilder::new(name)
        .literal_separator(true)
        .backslash_escape(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| fail(format!("fileglob: invalid pattern '{name}': {e}")))
}

/// The first existing file for `term`: absolute as given, else under each search path's
/// `subdir`, then the search path itself (the current directory when there is none).
pub(super) fn find(search: &[PathBuf], subdir: Option<&str>, term: &str) -> Option<PathBuf> {
    candidates(search, subdir, term).find(|c| c.is_file())
}

/// Like [`find`], but a directory counts too (`first_found`, `fileglob`).
fn find_any(search: &[PathBuf], subdir: Option<&str>, term: &str) -> Option<PathBuf> {
    candidates(search, subdir, term).find(|c| c.exists())
}

fn candidates<'a>(
    search: &'a [PathBuf],
    subdir: Option<&'a str>,
    term: &'a str,
) -> Box<dyn Iterator<Item = PathBuf> + 'a> {
    let expanded = expand_home(term);
    let path = Path::new(&expanded);
    if path.is_absolute() || search.is_empty() {
        return Box::new(std::iter::once(path.to_path_buf()));
    }
    // A name that already starts with the subdirectory is not looked for under it twice.
    let under = subdir.filter(|s| term.split('/').next() != Some(*s));
    Box::new(search.iter().flat_map(move |dir| {
        under
            .map(|s| dir.join(s).join(term))
            .into_iter()
            .chain(std::iter::once(dir.join(term)))
    }))
}

fn expand_home(term: &str) -> String {
    match (term.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{home}{rest}")
        }
        _ => term.to_string(),
    }
}

/// `path` made absolute and normalised (`.` and `..` resolved by name, links kept).
pub(super) fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| fail(format!("could not read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_try_the_subdirectory_first() {
        let search = [PathBuf::from("/r"), PathBuf::from("/p")];
        let c: Vec<PathBuf> = candidates(&search, Some("files"), "a.txt").collect();
        assert_eq!(
            c,
            ["/r/files/a.txt", "/r/a.txt", "/p/files/a.txt", "/p/a.txt"].map(PathBuf::from)
        );
        let c: Vec<PathBuf> = candidates(&search, Some("files"), "files/a.txt").collect();
        assert_eq!(c, ["/r/files/a.txt", "/p/files/a.txt"].map(PathBuf::from));
        let c: Vec<PathBuf> = candidates(&search, None, "/abs").collect();
        assert_eq!(c, [PathBuf::from("/abs")]);
    }

    #[test]
    fn paths_are_normalised_by_name() {
        assert_eq!(absolute(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }

    #[test]
    fn globs_follow_python_rules() {
        let m = glob_matcher("*.txt").unwrap();
        assert!(m.is_match("a.txt"));
        assert!(!m.is_match("a.conf"));
        assert!(glob_matcher("[ab]?.c").unwrap().is_match("bx.c"));
    }
}
