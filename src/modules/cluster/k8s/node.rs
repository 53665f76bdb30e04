//! `kubernetes_node`: a Debian host prepared for kubeadm. Composed from the system modules'
//! entry points, in this order (each one remote program unless noted):
//! 1. a probe: container detection (`systemd-detect-virt -c`) and `swapoff -a` when
//!    `/proc/swaps` lists active swap;
//! 2. `replace` on `/etc/fstab`: swap entries commented out (two round trips when it edits);
//! 3. `modprobe` of `overlay` and `br_netfilter` (one each, when `load_modules`);
//! 4. `copy` of `/etc/modules-load.d/k8s.conf` and `/etc/sysctl.d/k8s.conf` (one each, two
//!    when it writes);
//! 5. the sysctl values applied where they differ and can be set;
//! 6. `deb822_repository` `kubernetes` (key downloaded into `/etc/apt/keyrings`);
//! 7. `apt` of kubelet, kubeadm, kubectl at `package_version` (the cache updated when the
//!    repository changed or is older than an hour; once more with a fresh cache when the
//!    version is not known yet);
//! 8. `dpkg_selections` hold of each (three, when `hold`);
//! 9. `systemd` kubelet enabled (kubelet crash-looping until kubeadm runs is expected).
//!
//! So about 14 round trips per host, fewer than a hand-written play of the same steps needs
//! tasks. Inside a container (the probe says so) a kernel module that cannot be loaded, swap
//! that cannot be turned off and a sysctl that cannot be set are warnings, not failures; on
//! a real host they fail the task. Knows nothing of playbooks; arguments arrive templated.

use super::{map, Steps};
use crate::connection::quote::quote_str;
use crate::modules::files::copy;
use crate::modules::framework::args::{self, de_bool, de_opt_string};
use crate::modules::packages as pkg;
use crate::modules::packages::common::{split_output, valid_version, MARK_FN};
use crate::modules::services::systemd;
use crate::modules::system::modprobe;
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn yes() -> bool {
    true
}

/// Arguments of `kubernetes_node`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    /// The Kubernetes minor version whose repository is used (`1.31`).
    #[serde(deserialize_with = "de_version")]
    version: String,
    /// The Debian version of kubelet/kubeadm/kubectl (`1.31.2-1.1`); the candidate if unset.
    #[serde(default, deserialize_with = "de_opt_string")]
    package_version: Option<String>,
    /// The repository URL (a mirror or a local repository).
    #[serde(default, deserialize_with = "de_opt_string")]
    repo_url: Option<String>,
    /// The signing key's URL (`<repo_url>Release.key` by default).
    #[serde(default, deserialize_with = "de_opt_string")]
    key_url: Option<String>,
    /// Load `overlay` and `br_netfilter` now (they are persisted either way).
    #[serde(default = "yes", deserialize_with = "de_bool")]
    load_modules: bool,
    /// Hold the packages (`dpkg --set-selections`).
    #[serde(default = "yes", deserialize_with = "de_bool")]
    hold: bool,
}

/// A minor version written as a number in YAML (`1.31`) stays text; `1.3` is refused later.
fn de_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(de_opt_string(d)?.unwrap_or_default())
}

/// The checked request.
#[derive(Debug, PartialEq, Eq)]
struct Want {
    minor: String,
    package_version: Option<String>,
    repo_url: String,
    key_url: String,
    load_modules: bool,
    hold: bool,
}

/// The kernel modules Kubernetes needs.
const MODULES: [&str; 2] = ["overlay", "br_netfilter"];
/// The packages installed and held.
const PACKAGES: [&str; 3] = ["kubelet", "kubeadm", "kubectl"];
/// The sysctl settings, as written in `/etc/sysctl.d/k8s.conf`.
const SYSCTL: [(&str, &str); 3] = [
    ("net.bridge.bridge-nf-call-iptables", "1"),
    ("net.bridge.bridge-nf-call-ip6tables", "1"),
    ("net.ipv4.ip_forward", "1"),
];
/// Where the modules are persisted.
const MODULES_FILE: &str = "/etc/modules-load.d/k8s.conf";
/// Where the sysctl settings are persisted.
const SYSCTL_FILE: &str = "/etc/sysctl.d/k8s.conf";

fn want(a: Args) -> Result<Want, String> {
    let minor = a.version.trim().trim_start_matches('v').to_string();
    let ok = minor.split('.').count() == 2
        && minor
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err(format!(
            "kubernetes_node: version must be a Kubernetes minor version such as 1.31, got: '{}'",
            a.version
        ));
    }
    if let Some(v) = &a.package_version {
        if !valid_version(v) {
            return Err(format!(
                "kubernetes_node: package_version '{v}' is not a Debian package version"
            ));
        }
    }
    let repo_url = a
        .repo_url
        .unwrap_or_else(|| format!("https://pkgs.k8s.io/core:/stable:/v{minor}/deb/"));
    if repo_url.trim().is_empty() || repo_url.contains(char::is_whitespace) {
        return Err(format!(
            "kubernetes_node: repo_url '{repo_url}' is not a URL"
        ));
    }
    let key_url = a
        .key_url
        .unwrap_or_else(|| format!("{}/Release.key", repo_url.trim_end_matches('/')));
    if !key_url.contains("://") {
        return Err(format!("kubernetes_node: key_url '{key_url}' is not a URL"));
    }
    Ok(Want {
        minor,
        package_version: a.package_version,
        repo_url,
        key_url,
        load_modules: a.load_modules,
        hold: a.hold,
    })
}

/// The probe: `virt NAME` (`none` on a machine that is not a container), `swap on` when
/// swap is active, `swapoff_failed MSG` when turning it off failed.
fn probe(check: bool) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         v=$(systemd-detect-virt -c 2>/dev/null) || v=none\nm virt \"${{v:-none}}\"\n\
         if [ -r /proc/swaps ] && [ \"$(wc -l </proc/swaps)\" -gt 1 ]; then\n  m swap on\n\
         \x20 if [ {} = 0 ]; then e=$(swapoff -a 2>&1) || m swapoff_failed \"$e\"; fi\nfi\n",
        u8::from(check)
    )
}

/// The sysctl apply program: `set KEY` per value set (or that would be), `cannot KEY MSG`
/// per value that cannot be set.
fn apply_sysctl(check: bool) -> String {
    let mut s = format!("LC_ALL=C; export LC_ALL\n{MARK_FN}");
    for (k, v) in SYSCTL {
        s.push_str(&format!(
            "k={}; v={}; p=/proc/sys/$(printf '%s' \"$k\" | tr . /)\n\
             if [ ! -e \"$p\" ]; then m cannot \"$k\" \"$p does not exist\"\n\
             elif [ \"$(cat \"$p\" 2>/dev/null)\" != \"$v\" ]; then\n\
             \x20 if [ {} = 1 ]; then m set \"$k\"\n\
             \x20 elif e=$(sysctl -w \"$k=$v\" 2>&1); then m set \"$k\"\n\
             \x20 else m cannot \"$k\" \"$e\"; fi\nfi\n",
            quote_str(k),
            quote_str(v),
            u8::from(check)
        ));
    }
    s
}

fn sysctl_text() -> String {
    SYSCTL.iter().map(|(k, v)| format!("{k} = {v}\n")).collect()
}

/// Runs a script and returns its marker lines; a non-zero exit fails with `what`.
async fn marks(
    ctx: &Ctx<'_>,
    script: String,
    what: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let out = ctx.exec(script.into_bytes(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "kubernetes_node: {what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(split_output(&String::from_utf8_lossy(&out.stdout)).0)
}

/// `kubernetes_node`: see the file header for the steps and round trips. Returns
/// `changed_steps`, `container`, `kubernetes_version`, `package_version`, `repo_url`.
pub async fn kubernetes_node(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("kubernetes_node", a).map_err(Failure::BadArgs)?;
    let w = want(args).map_err(Failure::BadArgs)?;
    let mut s = Steps::default();
    let container = run(&w, ctx, &mut s).await?;
    Ok(s.finish(map(json!({
        "container": container,
        "kubernetes_version": w.minor,
        "package_version": w.package_version,
        "repo_url": w.repo_url,
    }))))
}

/// The steps, stopping at the first that fails (`s` keeps the failure); returns the kind of
/// container the host is, if it is one.
async fn run(w: &Want, ctx: &Ctx<'_>, s: &mut Steps) -> Result<Option<String>, Failure> {
    // 1. Container detection and swap off now.
    let mut container = None;
    let mut swap_on = false;
    let mut swap_err = None;
    for (k, v) in marks(ctx, probe(ctx.check), "probing the host").await? {
        match k.as_str() {
            "virt" if v != "none" => container = Some(v),
            "swap" => swap_on = true,
            "swapoff_failed" => swap_err = Some(v),
            _ => {}
        }
    }
    let c = container.as_deref();
    if swap_on {
        match swap_err {
            None => s.changed("swapoff"),
            Some(e) => {
                if !s.tolerate_in_container(format!("swapoff -a failed: {e}"), c) {
                    return Ok(container);
                }
            }
        }
    }
    // 2. Swap off for good: fstab entries of type swap commented out.
    let fstab = crate::modules::registry::run(
        "replace",
        &map(json!({
            "path": "/etc/fstab",
            "regexp": r"^(\s*[^#\s]\S*\s+\S+\s+swap(?:\s.*)?)$",
            "replace": r"# \1",
        })),
        ctx,
    )
    .await?;
    if !s.add("fstab", fstab) {
        return Ok(container);
    }
    // 3. Kernel modules loaded now (when asked); they are persisted below either way.
    if w.load_modules {
        for m in MODULES {
            let o = modprobe::modprobe(&map(json!({"name": m, "state": "present"})), ctx).await?;
            if o.failed {
                let msg = o.msg.clone().unwrap_or_default();
                if !s.tolerate_in_container(format!("kernel module {m} not loaded: {msg}"), c) {
                    return Ok(container);
                }
            } else if !s.add(&format!("modprobe {m}"), o) {
                return Ok(container);
            }
        }
    }
    // 4. The modules and the sysctl settings persisted.
    let files = [
        (MODULES_FILE, MODULES.join("\n") + "\n"),
        (SYSCTL_FILE, sysctl_text()),
    ];
    for (path, text) in files {
        let o = copy::copy(
            &map(json!({"dest": path, "content": text, "mode": "0644", "owner": "root", "group": "root"})),
            ctx,
        )
        .await?;
        if !s.add(path, o) {
            return Ok(container);
        }
    }
    // 5. The sysctl values applied where they can be.
    for (k, v) in marks(ctx, apply_sysctl(ctx.check), "applying the sysctl settings").await? {
        match k.as_str() {
            "set" => s.changed(&format!("sysctl {v}")),
            "cannot" => {
                let (key, why) = v.split_once(' ').unwrap_or((&v, ""));
                let what = format!("sysctl {key} cannot be set now: {why}");
                if !s.tolerate_in_container(what, c) {
                    return Ok(container);
                }
            }
            _ => {}
        }
    }
    // 6. The Kubernetes apt repository and its key.
    let repo = pkg::deb822_repository::deb822_repository(
        &map(json!({
            "name": "kubernetes",
            "types": "deb",
            "uris": w.repo_url,
            "suites": "/",
            "signed_by": w.key_url,
        })),
        ctx,
    )
    .await?;
    if !s.add("repository", repo) {
        return Ok(container);
    }
    let repo_changed = s.did_change("repository");
    if ctx.check && repo_changed {
        // apt would not know the packages before the repository exists.
        s.changed("packages");
        return Ok(container);
    }
    // 7. The packages at the pinned version.
    let names: Vec<String> = PACKAGES
        .iter()
        .map(|p| match &w.package_version {
            Some(v) => format!("{p}={v}"),
            None => p.to_string(),
        })
        .collect();
    let mut apt_args = map(json!({
        "name": names,
        "state": "present",
        "allow_change_held_packages": true,
        "allow_downgrade": true,
    }));
    if repo_changed {
        apt_args.insert("update_cache".into(), json!(true));
    } else {
        apt_args.insert("cache_valid_time".into(), json!(3600));
    }
    // A version published within the cache's hour is found with a fresh cache.
    let apt = pkg::apt::apt_refreshing(apt_args, ctx).await?;
    if !s.add("packages", apt) {
        return Ok(container);
    }
    // 8. Held.
    if w.hold {
        for p in PACKAGES {
            let o = pkg::dpkg_selections::dpkg_selections(
                &map(json!({"name": p, "selection": "hold"})),
                ctx,
            )
            .await?;
            if !s.add(&format!("hold {p}"), o) {
                return Ok(container);
            }
        }
    }
    // 9. kubelet enabled; it crash-loops until kubeadm init or join configures it.
    let o = systemd::systemd(&map(json!({"name": "kubelet", "enabled": true})), ctx).await?;
    s.add("kubelet enabled", o);
    Ok(container)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::packages::common::parses;

    fn parse(v: Value) -> Result<Want, String> {
        want(args::parse("kubernetes_node", v.as_object().expect("obj"))?)
    }

    #[test]
    fn arguments_and_defaults() {
        let w = parse(json!({"version": 1.31})).unwrap();
        assert_eq!(w.repo_url, "https://pkgs.k8s.io/core:/stable:/v1.31/deb/");
        assert_eq!(
            w.key_url,
            "https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key"
        );
        assert!(w.load_modules && w.hold && w.package_version.is_none());
        let w = parse(json!({"version": "v1.30", "repo_url": "http://m/k8s", "package_version": "1.30.1-1.1", "load_modules": "no"}))
            .unwrap();
        assert_eq!(w.key_url, "http://m/k8s/Release.key");
        assert!(!w.load_modules);
        assert!(parse(json!({})).is_err());
        assert!(parse(json!({"version": "1.31.2"})).is_err());
        assert!(parse(json!({"version": "1.31", "package_version": "1; reboot"})).is_err());
        assert!(parse(json!({"version": "1.31", "repo_url": "a b"})).is_err());
        assert!(parse(json!({"version": "1.31", "key_url": "/etc/k.asc"})).is_err());
        assert!(parse(json!({"version": "1.31", "hold": "maybe"})).is_err());
        assert!(parse(json!({"version": "1.31", "pkgs": "x"})).is_err());
    }

    #[test]
    fn programs_parse_and_check_mode_changes_nothing() {
        assert!(parses(&probe(false)) && parses(&apply_sysctl(false)));
        assert!(probe(true).contains("if [ 1 = 0 ]"));
        assert!(apply_sysctl(true).contains("if [ 1 = 1 ]; then m set"));
        assert_eq!(
            sysctl_text(),
            "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n\
             net.ipv4.ip_forward = 1\n"
        );
    }
}
