//! The check that a target path is a readable regular file before its content is sent back
//! (`slurp`, `fetch`): the shell lines that report why not, and Ansible's messages for it.
//! Knows nothing of what the module does with the content.

/// Shell text (after `MARK_FN`) that checks `$p` is a readable regular file, and otherwise
/// reports `unreadable missing`, `unreadable directory` or `unreadable denied` and exits 0.
pub const CHECK_READABLE: &str = "[ -e \"$p\" ] || { m unreadable missing; exit 0; }\n\
     [ -d \"$p\" ] && { m unreadable directory; exit 0; }\n\
     [ -r \"$p\" ] || { m unreadable denied; exit 0; }\n";

/// Why a path could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Nothing is there.
    Missing,
    /// A directory is there.
    Directory,
    /// It cannot be read.
    Denied,
}

impl Unreadable {
    /// The reason [`CHECK_READABLE`] reported in `value` (the `unreadable` key of a report of
    /// `module`); a word it never prints fails, naming the module.
    pub fn parse(module: &str, value: &str) -> Result<Unreadable, String> {
        match value {
            "missing" => Ok(Unreadable::Missing),
            "directory" => Ok(Unreadable::Directory),
            "denied" => Ok(Unreadable::Denied),
            v => Err(format!(
                "{module}: unexpected answer from the target: unreadable {v:?}"
            )),
        }
    }

    /// Ansible's message for it.
    pub fn message(self, path: &str) -> String {
        match self {
            Unreadable::Missing => format!("File not found: {path}"),
            Unreadable::Directory => format!("Source is a directory and must be a file: {path}"),
            Unreadable::Denied => format!("File is not readable: {path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::report::{Report, MARK_FN};

    #[test]
    fn messages_are_ansibles() {
        assert_eq!(Unreadable::Missing.message("/x"), "File not found: /x");
        assert_eq!(
            Unreadable::parse("slurp", "directory"),
            Ok(Unreadable::Directory)
        );
        let e = Unreadable::parse("fetch", "odd").unwrap_err();
        assert!(e.starts_with("fetch: ") && e.contains("odd"), "{e}");
    }

    #[test]
    fn the_check_reports_why() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, "x").unwrap();
        let why = |p: &std::path::Path| {
            let s = format!("{MARK_FN}p='{}'\n{CHECK_READABLE}m ok\n", p.display());
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(s)
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            let r = Report::parse("slurp", &String::from_utf8_lossy(&out.stdout)).unwrap();
            r.get("unreadable")
                .map(str::to_string)
                .or(r.get("ok").map(|_| "ok".into()))
        };
        assert_eq!(why(&f).as_deref(), Some("ok"));
        assert_eq!(why(d.path()).as_deref(), Some("directory"));
        assert_eq!(why(&d.path().join("none")).as_deref(), Some("missing"));
    }
}
