//! Error types of the inventory layer: load errors with file/line/column and hints, and
//! host-pattern errors. Knows nothing of how inventories are parsed or printed.

use std::path::PathBuf;

/// Any failure while loading an inventory source.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// A syntax or structure error at a known place in a file.
    #[error("{}", render_located(.file, *.line, *.col, .message, .hint.as_deref()))]
    Parse {
        /// The file being parsed.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
        /// How to fix it, when we know.
        hint: Option<String>,
    },
    /// A file or directory could not be read.
    #[error("{}: {message}", .path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The OS error text.
        message: String,
    },
    /// An executable inventory script failed or printed something that is not inventory JSON.
    #[error("{}: {message}{}", .path.display(), stderr_suffix(.stderr))]
    Script {
        /// The script.
        path: PathBuf,
        /// What went wrong.
        message: String,
        /// The script's standard error, possibly empty.
        stderr: String,
    },
    /// A structural problem without a precise location (e.g. a group cycle).
    #[error("{}: {message}", .path.display())]
    Structure {
        /// The source being merged.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl InventoryError {
    /// Builds a located parse error.
    pub fn parse(
        file: impl Into<PathBuf>,
        line: usize,
        col: usize,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> Self {
        InventoryError::Parse {
            file: file.into(),
            line,
            col,
            message: message.into(),
            hint: hint.map(str::to_string),
        }
    }

    /// Builds an I/O error for `path`.
    pub fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        InventoryError::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

fn render_located(
    file: &std::path::Path,
    line: usize,
    col: usize,
    message: &str,
    hint: Option<&str>,
) -> String {
    let mut s = format!("{}:{}:{}: {}", file.display(), line, col, message);
    if let Some(h) = hint {
        s.push_str("\n  hint: ");
        s.push_str(h);
    }
    s
}

fn stderr_suffix(stderr: &str) -> String {
    let t = stderr.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!("\n  script stderr:\n    {}", t.replace('\n', "\n    "))
    }
}

/// A host pattern that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// `~regex` that does not compile.
    #[error("Invalid host list pattern: {pattern}: {message}")]
    InvalidRegex {
        /// The pattern as written.
        pattern: String,
        /// The regex engine's complaint.
        message: String,
    },
    /// `group[N]` where N is out of range.
    #[error("No hosts matched the subscripted pattern '{pattern}'")]
    SubscriptOutOfRange {
        /// The pattern as written.
        pattern: String,
    },
    /// `@file` that cannot be read.
    #[error("Unable to read limit file {path}: {message}")]
    LimitFile {
        /// The file named after `@`.
        path: String,
        /// The OS error text.
        message: String,
    },
    /// `--graph GROUP` with a name that is not a group.
    #[error("Pattern must be valid group name when using --graph: {name}")]
    UnknownGroup {
        /// The name given.
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_renders_location_and_hint() {
        let e = InventoryError::parse("inv.ini", 3, 7, "bad range", Some("use [1:10]"));
        assert_eq!(e.to_string(), "inv.ini:3:7: bad range\n  hint: use [1:10]");
        let e = InventoryError::parse("inv.ini", 1, 1, "oops", None);
        assert_eq!(e.to_string(), "inv.ini:1:1: oops");
    }

    #[test]
    fn script_error_includes_stderr() {
        let e = InventoryError::Script {
            path: "inv.sh".into(),
            message: "exited with status 2".into(),
            stderr: "boom\nbang\n".into(),
        };
        let s = e.to_string();
        assert!(s.starts_with("inv.sh: exited with status 2"));
        assert!(s.contains("    boom\n    bang"));
    }
}
