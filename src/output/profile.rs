//! `--profile` (or Ansible's `callbacks_enabled = profile_tasks`): after the recap, the
//! slowest tasks and how long each took, as ansible.posix's `profile_tasks` prints its
//! summary (`TASKS RECAP`; the timestamp lines it also prints after each task banner are
//! not). A task's time runs from its start to the next task's start (or the recap), over all
//! its hosts at once, summed over the batches of `serial`, as there. Wraps the reporter that
//! shows the run; knows nothing of how tasks run.

use super::play::banner;
use super::Reporter;
use crate::event::Event;
use crate::exit::Exit;
use std::io::Write;
use std::time::Instant;

/// How many tasks the summary lists (`profile_tasks`' default `task_output_limit`).
pub const LIMIT: usize = 20;

/// A reporter that times tasks and prints the slowest after `inner` finished.
pub struct Profiled<'a> {
    inner: &'a mut dyn Reporter,
    out: Box<dyn Write + Send>,
    /// Each task start: its shown name, its location and when it started.
    starts: Vec<(String, String, Instant)>,
    /// When the recap arrived (the last task's end).
    end: Option<Instant>,
}

impl<'a> Profiled<'a> {
    /// Times the run `inner` shows; the summary goes to `out`.
    pub fn new(inner: &'a mut dyn Reporter, out: Box<dyn Write + Send>) -> Profiled<'a> {
        Profiled {
            inner,
            out,
            starts: Vec::new(),
            end: None,
        }
    }

    /// The summary text: the banner, a rule, then one line per task, slowest first.
    fn summary(&self, now: Instant) -> String {
        let mut times: indexmap::IndexMap<(&str, &str), f64> = indexmap::IndexMap::new();
        for (i, (name, at, start)) in self.starts.iter().enumerate() {
            let end = self
                .starts
                .get(i + 1)
                .map_or(self.end.unwrap_or(now), |(_, _, t)| *t);
            *times.entry((name.as_str(), at.as_str())).or_default() +=
                end.duration_since(*start).as_secs_f64();
        }
        let mut times: Vec<(&str, f64)> = times.into_iter().map(|((n, _), t)| (n, t)).collect();
        // Stable: equal times keep the run's order.
        times.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut text = banner("TASKS RECAP");
        text.push_str(&format!("{} \n", "=".repeat(79)));
        for (name, secs) in times.into_iter().take(LIMIT) {
            text.push_str(&line(name, secs));
        }
        text
    }
}

/// One task's line: its name, dashes to column 71, the time right-aligned in 9 columns.
fn line(name: &str, secs: f64) -> String {
    format!(
        "{:-<71}{:->9}\n",
        format!("{name} "),
        format!(" {secs:.2}s")
    )
}

impl Reporter for Profiled<'_> {
    fn on_event(&mut self, ev: &Event) {
        match ev {
            Event::TaskStart { name, location, .. } => {
                self.starts
                    .push((name.clone(), location.clone(), Instant::now()))
            }
            Event::Recap { .. } => self.end = Some(Instant::now()),
            _ => {}
        }
        self.inner.on_event(ev);
    }

    fn on_tick(&mut self) {
        self.inner.on_tick();
    }

    fn on_end(&mut self, exit: Exit) {
        self.inner.on_end(exit);
        if !self.starts.is_empty() {
            let text = self.summary(Instant::now());
            // A closed stdout ends nothing here: the run is over.
            let _ = self
                .out
                .write_all(text.as_bytes())
                .and_then(|()| self.out.flush());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    struct Nothing;
    impl Reporter for Nothing {
        fn on_event(&mut self, _: &Event) {}
        fn on_tick(&mut self) {}
        fn on_end(&mut self, _: Exit) {}
    }

    #[test]
    fn slowest_first_in_profile_tasks_layout() {
        let mut inner = Nothing;
        let mut p = Profiled::new(&mut inner, Box::new(std::io::sink()));
        let t0 = Instant::now();
        let at = |n: &str| n.to_string();
        p.starts = vec![
            ("fast".into(), at("a:1:1"), t0),
            ("slow".into(), at("a:2:1"), t0 + Duration::from_millis(100)),
            ("last".into(), at("a:3:1"), t0 + Duration::from_millis(2600)),
            ("fast".into(), at("a:1:1"), t0 + Duration::from_millis(3100)),
        ];
        p.end = Some(t0 + Duration::from_millis(3300));
        let text = p.summary(t0 + Duration::from_secs(9));
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        assert!(lines[0].starts_with("TASKS RECAP *"), "{text}");
        assert_eq!(lines[1], format!("{} ", "=".repeat(79)));
        assert_eq!(lines[2], format!("slow {} 2.50s", "-".repeat(69)));
        assert!(lines[3].starts_with("last -") && lines[3].ends_with(" 0.50s"));
        // A task run twice (a second batch of `serial`) is one line, its times summed.
        assert!(
            lines[4].starts_with("fast -") && lines[4].ends_with(" 0.30s"),
            "{text}"
        );
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[2].len(), 80);
    }
}
