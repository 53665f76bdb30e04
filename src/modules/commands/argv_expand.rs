//! `command`'s `expand_argument_vars` (on by default): each argument has the target's
//! environment variables (`$NAME`, `${NAME}`) and a leading `~` or `~user` expanded before the
//! program runs, as Python's `expandvars` then `expanduser` do there: a variable that is not
//! set stays as written, no other shell syntax is active. This turns one argument into one
//! shell word that does exactly that. Knows nothing of modules or connections.

use crate::connection::quote::quote;

/// Variables a POSIX shell sets for itself without exporting them: Python's `expandvars`
/// on the target reads the environment, where they are not, so they stay as written.
const SHELL_OWN: &[&str] = &[
    "IFS", "PS1", "PS2", "PS4", "OPTIND", "OPTARG", "PPID", "LINENO",
];

/// Whether `name` is a shell variable name that may come from the environment (other `\w+`
/// names are never set in an environment a shell can see, so they stay as written).
fn shell_name(name: &str) -> bool {
    if SHELL_OWN.contains(&name) {
        return false;
    }
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One piece of an argument.
enum Piece<'a> {
    Text(&'a str),
    /// A variable reference: its name and the text it stands for when unset.
    Var(&'a str, &'a str),
}

/// Splits `arg` into literal text and variable references (Python's `$\w+` and `${...}`).
fn pieces(arg: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut lit = 0;
    let mut i = 0;
    let b = arg.as_bytes();
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let (name, end) = if b.get(i + 1) == Some(&b'{') {
            match arg[i + 2..].find('}') {
                Some(n) => (&arg[i + 2..i + 2 + n], i + 3 + n),
                None => ("", i + 1),
            }
        } else {
            let n = arg[i + 1..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(arg.len() - i - 1);
            (&arg[i + 1..i + 1 + n], i + 1 + n)
        };
        if name.is_empty() || !shell_name(name) {
            i = end.max(i + 1);
            continue;
        }
        if lit < i {
            out.push(Piece::Text(&arg[lit..i]));
        }
        out.push(Piece::Var(name, &arg[i..end]));
        lit = end;
        i = end;
    }
    if lit < arg.len() {
        out.push(Piece::Text(&arg[lit..]));
    }
    out
}

/// The shell word for `arg`: literal text quoted, each variable `${NAME-literal}` (its value
/// when set, even empty; the reference as written when not), and a leading `~`/`~user` left
/// to the shell's own tilde expansion (which, as Python's, keeps an unknown user as written).
pub fn shell_word(arg: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = arg;
    if let Some(after) = arg.strip_prefix('~') {
        let user_len = after.find('/').unwrap_or(after.len());
        let user = &after[..user_len];
        let plain = user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if plain {
            out.push(b'~');
            out.extend_from_slice(user.as_bytes());
            rest = &after[user_len..];
            if let Some(r) = rest.strip_prefix('/') {
                out.push(b'/');
                rest = r;
            }
        }
    }
    for p in pieces(rest) {
        match p {
            Piece::Text(t) => out.extend(quote(t.as_bytes())),
            Piece::Var(name, written) => {
                let mut w = format!("\"${{{name}-").into_bytes();
                for c in written.bytes() {
                    if b"$`\\\"}".contains(&c) {
                        w.push(b'\\');
                    }
                    w.push(c);
                }
                w.extend_from_slice(b"}\"");
                out.extend(w);
            }
        }
    }
    if out.is_empty() {
        out.extend_from_slice(b"''");
    }
    out
}

/// Whether `arg` has anything [`shell_word`] would expand.
pub fn expands(arg: &str) -> bool {
    arg.starts_with('~') || arg.contains('$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn run(arg: &str) -> String {
        let mut script =
            b"HOME=/h; SET=v; EMPTY=; export HOME SET EMPTY; unset NOPE; printf '%s' ".to_vec();
        script.extend(shell_word(arg));
        let out = Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(script).unwrap())
            .output()
            .expect("sh runs");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn expands_as_python_expandvars_then_expanduser() {
        assert_eq!(run("$SET/x"), "v/x");
        assert_eq!(run("${SET}y"), "vy");
        assert_eq!(run("a$EMPTY-b"), "a-b");
        assert_eq!(run("$NOPE and ${NOPE}"), "$NOPE and ${NOPE}");
        assert_eq!(run("~"), "/h");
        assert_eq!(run("~/a b"), "/h/a b");
        assert_eq!(run("~root/x"), "/root/x");
        assert_eq!(run("~no-such-user-rsible/x"), "~no-such-user-rsible/x");
        assert_eq!(
            run("$1 $ ${a b} `id` 'q' \"d\" \\"),
            "$1 $ ${a b} `id` 'q' \"d\" \\"
        );
        // The shell's own unexported variables are not in the environment Python reads.
        assert_eq!(run("a${IFS}b $PPID"), "a${IFS}b $PPID");
        assert_eq!(run("x~"), "x~");
        assert_eq!(run(""), "");
        assert!(!expands("plain") && expands("$X") && expands("~"));
    }
}
