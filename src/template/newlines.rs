//! Ansible's rule for the newlines at the end of a template: Jinja drops one final newline
//! of the source before rendering, then Ansible gives a text result back the newlines it
//! lost, up to as many as the source ended with. So `"{{ n }}\n"` is the single expression
//! `{{ n }}` (an integer stays an integer), while `"{{ s }}\n"` with `s = "x\n"` stays
//! `"x\n"` and `"a{% if t %}b{% endif %}\n"` keeps its newline. Knows nothing of values.

/// The source without its final newline (`\n`, `\r\n` or `\r`, as Jinja's lexer drops it)
/// and how many `\n` the source ended with.
pub(crate) fn strip_final(source: &str) -> (&str, usize) {
    let count = source.len() - source.trim_end_matches('\n').len();
    let body = source
        .strip_suffix("\r\n")
        .or_else(|| source.strip_suffix('\n'))
        .or_else(|| source.strip_suffix('\r'))
        .unwrap_or(source);
    (body, count)
}

/// `text` with `\n` added until it ends with `count` of them.
pub(crate) fn restore(mut text: String, count: usize) -> String {
    let have = text.len() - text.trim_end_matches('\n').len();
    for _ in have..count {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_final_newline_is_dropped_and_the_count_kept() {
        assert_eq!(strip_final("{{ n }}\n"), ("{{ n }}", 1));
        assert_eq!(strip_final("a\n\n"), ("a\n", 2));
        assert_eq!(strip_final("a\r\n"), ("a", 1));
        assert_eq!(strip_final("a"), ("a", 0));
        assert_eq!(strip_final("\n"), ("", 1));
    }

    #[test]
    fn text_gets_back_the_newlines_it_lost() {
        assert_eq!(restore("3".into(), 1), "3\n");
        assert_eq!(restore("x\n".into(), 1), "x\n");
        assert_eq!(restore("x\n".into(), 2), "x\n\n");
        assert_eq!(restore("x\n\n\n".into(), 1), "x\n\n\n");
    }
}
