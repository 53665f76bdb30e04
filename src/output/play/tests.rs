//! The reporter's text, checked exactly; the expected strings marked "ansible-core 2.19" were
//! captured from `ansible-playbook -c local` with `ANSIBLE_NOCOLOR=1`.

use super::host::CENSORED;
use super::progress::Progress;
use super::PlayReporter;
use crate::event::{Diff, Event, HostResult, Stats, Status};
use crate::output::Format;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `Write` whose bytes the test reads back.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn output(format: Format, verbosity: u8, diff: bool, check: bool, events: &[Event]) -> String {
    let buf = Buf::default();
    let mut r = PlayReporter::to_writer(Box::new(buf.clone()), format, verbosity, diff, check);
    for ev in events {
        r.handle(ev);
    }
    r.finish();
    let bytes = buf.0.lock().expect("buffer").clone();
    String::from_utf8(bytes).expect("utf-8")
}

fn human(verbosity: u8, events: &[Event]) -> String {
    output(Format::Human, verbosity, false, false, events)
}

fn result(host: &str, status: Status, fields: Value) -> HostResult {
    let result: Map<String, Value> = match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    HostResult {
        host: host.to_string(),
        delegated_to: None,
        status,
        item: None,
        ignored: false,
        result,
        diffs: Vec::new(),
        no_log: false,
        verbosity: 0,
        show_result: false,
        elapsed_ms: 0,
    }
}

fn ev(r: HostResult) -> Event {
    Event::HostResult(Box::new(r))
}

fn play(name: &str, hosts: &[&str]) -> Event {
    Event::PlayStart {
        name: name.to_string(),
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
    }
}

fn task(name: &str) -> Event {
    Event::TaskStart {
        name: name.to_string(),
        location: "site.yml:3:7".to_string(),
        handler: false,
    }
}

fn item(mut r: HostResult, label: &str) -> HostResult {
    r.item = Some(label.to_string());
    r
}

#[test]
fn headers_are_padded_to_80_columns_with_at_least_three_stars() {
    let long = "a play whose name is very long indeed so long that it exceeds the width of the terminal line";
    let out = human(
        0,
        &[
            play("web servers", &["web1"]),
            task("say"),
            Event::TaskStart {
                name: "restart nginx".to_string(),
                location: String::new(),
                handler: true,
            },
            play(long, &[]),
            Event::NoHostsRemaining,
        ],
    );
    // ansible-core 2.19
    let expected = "\nPLAY [web servers] *************************************************************\n\
        \nTASK [say] *********************************************************************\n\
        \nRUNNING HANDLER [restart nginx] ************************************************\n\
        \nPLAY [a play whose name is very long indeed so long that it exceeds the width of the terminal line] ***\n\
        \nNO MORE HOSTS LEFT *************************************************************\n";
    assert_eq!(out, expected);
}

#[test]
fn check_mode_marks_the_play_header() {
    let out = output(Format::Human, 0, false, true, &[play("p", &[])]);
    assert!(out.starts_with("\nPLAY [p] [CHECK MODE] ****"), "{out}");
}

#[test]
fn status_lines_and_loop_items() {
    let mut delegated = result("web1", Status::Ok, json!({}));
    delegated.delegated_to = Some("db1".to_string());
    let out = human(
        0,
        &[
            ev(result("web1", Status::Ok, json!({"changed": false}))),
            ev(result(
                "web2",
                Status::Changed,
                json!({"rc": 0, "stdout": "hi"}),
            )),
            ev(result("web3", Status::Skipped, json!({"skip_reason": "x"}))),
            ev(item(result("web1", Status::Changed, json!({})), "foo")),
            ev(item(result("web1", Status::Changed, json!({})), "{'a': 1}")),
            ev(item(result("web1", Status::Skipped, json!({})), "bar")),
            Event::LoopDone {
                host: "web1".to_string(),
                status: Status::Changed,
            },
            ev(delegated),
        ],
    );
    // ansible-core 2.19 for all but the delegation
    let expected = "ok: [web1]\n\
        changed: [web2]\n\
        skipping: [web3]\n\
        changed: [web1] => (item=foo)\n\
        changed: [web1] => (item={'a': 1})\n\
        skipping: [web1] => (item=bar) \n\
        ok: [web1 -> db1]\n";
    assert_eq!(out, expected);
}

#[test]
fn failure_shows_rc_stdout_stderr_as_blocks() {
    let mut r = result(
        "web3",
        Status::Failed,
        json!({"changed": true, "cmd": "echo out; echo err >&2; exit 3", "msg": "non-zero return code",
               "rc": 3, "stdout": "out", "stdout_lines": ["out"], "stderr": "err\nmore\n",
               "stderr_lines": ["err", "more"]}),
    );
    r.ignored = true;
    let out = human(0, &[ev(r)]);
    let expected = "fatal: [web3]: FAILED! => non-zero return code\n\
        rc=3\n\
        STDOUT:\n\
        out\n\
        STDERR:\n\
        err\n\
        more\n\
        ...ignoring\n";
    assert_eq!(out, expected);
}

#[test]
fn loop_item_failure_and_multiline_msg() {
    let failed_item = item(
        result(
            "h",
            Status::Failed,
            json!({"msg": "non-zero return code", "rc": 1, "stdout": "", "item": "x"}),
        ),
        "x",
    );
    let multi = result(
        "h",
        Status::Failed,
        json!({"changed": false, "msg": "line1\nline2"}),
    );
    let out = human(0, &[ev(failed_item), ev(multi)]);
    let expected = "failed: [h] (item=x) => non-zero return code\n\
        rc=1\n\
        fatal: [h]: FAILED! =>\n\
        MSG:\n\
        line1\n\
        line2\n";
    assert_eq!(out, expected);
}

#[test]
fn failure_without_text_fields_shows_the_rest() {
    let r = result(
        "h",
        Status::Failed,
        json!({"changed": false, "path": "/etc/x", "state": "absent"}),
    );
    let out = human(0, &[ev(r)]);
    assert_eq!(
        out,
        "fatal: [h]: FAILED! =>\n{\"path\": \"/etc/x\", \"state\": \"absent\"}\n"
    );
}

#[test]
fn unreachable() {
    let r = result(
        "web4",
        Status::Unreachable,
        json!({"msg": "connect to 10.0.0.4:22: timed out", "unreachable": true}),
    );
    let out = human(0, &[ev(r)]);
    assert_eq!(
        out,
        "fatal: [web4]: UNREACHABLE! => connect to 10.0.0.4:22: timed out\n"
    );
}

#[test]
fn debug_results_as_indented_json() {
    let mut msg = result(
        "localhost",
        Status::Ok,
        json!({"msg": "hello", "changed": false, "_ansible_verbose_always": true}),
    );
    msg.show_result = true;
    let mut var = result(
        "localhost",
        Status::Ok,
        json!({"ansible_connection": "local", "changed": false}),
    );
    var.show_result = true;
    let mut looped = item(
        result(
            "localhost",
            Status::Ok,
            json!({"msg": "a", "item": "a", "ansible_loop_var": "item"}),
        ),
        "a",
    );
    looped.show_result = true;
    let mut quiet = result("localhost", Status::Ok, json!({"msg": "hid"}));
    quiet.show_result = true;
    quiet.verbosity = 1;
    let events = [ev(msg), ev(var), ev(looped), ev(quiet)];
    // ansible-core 2.19
    let expected = "ok: [localhost] => {\n    \"msg\": \"hello\"\n}\n\
        ok: [localhost] => {\n    \"ansible_connection\": \"local\"\n}\n\
        ok: [localhost] => (item=a) => {\n    \"msg\": \"a\"\n}\n";
    assert_eq!(human(0, &events), format!("{expected}ok: [localhost]\n"));
    assert_eq!(
        human(1, &events),
        format!("{expected}ok: [localhost] => {{\n    \"msg\": \"hid\"\n}}\n")
    );
}

#[test]
fn no_log_shows_only_the_censored_message() {
    let censored = || json!({"censored": CENSORED, "changed": true});
    let mut ok = result("localhost", Status::Changed, censored());
    ok.no_log = true;
    ok.diffs.push(Diff {
        before_header: "secret".to_string(),
        after_header: "secret".to_string(),
        before: "a\n".to_string(),
        after: "b\n".to_string(),
    });
    let mut failed = result("localhost", Status::Failed, censored());
    failed.no_log = true;
    failed.ignored = true;
    let mut looped = item(
        result("localhost", Status::Changed, censored()),
        "password1",
    );
    looped.no_log = true;
    let events = [ev(ok), ev(failed), ev(looped)];
    let line = format!("{{\"censored\": \"{CENSORED}\"}}");
    // ansible-core 2.19 (which also repeats "changed": true at -v)
    assert_eq!(
        output(Format::Human, 0, true, false, &events),
        format!(
            "changed: [localhost]\n\
             fatal: [localhost]: FAILED! => {line}\n...ignoring\n\
             changed: [localhost] => (item=(censored due to no_log))\n"
        )
    );
    assert_eq!(
        human(1, &events[2..]),
        format!("changed: [localhost] => (item=(censored due to no_log)) => {line}\n")
    );
}

#[test]
fn verbose_levels_add_the_result_fields() {
    let r = || {
        ev(result(
            "h",
            Status::Changed,
            json!({"changed": true, "cmd": ["echo", "hi"], "rc": 0, "stdout": "hi", "stdout_lines": ["hi"],
                   "stderr": "", "msg": "", "invocation": {"module_args": {}}}),
        ))
    };
    assert_eq!(human(0, &[r()]), "changed: [h]\n");
    assert_eq!(
        human(1, &[r()]),
        "changed: [h]\nrc=0\nSTDOUT:\nhi\n{\"cmd\": [\"echo\", \"hi\"]}\n"
    );
    assert_eq!(
        human(2, &[r()]),
        "changed: [h]\nrc=0\nSTDOUT:\nhi\n{\n    \"cmd\": [\n        \"echo\",\n        \"hi\"\n    ]\n}\n"
    );
    let vvv = human(3, &[r()]);
    assert!(
        vvv.contains("\"invocation\"") && vvv.contains("\"changed\": true"),
        "{vvv}"
    );
    assert!(!vvv.contains("stdout_lines"), "{vvv}");
}

#[test]
fn diffs_of_files_and_of_values() {
    let mut r = result("localhost", Status::Changed, json!({}));
    r.diffs.push(Diff {
        before_header: "/tmp/outh/f.txt".to_string(),
        after_header: "/tmp/outh/f.txt".to_string(),
        before: "a\nc\n".to_string(),
        after: "a\nb\n".to_string(),
    });
    r.diffs.push(Diff {
        before_header: "mode".to_string(),
        after_header: "mode".to_string(),
        before: "0644".to_string(),
        after: "0600".to_string(),
    });
    r.diffs.push(Diff {
        before_header: "state".to_string(),
        after_header: "state".to_string(),
        before: "file".to_string(),
        after: "file".to_string(),
    });
    let events = [ev(r)];
    // The file diff is ansible-core 2.19's (copy with --diff).
    let expected =
        "--- before: /tmp/outh/f.txt\n+++ after: /tmp/outh/f.txt\n@@ -1,2 +1,2 @@\n a\n-c\n+b\n\n\
        --- before: mode\n+++ after: mode\n-0644\n+0600\n\n\
        changed: [localhost]\n";
    assert_eq!(output(Format::Human, 0, true, false, &events), expected);
    assert_eq!(human(0, &events), "changed: [localhost]\n");
}

#[test]
fn diff_of_a_new_file_without_final_newline() {
    let mut r = result("h", Status::Changed, json!({}));
    r.diffs.push(Diff {
        before_header: String::new(),
        after_header: "/etc/motd".to_string(),
        before: String::new(),
        after: "one\ntwo".to_string(),
    });
    let out = output(Format::Human, 0, true, false, &[ev(r)]);
    assert_eq!(
        out,
        "--- before\n+++ after: /etc/motd\n@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file\n\nchanged: [h]\n"
    );
}

#[test]
fn recap_matches_ansible_byte_for_byte() {
    let mut stats = IndexMap::new();
    stats.insert(
        "localhost".to_string(),
        Stats {
            ok: 9,
            changed: 6,
            skipped: 1,
            ignored: 3,
            ..Stats::default()
        },
    );
    stats.insert(
        "a-host-name-longer-than-26-chars".to_string(),
        Stats {
            unreachable: 1,
            failed: 12345,
            ..Stats::default()
        },
    );
    let out = human(
        0,
        &[Event::Recap {
            stats,
            elapsed_secs: 1.234,
        }],
    );
    // ansible-core 2.19: the first host line, trailing spaces included
    let expected = "\nPLAY RECAP *********************************************************************\n\
        localhost                  : ok=9    changed=6    unreachable=0    failed=0    skipped=1    rescued=0    ignored=3   \n\
        a-host-name-longer-than-26-chars : ok=0    changed=0    unreachable=1    failed=12345 skipped=0    rescued=0    ignored=0   \n\
        \nTotal time: 1.23s\n";
    assert_eq!(out, expected);
}

#[test]
fn warnings() {
    let out = human(
        0,
        &[Event::Warning {
            message: "module 'foo' is deprecated".to_string(),
        }],
    );
    assert_eq!(out, "[WARNING]: module 'foo' is deprecated\n");
}

#[test]
fn a_run_reads_like_ansible_playbook() {
    let mut say = result(
        "localhost",
        Status::Ok,
        json!({"msg": "hello", "changed": false}),
    );
    say.show_result = true;
    let mut stats = IndexMap::new();
    stats.insert(
        "localhost".to_string(),
        Stats {
            ok: 3,
            changed: 2,
            skipped: 1,
            ..Stats::default()
        },
    );
    let events = [
        play("web servers", &["localhost"]),
        task("say"),
        ev(say),
        task("cmd"),
        ev(result(
            "localhost",
            Status::Changed,
            json!({"rc": 0, "stdout": "hi"}),
        )),
        task("skip"),
        ev(result("localhost", Status::Skipped, json!({}))),
        task("loop"),
        ev(item(result("localhost", Status::Changed, json!({})), "foo")),
        ev(item(
            result("localhost", Status::Changed, json!({})),
            "{'a': 1}",
        )),
        Event::LoopDone {
            host: "localhost".to_string(),
            status: Status::Changed,
        },
        Event::Recap {
            stats,
            elapsed_secs: 0.5,
        },
    ];
    // ansible-core 2.19, then our total time
    let expected = r#"
PLAY [web servers] *************************************************************

TASK [say] *********************************************************************
ok: [localhost] => {
    "msg": "hello"
}

TASK [cmd] *********************************************************************
changed: [localhost]

TASK [skip] ********************************************************************
skipping: [localhost]

TASK [loop] ********************************************************************
changed: [localhost] => (item=foo)
changed: [localhost] => (item={'a': 1})

PLAY RECAP *********************************************************************
localhost                  : ok=3    changed=2    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   

Total time: 0.50s
"#;
    assert_eq!(human(0, &events), expected);
}

#[test]
fn json_lines_parse_back() {
    let mut r = result("h", Status::Changed, json!({"rc": 0}));
    r.item = Some("foo".to_string());
    let events = [
        play("p", &["h"]),
        task("t"),
        ev(r),
        Event::Warning {
            message: "w".to_string(),
        },
        Event::NoHostsRemaining,
    ];
    let out = output(Format::Json, 2, true, false, &events);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let names: Vec<&str> = lines.iter().filter_map(|v| v["event"].as_str()).collect();
    assert_eq!(
        names,
        [
            "play_start",
            "task_start",
            "host_result",
            "warning",
            "no_hosts_remaining"
        ]
    );
    assert!(lines
        .iter()
        .all(|v| v["time"].as_f64().is_some_and(|t| t >= 0.0)));
    assert_eq!(lines[0]["hosts"], json!(["h"]));
    assert_eq!(lines[2]["status"], "changed");
    assert_eq!(lines[2]["item"], "foo");
    assert_eq!(lines[2]["result"]["rc"], 0);
}

#[test]
fn progress_counts_hosts_and_loops() {
    let t0 = Instant::now();
    let mut p = Progress::default();
    p.play(&["a".to_string(), "b".to_string(), "c".to_string()]);
    assert_eq!(p.line(t0), None, "no task yet");
    p.task(t0);
    let later = t0 + Duration::from_millis(1234);
    assert_eq!(
        p.line(later).as_deref(),
        Some("  [0/3 hosts done, 3 running, 1.2s]")
    );
    p.result(&result("a", Status::Ok, json!({})));
    p.result(&item(result("b", Status::Ok, json!({})), "x"));
    assert_eq!(
        p.line(t0).as_deref(),
        Some("  [1/3 hosts done, 2 running, 0.0s]")
    );
    p.host_done();
    p.result(&result("c", Status::Failed, json!({})));
    assert_eq!(p.line(t0), None, "every host reported");
    p.task(t0);
    assert_eq!(
        p.line(t0).as_deref(),
        Some("  [0/2 hosts done, 2 running, 0.0s]"),
        "c left the play"
    );
    p.idle();
    assert_eq!(p.line(t0), None);
}

#[test]
fn retries_print_ansible_playbooks_line() {
    let text = human(
        0,
        &[Event::Retrying {
            host: "web1".into(),
            task: "wait for it".into(),
            retries_left: 2,
        }],
    );
    assert_eq!(
        text,
        "FAILED - RETRYING: [web1]: wait for it (2 retries left).\n"
    );
}

#[test]
fn background_jobs_print_ansible_playbooks_lines() {
    use crate::event::AsyncPhase;
    let ev = |phase| Event::Async {
        host: "web1".into(),
        jid: "j1.2".into(),
        phase,
    };
    let text = human(
        0,
        &[
            ev(AsyncPhase::Poll {
                started: true,
                finished: false,
            }),
            ev(AsyncPhase::Ok),
            ev(AsyncPhase::Failed),
        ],
    );
    assert_eq!(
        text,
        "ASYNC POLL on web1: jid=j1.2 started=True finished=False\n\
         ASYNC OK on web1: jid=j1.2\nASYNC FAILED on web1: jid=j1.2\n"
    );
}

#[test]
fn debug_results_show_what_ansible_shows() {
    let mut var = item(
        result(
            "h",
            Status::Ok,
            json!({"item": 1, "ansible_loop_var": "item", "changed": false, "some.nested": 2}),
        ),
        "1",
    );
    var.show_result = true;
    let mut msg = item(
        result(
            "h",
            Status::Ok,
            json!({"item": 1, "ansible_loop_var": "item", "changed": false, "msg": "x"}),
        ),
        "1",
    );
    msg.show_result = true;
    let mut skipped = result("h", Status::Skipped, json!({"skip_reason": "x"}));
    skipped.show_result = true;
    let mut skipped_item = item(result("h", Status::Skipped, json!({})), "2");
    skipped_item.show_result = true;
    let out = human(
        0,
        &[
            ev(var),
            ev(msg),
            ev(skipped),
            ev(skipped_item),
            Event::LoopDone {
                host: "h".to_string(),
                status: Status::Skipped,
            },
        ],
    );
    // ansible-core 2.19, trailing space of the skipped item included
    let expected = "ok: [h] => (item=1) => {\n    \"item\": 1,\n    \"some.nested\": 2\n}\n\
        ok: [h] => (item=1) => {\n    \"msg\": \"x\"\n}\n\
        skipping: [h]\n\
        skipping: [h] => (item=2) \n\
        skipping: [h]\n";
    assert_eq!(out, expected);
}
