//! `runtime: containerd`: installs it (Debian packages through the `apt` module, run through
//! the registry, or a release through [`super::release`]), then one probe reads `containerd
//! --version`, `containerd config default`, the current config.toml, crictl.yaml, the managed
//! `certs.d` files, the service state and which of the wanted packages dpkg has installed; the
//! wanted files are computed on the controller ([`super::config`]) and, when any differs or
//! the service is down, one apply program writes them and restarts containerd (in check mode
//! the framework leaves the apply out). Knows nothing of playbooks.

use super::args::{Containerd, Source};
use super::config::{self, CERTS_D, MANAGED};
use super::release;
use super::remote::{Apply, Probe};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::cluster::common::apt_refreshing;
use crate::modules::{Ctx, Failure, Output};
use serde_json::{json, Map};

/// Where containerd reads its configuration.
pub const CONFIG: &str = "/etc/containerd/config.toml";
/// crictl's configuration.
const CRICTL: &str = "/etc/crictl.yaml";

/// The probe of everything this runtime manages.
fn probe() -> Probe {
    Probe::new()
        .cmd("version", "containerd --version")
        .cmd("default", "containerd config default")
        .cmd("active", "systemctl is-active containerd")
        .cmd("enabled", "systemctl is-enabled containerd")
        .file(CONFIG)
        .file(CRICTL)
        .file(release::MARKER)
        .file(release::UNIT)
        .glob(&format!("{CERTS_D}/*/hosts.toml"))
}

/// The record of the probe that lists the wanted packages dpkg has not installed.
const NOT_INSTALLED: &str = "not-installed";

/// Installs and configures containerd as `w` says.
pub async fn run(w: &Containerd, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let mut o = Output::default();
    let mut rec = match &w.source {
        Source::Packages(pkgs) => {
            let mut a = Map::new();
            a.insert("name".into(), json!(pkgs));
            a.insert("state".into(), json!("present"));
            a.insert("update_cache".into(), json!(w.update_cache));
            let out = apt_refreshing(a, ctx).await?;
            if out.failed {
                return Ok(out);
            }
            o.changed |= out.changed;
            probe()
                .cmd(NOT_INSTALLED, &not_installed(pkgs))
                .run(ctx, "containerd")
                .await?
        }
        Source::Release(r) => {
            let rec = probe().run(ctx, "containerd").await?;
            let todo = release::plan(r, &rec)?;
            if todo.is_empty() {
                rec
            } else {
                o.changed = true;
                if !release::install(&todo, &rec, ctx).await? {
                    // Nothing was sent (check mode): the rest depends on the install.
                    o.msg = Some(format!(
                        "the containerd release would be installed ({})",
                        todo.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
                    ));
                    return Ok(o);
                }
                probe().run(ctx, "containerd").await?
            }
        }
    };
    let Some(default) = rec.remove("default").flatten() else {
        // apt reported the install and dpkg does not have the packages yet: the install is
        // still to come (check mode), and so is containerd's default configuration.
        let pending = rec
            .get(NOT_INSTALLED)
            .cloned()
            .flatten()
            .is_some_and(|p| !p.trim().is_empty());
        if o.changed && pending {
            o.msg = Some("containerd would be installed".into());
            return Ok(o);
        }
        return Err(Failure::Failed(
            "container_runtime: `containerd config default` failed on the host (is containerd \
             installed?)"
                .into(),
        ));
    };
    let version = rec.get("version").cloned().flatten().unwrap_or_default();
    let wanted = wanted_files(w, &default).map_err(Failure::Failed)?;
    let mut apply = Apply {
        unit: "containerd".into(),
        ..Apply::default()
    };
    for (path, content) in &wanted {
        let before = rec.get(path).cloned().flatten();
        if before.as_deref() != Some(content.as_str()) {
            if ctx.diff {
                o.diffs.push(diff(path, before.as_deref(), Some(content)));
            }
            apply.daemon_reload |= path == release::UNIT;
            apply.write.push((path.clone(), 0o644, content.clone()));
        }
    }
    for (path, text) in &rec {
        let stale = path.starts_with(CERTS_D)
            && !wanted.contains_key(path)
            && text.as_deref().is_some_and(|t| t.starts_with(MANAGED));
        if stale {
            if ctx.diff {
                o.diffs.push(diff(path, text.as_deref(), None));
            }
            apply.remove.push(path.clone());
        }
    }
    apply.restart = !apply.write.is_empty() || !apply.remove.is_empty();
    let active = rec
        .get("active")
        .cloned()
        .flatten()
        .map(|s| s.trim() == "active");
    let enabled = rec
        .get("enabled")
        .cloned()
        .flatten()
        .map(|s| s.trim() == "enabled");
    let service_ok = active == Some(true) && enabled == Some(true);
    o.changed |= apply.restart || !service_ok;
    let mut restarted = false;
    if apply.restart || !service_ok {
        restarted = apply.run(ctx).await?;
    }
    o.fields.insert("restarted".into(), json!(restarted));
    o.fields.insert("config".into(), json!(CONFIG));
    o.fields.insert("version".into(), json!(version.trim()));
    Ok(o)
}

/// The sh that prints the names among `pkgs` (`name` or `name=version`) that dpkg has not
/// installed.
fn not_installed(pkgs: &[String]) -> String {
    let names: Vec<String> = pkgs
        .iter()
        .map(|p| quote_str(p.split('=').next().unwrap_or(p)))
        .collect();
    format!(
        "for p in {}; do dpkg-query -W -f '${{db:Status-Abbrev}}' -- \"$p\" 2>/dev/null | grep -q '^ii' || echo \"$p\"; done",
        names.join(" ")
    )
}

/// Path -> wanted content of every file this runtime manages.
fn wanted_files(
    w: &Containerd,
    default: &str,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut files = config::mirror_files(&w.mirrors);
    files.insert(CONFIG.into(), config::render(default, &w.settings)?);
    if w.crictl {
        files.insert(CRICTL.into(), config::crictl_yaml());
    }
    if matches!(w.source, Source::Release(_)) {
        files.insert(release::UNIT.into(), release::unit());
    }
    Ok(files)
}

/// A `--diff` entry for `path` (`None`: absent).
pub fn diff(path: &str, before: Option<&str>, after: Option<&str>) -> Diff {
    Diff {
        before_header: if before.is_some() {
            path.to_string()
        } else {
            "/dev/null".into()
        },
        after_header: if after.is_some() {
            path.to_string()
        } else {
            "/dev/null".into()
        },
        before: before.unwrap_or_default().to_string(),
        after: after.unwrap_or_default().to_string(),
    }
}
