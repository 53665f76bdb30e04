//! Controller paths as Ansible reads a task's local `src` (`copy`, `template`, `script`,
//! `unarchive`): one that starts with `/` or `~` has the controller's environment variables
//! (`$NAME`, `${NAME}`; unset ones stay as written) and a leading `~`/`~user` expanded, then
//! `.` and `..` folded; any other path is searched for in the task's search directories
//! ([`find_local`]). Knows nothing of modules.

use std::path::{Path, PathBuf};

/// What Ansible adds to every "Could not find or access" message.
const REMOTE_SRC_HINT: &str =
    "\nIf you are using a module and expect the file to exist on the remote, see the remote_src option";

/// Finds a controller-side `src`: absolute as is; otherwise `d/SUB/SRC`, then `d/SRC` for
/// each search directory `d`, in order. A path starting with `/` or `~` is expanded first
/// (see [`expand`]).
pub fn find_local(search: &[PathBuf], sub: &str, src: &str) -> Result<PathBuf, String> {
    if is_expanded(src) {
        let p = expanded_path(src);
        return if p.exists() {
            Ok(p)
        } else {
            Err(format!(
                "Could not find or access '{src}' on the Ansible Controller.{REMOTE_SRC_HINT}"
            ))
        };
    }
    let p = Path::new(src);
    let mut tried = Vec::new();
    for d in search {
        for c in [d.join(sub).join(p), d.join(p)] {
            if c.exists() {
                return Ok(c);
            }
            tried.push(c.display().to_string());
        }
    }
    Err(format!(
        "Could not find or access '{src}'\nSearched in:\n\t{} on the Ansible Controller.{REMOTE_SRC_HINT}",
        tried.join("\n\t")
    ))
}

/// Whether Ansible expands `src` (it starts with `/` or `~`).
pub fn is_expanded(src: &str) -> bool {
    src.starts_with('/') || src.starts_with('~')
}

/// `src` with variables, `~` and `.`/`..` resolved, for a path [`is_expanded`] accepts.
pub fn expand(src: &str) -> String {
    normalize(&expand_user(&expand_vars(src)))
}

/// Python's `os.path.expandvars` over the controller's environment.
fn expand_vars(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(n) => (&inner[..n], n + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..n], n)
        };
        match std::env::var(name).ok().filter(|_| !name.is_empty()) {
            Some(v) => {
                out.push_str(&v);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Python's `os.path.expanduser`: `~` is `$HOME`, `~user` that user's home from the password
/// database; an unknown user leaves the path as it is.
fn expand_user(s: &str) -> String {
    let Some(after) = s.strip_prefix('~') else {
        return s.to_string();
    };
    let end = after.find('/').unwrap_or(after.len());
    let (user, tail) = after.split_at(end);
    let home = if user.is_empty() {
        std::env::var("HOME")
            .ok()
            .or_else(|| dirs::home_dir().map(|p| p.display().to_string()))
    } else {
        home_of(user)
    };
    match home {
        Some(h) => {
            let h = h.trim_end_matches('/');
            format!("{}{tail}", if h.is_empty() { "/" } else { h })
        }
        None => s.to_string(),
    }
}

/// The home directory of `user` in the controller's `/etc/passwd`.
fn home_of(user: &str) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 6 && f[0] == user).then(|| f[5].to_string())
    })
}

/// Python's `os.path.normpath` for an absolute path (`a/./b/../c` is `a/c`); a relative
/// result (a `~user` that stayed) is returned with its dots folded the same way.
fn normalize(s: &str) -> String {
    let absolute = s.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for p in s.split('/') {
        match p {
            "" | "." => {}
            ".." if absolute => {
                parts.pop();
            }
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// The expanded path as a [`PathBuf`].
pub fn expanded_path(src: &str) -> PathBuf {
    PathBuf::from(expand(src))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_ansibles_unfrackpath() {
        std::env::set_var("RSIBLE_LOCAL_PATH_TEST", "/srv/x");
        assert_eq!(expand("/a/$RSIBLE_LOCAL_PATH_TEST/b"), "/a/srv/x/b");
        assert_eq!(expand("${RSIBLE_LOCAL_PATH_TEST}/../y"), "/srv/y");
        assert_eq!(
            expand("/a/$RSIBLE_NOT_SET_XYZ/b"),
            "/a/$RSIBLE_NOT_SET_XYZ/b"
        );
        assert_eq!(
            expand("/a/${RSIBLE_NOT_SET_XYZ}/./b/"),
            "/a/${RSIBLE_NOT_SET_XYZ}/b"
        );
        assert_eq!(expand("/$/b$"), "/$/b$");
        assert_eq!(expand("~root/x"), "/root/x");
        assert_eq!(expand("~no_such_rsible_user/x"), "~no_such_rsible_user/x");
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(expand("~/q"), normalize(&format!("{home}/q")));
        assert!(is_expanded("/x") && is_expanded("~") && !is_expanded("$HOME/x"));
    }

    #[test]
    fn relative_sources_are_searched_for() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("files")).unwrap();
        std::fs::write(d.path().join("files/x"), "1").unwrap();
        std::fs::write(d.path().join("y"), "2").unwrap();
        let dirs = [d.path().to_path_buf()];
        assert_eq!(
            find_local(&dirs, "files", "x").unwrap(),
            d.path().join("files/x")
        );
        assert_eq!(find_local(&dirs, "files", "y").unwrap(), d.path().join("y"));
        let e = find_local(&dirs, "files", "z").unwrap_err();
        assert!(e.contains("Could not find or access 'z'"), "{e}");
    }
}
