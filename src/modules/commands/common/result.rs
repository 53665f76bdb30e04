//! The registered fields of a finished program, as Ansible's `command` module returns them
//! (`rc`, `stdout`, `stdout_lines`, `stderr`, `stderr_lines`, `start`, `end`, `delta`), with
//! Python's date and duration texts. Knows nothing of how the program ran.

use crate::connection::ExecOutput;
use crate::modules::framework::output::streams;
use crate::modules::Output;
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime};

/// When a program was sent: the wall clock for `start`, the monotonic clock for `delta`.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    wall: SystemTime,
    clock: Instant,
}

impl Started {
    /// Now.
    pub fn now() -> Started {
        Started {
            wall: SystemTime::now(),
            clock: Instant::now(),
        }
    }
}

/// The result of a program that ran (always changed; failed on a non-zero `rc`). `cmd` is
/// reported when it is not null (`raw` has none, and says nothing on success); `strip` drops
/// the trailing newlines of both streams (`strip_empty_ends`).
pub fn result(out: &ExecOutput, cmd: Value, started: Started, strip: bool) -> Output {
    let elapsed = started.clock.elapsed();
    let text = |b: &[u8]| {
        let s = String::from_utf8_lossy(b).into_owned();
        if strip {
            s.trim_end_matches(['\n', '\r']).to_string()
        } else {
            s
        }
    };
    let rc = out.status.rc();
    let mut o = Output {
        changed: true,
        failed: rc != 0,
        // `command` and `shell` always say something (empty on success); `raw` only on failure.
        msg: if rc != 0 {
            Some("non-zero return code".to_string())
        } else {
            (!cmd.is_null()).then(String::new)
        },
        ..Output::default()
    };
    let f = &mut o.fields;
    if !cmd.is_null() {
        f.insert("cmd".into(), cmd);
    }
    streams(f, rc, &text(&out.stdout), &text(&out.stderr));
    f.insert("start".into(), json!(timestamp(started.wall)));
    f.insert("end".into(), json!(timestamp(started.wall + elapsed)));
    f.insert("delta".into(), json!(delta(elapsed)));
    o
}

/// `2026-11-27 13:35:54.437390` in UTC (Ansible prints the controller's local time; UTC here).
fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, dd) = crate::calendar::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{dd:02} {:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// `0:00:00.018582`, Python's timedelta text.
fn delta(d: Duration) -> String {
    let s = d.as_secs();
    format!(
        "{}:{:02}:{:02}.{:06}",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_python_timedeltas() {
        assert_eq!(delta(Duration::from_micros(18_582)), "0:00:00.018582");
    }
}
