//! `timezone` (community.general.timezone): the system time zone and whether the hardware
//! clock keeps local time, through `timedatectl` as Ansible's module does on systemd hosts.
//! One gated program: the probe checks the zone file exists, reads `timedatectl status` and
//! sets the gate when a value differs; the apply runs `timedatectl set-local-rtc` and
//! `set-timezone` for what differs and reads the status again. Returns Ansible's `diff`
//! (`before`/`after` of the given settings, always) and `msg` (the commands run). A target
//! without a usable `timedatectl` is refused: rsible does not edit `/etc/timezone` and
//! `/etc/localtime` by hand as the module's non-systemd path does. Knows nothing of
//! playbooks.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::ansible_diff::structured_text;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `timezone` in the registry.
pub const SPEC: Spec = spec::<Timezone>(CG, &[]);

/// The `timezone` module.
pub struct Timezone;

/// Arguments of `timezone` (Ansible's names and alias).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, alias = "rtc")]
    hwclock: Option<Hwclock>,
}

/// What the hardware clock keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum Hwclock {
    /// Local time (`set-local-rtc yes`).
    #[serde(rename = "local")]
    Local,
    /// UTC (`set-local-rtc no`).
    #[serde(rename = "UTC")]
    Utc,
}

impl Hwclock {
    /// Ansible's word for it.
    fn word(self) -> &'static str {
        match self {
            Hwclock::Local => "local",
            Hwclock::Utc => "UTC",
        }
    }

    /// timedatectl's `RTC in local TZ` value for it.
    fn rtc(self) -> &'static str {
        match self {
            Hwclock::Local => "yes",
            Hwclock::Utc => "no",
        }
    }

    /// The setting timedatectl reports as `RTC in local TZ: VALUE` (read as a boolean).
    fn from_rtc(value: &str) -> Hwclock {
        match value.to_ascii_lowercase().as_str() {
            "yes" | "on" | "1" | "true" | "y" | "t" => Hwclock::Local,
            _ => Hwclock::Utc,
        }
    }
}

impl Module for Timezone {
    const NAME: &'static str = "timezone";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match &a.name {
            None if a.hwclock.is_none() => {
                Err("one of the following is required: hwclock, name".into())
            }
            Some(n) if !is_template(n) && n.split('/').any(|p| p == "..") => {
                Err(format!("name={n} leaves /usr/share/zoneinfo"))
            }
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(timezone(a, ctx))
    }
}

/// sh reading `timedatectl status` into the report keys `PHASE_name` and `PHASE_rtc`.
fn read_status(phase: &str) -> String {
    format!(
        r#"s=$("$t" status 2>&1) || {{ m rc $?; mx stderr "$s"; m cmd "$t status"; exit 0; }}
z=$(printf '%s\n' "$s" | sed -n 's/^[[:space:]]*Time \{{0,1\}}zone[[:space:]]*:[[:space:]]*\([^[:space:]]*\).*/\1/p' | head -n 1)
r=$(printf '%s\n' "$s" | sed -n 's/^[[:space:]]*RTC in local TZ[[:space:]]*:[[:space:]]*\([^[:space:]]*\).*/\1/p' | head -n 1)
m {phase}_name "$z"
m {phase}_rtc "$r"
"#
    )
}

/// The probe: `nosystemd` without a usable timedatectl, `missing` for a zone with no file,
/// else the settings before and the gate set when one of the given ones differs.
fn probe(name: Option<&str>, hwclock: Option<Hwclock>) -> String {
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}n={}
g={}
h={}
t=$(command -v timedatectl) && "$t" >/dev/null 2>&1 || {{ m nosystemd; exit 0; }}
[ "$g" = 0 ] || [ -f "/usr/share/zoneinfo/$n" ] || {{ m missing; exit 0; }}
{}case $r in [Yy][Ee][Ss]|[Oo][Nn]|1|[Tt][Rr][Uu][Ee]|[Yy]|[Tt]) cr=yes ;; *) cr=no ;; esac
if [ -n "$h" ] && [ "$cr" != "$h" ]; then rsible_change=1; fi
if [ "$g" = 1 ] && [ "$z" != "$n" ]; then rsible_change=1; fi
"#,
        quote_str(name.unwrap_or("")),
        u8::from(name.is_some()),
        hwclock.map_or("", Hwclock::rtc),
        read_status("before"),
    )
}

/// The apply: each differing setting through timedatectl (the hardware clock first, as
/// Ansible's module), each command reported as `executed`, then the status read again.
fn apply() -> String {
    format!(
        r#"run() {{
  e=$(mktemp) || exit 1
  o=$("$@" 2>"$e"); c=$?
  x=$(cat "$e"); rm -f "$e"
  if [ "$c" != 0 ]; then m rc "$c"; mx stdout "$o"; mx stderr "$x"; m cmd "$*"; exit 0; fi
  m executed "$*"
}}
if [ -n "$h" ] && [ "$cr" != "$h" ]; then run "$t" set-local-rtc "$h"; fi
if [ "$g" = 1 ] && [ "$z" != "$n" ]; then run "$t" set-timezone "$n"; fi
{}"#,
        read_status("after")
    )
}

/// The given settings as Ansible's module lists them (`hwclock`, then `name`).
fn settings(hwclock: Option<Hwclock>, name: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(h) = hwclock {
        m.insert("hwclock".into(), json!(h.word()));
    }
    if let Some(n) = name {
        m.insert("name".into(), json!(n));
    }
    m
}

/// A dict as Python's `str()` writes it, for Ansible's "still not desired state" message.
fn py_dict(m: &Map<String, Value>) -> String {
    let items: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("'{k}': '{}'", v.as_str().unwrap_or("")))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// `timezone`: one gated program (see the file header).
async fn timezone(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let name = a.name.as_deref();
    let out = ctx
        .gated(
            probe(name, a.hwclock).as_bytes(),
            apply().as_bytes(),
            Vec::new(),
        )
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let r = Report::parse("timezone", &stdout)?;
    let mut o = Output::default();
    let fail = |o: &mut Output, msg: String| {
        o.failed = true;
        o.msg = Some(msg);
    };
    if r.has("nosystemd") {
        fail(
            &mut o,
            "timezone: the target has no usable timedatectl; setting the time zone without \
             systemd is not supported by rsible"
                .into(),
        );
        return Ok(o);
    }
    if r.has("missing") {
        let msg = format!(
            "Error message:\ngiven timezone \"{}\" is not available",
            name.unwrap_or("")
        );
        fail(&mut o, msg);
        return Ok(o);
    }
    let executed: Vec<String> = r
        .all("executed")
        .map(|c| format!("executed `{c}`"))
        .collect();
    if let Some(rc) = r.get("rc") {
        let stderr = r.get("stderr").unwrap_or("");
        fail(&mut o, stderr.trim_end().to_string());
        o.fields
            .insert("rc".into(), json!(rc.parse::<i64>().unwrap_or(1)));
        o.fields
            .insert("stdout".into(), json!(r.get("stdout").unwrap_or("")));
        o.fields.insert("stderr".into(), json!(stderr));
        o.fields
            .insert("cmd".into(), json!(r.get("cmd").unwrap_or("")));
        return Ok(o);
    }
    let phase = |p: &str| -> Option<Map<String, Value>> {
        let z = r.get(&format!("{p}_name"))?;
        let rtc = r.get(&format!("{p}_rtc"))?;
        Some(settings(
            a.hwclock.map(|_| Hwclock::from_rtc(rtc)),
            name.map(|_| z),
        ))
    };
    let before = phase("before").ok_or_else(|| {
        Failure::Failed(format!(
            "timezone: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    let planned = settings(a.hwclock, name);
    let after = match phase("after") {
        Some(after) if after != planned => {
            let mut msg = format!(
                "Error message:\nstill not desired state, though changes have made - planned: {}, after: {}",
                py_dict(&planned),
                py_dict(&after)
            );
            if !executed.is_empty() {
                msg.push_str("\nOther message(s):\n");
                msg.push_str(&executed.join("\n"));
            }
            fail(&mut o, msg);
            return Ok(o);
        }
        Some(after) => after,
        // Nothing applied: unchanged, or check mode, where the planned state stands in.
        None => planned,
    };
    o.changed = before != after;
    let (before, after) = (Value::Object(before), Value::Object(after));
    if ctx.diff {
        o.diffs.push(Diff {
            before_header: String::new(),
            after_header: String::new(),
            before: structured_text(&before),
            after: structured_text(&after),
        });
    }
    o.fields
        .insert("diff".into(), json!({"before": before, "after": after}));
    if !executed.is_empty() {
        o.msg = Some(executed.join("\n"));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<Timezone>(json!({"name": "Asia/Tokyo"})), Ok(true));
        assert_eq!(check::<Timezone>(json!({"rtc": "local"})), Ok(true));
        assert!(check::<Timezone>(json!({"name": "{{ tz }}", "hwclock": "{{ clock }}"})).is_ok());
        assert!(check::<Timezone>(json!({})).is_err());
        assert!(check::<Timezone>(json!({"hwclock": "utc"})).is_err());
        assert!(check::<Timezone>(json!({"name": "../../etc/passwd"})).is_err());
        assert!(check::<Timezone>(json!({"name": "UTC", "zone": "x"})).is_err());
    }

    #[test]
    fn the_clock_reads_as_ansible_reads_it() {
        assert_eq!(Hwclock::from_rtc("yes"), Hwclock::Local);
        assert_eq!(Hwclock::from_rtc("no"), Hwclock::Utc);
        assert_eq!(
            py_dict(&settings(Some(Hwclock::Utc), Some("Asia/Tokyo"))),
            "{'hwclock': 'UTC', 'name': 'Asia/Tokyo'}"
        );
    }

    #[test]
    fn the_probe_quotes_and_changes_nothing() {
        let p = probe(Some("America/New York"), Some(Hwclock::Local));
        assert!(p.contains("n='America/New York'\ng=1\nh=yes\n"), "{p}");
        assert!(p.contains("\"$t\" status"), "{p}");
        assert!(!p.contains("set-"), "the probe changes nothing: {p}");
        assert!(probe(None, Some(Hwclock::Utc)).contains("n=''\ng=0\nh=no\n"));
    }

    #[test]
    fn the_status_is_read_by_sh() {
        let status = "               Local time: Mon 2026-12-07 16:08:45 UTC\n                Time zone: Etc/UTC (UTC, +0000)\n          RTC in local TZ: no\n";
        let script = format!(
            "{MARK_FN}t=fake\nfake() {{ printf '%s' '{status}'; }}\n{}",
            read_status("before").replace("\"$t\" status", "fake")
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("run sh");
        let r = Report::parse("t", &String::from_utf8_lossy(&out.stdout)).expect("report");
        assert_eq!(r.get("before_name"), Some("Etc/UTC"));
        assert_eq!(r.get("before_rtc"), Some("no"));
    }
}
