//! `runtime: docker`: Docker's repository through the `deb822_repository` module
//! (`source: docker-ce`), the packages through `apt` (its cache updated when the repository
//! changed), both run through the registry, then one probe of `/etc/docker/daemon.json`,
//! `docker --version` and the service, and, when the JSON document differs (compared as JSON,
//! not as text) or the service is down, one apply program that writes it and restarts docker
//! (in check mode the framework leaves the apply out). Knows nothing of playbooks.

use super::args::Docker;
use super::containerd::diff;
use super::remote::{Apply, Probe};
use crate::modules::cluster::common::apt_refreshing;
use crate::modules::{registry, Ctx, Failure, Output};
use serde_json::{json, Map, Value};

/// Docker's daemon configuration.
pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";

/// The daemon.json document: the user's, with `exec-opts: ["native.cgroupdriver=systemd"]`
/// added when the user gave no `exec-opts`.
pub fn daemon_json(user: Option<Map<String, Value>>) -> Map<String, Value> {
    let mut m = user.unwrap_or_default();
    m.entry("exec-opts")
        .or_insert_with(|| json!(["native.cgroupdriver=systemd"]));
    m
}

/// The file's text: pretty JSON (sorted keys) and a final newline.
pub fn daemon_text(m: &Map<String, Value>) -> String {
    let mut s = serde_json::to_string_pretty(&Value::Object(m.clone())).unwrap_or_default();
    s.push('\n');
    s
}

/// Whether the file's current text already says `m` (same JSON, whatever the layout).
pub fn same_document(current: &str, m: &Map<String, Value>) -> bool {
    serde_json::from_str::<Value>(current).is_ok_and(|v| v == Value::Object(m.clone()))
}

/// deb822_repository arguments for Docker's Debian repository: the user's, over defaults.
/// `suites` (the Debian codename) must be given.
pub fn repository(user: Option<Map<String, Value>>) -> Result<Map<String, Value>, String> {
    let mut m = Map::new();
    m.insert("name".into(), json!("docker"));
    m.insert("types".into(), json!(["deb"]));
    m.insert(
        "uris".into(),
        json!(["https://download.docker.com/linux/debian"]),
    );
    m.insert("components".into(), json!(["stable"]));
    m.insert(
        "signed_by".into(),
        json!("https://download.docker.com/linux/debian/gpg"),
    );
    m.extend(user.unwrap_or_default());
    if !m.contains_key("suites") {
        return Err(
            "source: docker-ce needs repository.suites (the Debian codename, e.g. \
             \"{{ ansible_distribution_release }}\")"
                .into(),
        );
    }
    Ok(m)
}

/// Installs Docker and writes daemon.json as `w` says.
pub async fn run(w: &Docker, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let mut o = Output::default();
    let mut update = w.update_cache;
    if let Some(repo) = &w.repository {
        let out = registry::run("deb822_repository", repo, ctx).await?;
        if out.failed {
            return Ok(out);
        }
        o.changed |= out.changed;
        update |= out.changed;
        o.diffs.extend(out.diffs);
    }
    let mut a = Map::new();
    a.insert("name".into(), json!(w.packages));
    a.insert("state".into(), json!("present"));
    a.insert("update_cache".into(), json!(update));
    let out = apt_refreshing(a, ctx).await?;
    if out.failed {
        return Ok(out);
    }
    o.changed |= out.changed;
    let rec = Probe::new()
        .cmd("version", "docker --version")
        .cmd("active", "systemctl is-active docker")
        .cmd("enabled", "systemctl is-enabled docker")
        .file(DAEMON_JSON)
        .run(ctx, "docker")
        .await?;
    let current = rec.get(DAEMON_JSON).cloned().flatten();
    let text = daemon_text(&w.daemon_json);
    let mut apply = Apply {
        unit: "docker".into(),
        ..Apply::default()
    };
    if !current
        .as_deref()
        .is_some_and(|c| same_document(c, &w.daemon_json))
    {
        if ctx.diff {
            o.diffs
                .push(diff(DAEMON_JSON, current.as_deref(), Some(&text)));
        }
        apply.write.push((DAEMON_JSON.into(), 0o644, text));
        apply.restart = true;
    }
    let up = |k: &str, v: &str| rec.get(k).cloned().flatten().is_some_and(|s| s.trim() == v);
    let service_ok = up("active", "active") && up("enabled", "enabled");
    o.changed |= apply.restart || !service_ok;
    let mut restarted = false;
    if apply.restart || !service_ok {
        restarted = apply.run(ctx).await?;
    }
    let version = rec.get("version").cloned().flatten().unwrap_or_default();
    o.fields.insert("restarted".into(), json!(restarted));
    o.fields.insert("config".into(), json!(DAEMON_JSON));
    o.fields.insert("version".into(), json!(version.trim()));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cgroup_driver_is_systemd() {
        let m = daemon_json(None);
        assert_eq!(m["exec-opts"], json!(["native.cgroupdriver=systemd"]));
        let mut u = Map::new();
        u.insert("exec-opts".into(), json!([]));
        u.insert("log-driver".into(), json!("journald"));
        let m = daemon_json(Some(u));
        assert_eq!(m["exec-opts"], json!([]));
        assert_eq!(m["log-driver"], json!("journald"));
    }

    #[test]
    fn documents_compare_as_json() {
        let m = daemon_json(None);
        assert!(same_document(
            "{\"exec-opts\":[\"native.cgroupdriver=systemd\"]}",
            &m
        ));
        assert!(same_document(&daemon_text(&m), &m));
        assert!(!same_document("{}", &m));
        assert!(!same_document("not json", &m));
        assert!(daemon_text(&m).ends_with("}\n"));
    }

    #[test]
    fn repository_defaults_and_suites() {
        assert!(repository(None).unwrap_err().contains("suites"));
        let mut u = Map::new();
        u.insert("suites".into(), json!(["bookworm"]));
        let r = repository(Some(u)).unwrap();
        assert_eq!(r["name"], json!("docker"));
        assert_eq!(r["components"], json!(["stable"]));
    }
}
