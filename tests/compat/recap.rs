//! Reads the PLAY RECAP block out of ansible-playbook's (or rsible's) human output. Knows
//! nothing of how the output was produced.

/// The host lines of the last PLAY RECAP block, verbatim but for trailing whitespace.
/// Empty when the output has no recap (the run stopped before the first play).
pub fn lines(stdout: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_recap = false;
    for line in stdout.lines() {
        if line.starts_with("PLAY RECAP") {
            in_recap = true;
            found.clear();
        } else if in_recap {
            if line.trim().is_empty() {
                in_recap = false;
            } else {
                found.push(line.trim_end().to_string());
            }
        }
    }
    found
}

/// The value of `key=N` in one recap line (`changed`, `failed`, ...), if present.
pub fn count(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "PLAY [x] ****\n\nTASK [t] ****\nok: [web1]\n\n\
        PLAY RECAP *********************************************************************\n\
        db1                        : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \n\
        web1                       : ok=3    changed=0    unreachable=0    failed=1    skipped=2    rescued=1    ignored=0   \n\
        \n";

    #[test]
    fn reads_the_host_lines_of_the_recap() {
        let l = lines(OUT);
        assert_eq!(l.len(), 2);
        assert!(l[0].starts_with("db1                        : ok=2    changed=1"));
        assert!(l[1].ends_with("ignored=0"));
    }

    #[test]
    fn no_recap_is_empty() {
        assert!(lines("ERROR! the playbook could not be found\n").is_empty());
    }

    #[test]
    fn counts_by_key() {
        let l = lines(OUT);
        assert_eq!(count(&l[0], "changed"), Some(1));
        assert_eq!(count(&l[1], "rescued"), Some(1));
        assert_eq!(count(&l[1], "nope"), None);
    }
}
