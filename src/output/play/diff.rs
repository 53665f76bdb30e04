//! `--diff` output: a unified diff per changed text with Ansible's `--- before: PATH` /
//! `+++ after: PATH` headers, or a `-old`/`+new` pair for one-line values (mode, state).
//! Knows nothing of hosts or tasks.

use crate::event::Diff;
use crate::output::style::Style;
use similar::TextDiff;

/// Lines of context around each change, as Ansible's default `DIFF_CONTEXT`.
const CONTEXT: usize = 3;

/// The text for one diff, ending with a blank line as Ansible's; empty when nothing differs.
pub(in crate::output) fn render(d: &Diff, style: &Style) -> String {
    if d.before == d.after {
        return String::new();
    }
    let header = |side: &str, label: &str| {
        if label.is_empty() {
            side.to_string()
        } else {
            format!("{side}: {label}")
        }
    };
    let before = header("before", &d.before_header);
    let after = header("after", &d.after_header);
    let body = if d.before.contains('\n') || d.after.contains('\n') {
        TextDiff::from_lines(&d.before, &d.after)
            .unified_diff()
            .context_radius(CONTEXT)
            .header(&before, &after)
            .to_string()
    } else {
        format!("--- {before}\n+++ {after}\n-{}\n+{}\n", d.before, d.after)
    };
    let mut out = String::new();
    for line in body.lines() {
        let painted = if line.starts_with("+++") || line.starts_with("---") {
            line.to_string()
        } else if line.starts_with('+') {
            style.green(line)
        } else if line.starts_with('-') {
            style.red(line)
        } else if line.starts_with("@@") {
            style.cyan(line)
        } else {
            line.to_string()
        };
        out.push_str(&painted);
        out.push('\n');
    }
    out.push('\n');
    out
}
