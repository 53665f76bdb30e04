//! `container_runtime` (rsible's own, for Kubernetes nodes): installs and configures a
//! container runtime and restarts it only when something changed.
//!
//! `runtime: containerd` (default): `source: package` installs Debian's `containerd` and
//! `runc` with the `apt` module; `source: release` installs `release.containerd` (a release
//! tarball, unpacked under /usr/local), `release.runc` (binary, /usr/local/sbin/runc) and
//! `release.cni` (tarball, /opt/cni/bin), each a URL the host downloads or a controller file,
//! plus containerd's upstream unit in /etc/systemd/system. Then `/etc/containerd/config.toml`
//! is written as `containerd config default` prints it with `SystemdCgroup =
//! systemd_cgroup` (default true) under the runc runtime's options of the cri plugin (config
//! version 2 for containerd 1.x, version 3 for 2.x), "cri" removed from `disabled_plugins`,
//! `sandbox_image` set when given, and, with `registry_mirrors: {registry: [mirror URLs]}`,
//! `config_path = "/etc/containerd/certs.d"` and one `certs.d/<registry>/hosts.toml` per
//! registry (files it wrote earlier for registries no longer listed are removed); with
//! `crictl` (default true) `/etc/crictl.yaml` points at containerd's socket. containerd is
//! enabled, started when stopped, and restarted only when one of these files changed.
//!
//! `runtime: docker`: `source: package` installs `docker.io`; `source: docker-ce` adds
//! Docker's repository (`repository:` holds deb822_repository arguments over Docker's
//! defaults; `suites` is required) and installs `docker-ce`, `docker-ce-cli`, `containerd.io`
//! and, with `compose` (default true), `docker-compose-plugin`. `/etc/docker/daemon.json` is
//! `daemon_json` (a dict, `exec-opts: ["native.cgroupdriver=systemd"]` added when it has no
//! `exec-opts`), compared as JSON; docker is restarted only when it changed.
//!
//! Other arguments: `version` (pins the main package, `name=version`), `packages` (replaces
//! the package list), `update_cache`, `state: present` (the only state). Returns `changed`,
//! `restarted` (the service was restarted, or started because it was stopped), `config` (the
//! config file's path) and `version` (`containerd --version` or `docker --version`). The
//! arguments and the rules between them are checked at load (see `args.rs`). Check mode is the
//! framework's: the probes run, the applies are not sent; `--diff` shows every file's change.
//! The other families' modules it runs (`apt`, `deb822_repository`) run through the registry;
//! every file is written through the atomic writer. Not handled: switching a host
//! from a release install back to packages (the /usr/local binaries and the unit in
//! /etc/systemd/system stay and take precedence), `state: absent`.
//!
//! Round trips, no change: containerd from packages 2 (apt, probe), from a release 1 (probe);
//! docker 2 (apt, probe; 3 with docker-ce's repository). A change adds one (the apply
//! program), a release install one per changed artifact and a second probe.

mod args;
mod config;
mod containerd;
mod docker;
mod release;
mod remote;

use crate::modules::framework::spec::{spec, Module, Spec, RSIBLE};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;

/// `container_runtime` in the registry.
pub const SPEC: Spec = spec::<ContainerRuntime>(RSIBLE, &[]);

/// The `container_runtime` module.
pub struct ContainerRuntime;

impl Module for ContainerRuntime {
    const NAME: &'static str = "container_runtime";
    type Args = args::Args;

    fn validate(a: &args::Args) -> Result<(), String> {
        args::want(a).map(drop)
    }

    fn run<'a>(a: args::Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move {
            match args::want(&a).map_err(Failure::BadArgs)? {
                args::Want::Containerd(w) => containerd::run(&w, ctx).await,
                args::Want::Docker(w) => docker::run(&w, ctx).await,
            }
        })
    }
}

#[cfg(test)]
mod tests;
