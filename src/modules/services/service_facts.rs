//! `service_facts`: every service the target knows, as `ansible_facts.services` keyed by unit
//! name (`cron.service`) with Ansible's `name`, `state`, `status` and `source`. One probe:
//! under systemd it lists units and unit files and reads the ActiveState of unit files that
//! are not loaded in one `systemctl show`; otherwise it reads `service --status-all`. The
//! parsing follows Ansible's (`BAD_STATES`, running/stopped) and is pure. Knows nothing of
//! playbooks or of how facts reach the host's variables.

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

/// The program: sections `--units--`, `--files--`, `--show--` (pairs of `name` and
/// `ActiveState=...` lines), or `--sysv--`.
const PROGRAM: &str = r#"LC_ALL=C; export LC_ALL
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  units=$(systemctl list-units --no-pager --type service --all --plain --no-legend 2>/dev/null)
  files=$(systemctl list-unit-files --no-pager --type service --all --plain --no-legend 2>/dev/null)
  printf '%s\n' --units-- "$units" --files-- "$files" --show--
  loaded=$(printf '%s\n' "$units" | awk '{print $1}')
  rest=$(printf '%s\n' "$files" | awk '{print $1}' | grep -v '@\.service$' | grep -vxF -e "$loaded" -e '')
  if [ -n "$rest" ]; then
    # shellcheck disable=SC2086
    for u in $rest; do printf '%s\n' "$u"; systemctl show -p ActiveState -- "$u" 2>/dev/null | head -n 1; done
  fi
else
  printf '%s\n' --sysv--
  service --status-all 2>&1
fi
"#;

/// Ansible's states that replace a unit's `status`.
const BAD_STATES: &[&str] = &["not-found", "masked", "failed"];

fn entry(name: &str, state: &str, status: &str, source: &str) -> Value {
    json!({"name": name, "state": state, "status": status, "source": source})
}

/// Parses the program's output into the `services` map, as Ansible's scanners do.
pub fn parse(stdout: &str) -> Map<String, Value> {
    let mut services = Map::new();
    let mut section = "";
    let mut pending: Option<&str> = None;
    for line in stdout.lines() {
        if line.starts_with("--") && line.ends_with("--") && line.len() > 4 {
            section = line;
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match section {
            "--units--" if fields.len() >= 4 && fields[0].ends_with(".service") => {
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
            "--files--" if fields.len() >= 2 && fields[0].ends_with(".service") => {
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
            "--show--" => match (pending.take(), line.strip_prefix("ActiveState=")) {
                (Some(name), Some(state)) => {
                    if let Some(Value::Object(e)) = services.get_mut(name) {
                        e.insert("state".into(), json!(state));
                    }
                }
                (_, None) => pending = Some(line.trim()),
                (None, Some(_)) => {}
            },
            "--sysv--" => {
                // `service --status-all`: " [ + ]  cron"
                if let Some(rest) = line.trim_start().strip_prefix("[ ") {
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
            }
            _ => {}
        }
    }
    services
}

/// `service_facts`: one probe; never changed. The engine merges the returned
/// `ansible_facts` into the host's facts.
async fn service_facts(ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(PROGRAM.as_bytes().to_vec(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "service_facts: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let services = parse(&String::from_utf8_lossy(&out.stdout));
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
        let out = "--units--\n\
            cron.service loaded active running Regular background program processing daemon\n\
            gone.service not-found inactive dead gone.service\n\
            ssh.service loaded inactive dead OpenBSD Secure Shell server\n\
            --files--\n\
            cron.service enabled enabled\n\
            gone.service disabled enabled\n\
            ssh.service disabled enabled\n\
            rsts-daemon.service disabled enabled\n\
            getty@.service enabled enabled\n\
            --show--\n\
            rsts-daemon.service\nActiveState=inactive\n";
        let s = parse(out);
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
    fn sysv_listing() {
        let s = parse("--sysv--\n [ + ]  cron\n [ - ]  rsync\n [ ? ]  hwclock.sh\n");
        assert_eq!(s["cron"]["state"], "running");
        assert_eq!(s["rsync"]["state"], "stopped");
        assert_eq!(s["hwclock.sh"]["state"], "unknown");
        assert_eq!(s["cron"]["source"], "sysv");
    }
}
