//! Section headers (`TASK [name] ****`) and PLAY RECAP lines, in ansible-playbook's exact
//! layout. Pure text: knows nothing of events' order or where the text goes.

use crate::event::Stats;
use crate::output::style::Style;

/// Width Ansible pads headers to (its `display.columns`, 79, plus the space before the stars).
const WIDTH: usize = 80;

/// `\nTITLE ****...`: a blank line, then the title padded with stars to 80 columns (at least
/// three stars), as Ansible's `Display.banner`.
pub(crate) fn banner(title: &str) -> String {
    let title = title.trim();
    let stars = (WIDTH - 1).saturating_sub(title.chars().count()).max(3);
    format!("\n{title} {}\n", "*".repeat(stars))
}

/// One PLAY RECAP line. Without colour it is byte for byte Ansible's
/// `"%-26s : %s=%-4s ..."`; with colour the host and the non-zero counts are painted as
/// Ansible paints them.
pub(super) fn recap_line(host: &str, s: &Stats, style: &Style) -> String {
    let padded = format!("{host:<26}");
    let host = if s.failed > 0 || s.unreachable > 0 {
        style.red(&padded)
    } else if s.changed > 0 {
        style.yellow(&padded)
    } else {
        style.green(&padded)
    };
    type Paint = fn(&Style, &str) -> String;
    let counts: [(&str, u32, Paint); 7] = [
        ("ok", s.ok, Style::green),
        ("changed", s.changed, Style::yellow),
        ("unreachable", s.unreachable, Style::red),
        ("failed", s.failed, Style::red),
        ("skipped", s.skipped, Style::cyan),
        ("rescued", s.rescued, Style::green),
        ("ignored", s.ignored, Style::magenta),
    ];
    let counts: Vec<String> = counts
        .iter()
        .map(|(name, n, paint)| {
            let text = format!("{name}={n:<4}");
            if *n == 0 {
                text
            } else {
                paint(style, &text)
            }
        })
        .collect();
    format!("{host} : {}\n", counts.join(" "))
}
