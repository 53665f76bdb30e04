//! The SELinux configuration file (`/etc/selinux/config`) as Ansible's `selinux` module
//! reads and rewrites it: a setting is the text after the first `=` (up to a second `=`) of
//! the first line starting `KEY=`, trimmed; a rewrite replaces every such line and appends
//! `KEY=VALUE` when there is none, each line ending in a newline. Pure text; knows nothing
//! of targets.

/// The value of the first `KEY=` line of `text` (`SELINUX`, `SELINUXTYPE`).
pub fn get(text: &str, key: &str) -> Option<String> {
    let prefix = format!("{key}=");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .map(|l| l.split('=').nth(1).unwrap_or("").trim().to_string())
}

/// `text` with every `KEY=` line set to `KEY=VALUE`, or that line appended when none is.
pub fn set(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}=");
    let mut found = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(&prefix) {
            found = true;
            out.push_str(&format!("{key}={value}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !found {
        out.push_str(&format!("{key}={value}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "# comment SELINUX=x\nSELINUX=enforcing \nSELINUXTYPE=targeted\n";

    #[test]
    fn settings_read_as_ansible_reads_them() {
        assert_eq!(get(CONFIG, "SELINUX").as_deref(), Some("enforcing"));
        assert_eq!(get(CONFIG, "SELINUXTYPE").as_deref(), Some("targeted"));
        assert_eq!(get("SELINUX=a=b\n", "SELINUX").as_deref(), Some("a"));
        assert_eq!(get(" SELINUX=a\n", "SELINUX"), None);
        assert_eq!(get("", "SELINUXTYPE"), None);
    }

    #[test]
    fn rewrites_replace_every_line_or_append() {
        assert_eq!(
            set(CONFIG, "SELINUX", "permissive"),
            "# comment SELINUX=x\nSELINUX=permissive\nSELINUXTYPE=targeted\n"
        );
        assert_eq!(
            set("SELINUX=enforcing", "SELINUXTYPE", "mls"),
            "SELINUX=enforcing\nSELINUXTYPE=mls\n"
        );
        assert_eq!(
            set("SELINUX=a\nSELINUX=b\n", "SELINUX", "c"),
            "SELINUX=c\nSELINUX=c\n"
        );
        assert_eq!(set("", "SELINUX", "disabled"), "SELINUX=disabled\n");
    }
}
