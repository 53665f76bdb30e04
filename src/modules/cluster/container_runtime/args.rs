//! The arguments of `container_runtime`, typed and checked before anything is sent: which
//! runtime, where it comes from, and its configuration. Knows nothing of connections.

use crate::modules::framework::args::{de_bool, de_opt_bool, de_opt_list, de_opt_string};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}

/// Where a release artifact comes from (`release.containerd`, `.runc`, `.cni`).
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// containerd's release tarball (`bin/containerd`, ... unpacked under /usr/local).
    pub containerd: String,
    /// The runc binary (installed as /usr/local/sbin/runc).
    pub runc: String,
    /// The CNI plugins tarball (unpacked into /opt/cni/bin); optional.
    #[serde(default, deserialize_with = "de_opt_string")]
    pub cni: Option<String>,
}

/// Arguments as written in a task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    runtime: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    source: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    version: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    packages: Option<Vec<String>>,
    #[serde(default)]
    release: Option<Release>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    systemd_cgroup: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    sandbox_image: Option<String>,
    #[serde(default)]
    registry_mirrors: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    crictl: bool,
    #[serde(default)]
    daemon_json: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    compose: Option<bool>,
    #[serde(default)]
    repository: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de_bool")]
    update_cache: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
}

/// The checked request.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// containerd, with its configuration.
    Containerd(Containerd),
    /// Docker, with its daemon.json.
    Docker(Docker),
}

/// How containerd is installed and configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Containerd {
    /// Where containerd comes from.
    pub source: Source,
    /// What goes into config.toml.
    pub settings: super::config::Settings,
    /// `{registry: [mirror URLs]}`.
    pub mirrors: BTreeMap<String, Vec<String>>,
    /// Write /etc/crictl.yaml.
    pub crictl: bool,
    /// Run `apt-get update` first.
    pub update_cache: bool,
}

/// Where containerd comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Debian packages (`source: package`).
    Packages(Vec<String>),
    /// Release artifacts (`source: release`).
    Release(Release),
}

/// How Docker is installed.
#[derive(Debug, Clone, PartialEq)]
pub struct Docker {
    /// Debian packages to install.
    pub packages: Vec<String>,
    /// deb822_repository arguments for Docker's repository (`source: docker-ce`).
    pub repository: Option<Map<String, Value>>,
    /// The daemon.json document.
    pub daemon_json: Map<String, Value>,
    /// Run `apt-get update` first.
    pub update_cache: bool,
}

/// `name=version` when a version is pinned.
fn pinned(name: &str, version: &Option<String>) -> String {
    match version {
        Some(v) => format!("{name}={v}"),
        None => name.to_string(),
    }
}

/// Checks `a`: contradictions and unknown values are errors.
pub fn want(a: Args) -> Result<Want, String> {
    if let Some(s) = a.state.as_deref().filter(|s| *s != "present") {
        return Err(format!(
            "container_runtime: value of state must be one of: present, got: {s}"
        ));
    }
    let runtime = a.runtime.as_deref().unwrap_or("containerd");
    let source = a.source.as_deref().unwrap_or("package");
    match runtime {
        "containerd" => {
            if a.daemon_json.is_some() || a.compose.is_some() || a.repository.is_some() {
                return Err(
                    "container_runtime: daemon_json, compose and repository are for \
                            runtime: docker"
                        .into(),
                );
            }
            let source = match (source, a.release) {
                ("package", None) => Source::Packages(
                    a.packages
                        .unwrap_or_else(|| vec![pinned("containerd", &a.version), "runc".into()]),
                ),
                ("package", Some(_)) => {
                    return Err("container_runtime: release is for source: release".into())
                }
                ("release", Some(r)) => {
                    if a.packages.is_some() || a.version.is_some() {
                        return Err("container_runtime: source: release takes no packages or \
                                    version (the release files say which)"
                            .into());
                    }
                    Source::Release(r)
                }
                ("release", None) => {
                    return Err(
                        "container_runtime: source: release needs release: {containerd, runc}"
                            .into(),
                    )
                }
                (other, _) => {
                    return Err(format!(
                        "container_runtime: value of source must be one of: package, release \
                         (for containerd), got: {other}"
                    ))
                }
            };
            let mirrors = a.registry_mirrors.unwrap_or_default();
            if let Some(bad) = mirrors.keys().find(|r| !super::config::valid_registry(r)) {
                return Err(format!(
                    "container_runtime: registry_mirrors: {bad:?} is not a registry host name"
                ));
            }
            Ok(Want::Containerd(Containerd {
                source,
                settings: super::config::Settings {
                    systemd_cgroup: a.systemd_cgroup,
                    sandbox_image: a.sandbox_image,
                    certs_d: !mirrors.is_empty(),
                },
                mirrors,
                crictl: a.crictl,
                update_cache: a.update_cache,
            }))
        }
        "docker" => {
            if a.release.is_some() || a.registry_mirrors.is_some() || a.sandbox_image.is_some() {
                return Err(
                    "container_runtime: release, registry_mirrors and sandbox_image are \
                            for runtime: containerd (use daemon_json's registry-mirrors)"
                        .into(),
                );
            }
            let (packages, repository) = match source {
                "package" => {
                    if a.compose == Some(true) || a.repository.is_some() {
                        return Err("container_runtime: compose and repository need \
                                    source: docker-ce"
                            .into());
                    }
                    (vec![pinned("docker.io", &a.version)], None)
                }
                "docker-ce" => {
                    let mut p = vec![
                        pinned("docker-ce", &a.version),
                        "docker-ce-cli".into(),
                        "containerd.io".into(),
                    ];
                    if a.compose.unwrap_or(true) {
                        p.push("docker-compose-plugin".into());
                    }
                    (p, Some(super::docker::repository(a.repository)?))
                }
                other => {
                    return Err(format!(
                        "container_runtime: value of source must be one of: package, docker-ce \
                         (for docker), got: {other}"
                    ))
                }
            };
            Ok(Want::Docker(Docker {
                packages: a.packages.unwrap_or(packages),
                repository,
                daemon_json: super::docker::daemon_json(a.daemon_json),
                update_cache: a.update_cache,
            }))
        }
        other => Err(format!(
            "container_runtime: value of runtime must be one of: containerd, docker, got: {other}"
        )),
    }
}
