//! The arguments of `container_runtime`, typed and checked before anything is sent (at load
//! and again before the run): which runtime, where it comes from, and its configuration.
//! Knows nothing of connections.

use crate::modules::cluster::common::{de_opt_dict, one_of};
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{
    de_bool, de_opt_bool, de_opt_list, de_opt_string, is_template,
};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

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

/// `runtime`: which container runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// containerd (the default).
    Containerd,
    /// Docker.
    Docker,
}

impl<'de> Deserialize<'de> for Runtime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "runtime",
            &[
                ("containerd", Runtime::Containerd),
                ("docker", Runtime::Docker),
            ],
        )
    }
}

/// `source`: where the runtime comes from (which ones apply depends on the runtime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The distribution's packages (the default).
    Package,
    /// containerd's release files.
    Release,
    /// Docker's own repository.
    DockerCe,
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "source",
            &[
                ("package", Origin::Package),
                ("release", Origin::Release),
                ("docker-ce", Origin::DockerCe),
            ],
        )
    }
}

/// `state`: only `present`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Installed and configured.
    Present,
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(d, "state", &[("present", State::Present)])
    }
}

/// Arguments of `container_runtime`, as written in a task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default)]
    runtime: Option<Runtime>,
    #[serde(default)]
    source: Option<Origin>,
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
    #[serde(default, deserialize_with = "de_opt_dict")]
    daemon_json: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    compose: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_dict")]
    repository: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de_bool")]
    update_cache: bool,
    /// Only `present` is read (any other value is refused while reading).
    #[serde(default, rename = "state")]
    _state: Option<State>,
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

/// Checks `a` and says what to do: contradictions are errors. At load a templated string
/// still holds its template: only its presence is checked.
pub fn want(a: &Args) -> Result<Want, String> {
    match a.runtime.unwrap_or(Runtime::Containerd) {
        Runtime::Containerd => {
            if a.daemon_json.is_some() || a.compose.is_some() || a.repository.is_some() {
                return Err("daemon_json, compose and repository are for runtime: docker".into());
            }
            let source = match (a.source.unwrap_or(Origin::Package), &a.release) {
                (Origin::Package, None) => Source::Packages(
                    a.packages
                        .clone()
                        .unwrap_or_else(|| vec![pinned("containerd", &a.version), "runc".into()]),
                ),
                (Origin::Package, Some(_)) => return Err("release is for source: release".into()),
                (Origin::Release, Some(r)) => {
                    if a.packages.is_some() || a.version.is_some() {
                        return Err("source: release takes no packages or version (the \
                                    release files say which)"
                            .into());
                    }
                    Source::Release(r.clone())
                }
                (Origin::Release, None) => {
                    return Err("source: release needs release: {containerd, runc}".into())
                }
                (Origin::DockerCe, _) => {
                    return Err("value of source must be one of: package, release (for \
                                containerd), got: docker-ce"
                        .into())
                }
            };
            let mirrors = a.registry_mirrors.clone().unwrap_or_default();
            let bad = mirrors
                .keys()
                .find(|r| !is_template(r) && !super::config::valid_registry(r));
            if let Some(bad) = bad {
                return Err(format!(
                    "registry_mirrors: {bad:?} is not a registry host name"
                ));
            }
            Ok(Want::Containerd(Containerd {
                source,
                settings: super::config::Settings {
                    systemd_cgroup: a.systemd_cgroup,
                    sandbox_image: a.sandbox_image.clone(),
                    certs_d: !mirrors.is_empty(),
                },
                mirrors,
                crictl: a.crictl,
                update_cache: a.update_cache,
            }))
        }
        Runtime::Docker => {
            if a.release.is_some() || a.registry_mirrors.is_some() || a.sandbox_image.is_some() {
                return Err(
                    "release, registry_mirrors and sandbox_image are for runtime: \
                            containerd (use daemon_json's registry-mirrors)"
                        .into(),
                );
            }
            let (packages, repository) = match a.source.unwrap_or(Origin::Package) {
                Origin::Package => {
                    if a.compose == Some(true) || a.repository.is_some() {
                        return Err("compose and repository need source: docker-ce".into());
                    }
                    (vec![pinned("docker.io", &a.version)], None)
                }
                Origin::DockerCe => {
                    let mut p = vec![
                        pinned("docker-ce", &a.version),
                        "docker-ce-cli".into(),
                        "containerd.io".into(),
                    ];
                    if a.compose.unwrap_or(true) {
                        p.push("docker-compose-plugin".into());
                    }
                    (p, Some(super::docker::repository(a.repository.clone())?))
                }
                Origin::Release => {
                    return Err("value of source must be one of: package, docker-ce (for \
                                docker), got: release"
                        .into())
                }
            };
            Ok(Want::Docker(Docker {
                packages: a.packages.clone().unwrap_or(packages),
                repository,
                daemon_json: super::docker::daemon_json(a.daemon_json.clone()),
                update_cache: a.update_cache,
            }))
        }
    }
}
