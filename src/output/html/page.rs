//! The HTML of the report page: inline CSS only, every text escaped. Knows nothing of
//! events; it lays out what [`super::collect`] gathered.

use super::{Bar, Report};
use crate::output::play::diff_text;
use crate::output::style::Style;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How many of the slowest tasks the page lists.
const SLOWEST: usize = 20;

/// The style sheet.
const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}\
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}\
td.n{text-align:right}tr.bad td{background:#fde8e8}\
.ok{background:#4caf50}.changed{background:#ffb300}.skipped{background:#90caf9}\
.failed,.unreachable{background:#e53935}.ignored{background:#bdbdbd}\
.lane{position:relative;height:14px;background:#f5f5f5;min-width:600px}\
.lane div{position:absolute;top:1px;height:12px;min-width:1px}\
.host{white-space:nowrap;padding-right:8px}\
pre{background:#f7f7f7;padding:8px;overflow-x:auto}.add{color:#1b5e20}.del{color:#b71c1c}\
.exit{font-weight:bold}.problem{color:#b71c1c}";

/// The whole page.
pub fn html(r: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>rsible run report</title><style>{CSS}</style></head><body>\n\
         <h1>rsible run report</h1>\n<p class=\"exit\">exit code {} &middot; {} hosts &middot; {:.2} s</p>\n",
        r.merged.exit.code(),
        r.merged.stats.len(),
        r.total
    );
    for p in &r.merged.problems {
        let _ = writeln!(h, "<p class=\"problem\">{}</p>", esc(p));
    }
    recap(&mut h, r);
    failures(&mut h, &r.bars);
    slowest(&mut h, r);
    timeline(&mut h, r);
    diffs(&mut h, &r.bars);
    h.push_str("</body></html>\n");
    h
}

/// The recap table.
fn recap(h: &mut String, r: &Report) {
    h.push_str("<h2>Recap</h2>\n<table><tr><th>host</th><th>ok</th><th>changed</th><th>unreachable</th><th>failed</th><th>skipped</th><th>rescued</th><th>ignored</th></tr>\n");
    for (host, s) in &r.merged.stats {
        let bad = if s.failed > 0 || s.unreachable > 0 {
            " class=\"bad\""
        } else {
            ""
        };
        let _ = writeln!(
            h,
            "<tr{bad}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(host), s.ok, s.changed, s.unreachable, s.failed, s.skipped, s.rescued, s.ignored
        );
    }
    h.push_str("</table>\n");
}

/// Every failure that counted (not ignored).
fn failures(h: &mut String, bars: &[Bar]) {
    let failed: Vec<&Bar> = bars
        .iter()
        .filter(|b| matches!(b.status.as_str(), "failed" | "unreachable") && !b.ignored)
        .collect();
    let _ = writeln!(h, "<h2>Failures ({})</h2>", failed.len());
    if failed.is_empty() {
        h.push_str("<p>None.</p>\n");
        return;
    }
    h.push_str("<table><tr><th>host</th><th>task</th><th>where</th><th>message</th></tr>\n");
    for b in failed {
        let _ = writeln!(
            h,
            "<tr class=\"bad\"><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
            esc(&b.host),
            esc(&b.task),
            esc(&b.location),
            esc(&b.msg)
        );
    }
    h.push_str("</table>\n");
}

/// The slowest tasks (wall time from their start to the next task's).
fn slowest(h: &mut String, r: &Report) {
    h.push_str(
        "<h2>Slowest tasks</h2>\n<table><tr><th>task</th><th>where</th><th>seconds</th></tr>\n",
    );
    for (name, at, secs) in r.tasks.iter().take(SLOWEST) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{secs:.2}</td></tr>",
            esc(name),
            esc(at)
        );
    }
    h.push_str("</table>\n");
}

/// One lane per host: each result a bar placed by its start and length in the run.
fn timeline(h: &mut String, r: &Report) {
    h.push_str("<h2>Timeline</h2>\n<p>Each bar is one task on one host, from its start to its end: \
                <span class=\"ok\">&nbsp;ok&nbsp;</span> <span class=\"changed\">&nbsp;changed&nbsp;</span> \
                <span class=\"skipped\">&nbsp;skipped&nbsp;</span> <span class=\"failed\">&nbsp;failed&nbsp;</span> \
                <span class=\"ignored\">&nbsp;ignored failure&nbsp;</span></p>\n<table>\n");
    let total = r.total.max(0.001);
    let mut lanes: BTreeMap<&str, Vec<&Bar>> = BTreeMap::new();
    for b in &r.bars {
        lanes.entry(b.host.as_str()).or_default().push(b);
    }
    for (host, bars) in lanes {
        let _ = write!(
            h,
            "<tr><td class=\"host\">{}</td><td><div class=\"lane\">",
            esc(host)
        );
        for b in bars {
            let class = if b.ignored {
                "ignored"
            } else {
                b.status.as_str()
            };
            let _ = write!(
                h,
                "<div class=\"{}\" style=\"left:{:.3}%;width:{:.3}%\" title=\"{} ({:.2} s, {})\"></div>",
                esc(class),
                100.0 * b.start / total,
                (100.0 * b.secs / total).max(0.1),
                esc(&b.task),
                b.secs,
                esc(&b.status)
            );
        }
        h.push_str("</div></td></tr>\n");
    }
    h.push_str("</table>\n");
}

/// The diffs of changed results.
fn diffs(h: &mut String, bars: &[Bar]) {
    let with: Vec<&Bar> = bars.iter().filter(|b| !b.diffs.is_empty()).collect();
    let _ = writeln!(h, "<h2>Diffs ({})</h2>", with.len());
    for b in with {
        let _ = writeln!(h, "<h3>{} &middot; {}</h3>", esc(&b.host), esc(&b.task));
        for d in &b.diffs {
            h.push_str("<pre>");
            for line in diff_text(d, &Style::off()).lines() {
                let class = if line.starts_with('+') && !line.starts_with("+++") {
                    "add"
                } else if line.starts_with('-') && !line.starts_with("---") {
                    "del"
                } else {
                    ""
                };
                let _ = writeln!(h, "<span class=\"{class}\">{}</span>", esc(line));
            }
            h.push_str("</pre>\n");
        }
    }
}

/// `s` safe in HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
