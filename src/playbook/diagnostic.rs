//! Load and validation errors of playbooks: a message at a location, the offending source
//! line with a caret under the column, and an optional hint. Knows nothing of how playbooks
//! are parsed; only renders what it is given.

use std::fmt;

use super::location::Location;

/// One problem found in a playbook, tasks file or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where it is.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// The text of the offending line, when the file could be read (a password written on it
    /// masked).
    pub snippet: Option<String>,
    /// How to fix it (e.g. "did you mean 'command'?").
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Builds a diagnostic, taking the snippet line from `source` (the file's whole text).
    pub fn new(
        location: Location,
        message: impl Into<String>,
        source: Option<&str>,
        hint: Option<String>,
    ) -> Self {
        let snippet = source
            .and_then(|s| s.lines().nth(location.line.saturating_sub(1)))
            .map(|l| crate::secret::mask_passwords(l.trim_end()));
        Diagnostic {
            location,
            message: message.into(),
            snippet,
            hint,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(line) = &self.snippet {
            let num = self.location.line.to_string();
            let pad = " ".repeat(num.len());
            let (shown, col) = window(line, self.location.column.saturating_sub(1));
            let indent: String = shown
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n  {num} | {shown}\n  {pad} | {indent}^")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// At most [`WIDTH`] characters of `line` around character `col` (a generated or minified
/// line can be megabytes long), with `...` where it was cut; returns the text and the caret's
/// column in it.
fn window(line: &str, col: usize) -> (String, usize) {
    const WIDTH: usize = 100;
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= WIDTH {
        return (line.to_string(), col);
    }
    let start = col
        .saturating_sub(WIDTH / 2)
        .min(chars.len().saturating_sub(WIDTH));
    let end = (start + WIDTH).min(chars.len());
    let mut s = String::new();
    let mut caret = col - start;
    if start > 0 {
        s.push_str("...");
        caret += 3;
    }
    s.extend(&chars[start..end]);
    if end < chars.len() {
        s.push_str("...");
    }
    (s, caret)
}

/// Every problem found while loading, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_all(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn render_all(all: &[Diagnostic]) -> String {
    all.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// "did you mean 'X'?" when a candidate is within edit distance 2 of `word`.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        if d <= 2 && d < word.chars().count().max(1) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| format!("did you mean '{c}'?"))
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_snippet_caret_and_hint() {
        let src = "- hosts: all\n  tasks:\n    - comand: ls\n";
        let d = Diagnostic::new(
            Location::new("site.yml", 3, 7),
            "unknown module 'comand'",
            Some(src),
            Some("did you mean 'command'?".into()),
        );
        assert_eq!(
            d.to_string(),
            "site.yml:3:7: unknown module 'comand'\n  3 |     - comand: ls\n    |       ^\n  hint: did you mean 'command'?"
        );
    }

    #[test]
    fn snippet_masks_a_password_on_the_offending_line() {
        let d = Diagnostic::new(
            Location::new("p.yml", 2, 5),
            "bad",
            Some("vars:\n    ansible_become_password: \"pw-Secret2\n"),
            None,
        );
        let text = d.to_string();
        assert!(!text.contains("pw-Secret2"), "{text}");
        assert!(text.contains("ansible_become_password: ********"), "{text}");
    }

    #[test]
    fn distance_and_suggestion() {
        assert_eq!(edit_distance("comand", "command"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            did_you_mean("comand", ["shell", "command"]).as_deref(),
            Some("did you mean 'command'?")
        );
        assert_eq!(did_you_mean("zzzzzz", ["shell"]), None);
    }
}
