//! `hostname`: the host's name, both persistent and running. One remote program: with
//! `use: systemd` (the default when the target runs systemd) it compares the static and
//! transient names of `hostnamectl` and sets both; otherwise (`debian`, `generic`, ... or no
//! systemd) it compares `/etc/hostname` and `hostname`, writes the file (temp file and
//! the atomic writer) and runs `hostname NAME`. Probe and apply are one gated program; it
//! answers in the report format (`framework::report`). Returns Ansible's `ansible_facts`
//! (`ansible_hostname`, `ansible_nodename`). Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::connection::ExecOutput;
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `hostname` in the registry.
pub const SPEC: Spec = spec::<Hostname>(B, &[]);

/// The `hostname` module.
pub struct Hostname;

/// Arguments of `hostname` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    #[serde(default, rename = "use", deserialize_with = "de_opt_string")]
    use_: Option<String>,
}

/// Strategies Ansible names that edit `/etc/hostname` (rsible treats them alike).
const FILE_STRATEGIES: &[&str] = &["debian", "generic", "alpine", "redhat", "sles", "openrc"];

impl Module for Hostname {
    const NAME: &'static str = "hostname";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let name = a.name.trim();
        if name.is_empty() {
            return Err("missing required arguments: name".into());
        }
        if !is_template(name)
            && (name.len() > 253
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
        {
            return Err(format!("{name:?} is not a valid host name"));
        }
        strategy(a).map(|_| ())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(hostname(a, ctx))
    }
}

/// Whether to force systemd (`Some(true)`), the file (`Some(false)`) or probe (`None`).
fn strategy(a: &Args) -> Result<Option<bool>, String> {
    Ok(match a.use_.as_deref() {
        None => None,
        Some(s) if is_template(s) => None,
        Some("systemd") => Some(true),
        Some(s) if FILE_STRATEGIES.contains(&s) => Some(false),
        Some(s) => {
            return Err(format!(
                "use={s} is not supported by rsible (systemd, {})",
                FILE_STRATEGIES.join(", ")
            ))
        }
    })
}

/// The probe: reports `static` and `running` (the names before), then `change` when either
/// differs (or `fail`, encoded), and leaves `sd` (systemd or not), `st` and `run` for the
/// apply.
fn probe(name: &str, systemd: Option<bool>) -> String {
    let probe = match systemd {
        Some(true) => "true",
        Some(false) => "false",
        None => "[ -d /run/systemd/system ] && command -v hostnamectl >/dev/null 2>&1",
    };
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}n={}
fail() {{ mx fail "$*"; exit 0; }}
run=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
if {probe}; then
  sd=1
  st=$(hostnamectl --static 2>/dev/null) || st=$(hostnamectl hostname --static 2>/dev/null) || fail "hostnamectl cannot read the static host name"
else
  sd=0
  st=$(sed -n '/^[^#]/{{p;q;}}' /etc/hostname 2>/dev/null)
fi
m static "$st"
m running "$run"
if [ "$st" != "$n" ] || [ "$run" != "$n" ]; then m change; rsible_change=1; fi
"#,
        quote_str(name),
    )
}

/// The apply, after the probe in the same program: `hostnamectl`, or `/etc/hostname`
/// through the atomic writer (its content on stdin) and `hostname NAME`.
fn apply(write_file: &[u8]) -> Vec<u8> {
    let mut s = br#"if [ "$sd" = 1 ]; then
  e=$(hostnamectl set-hostname -- "$n" 2>&1) || fail "Command failed: hostnamectl set-hostname $n: $e"
else
  if [ "$st" != "$n" ]; then
    e=$("#
        .to_vec();
    s.extend_from_slice(write_file);
    s.extend_from_slice(
        br#" 2>&1) || fail "cannot write /etc/hostname: $e"
  fi
  if [ "$run" != "$n" ]; then e=$(hostname -- "$n" 2>&1) || fail "Command failed: hostname $n: $e"; fi
fi
"#,
    );
    s
}

/// `hostname`: one remote program (see the file header).
async fn hostname(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let systemd = strategy(&args).map_err(Failure::BadArgs)?;
    let name = args.name.trim().to_string();
    let opts = WriteOpts {
        mode: Some(0o644),
        ..WriteOpts::default()
    };
    let (write_file, content) =
        write::inline("/etc/hostname", format!("{name}\n").as_bytes(), &opts)
            .map_err(Failure::Failed)?;
    let out = ctx
        .gated(
            probe(&name, systemd).as_bytes(),
            &apply(&write_file),
            content,
        )
        .await?;
    result(&name, &out, ctx.diff)
}

/// The module's result from the program's output `out` (setting `name`; with a diff when
/// `diff`). A malformed report is a failure naming the module.
fn result(name: &str, out: &ExecOutput, diff: bool) -> Result<Output, Failure> {
    let r = Report::parse("hostname", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    if let Some(f) = r.get("fail") {
        o.failed = true;
        o.msg = Some(f.to_string());
        return Ok(o);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "hostname: the remote program failed (exit code {}): {}",
            out.status.rc(),
            stderr.trim()
        )));
    }
    let (Some(st), Some(run)) = (r.get("static"), r.get("running")) else {
        return Err(Failure::Failed(format!(
            "hostname: the remote program failed: {}",
            stderr.trim()
        )));
    };
    o.changed = r.has("change");
    if diff && o.changed {
        o.diffs.push(Diff {
            before_header: "hostname".into(),
            after_header: "hostname".into(),
            before: format!("hostname = {st}\nrunning = {run}\n"),
            after: format!("hostname = {name}\nrunning = {name}\n"),
        });
    }
    let short = name.split('.').next().unwrap_or(name).to_string();
    o.fields.insert(
        "ansible_facts".into(),
        json!({"ansible_hostname": short, "ansible_nodename": name}),
    );
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<Hostname>(json!({"name": "web1"})), Ok(true));
        assert_eq!(
            check::<Hostname>(json!({"name": "a.b", "use": "debian"})),
            Ok(true)
        );
        assert_eq!(
            check::<Hostname>(json!({"name": "{{ inventory_hostname }}"})),
            Ok(true)
        );
        assert!(check::<Hostname>(json!({"name": "bad name"})).is_err());
        assert!(check::<Hostname>(json!({"name": "x", "use": "freebsd"})).is_err());
        assert!(check::<Hostname>(json!({"use": "systemd"})).is_err());
        assert!(check::<Hostname>(json!({"name": "x", "nmae": "y"})).is_err());
    }

    #[test]
    fn program_quotes_and_probes() {
        let p = probe("web-1", None);
        assert!(p.contains("n=web-1\n"), "{p}");
        assert!(probe("a b", None).contains("n='a b'\n"));
        assert!(p.contains("command -v hostnamectl"), "{p}");
        assert!(probe("x", Some(false)).contains("if false; then"));
        assert!(
            !p.contains("set-hostname"),
            "the probe changes nothing: {p}"
        );
    }

    #[test]
    fn the_report_becomes_the_result() {
        let o = result(
            "web.lab",
            &ExecOutput::exited("@@rsible static old\n@@rsible running x\n@@rsible change\n"),
            true,
        )
        .unwrap();
        assert!(o.changed && !o.failed);
        assert_eq!(o.diffs[0].before, "hostname = old\nrunning = x\n");
        assert_eq!(o.diffs[0].after, "hostname = web.lab\nrunning = web.lab\n");
        assert_eq!(o.fields["ansible_facts"]["ansible_hostname"], "web");
        let o = result(
            "w",
            &ExecOutput::exited("@@rsible static w\n@@rsible running w\n"),
            true,
        )
        .unwrap();
        assert!(!o.changed && o.diffs.is_empty());
        let o = result(
            "w",
            &ExecOutput::exited("@@rsible fail:x 6e6f0a6e6f\n"),
            false,
        )
        .unwrap();
        assert!(o.failed && o.msg.as_deref() == Some("no\nno"));
        for bad in ["@@rsible fail:x 6\n", "@@rsible static w\n"] {
            let e = result("w", &ExecOutput::exited(bad), false).unwrap_err();
            assert!(
                matches!(&e, Failure::Failed(m) if m.starts_with("hostname: ")),
                "{e:?}"
            );
        }
    }

    /// The file strategy's probe, run by sh here, reports what the parser reads.
    #[test]
    fn the_probe_reports_in_the_one_format() {
        let p = format!("{}exit 0\n", probe("rsible-test-name", Some(false)));
        let out = std::process::Command::new("sh")
            .args(["-c", &p])
            .output()
            .expect("sh");
        let r = Report::parse("hostname", &String::from_utf8_lossy(&out.stdout)).unwrap();
        assert!(
            r.has("static") && r.has("running") && r.has("change"),
            "{r:?}"
        );
        assert_eq!(r.rest(), "");
    }
}
