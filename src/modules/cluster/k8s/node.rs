//! `kubernetes_node`: a Debian host prepared for kubeadm. Composed of programs of its own and
//! of other families' modules run through the registry (Ansible's argument names), in this
//! order (each one remote program unless noted):
//! 1. a probe: container detection (`systemd-detect-virt -c`) and, in the same program,
//!    `swapoff -a` when `/proc/swaps` lists active swap (left out in check mode);
//! 2. `replace` on `/etc/fstab`: swap entries commented out (two round trips when it edits);
//! 3. `modprobe` of `overlay` and `br_netfilter` (one each, when `load_modules`);
//! 4. `copy` of `/etc/modules-load.d/k8s.conf` and `/etc/sysctl.d/k8s.conf` (one each, two
//!    when it writes);
//! 5. the sysctl values compared and, in the same program, applied where they differ and
//!    can be set;
//! 6. `deb822_repository` `kubernetes` (key downloaded into `/etc/apt/keyrings`);
//! 7. `apt` of kubelet, kubeadm, kubectl at `package_version` (the cache updated when the
//!    repository changed or is older than an hour; once more with a fresh cache when the
//!    version is not known yet);
//! 8. `dpkg_selections` hold of each (three, when `hold`);
//! 9. `systemd` kubelet enabled (kubelet crash-looping until kubeadm runs is expected).
//!
//! So about 14 round trips per host, fewer than a hand-written play of the same steps needs
//! tasks. When the repository is new, steps 7 to 9 are a part of the change (apt cannot know
//! the packages before the repository is in place): in check mode they are reported as the
//! `packages` step and not run. Inside a container (the probe says so) a kernel module that
//! cannot be loaded, swap that cannot be turned off and a sysctl that cannot be set are
//! warnings, not failures; on a real host they fail the task. Knows nothing of playbooks;
//! arguments arrive templated.

use super::steps::Steps;
use crate::connection::quote::quote_str;
use crate::modules::cluster::common::{apt_refreshing, object, run_module, Report, MARK_FN};
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template, valid_version};
use crate::modules::framework::spec::{spec, Module, Spec, RSIBLE};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `kubernetes_node` in the registry.
pub const SPEC: Spec = spec::<KubernetesNode>(RSIBLE, &[]);

/// The `kubernetes_node` module.
pub struct KubernetesNode;

impl Module for KubernetesNode {
    const NAME: &'static str = "kubernetes_node";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        want(a).map(drop)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(kubernetes_node(a, ctx))
    }
}

/// Arguments of `kubernetes_node` (rsible's own module).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
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

/// Checks `a` and fills in the defaults. At load a templated string still holds its
/// template: it is not value-checked, and nothing derived from it is.
fn want(a: &Args) -> Result<Want, String> {
    let minor = a.version.trim().trim_start_matches('v').to_string();
    let ok = minor.split('.').count() == 2
        && minor
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok && !is_template(&a.version) {
        return Err(format!(
            "version must be a Kubernetes minor version such as 1.31, got: '{}'",
            a.version
        ));
    }
    if let Some(v) = &a.package_version {
        if !valid_version(v) && !is_template(v) {
            return Err(format!(
                "package_version '{v}' is not a Debian package version"
            ));
        }
    }
    let repo_url = a
        .repo_url
        .clone()
        .unwrap_or_else(|| format!("https://pkgs.k8s.io/core:/stable:/v{minor}/deb/"));
    let templated = is_template(&repo_url);
    if !templated && (repo_url.trim().is_empty() || repo_url.contains(char::is_whitespace)) {
        return Err(format!("repo_url '{repo_url}' is not a URL"));
    }
    let key_url = a
        .key_url
        .clone()
        .unwrap_or_else(|| format!("{}/Release.key", repo_url.trim_end_matches('/')));
    if !key_url.contains("://") && !templated && !is_template(&key_url) {
        return Err(format!("key_url '{key_url}' is not a URL"));
    }
    Ok(Want {
        minor,
        package_version: a.package_version.clone(),
        repo_url,
        key_url,
        load_modules: a.load_modules,
        hold: a.hold,
    })
}

/// The first program's probe: `virt NAME` (`none` on a machine that is not a container),
/// `swap on` when swap is active (a change).
fn probe() -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         v=$(systemd-detect-virt -c 2>/dev/null) || v=none\nm virt \"${{v:-none}}\"\n\
         if [ -r /proc/swaps ] && [ \"$(wc -l </proc/swaps)\" -gt 1 ]; then m swap on; rsible_change=1; fi\n"
    )
}

/// Its apply: swap off now; `swapoff_failed MSG` when that failed.
const SWAPOFF: &str = "e=$(swapoff -a 2>&1) || mx swapoff_failed \"$e\"\n";

/// Each sysctl setting: its key and value as shell variables and its /proc path in `p`.
fn sysctl_each(body: &str) -> String {
    SYSCTL
        .iter()
        .map(|(k, v)| {
            format!(
                "k={}; v={}; p=/proc/sys/$(printf '%s' \"$k\" | tr . /)\n{body}",
                quote_str(k),
                quote_str(v)
            )
        })
        .collect()
}

/// The sysctl probe: `differs KEY` per value to set (a change), `cannot KEY MSG` per value
/// that has no /proc entry.
fn probe_sysctl() -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}{}",
        sysctl_each(
            "if [ ! -e \"$p\" ]; then m cannot \"$k\" \"$p does not exist\"\n\
             elif [ \"$(cat \"$p\" 2>/dev/null)\" != \"$v\" ]; then m differs \"$k\"; rsible_change=1; fi\n"
        )
    )
}

/// Its apply: each differing value set; `cannot KEY MSG` per value that cannot be set.
fn apply_sysctl() -> String {
    sysctl_each(
        "if [ -e \"$p\" ] && [ \"$(cat \"$p\" 2>/dev/null)\" != \"$v\" ]; then\n\
         \x20 e=$(sysctl -w \"$k=$v\" 2>&1) || m cannot \"$k\" \"$e\"\nfi\n",
    )
}

fn sysctl_text() -> String {
    SYSCTL.iter().map(|(k, v)| format!("{k} = {v}\n")).collect()
}

/// Runs `probe` and `apply` as one gated program and returns its report; a non-zero exit
/// fails with `what`.
async fn report(ctx: &Ctx<'_>, probe: &str, apply: &str, what: &str) -> Result<Report, Failure> {
    let out = ctx
        .gated(probe.as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "kubernetes_node: {what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Report::parse("kubernetes_node", &String::from_utf8_lossy(&out.stdout))
}

/// `kubernetes_node`: see the file header for the steps and round trips. Returns
/// `changed_steps`, `container`, `kubernetes_version`, `package_version`, `repo_url`.
async fn kubernetes_node(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let w = want(&a).map_err(Failure::BadArgs)?;
    let mut s = Steps::default();
    let container = run(&w, ctx, &mut s).await?;
    Ok(s.finish(object(json!({
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
    let found = report(ctx, &probe(), SWAPOFF, "probing the host").await?;
    for (k, v) in found.entries() {
        match k {
            "virt" if v != "none" => container = Some(v.to_string()),
            "swap" => swap_on = true,
            "swapoff_failed" => swap_err = Some(v.to_string()),
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
    let fstab = run_module(
        "replace",
        json!({
            "path": "/etc/fstab",
            "regexp": r"^(\s*[^#\s]\S*\s+\S+\s+swap(?:\s.*)?)$",
            "replace": r"# \1",
        }),
        ctx,
    )
    .await?;
    if !s.add("fstab", fstab) {
        return Ok(container);
    }
    // 3. Kernel modules loaded now (when asked); they are persisted below either way.
    if w.load_modules {
        for m in MODULES {
            let o = run_module("modprobe", json!({"name": m, "state": "present"}), ctx).await?;
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
        let o = run_module(
            "copy",
            json!({"dest": path, "content": text, "mode": "0644", "owner": "root", "group": "root"}),
            ctx,
        )
        .await?;
        if !s.add(path, o) {
            return Ok(container);
        }
    }
    // 5. The sysctl values applied where they can be.
    let found = report(
        ctx,
        &probe_sysctl(),
        &apply_sysctl(),
        "applying the sysctl settings",
    )
    .await?;
    for (key, _) in SYSCTL {
        let cannot = found.all("cannot").find_map(|v| {
            let (k, why) = v.split_once(' ').unwrap_or((v, ""));
            (k == key).then_some(why)
        });
        if let Some(why) = cannot {
            let what = format!("sysctl {key} cannot be set now: {why}");
            if !s.tolerate_in_container(what, c) {
                return Ok(container);
            }
        } else if found.all("differs").any(|v| v == key) {
            s.changed(&format!("sysctl {key}"));
        }
    }
    // 6. The Kubernetes apt repository and its key.
    let repo = run_module(
        "deb822_repository",
        json!({
            "name": "kubernetes",
            "types": ["deb"],
            "uris": [w.repo_url],
            "suites": ["/"],
            "signed_by": w.key_url,
        }),
        ctx,
    )
    .await?;
    if !s.add("repository", repo) {
        return Ok(container);
    }
    if !s.did_change("repository") {
        packages(w, false, ctx, s).await?;
    } else if ctx
        .apply_with(packages(w, true, ctx, s))
        .await
        .transpose()?
        .is_none()
    {
        // apt would not know the packages before the repository exists.
        s.changed("packages");
    }
    Ok(container)
}

/// Steps 7 to 9: the packages at the pinned version (the cache updated first when the
/// repository is new), held, and kubelet enabled; it crash-loops until kubeadm init or
/// join configures it.
async fn packages(w: &Want, new_repo: bool, ctx: &Ctx<'_>, s: &mut Steps) -> Result<(), Failure> {
    let names: Vec<String> = PACKAGES
        .iter()
        .map(|p| match &w.package_version {
            Some(v) => format!("{p}={v}"),
            None => p.to_string(),
        })
        .collect();
    let mut apt_args = object(json!({
        "name": names,
        "state": "present",
        "allow_change_held_packages": true,
        "allow_downgrade": true,
    }));
    if new_repo {
        apt_args.insert("update_cache".into(), json!(true));
    } else {
        apt_args.insert("cache_valid_time".into(), json!(3600));
    }
    // A version published within the cache's hour is found with a fresh cache.
    let apt = apt_refreshing(apt_args, ctx).await?;
    if !s.add("packages", apt) {
        return Ok(());
    }
    if w.hold {
        for p in PACKAGES {
            let o = run_module(
                "dpkg_selections",
                json!({"name": p, "selection": "hold"}),
                ctx,
            )
            .await?;
            if !s.add(&format!("hold {p}"), o) {
                return Ok(());
            }
        }
    }
    let o = run_module("systemd", json!({"name": "kubelet", "enabled": true}), ctx).await?;
    s.add("kubelet enabled", o);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::cluster::common::tests::parses;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;
    use serde_json::Value;

    fn parse(v: Value) -> Result<Want, String> {
        let a: Args = args::parse("kubernetes_node", v.as_object().expect("obj"))?;
        KubernetesNode::validate(&a)?;
        want(&a)
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
    fn load_time_check_reads_templates_as_unknown() {
        assert_eq!(
            check::<KubernetesNode>(json!({
                "version": "{{ k8s_version | default('1.31') }}",
                "package_version": "{{ v }}",
                "repo_url": "{{ u }}",
                "key_url": "{{ k }}",
                "load_modules": "{{ l }}",
            })),
            Ok(true)
        );
        assert_eq!(
            check::<KubernetesNode>(json!({"version": "{{ v }}", "repo_url": "{{ u }}"})),
            Ok(true)
        );
        let e =
            check::<KubernetesNode>(json!({"version": "1.31", "pakage_version": "1"})).unwrap_err();
        assert!(e.contains("pakage_version"), "{e}");
        let e = check::<KubernetesNode>(json!({"repo_url": "http://x/"})).unwrap_err();
        assert!(e.contains("missing required arguments: version"), "{e}");
        let e = check::<KubernetesNode>(json!({"version": "1.31", "hold": "maybe"})).unwrap_err();
        assert!(e.contains("hold"), "{e}");
        assert!(check::<KubernetesNode>(json!({"version": "1.31.2"})).is_err());
    }

    #[test]
    fn programs_parse_and_the_changes_are_behind_the_gate() {
        for p in [probe(), probe_sysctl(), apply_sysctl(), SWAPOFF.to_string()] {
            assert!(parses(format!("{MARK_FN}{p}").as_bytes()), "{p}");
        }
        assert!(!probe().contains("swapoff"));
        assert!(!probe_sysctl().contains("sysctl -w"));
        assert_eq!(
            sysctl_text(),
            "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n\
             net.ipv4.ip_forward = 1\n"
        );
    }
}
