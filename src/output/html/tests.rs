//! The report page from events: what it gathers and that every text is escaped.

use super::*;
use std::path::PathBuf;

fn log(lines: &str) -> EventLog {
    let path = std::env::temp_dir().join(format!("rsible-html-test-{}.json", std::process::id()));
    std::fs::write(&path, lines).unwrap();
    let l = crate::report::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    EventLog {
        path: PathBuf::from("run.json"),
        ..l
    }
}

const RUN: &str = r#"{"event":"play_start","name":"p","hosts":["a","b"],"time":0.0}
{"event":"task_start","name":"write <conf>","location":"site.yml:3:7","handler":false,"time":0.1}
{"event":"host_result","host":"a","delegated_to":null,"status":"changed","item":null,"ignored":false,"result":{"changed":true},"diffs":[{"before_header":"/etc/x","after_header":"/etc/x","before":"old\n","after":"new\n"}],"no_log":false,"verbosity":0,"show_result":false,"elapsed_ms":400,"time":0.5}
{"event":"host_result","host":"b","delegated_to":null,"status":"failed","item":null,"ignored":false,"result":{"msg":"boom <b>"},"diffs":[],"no_log":false,"verbosity":0,"show_result":false,"elapsed_ms":300,"time":0.4}
{"event":"task_start","name":"quick","location":"site.yml:5:7","handler":false,"time":0.6}
{"event":"host_result","host":"a","delegated_to":null,"status":"ok","item":null,"ignored":false,"result":{},"diffs":[],"no_log":false,"verbosity":0,"show_result":false,"elapsed_ms":50,"time":0.65}
{"event":"recap","stats":{"a":{"ok":2,"changed":1,"unreachable":0,"failed":0,"skipped":0,"rescued":0,"ignored":0},"b":{"ok":0,"changed":0,"unreachable":0,"failed":1,"skipped":0,"rescued":0,"ignored":0}},"elapsed_secs":0.7,"time":0.7}
{"event":"end","exit":2,"shard":null,"time":0.7}
"#;

#[test]
fn the_page_holds_recap_failures_slowest_timeline_and_diffs() {
    let r = collect(&[log(RUN)]);
    assert_eq!(r.bars.len(), 3);
    assert_eq!(r.tasks[0].0, "write <conf>", "slowest first: {:?}", r.tasks);
    assert!((r.tasks[0].2 - 0.5).abs() < 1e-9);
    assert!(
        (r.bars[0].start - 0.1).abs() < 1e-9,
        "start = end - elapsed"
    );
    let page = render(&[log(RUN)]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("exit code 2"));
    assert!(page.contains("Failures (1)") && page.contains("boom &lt;b&gt;"));
    assert!(page.contains("write &lt;conf&gt;") && !page.contains("<conf>"));
    assert!(page.contains("<span class=\"del\">-old</span>"));
    assert!(page.contains("<span class=\"add\">+new</span>"));
    assert!(page.contains("class=\"failed\" style=\"left:"));
    assert!(
        !page.contains("<script"),
        "no script: nothing to fail in a browser"
    );
}

#[test]
fn escaping_covers_text_and_attributes() {
    assert_eq!(
        page::esc("<a href=\"x\">&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
    );
}
