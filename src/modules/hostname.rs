//! `hostname`: the host's name, both persistent and running. One remote program: with
//! `use: systemd` (the default when the target runs systemd) it compares the static and
//! transient names of `hostnamectl` and sets both; otherwise (`debian`, `generic`, ... or no
//! systemd) it compares `/etc/hostname` and `hostname`, writes the file (temp file and
//! `mv`) and runs `hostname NAME`. Check mode reports without changing. Returns Ansible's
//! `ansible_facts` (`ansible_hostname`, `ansible_nodename`). Knows nothing of playbooks.

use super::args::{self, de_opt_string};
use super::{Ctx, Failure, Output};
use crate::connection::quote::quote_str;
use crate::output::event::Diff;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `hostname` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, rename = "use", deserialize_with = "de_opt_string")]
    use_: Option<String>,
}

/// Strategies Ansible names that edit `/etc/hostname` (rsible treats them alike).
const FILE_STRATEGIES: &[&str] = &["debian", "generic", "alpine", "redhat", "sles", "openrc"];

/// The checked request: the name and whether to force systemd (`Some(true)`), the file
/// (`Some(false)`) or probe (`None`).
fn want(a: Args) -> Result<(String, Option<bool>), String> {
    let name = a
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or("missing required arguments: name (hostname)")?;
    if name.len() > 253
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
        return Err(format!("hostname: {name:?} is not a valid host name"));
    }
    let strategy = match a.use_.as_deref() {
        None => None,
        Some("systemd") => Some(true),
        Some(s) if FILE_STRATEGIES.contains(&s) => Some(false),
        Some(s) => {
            return Err(format!(
                "hostname: use={s} is not supported by rsible (systemd, {})",
                FILE_STRATEGIES.join(", ")
            ))
        }
    };
    Ok((name, strategy))
}

/// The program: prints `B before-static before-running`, then `C` when it changed (or
/// would), or `F message`.
fn program(name: &str, systemd: Option<bool>, check: bool) -> String {
    let probe = match systemd {
        Some(true) => "true",
        Some(false) => "false",
        None => "[ -d /run/systemd/system ] && command -v hostnamectl >/dev/null 2>&1",
    };
    format!(
        r#"LC_ALL=C; export LC_ALL
n={}
ck={}
fail() {{ printf 'F %s\n' "$*"; exit 0; }}
run=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
if {probe}; then
  st=$(hostnamectl --static 2>/dev/null) || st=$(hostnamectl hostname --static 2>/dev/null) || fail "hostnamectl cannot read the static host name"
  printf 'B %s %s\n' "$st" "$run"
  if [ "$st" != "$n" ] || [ "$run" != "$n" ]; then
    if [ "$ck" = 0 ]; then e=$(hostnamectl set-hostname -- "$n" 2>&1) || fail "Command failed: hostnamectl set-hostname $n: $e"; fi
    echo C
  fi
else
  st=$(sed -n '/^[^#]/{{p;q;}}' /etc/hostname 2>/dev/null)
  printf 'B %s %s\n' "$st" "$run"
  if [ "$st" != "$n" ] || [ "$run" != "$n" ]; then
    if [ "$ck" = 0 ]; then
      if [ "$st" != "$n" ]; then
        t=$(mktemp /etc/.hostname.XXXXXX) && printf '%s\n' "$n" >"$t" && chmod 644 "$t" && mv -f "$t" /etc/hostname || fail "cannot write /etc/hostname"
      fi
      if [ "$run" != "$n" ]; then e=$(hostname -- "$n" 2>&1) || fail "Command failed: hostname $n: $e"; fi
    fi
    echo C
  fi
fi
"#,
        quote_str(name),
        if check { 1 } else { 0 },
    )
}

/// `hostname`: one remote program (see the file header).
pub async fn hostname(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("hostname", a).map_err(Failure::BadArgs)?;
    let (name, systemd) = want(args).map_err(Failure::BadArgs)?;
    let out = ctx
        .exec(program(&name, systemd, ctx.check).into_bytes(), Vec::new())
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut o = Output::default();
    if let Some(f) = stdout.lines().find_map(|l| l.strip_prefix("F ")) {
        o.failed = true;
        o.msg = Some(f.to_string());
        return Ok(o);
    }
    let before = stdout
        .lines()
        .find_map(|l| l.strip_prefix("B "))
        .ok_or_else(|| {
            Failure::Failed(format!(
                "hostname: the remote program failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })?;
    o.changed = stdout.lines().any(|l| l == "C");
    if ctx.diff && o.changed {
        let (st, run) = before.split_once(' ').unwrap_or((before, ""));
        o.diffs.push(Diff {
            before_header: "hostname".into(),
            after_header: "hostname".into(),
            before: format!("hostname = {st}\nrunning = {run}\n"),
            after: format!("hostname = {name}\nrunning = {name}\n"),
        });
    }
    let short = name.split('.').next().unwrap_or(&name).to_string();
    o.fields.insert(
        "ansible_facts".into(),
        json!({"ansible_hostname": short, "ansible_nodename": name}),
    );
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<(String, Option<bool>), String> {
        want(args::parse("hostname", v.as_object().expect("obj"))?)
    }

    #[test]
    fn arguments() {
        assert_eq!(parse(json!({"name": "web1"})), Ok(("web1".into(), None)));
        assert_eq!(
            parse(json!({"name": "a.b", "use": "debian"})),
            Ok(("a.b".into(), Some(false)))
        );
        assert!(parse(json!({"name": "bad name"})).is_err());
        assert!(parse(json!({"name": "x", "use": "freebsd"})).is_err());
        assert!(parse(json!({"use": "systemd"})).is_err());
    }

    #[test]
    fn program_quotes_and_probes() {
        let p = program("web-1", None, true);
        assert!(p.contains("n=web-1\nck=1\n"), "{p}");
        assert!(program("a b", None, true).contains("n='a b'\n"));
        assert!(p.contains("command -v hostnamectl"), "{p}");
        assert!(program("x", Some(false), false).contains("if false; then"));
    }
}
