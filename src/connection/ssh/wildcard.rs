//! OpenSSH's `match_pattern`: the `*`/`?` wildcards of ssh_config Host lines and known_hosts
//! names. Pure string matching.

/// Shell-style matching with `*` (any run) and `?` (one character), as
/// OpenSSH's `match_pattern`.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((star, start)) = backtrack {
            pi = star + 1;
            ti = start + 1;
            backtrack = Some((star, start + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn stars_and_question_marks() {
        assert!(wildcard_match("*.example.com", "a.b.example.com"));
        assert!(wildcard_match("web-??", "web-01"));
        assert!(!wildcard_match("web-??", "web-1"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*b", "ac"));
    }
}
