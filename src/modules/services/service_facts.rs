//! `service_facts`: every service the target knows, as `ansible_facts.services` keyed by unit
//! name (`cron.service`) with Ansible's `name`, `state`, `status` and `source`. One probe:
//! under systemd it lists units and unit files and reads the ActiveState of unit files that
//! are not loaded with `systemctl show`; otherwise it reads `service --status-all`; it
//! answers in the report format. The parsing follows Ansible's (`BAD_STATES`,
//! running/stopped) and is pure. Knows nothing of
//! playbooks or of how facts reach the host's variables.

use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `service_facts` in the registry.
pub const SPEC: Spec = spec::<ServiceFacts>(B, &[]);

/// The `service_facts` module.
pub struct ServiceFacts;

/// `service_facts` takes no arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {}

impl Module for ServiceFacts {
    const NAME: &'static str = "service_facts";
    type Args = Args;

    fn run<'a>(_: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(service_facts(ctx))
    }
}

/// The program. Under systemd it reports `units` and `files` (the two listings) and a
/// `state` (`NAME ActiveState=...`) for each unit file that is not loaded; otherwise `sysv`
/// (the output of `service --status-all`).
const PROGRAM: &str = r#"LC_ALL=C; export LC_ALL
@MARK_FN@if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  units=$(systemctl list-units --no-pager --type service --all --plain --no-legend 2>/dev/null)
  files=$(systemctl list-unit-files --no-pager --type service --all --plain --no-legend 2>/dev/null)
  mx units "$units"
  mx files "$files"
  loaded=$(printf '%s\n' "$units" | awk '{print $1}')
  rest=$(printf '%s\n' "$files" | awk '{print $1}' | grep -v '@\.service$' | grep -vxF -e "$loaded" -e '')
  if [ -n "$rest" ]; then
    # shellcheck disable=SC2086
    for u in $rest; do m state "$u" "$(systemctl show -p ActiveState -- "$u" 2>/dev/null | head -n 1)"; done
  fi
else
  mx sysv "$(service --status-all 2>&1)"
fi
"#;

/// Ansible's states that replace a unit's `status`.
const BAD_STATES: &[&str] = &["not-found", "masked", "failed"];

fn entry(name: &str, state: &str, status: &str, source: &str) -> Value {
    json!({"name": name, "state": state, "status": status, "source": source})
}

/// The `services` map of the program's report, as Ansible's scanners make it.
pub fn services(r: &Report) -> Map<String, Value> {
    match r.get("sysv") {
        Some(text) => sysv(text),
        None => {
            let states = r.all("state").filter_map(|l| {
                let (name, state) = l.split_once(' ')?;
                Some((name, state.strip_prefix("ActiveState=")?))
            });
            systemd(
                r.get("units").unwrap_or_default(),
                r.get("files").unwrap_or_default(),
                states,
            )
        }
    }
}

/// The systemd services: `list-units` lines, `list-unit-files` lines, and the ActiveState
/// of unit files that are not loaded.
fn systemd<'a>(
    units: &str,
    files: &str,
    states: impl Iterator<Item = (&'a str, &'a str)>,
) -> Map<String, Value> {
    let mut services = Map::new();
    for line in units.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 4 || !fields[0].ends_with(".service") {
            continue;
        }
        let (status, f) = match BAD_STATES.iter().find(|b| fields.contains(b)) {
            Some(bad) => (*bad, &fields[1..]),
            None => (fields[2], &fields[..]),
        };
        let state = if f.get(3) == Some(&"running") {
            "running"
        } else {
            "stopped"
        };
        services.insert(fields[0].into(), entry(fields[0], state, status, "systemd"));
    }
    for line in files.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 2 || !fields[0].ends_with(".service") {
            continue;
        }
        let (name, status) = (fields[0], fields[1]);
        match services.get_mut(name) {
            Some(Value::Object(e)) => {
                let bad = e["status"]
                    .as_str()
                    .is_some_and(|s| BAD_STATES.contains(&s));
                if !bad {
                    e.insert("status".into(), json!(status));
                }
            }
            _ => {
                services.insert(name.into(), entry(name, "unknown", status, "systemd"));
            }
        }
    }
    for (name, state) in states {
        if let Some(Value::Object(e)) = services.get_mut(name) {
            e.insert("state".into(), json!(state));
        }
    }
    services
}

/// The SysV services of `service --status-all` (` [ + ]  cron`).
fn sysv(text: &str) -> Map<String, Value> {
    let mut services = Map::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("[ ") else {
            continue;
        };
        let (mark, name) = (rest.chars().next(), rest.get(3..).map(str::trim));
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            let state = match mark {
                Some('+') => "running",
                Some('-') => "stopped",
                _ => "unknown",
            };
            services.insert(
                name.into(),
                json!({"name": name, "state": state, "source": "sysv"}),
            );
        }
    }
    services
}

/// `service_facts`: one probe; never changed. The engine merges the returned
/// `ansible_facts` into the host's facts.
async fn service_facts(ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let program = PROGRAM.replace("@MARK_FN@", MARK_FN);
    let out = ctx.probe(program.into_bytes(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "service_facts: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let report = Report::parse("service_facts", &String::from_utf8_lossy(&out.stdout))?;
    let services = services(&report);
    let mut o = Output::default();
    o.fields.insert(
        "ansible_facts".into(),
        json!({ "services": Value::Object(services) }),
    );
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;

    #[test]
    fn takes_no_arguments() {
        let ok = load_check::parse::<Args>("service_facts", &Map::new()).unwrap();
        assert!(ok.is_some());
        let bad = json!({"pattern": "x"});
        let e = load_check::parse::<Args>("service_facts", bad.as_object().unwrap()).unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("pattern"));
    }

    #[test]
    fn systemd_listing() {
        let units =
            "cron.service loaded active running Regular background program processing daemon\n\
            gone.service not-found inactive dead gone.service\n\
            ssh.service loaded inactive dead OpenBSD Secure Shell server";
        let files = "cron.service enabled enabled\n\
            gone.service disabled enabled\n\
            ssh.service disabled enabled\n\
            rsts-daemon.service disabled enabled\n\
            getty@.service enabled enabled\n";
        let s = systemd(
            units,
            files,
            [("rsts-daemon.service", "inactive")].into_iter(),
        );
        assert_eq!(
            s["cron.service"],
            json!({"name": "cron.service", "state": "running", "status": "enabled", "source": "systemd"})
        );
        assert_eq!(s["gone.service"]["status"], "not-found");
        assert_eq!(s["gone.service"]["state"], "stopped");
        assert_eq!(s["ssh.service"]["state"], "stopped");
        assert_eq!(s["ssh.service"]["status"], "disabled");
        assert_eq!(s["rsts-daemon.service"]["state"], "inactive");
        assert_eq!(s["getty@.service"]["state"], "unknown");
    }

    #[test]
    fn the_program_reports_what_the_parser_reads() {
        let program = PROGRAM.replace("@MARK_FN@", MARK_FN);
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("service");
        std::fs::write(
            &bin,
            "#!/bin/sh\nprintf ' [ + ]  cron\\n [ - ]  rsync\\n'\n",
        )
        .expect("write");
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        // A PATH with `service`, `od` and `tr` but no systemctl: the SysV branch.
        for tool in ["od", "tr"] {
            std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), dir.path().join(tool))
                .expect("symlink");
        }
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &program])
            .env("PATH", dir.path())
            .output()
            .expect("sh");
        let r = Report::parse("service_facts", &String::from_utf8_lossy(&out.stdout)).unwrap();
        let s = services(&r);
        assert_eq!(s["cron"]["state"], "running");
        assert_eq!(s["rsync"]["state"], "stopped");
        let r = Report::parse(
            "service_facts",
            "@@rsible units:x 612e73657276696365206c6f61646564206163746976652072756e6e696e6720610a\n\
             @@rsible files:x 622e736572766963652064697361626c656420656e61626c6564\n\
             @@rsible state b.service ActiveState=failed\n",
        )
        .unwrap();
        let s = services(&r);
        assert_eq!(s["a.service"]["state"], "running");
        assert_eq!(s["b.service"]["state"], "failed");
        assert_eq!(s["b.service"]["status"], "disabled");
    }

    #[test]
    fn sysv_listing() {
        let s = sysv(" [ + ]  cron\n [ - ]  rsync\n [ ? ]  hwclock.sh\n");
        assert_eq!(s["cron"]["state"], "running");
        assert_eq!(s["rsync"]["state"], "stopped");
        assert_eq!(s["hwclock.sh"]["state"], "unknown");
        assert_eq!(s["cron"]["source"], "sysv");
    }
}
