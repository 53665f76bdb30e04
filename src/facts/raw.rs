//! The script's output framing undone: sections by name, the files read by `grep -H`, the
//! paths that exist. Knows the framing of `script.rs`, nothing of what any fact means.

use super::subset::Collector;
use super::FactsError;
use std::collections::{HashMap, HashSet};

/// The raw material of one gathering run, split into its parts.
#[derive(Debug, Default)]
pub struct Raw {
    sections: HashMap<String, String>,
    files: HashMap<String, String>,
    exists: HashSet<String>,
    /// The collectors the script was built for.
    pub collectors: Vec<Collector>,
    /// The `gather_subset` words the script was built for.
    pub words: Vec<String>,
}

impl Raw {
    /// Splits the script's stdout at its nonce-marked section headers.
    pub fn parse(stdout: &str) -> Result<Raw, FactsError> {
        let (first, rest) = stdout.split_once('\n').unwrap_or((stdout, ""));
        let nonce = first
            .strip_prefix("rsible-facts 1 ")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                FactsError::Output(format!(
                    "not the fact script's output (first line {:?})",
                    first.chars().take(80).collect::<String>()
                ))
            })?;
        let marker = format!("\n{nonce} ");
        let mut raw = Raw::default();
        let mut pieces = rest.split(marker.as_str());
        // Whatever precedes the first header (normally nothing) is noise from the login shell.
        pieces.next();
        for piece in pieces {
            let (name, body) = piece.split_once('\n').unwrap_or((piece, ""));
            raw.sections.insert(name.to_string(), body.to_string());
        }
        if !raw.sections.contains_key("end") {
            return Err(FactsError::Output(
                "the fact script's output is truncated (no end marker)".to_string(),
            ));
        }
        let files_text = raw.sections.remove("files").unwrap_or_default();
        for line in files_text.lines() {
            if let Some((path, content)) = line.split_once(':') {
                let entry = raw.files.entry(path.to_string()).or_default();
                entry.push_str(content);
                entry.push('\n');
            }
        }
        raw.exists = raw
            .section("exists")
            .unwrap_or("")
            .lines()
            .map(str::to_string)
            .collect();
        raw.collectors = raw
            .section("collectors")
            .unwrap_or("")
            .split_whitespace()
            .filter_map(Collector::from_name)
            .collect();
        raw.words = raw
            .section("gather_subset")
            .unwrap_or("")
            .lines()
            .map(str::to_string)
            .collect();
        Ok(raw)
    }

    /// A command section's text, if the script printed that section.
    pub fn section(&self, name: &str) -> Option<&str> {
        self.sections.get(name).map(String::as_str)
    }

    /// A command section's first line, trimmed, if not empty.
    pub fn line(&self, name: &str) -> Option<&str> {
        self.section(name)
            .and_then(|s| s.lines().next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A file's content (each line ending in `\n`), if it was readable and not empty.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// A file's content with surrounding whitespace removed, if not empty.
    pub fn file_trim(&self, path: &str) -> Option<&str> {
        self.file(path).map(str::trim).filter(|s| !s.is_empty())
    }

    /// Whether the script saw `path` (an existence probe or a non-empty read).
    pub fn exists(&self, path: &str) -> bool {
        self.exists.contains(path) || self.files.contains_key(path)
    }

    /// Paths of read files under `prefix`, for per-interface sysfs entries.
    pub fn files_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.files
            .iter()
            .filter(move |(p, _)| p.starts_with(prefix))
            .map(|(p, c)| (p.as_str(), c.as_str()))
    }

    /// The remote shell's environment (`/proc/$$/environ`), in the order it was given.
    pub fn environ(&self) -> Vec<(String, String)> {
        let Some(pid) = self.line("pid") else {
            return Vec::new();
        };
        let Some(text) = self.file(&format!("/proc/{pid}/environ")) else {
            return Vec::new();
        };
        let text = text.strip_suffix('\n').unwrap_or(text);
        text.split('\0')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}
