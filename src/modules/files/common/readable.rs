//! The check that a target path is a readable regular file before its content is sent back
//! (`slurp`, `fetch`): the shell lines and Ansible's messages for their exit codes. Knows
//! nothing of what the module does with the content.

/// Shell text that checks `$p` is a readable regular file and exits 3 (missing),
/// 4 (directory) or 5 (unreadable) otherwise.
pub const CHECK_READABLE: &str =
    "[ -e \"$p\" ] || exit 3\n[ -d \"$p\" ] && exit 4\n[ -r \"$p\" ] || exit 5\n";

/// Ansible's message for the exit codes of [`CHECK_READABLE`]; `None` for other codes.
pub fn unreadable_message(rc: i32, path: &str) -> Option<String> {
    match rc {
        3 => Some(format!("File not found: {path}")),
        4 => Some(format!("Source is a directory and must be a file: {path}")),
        5 => Some(format!("File is not readable: {path}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_ansibles() {
        assert_eq!(
            unreadable_message(3, "/x").as_deref(),
            Some("File not found: /x")
        );
        assert_eq!(unreadable_message(1, "/x"), None);
    }
}
