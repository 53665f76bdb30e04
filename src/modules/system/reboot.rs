//! `reboot`: reboots the host, waits for it to go down and come back, and reconnects.
//! Round trips: one apply reads the boot id and starts the reboot in the background (so the
//! program returns before the connection drops); then, every second until `reboot_timeout`,
//! a fresh connection (`connect_timeout`) probes the boot id until it differs; then
//! `test_command` until it succeeds. The proof of a reboot is a changed
//! `/proc/sys/kernel/random/boot_id` (Ansible's `boot_time_command`). In check mode the
//! apply is not sent and the module reports `rebooted`, as Ansible does. The programs report
//! the boot id in the report format (`framework::report`). Knows nothing of playbooks or of how the engine opens connections (it calls [`Ctx::reconnect`]).

use super::common::de_opt_secs;
use crate::connection::quote::quote_str;
use crate::modules::framework::args::de_opt_string;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// `reboot` in the registry.
pub const SPEC: Spec = spec::<Reboot>(B, &[]);

/// The `reboot` module.
pub struct Reboot;

/// Arguments of `reboot` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_secs")]
    pre_reboot_delay: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    post_reboot_delay: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    reboot_timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    connect_timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_string")]
    test_command: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    msg: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    reboot_command: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    boot_time_command: Option<String>,
}

impl Module for Reboot {
    const NAME: &'static str = "reboot";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(reboot(a, ctx))
    }
}

/// Ansible's defaults.
const DEFAULT_MSG: &str = "Reboot initiated by Ansible";
const DEFAULT_BOOT_TIME: &str = "cat /proc/sys/kernel/random/boot_id";

/// The first program: reports the boot id (`boot`), then starts the reboot detached from the
/// session (after a second, so this program's output gets back first).
fn start_program(boot_time: &str, reboot: &str) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}b=$({boot_time}) || exit 3\nmx boot \"$b\"\n\
         nohup sh -c {} >/dev/null 2>&1 </dev/null &\nexit 0\n",
        quote_str(&format!("sleep 1; {reboot}"))
    )
}

/// The program run after each reconnect: reports the boot id (`boot`).
fn boot_program(boot_time: &str) -> String {
    format!("{MARK_FN}b=$({boot_time}) && mx boot \"$b\"\n")
}

/// The reboot command: `reboot_command`, or Linux's `shutdown -r +MINUTES "MSG"`.
fn reboot_command(a: &Args) -> String {
    match &a.reboot_command {
        Some(c) => c.clone(),
        None => format!(
            "/sbin/shutdown -r +{} {}",
            a.pre_reboot_delay.unwrap_or(0) / 60,
            quote_str(a.msg.as_deref().unwrap_or(DEFAULT_MSG))
        ),
    }
}

/// The boot id a program reported (`boot_time_command`'s whole output, trimmed): `Ok(None)`
/// when it reported none, a failure naming the module when the report is malformed.
fn boot_id(stdout: &[u8]) -> Result<Option<String>, Failure> {
    let r = Report::parse("reboot", &String::from_utf8_lossy(stdout))?;
    Ok(r.get("boot")
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty()))
}

/// `reboot`: returns `rebooted` and `elapsed` (seconds); fails when the host does not come
/// back with a new boot id within `reboot_timeout`.
async fn reboot(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let mut o = Output::default();
    // Checked first: a reboot must not start without a way back to the host.
    let Some(reconnect) = ctx.reconnect else {
        return Err(Failure::Failed(
            "reboot: this connection cannot be reopened".into(),
        ));
    };
    let boot_time = args
        .boot_time_command
        .clone()
        .unwrap_or_else(|| DEFAULT_BOOT_TIME.into());
    let timeout = Duration::from_secs(args.reboot_timeout.unwrap_or(600));
    let connect = Duration::from_secs(args.connect_timeout.unwrap_or(10).max(1));
    let test = args.test_command.clone().unwrap_or_else(|| "whoami".into());
    let start = Instant::now();
    let started = ctx
        .apply(
            start_program(&boot_time, &reboot_command(&args)).into_bytes(),
            Vec::new(),
        )
        .await?;
    let Some(out) = started else {
        o.changed = true;
        o.fields.insert("rebooted".into(), json!(true));
        o.fields.insert("elapsed".into(), json!(0));
        return Ok(o);
    };
    let before = boot_id(&out.stdout)?.ok_or_else(|| {
        Failure::Failed(format!(
            "reboot: cannot read the boot id with `{boot_time}`: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    let probe = boot_program(&boot_time);
    // Wait out the reboot delay before the first reconnect attempt.
    tokio::time::sleep(Duration::from_secs(args.pre_reboot_delay.unwrap_or(0) + 2)).await;
    let mut last = String::from("the host did not answer");
    let mut back = false;
    while start.elapsed() < timeout {
        match tokio::time::timeout(connect * 2, reconnect.reopen(connect)).await {
            Ok(Ok(conn)) => {
                let c = ctx.with_conn(conn.as_ref());
                match tokio::time::timeout(connect * 2, c.probe(probe.clone().into_bytes(), vec![]))
                    .await
                {
                    Ok(Ok(out)) => match boot_id(&out.stdout) {
                        Ok(Some(id)) if id != before => {
                            back = true;
                            let t = c.probe(test.clone().into_bytes(), Vec::new()).await;
                            match t {
                                Ok(t) if t.status.rc() == 0 => {
                                    tokio::time::sleep(Duration::from_secs(
                                        args.post_reboot_delay.unwrap_or(0),
                                    ))
                                    .await;
                                    o.changed = true;
                                    o.fields.insert("rebooted".into(), json!(true));
                                    o.fields
                                        .insert("elapsed".into(), json!(start.elapsed().as_secs()));
                                    return Ok(o);
                                }
                                Ok(t) => {
                                    last = format!(
                                        "test command failed: {}",
                                        String::from_utf8_lossy(&t.stderr).trim()
                                    )
                                }
                                Err(e) => last = e.to_string(),
                            }
                        }
                        Ok(Some(_)) => last = "the host has not rebooted yet (same boot id)".into(),
                        Ok(None) => last = "cannot read the boot id".into(),
                        Err(e) => last = e.to_string(),
                    },
                    Ok(Err(e)) => last = e.to_string(),
                    Err(_) => last = "timed out".into(),
                }
            }
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = "connecting timed out".into(),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    o.failed = true;
    o.fields.insert("rebooted".into(), json!(back));
    o.fields
        .insert("elapsed".into(), json!(start.elapsed().as_secs()));
    o.msg = Some(format!(
        "Timed out waiting for the host to reboot ({}s): {last}",
        timeout.as_secs()
    ));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Reboot>(json!({"reboot_timeout": 600, "msg": "bye"})),
            Ok(true)
        );
        assert_eq!(
            check::<Reboot>(json!({"connect_timeout": "{{ t }}"})),
            Ok(false)
        );
        assert!(check::<Reboot>(json!({"reboot_timeout": "soon"})).is_err());
        assert!(check::<Reboot>(json!({"reboot_timout": 600})).is_err());
        assert!(check::<Reboot>(json!({"test_command": ["whoami"]})).is_err());
    }

    #[test]
    fn commands() {
        let a: Args = args::parse(
            "reboot",
            json!({"pre_reboot_delay": "130", "msg": "it's time"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(reboot_command(&a), "/sbin/shutdown -r +2 'it'\\''s time'");
        let p = start_program(DEFAULT_BOOT_TIME, "reboot");
        assert!(p.contains("nohup sh -c 'sleep 1; reboot'"), "{p}");
        assert!(p.contains("mx boot \"$b\""), "{p}");
        assert_eq!(
            boot_id(b"@@rsible boot:x 6162630a\n").unwrap(),
            Some("abc".into())
        );
        assert_eq!(boot_id(b"no report\n").unwrap(), None);
        let e = boot_id(b"@@rsible boot:x 61z\n").unwrap_err();
        assert!(
            matches!(&e, Failure::Failed(m) if m.starts_with("reboot: ")),
            "{e:?}"
        );
    }

    /// The polling program, run by sh here, reports the whole boot id.
    #[test]
    fn the_boot_program_reports_in_the_one_format() {
        let out = std::process::Command::new("sh")
            .args(["-c", &boot_program("printf 'a\\nb\\n'")])
            .output()
            .expect("sh");
        assert_eq!(boot_id(&out.stdout).unwrap(), Some("a\nb".into()));
    }
}
