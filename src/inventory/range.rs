//! Host range expansion (`web[01:20].example.com`, `db-[a:f]`, `[1:10:2]`), as Ansible's
//! `expand_hostname_range`. Knows nothing of files or inventory formats.

/// Why a range could not be expanded; `offset` is the byte offset of the bad `[` in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: &'static str,
    /// Byte offset of the offending bracket in the pattern.
    pub offset: usize,
}

/// Whether `name` contains a range expression (Ansible: any `[`).
pub fn has_range(name: &str) -> bool {
    name.contains('[')
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The most hosts one range pattern may expand to (all its ranges together): a typo such as
/// `web[0:99999999]` is refused instead of filling memory with a hundred million hosts.
pub const MAX_HOSTS: usize = 100_000;

/// Expands every `[a:b(:step)]` in `name`, left to right; names without `[` come back as is.
/// More than [`MAX_HOSTS`] names is an error.
pub fn expand(name: &str) -> Result<Vec<String>, RangeError> {
    let mut out = Vec::new();
    expand_into(name, 0, &mut out)?;
    Ok(out)
}

fn expand_into(name: &str, base: usize, out: &mut Vec<String>) -> Result<(), RangeError> {
    let Some(open) = name.find('[') else {
        out.push(name.to_string());
        return Ok(());
    };
    let err = |message: String, hint: &'static str| RangeError {
        message,
        hint,
        offset: base + open,
    };
    let Some(close_rel) = name[open..].find(']') else {
        return Err(err(
            format!("unclosed host range in '{name}'"),
            "a host range looks like name[01:10] or name[a:f]; add the closing ']'",
        ));
    };
    let close = open + close_rel;
    let head = &name[..open];
    let inner = &name[open + 1..close];
    let tail = &name[close + 1..];
    let bounds: Vec<&str> = inner.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(err(
            format!("host range must be begin:end or begin:end:step, got '[{inner}]'"),
            "write name[1:10] or name[1:10:2]",
        ));
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(err(
            format!("host range must specify end value in '[{inner}]'"),
            "write name[1:10]",
        ));
    }
    let step: usize = match bounds.get(2) {
        None => 1,
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(err(
                    format!("host range step must be a positive integer, got '{s}'"),
                    "write name[1:10:2]",
                ))
            }
        },
    };
    let width = if beg.len() > 1 && beg.starts_with('0') {
        if beg.len() != end.len() {
            return Err(err(
                format!(
                    "host range must specify equal-length begin and end formats in '[{inner}]'"
                ),
                "zero-padded ranges need the same width on both ends, e.g. [01:20]",
            ));
        }
        beg.len()
    } else {
        0
    };
    let items: Vec<String> = match (single_letter(beg), single_letter(end)) {
        (Some(b), Some(e)) => {
            if b > e {
                return Err(err(
                    format!("host range must have begin <= end, got '[{inner}]'"),
                    "swap the bounds, e.g. [a:f]",
                ));
            }
            LETTERS[b..=e]
                .chars()
                .step_by(step)
                .map(String::from)
                .collect()
        }
        _ => {
            let (Ok(b), Ok(e)) = (beg.parse::<i64>(), end.parse::<i64>()) else {
                return Err(err(
                    format!(
                        "invalid host range '[{inner}]': bounds must be integers or single letters"
                    ),
                    "write name[01:20] or name[a:f]",
                ));
            };
            if b > e {
                return Err(err(
                    format!("host range must have begin <= end, got '[{inner}]'"),
                    "swap the bounds, e.g. [1:10] instead of [10:1]",
                ));
            }
            let count = (i128::from(e) - i128::from(b)) / step as i128 + 1;
            if count > MAX_HOSTS as i128 {
                return Err(too_many(err, inner));
            }
            (b..=e)
                .step_by(step)
                .map(|n| format!("{n:0width$}"))
                .collect()
        }
    };
    for item in items {
        if out.len() >= MAX_HOSTS {
            return Err(too_many(err, inner));
        }
        let hname = format!("{head}{item}{tail}");
        // Offsets of later ranges shift with the expansion; report relative to the original tail.
        let shift = (close + 1).saturating_sub(head.len() + item.len());
        expand_into(&hname, base + shift, out)?;
    }
    Ok(())
}

fn too_many(err: impl Fn(String, &'static str) -> RangeError, inner: &str) -> RangeError {
    err(
        format!("host range '[{inner}]' expands to more than {MAX_HOSTS} hosts (rsible's limit)"),
        "check the bounds; list a really larger fleet as several patterns",
    )
}

fn single_letter(s: &str) -> Option<usize> {
    if s.len() == 1 {
        LETTERS.find(s)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_with_padding() {
        assert_eq!(
            expand("web[01:03].example.com").unwrap(),
            vec![
                "web01.example.com",
                "web02.example.com",
                "web03.example.com"
            ]
        );
        assert_eq!(expand("h[8:10]").unwrap(), vec!["h8", "h9", "h10"]);
    }

    #[test]
    fn a_range_past_the_limit_is_refused_not_expanded() {
        let e = expand("web[0:99999999].example.com").unwrap_err();
        assert!(
            e.message.contains("more than 100000 hosts"),
            "{}",
            e.message
        );
        assert_eq!(e.offset, 3);
        // Two ranges whose product is past the limit, each one below it.
        let e = expand("h[0:999]-[0:999]").unwrap_err();
        assert!(
            e.message.contains("more than 100000 hosts"),
            "{}",
            e.message
        );
        assert_eq!(expand("h[1:100000]").unwrap().len(), MAX_HOSTS);
    }

    #[test]
    fn letters_and_stride() {
        assert_eq!(expand("db-[a:c]").unwrap(), vec!["db-a", "db-b", "db-c"]);
        assert_eq!(expand("s[1:10:3]").unwrap(), vec!["s1", "s4", "s7", "s10"]);
        assert_eq!(expand("x[a:e:2]").unwrap(), vec!["xa", "xc", "xe"]);
        assert_eq!(expand("n[:2]").unwrap(), vec!["n0", "n1", "n2"]);
    }

    #[test]
    fn multiple_ranges() {
        assert_eq!(
            expand("r[1:2]-[a:b]").unwrap(),
            vec!["r1-a", "r1-b", "r2-a", "r2-b"]
        );
    }

    #[test]
    fn plain_name() {
        assert_eq!(expand("plain").unwrap(), vec!["plain"]);
        assert!(!has_range("plain"));
    }

    #[test]
    fn errors() {
        let e = expand("web[10:1]").unwrap_err();
        assert!(e.message.contains("begin <= end"), "{e:?}");
        assert_eq!(e.offset, 3);
        assert!(expand("web[1:2").unwrap_err().message.contains("unclosed"));
        assert!(expand("web[01:100]")
            .unwrap_err()
            .message
            .contains("equal-length"));
        assert!(expand("web[1]").is_err());
        assert!(expand("web[1:]").is_err());
        assert!(expand("web[1:5:0]").is_err());
        assert!(expand("web[x:10]").is_err());
    }
}
