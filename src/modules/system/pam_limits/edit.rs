//! The edit `pam_limits` makes to a limits.conf text, line by line as Ansible's module makes
//! it: the line of `domain type item` gets the value (or, with `use_max`/`use_min`, the larger
//! or smaller of the two), a missing one is appended, every other line is kept byte for byte.
//! Ansible's quirks are kept, since its files are the reference: a line's own comment
//! becomes the comment of the line written when `comment` is empty, and every 4-field line
//! must hold a valid value. Pure: knows nothing of hosts or arguments' types.

/// The values that mean "no limit".
const UNLIMITED: &[&str] = &["unlimited", "infinity", "-1"];

/// What to set.
#[derive(Debug, Clone)]
pub struct Limit<'a> {
    /// The domain (`*`, `@group`, a user name).
    pub domain: &'a str,
    /// `soft`, `hard` or `-`.
    pub limit_type: &'a str,
    /// The item (`nofile`, `nproc`, ...).
    pub limit_item: &'a str,
    /// The value.
    pub value: &'a str,
    /// Keep the larger of the old and new values.
    pub use_max: bool,
    /// Keep the smaller of the old and new values.
    pub use_min: bool,
    /// The comment written after the value (empty: none, or the old line's).
    pub comment: &'a str,
}

/// The result of the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The new text.
    pub text: String,
    /// Ansible's `msg`: the limit's line as the file now has it (with its newline).
    pub line: String,
    /// Whether the text differs in what Ansible counts as a change.
    pub changed: bool,
}

/// Ansible's message for an invalid `value` of `item`, after `prefix` (empty for the task's
/// own value).
pub fn check_value(item: &str, value: &str, prefix: &str) -> Result<(), String> {
    let what = if matches!(item, "nice" | "priority") {
        let ok = value.parse::<i64>().is_ok_and(|v| (-20..=19).contains(&v));
        if ok {
            return Ok(());
        }
        "Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) \
         manual pages for more details."
    } else {
        if UNLIMITED.contains(&value)
            || (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
        {
            return Ok(());
        }
        "Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or \
         a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details."
    };
    Err(format!(
        "{prefix} Value of {} for item {} is invalid. {what}",
        py_repr(value),
        py_repr(item)
    )
    .trim_start()
    .to_string())
}

/// A string as Python's `repr` writes it.
fn py_repr(s: &str) -> String {
    if s.contains('\'') && !s.contains('"') {
        format!("\"{}\"", s.replace('\\', "\\\\"))
    } else {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The line written for a limit.
fn limit_line(l: &Limit, value: &str, comment: &str) -> String {
    format!(
        "{}\t{}\t{}\t{value}{comment}\n",
        l.domain, l.limit_type, l.limit_item
    )
}

/// The value kept with `use_max`/`use_min` given the file's `actual` one.
fn chosen(l: &Limit, actual: &str, current: &str) -> String {
    let (au, vu) = (UNLIMITED.contains(&actual), UNLIMITED.contains(&l.value));
    let num = |s: &str| s.parse::<i128>().unwrap_or(0);
    let mut v = current.to_string();
    if l.use_max {
        v = if au {
            actual.to_string()
        } else if vu {
            l.value.to_string()
        } else {
            num(l.value).max(num(actual)).to_string()
        };
    }
    if l.use_min {
        v = match (au, vu) {
            (true, true) => actual.to_string(),
            (true, false) => l.value.to_string(),
            (false, true) => actual.to_string(),
            (false, false) => num(l.value).min(num(actual)).to_string(),
        };
    }
    v
}

/// `text` (the file, `None` when it does not exist) with `l` set; an invalid value on a
/// line of the file fails with Ansible's message naming `dest`.
pub fn edit(text: Option<&str>, l: &Limit, dest: &str) -> Result<Edited, String> {
    let mut out = String::new();
    let mut message = String::new();
    let mut comment = l.comment.to_string();
    let mut new_value = l.value.to_string();
    let mut found = false;
    let mut changed = text.is_none();
    for line in text.unwrap_or("").split_inclusive('\n') {
        if line.starts_with('#') {
            out.push_str(line);
            continue;
        }
        let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            out.push_str(line);
            continue;
        }
        let head = collapsed.split('#').next().unwrap_or("").trim_end();
        if comment.is_empty() {
            comment = line.split_once('#').map_or("", |(_, c)| c).to_string();
        }
        let fields: Vec<&str> = head.split(' ').collect();
        let [domain, limit_type, item, actual] = fields[..] else {
            out.push_str(line);
            continue;
        };
        let prefix = format!("Invalid configuration found in '{dest}'.");
        check_value(item, actual, &prefix)?;
        if (domain, limit_type, item) != (l.domain, l.limit_type, l.limit_item) {
            out.push_str(line);
            continue;
        }
        found = true;
        if l.value == actual {
            message = line.to_string();
            out.push_str(line);
            continue;
        }
        new_value = chosen(l, actual, &new_value);
        if new_value != actual {
            changed = true;
            if !comment.is_empty() {
                comment = format!("\t#{comment}");
            }
            message = limit_line(l, &new_value, &comment);
            out.push_str(&message);
        } else {
            message = line.to_string();
            out.push_str(line);
        }
    }
    if !found {
        changed = true;
        if !comment.is_empty() {
            comment = format!("\t#{comment}");
        }
        message = limit_line(l, &new_value, &comment);
        out.push_str(&message);
    }
    Ok(Edited {
        text: out,
        line: message,
        changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit<'a>(value: &'a str) -> Limit<'a> {
        Limit {
            domain: "*",
            limit_type: "soft",
            limit_item: "nofile",
            value,
            use_max: false,
            use_min: false,
            comment: "",
        }
    }

    #[test]
    fn a_missing_limit_is_appended_and_a_present_one_kept() {
        let e = edit(Some("# End of file\n"), &limit("1024"), "f").unwrap();
        assert_eq!(e.text, "# End of file\n*\tsoft\tnofile\t1024\n");
        assert!(e.changed);
        let again = edit(Some(&e.text), &limit("1024"), "f").unwrap();
        assert_eq!(again.text, e.text);
        assert!(!again.changed);
        assert_eq!(again.line, "*\tsoft\tnofile\t1024\n");
        let new = edit(None, &limit("8"), "f").unwrap();
        assert!(new.changed && new.text == "*\tsoft\tnofile\t8\n");
    }

    #[test]
    fn the_old_comment_is_carried_with_its_newline_as_ansible_does() {
        let e = edit(Some("*  soft  nofile  10 # old\n"), &limit("20"), "f").unwrap();
        assert_eq!(e.text, "*\tsoft\tnofile\t20\t# old\n\n");
        let mut l = limit("30");
        l.comment = "mine";
        let e = edit(Some("*  soft  nofile  10 # old\n"), &l, "f").unwrap();
        assert_eq!(e.text, "*\tsoft\tnofile\t30\t#mine\n");
    }

    #[test]
    fn use_max_and_use_min_keep_the_larger_or_smaller() {
        let mut l = limit("100");
        l.use_max = true;
        let e = edit(Some("* soft nofile 200\n"), &l, "f").unwrap();
        assert!(!e.changed && e.text == "* soft nofile 200\n");
        let e = edit(Some("* soft nofile 50\n"), &l, "f").unwrap();
        assert_eq!(e.text, "*\tsoft\tnofile\t100\n");
        l.use_max = false;
        l.use_min = true;
        let e = edit(Some("* soft nofile unlimited\n"), &l, "f").unwrap();
        assert_eq!(e.text, "*\tsoft\tnofile\t100\n");
        l.value = "infinity";
        let e = edit(Some("* soft nofile 7\n"), &l, "f").unwrap();
        assert!(!e.changed);
    }

    #[test]
    fn values_are_checked_as_ansible_checks_them() {
        assert!(check_value("nice", "-20", "").is_ok());
        assert!(check_value("nofile", "unlimited", "").is_ok());
        assert_eq!(
            check_value("nice", "20", "").unwrap_err(),
            "Value of '20' for item 'nice' is invalid. Value must be a number in the range -20 \
             to 19 inclusive. Refer to the limits.conf(5) manual pages for more details."
        );
        assert!(check_value("nofile", "-2", "").is_err());
        let e = edit(Some("* soft nofile lots\n"), &limit("1"), "/x").unwrap_err();
        assert!(
            e.starts_with("Invalid configuration found in '/x'. Value of 'lots'"),
            "{e}"
        );
    }
}
