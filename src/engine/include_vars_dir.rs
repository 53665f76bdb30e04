//! `include_vars: dir=...`: which files of a directory are loaded, in which order, as Ansible's
//! action chooses them: the tree walked with its directories in name order (`depth` levels,
//! 0 for all), each directory's files in name order, kept when `files_matching` finds its
//! pattern in the name and no `ignore_files` pattern matches the name's end; a kept file whose
//! extension is not in `extensions` (default `yaml`, `yml`, `json`; `''` is no extension)
//! fails the task unless `ignore_unknown_extensions` skips it. Knows nothing of variables.

use crate::modules::files::common::pyre;
use crate::modules::framework::args::{scalar_text, to_bool};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The extensions Ansible loads by default.
const DEFAULT_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// The options of a directory include.
pub struct DirOptions {
    depth: usize,
    files_matching: Option<pyre::Regex>,
    ignore_files: Vec<pyre::Regex>,
    extensions: Vec<String>,
    ignore_unknown: bool,
}

impl DirOptions {
    /// Reads the options from the task's arguments.
    pub fn new(args: &Map<String, Value>) -> Result<DirOptions, String> {
        let depth = match args.get("depth") {
            None | Some(Value::Null) => 0,
            Some(v) => scalar_text(v)
                .parse()
                .map_err(|_| format!("include_vars: depth must be a number, got {v}"))?,
        };
        let files_matching = args
            .get("files_matching")
            .map(|v| pyre::compile(&scalar_text(v), false, false))
            .transpose()?;
        let ignore_files = match args.get("ignore_files") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(Value::Array(a)) => a.iter().map(scalar_text).collect(),
            Some(other) => return Err(format!("{other} must be a list")),
        }
        .iter()
        .map(|p| {
            pyre::compile(&format!("(?:{p})$"), false, false)
                .map_err(|_| format!("Invalid regular expression: {p}"))
        })
        .collect::<Result<_, _>>()?;
        let extensions = match args.get("extensions") {
            None => DEFAULT_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
            // A string is a list of its characters, as in Python.
            Some(Value::String(s)) => s.chars().map(String::from).collect(),
            Some(Value::Array(a)) => a.iter().map(scalar_text).collect(),
            Some(_) => {
                return Err("Invalid type for \"extensions\" option, it must be a list".into())
            }
        };
        let ignore_unknown = args
            .get("ignore_unknown_extensions")
            .and_then(to_bool)
            .unwrap_or(false);
        Ok(DirOptions {
            depth,
            files_matching,
            ignore_files,
            extensions,
            ignore_unknown,
        })
    }

    /// Whether `name`'s extension (Python's `splitext`) is one to load.
    fn valid_extension(&self, name: &str) -> bool {
        let stem_start = name.len() - name.trim_start_matches('.').len();
        let ext = match name[stem_start..].rfind('.') {
            Some(dot) => &name[stem_start + dot + 1..],
            None => "",
        };
        self.extensions.iter().any(|e| e == ext)
    }

    /// The files to load under `dir`, in order; on an error (a file with another extension),
    /// the files chosen before it and the message.
    pub fn files(&self, dir: &Path) -> Result<Vec<PathBuf>, (Vec<PathBuf>, String)> {
        let mut dirs = Vec::new();
        walk(dir, 1, self.depth, &mut dirs);
        dirs.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
        let mut out = Vec::new();
        for (d, mut names) in dirs {
            names.sort();
            for name in names {
                if let Some(m) = &self.files_matching {
                    if !m.is_match(name.as_bytes()) {
                        continue;
                    }
                }
                if self
                    .ignore_files
                    .iter()
                    .any(|r| r.is_match(name.as_bytes()))
                {
                    continue;
                }
                let path = d.join(&name);
                if !self.valid_extension(&name) {
                    if self.ignore_unknown {
                        continue;
                    }
                    let msg = format!(
                        "{} does not have a valid extension: {}",
                        path.display(),
                        self.extensions.join(", ")
                    );
                    return Err((out, msg));
                }
                out.push(path);
            }
        }
        Ok(out)
    }
}

/// `hash_behaviour: merge`: `new` laid over `old`, dictionaries merged key by key at every
/// depth, anything else replaced (Ansible's recursive hash merge).
pub fn merge_hashes(old: &Value, new: Value) -> Value {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut out = o.clone();
            for (k, v) in n {
                let merged = match out.get(&k) {
                    Some(prev) => merge_hashes(prev, v),
                    None => v,
                };
                out.insert(k, merged);
            }
            Value::Object(out)
        }
        (_, n) => n,
    }
}

/// Collects `(directory, file names)` under `dir` (following links), `level` being its depth
/// from the root (1) and `max` the deepest level kept (0: all).
fn walk(dir: &Path, level: usize, max: usize, out: &mut Vec<(PathBuf, Vec<String>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files = Vec::new();
    let mut subdirs = Vec::new();
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            subdirs.push(p);
        } else {
            files.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    if max == 0 || level <= max {
        out.push((dir.to_path_buf(), files));
    }
    for s in subdirs {
        if max == 0 || level < max {
            walk(&s, level + 1, max, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> Result<DirOptions, String> {
        DirOptions::new(v.as_object().expect("object"))
    }

    #[test]
    fn chooses_files_as_ansible() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        for f in [
            "b.yml",
            "a.json",
            "noext",
            "c.txt",
            "sub/d.yaml",
            "sub/deeper/e.yml",
        ] {
            let f = p.join(f);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, "x: 1\n").unwrap();
        }
        let names = |o: DirOptions| -> Result<Vec<String>, String> {
            Ok(o.files(p)
                .map_err(|(_, e)| e)?
                .iter()
                .map(|f| f.strip_prefix(p).unwrap().display().to_string())
                .collect())
        };
        let e = names(opts(json!({})).unwrap()).unwrap_err();
        assert!(
            e.contains("c.txt does not have a valid extension: yaml, yml, json"),
            "{e}"
        );
        assert_eq!(
            names(opts(json!({"ignore_unknown_extensions": true})).unwrap()).unwrap(),
            ["a.json", "b.yml", "sub/d.yaml", "sub/deeper/e.yml"]
        );
        assert_eq!(
            names(opts(json!({"extensions": ["", "yml", "json", "yaml"], "ignore_files": ["c.txt"], "depth": 2})).unwrap())
                .unwrap(),
            ["a.json", "b.yml", "noext", "sub/d.yaml"]
        );
        assert_eq!(
            names(opts(json!({"files_matching": "^[ab]", "ignore_files": "a.json"})).unwrap())
                .unwrap(),
            ["b.yml"]
        );
        assert!(opts(json!({"extensions": 3})).is_err());
    }

    #[test]
    fn merges_hashes_deeply() {
        let old = json!({"a": {"x": 1, "y": [1]}, "b": 1});
        let new = json!({"a": {"y": [2], "z": 3}});
        assert_eq!(
            merge_hashes(&old, new),
            json!({"a": {"x": 1, "y": [2], "z": 3}, "b": 1})
        );
    }
}
