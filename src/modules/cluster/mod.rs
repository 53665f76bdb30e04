//! The cluster family: rsible's own modules for the systems the shipped playbooks provision:
//! a container runtime (`container_runtime`) and a Kubernetes node (`kubernetes_node`,
//! `kubeadm`). Knows nothing of playbooks or scheduling.

pub mod container_runtime;
pub mod k8s;

use crate::modules::framework::spec::{legacy, Spec, RSIBLE};

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    legacy!(
        "container_runtime",
        RSIBLE,
        &[],
        Some(&[
            "runtime",
            "source",
            "version",
            "packages",
            "release",
            "systemd_cgroup",
            "sandbox_image",
            "registry_mirrors",
            "crictl",
            "daemon_json",
            "compose",
            "repository",
            "update_cache",
            "state"
        ]),
        |a, c| container_runtime::container_runtime(a, c)
    ),
    legacy!(
        "kubernetes_node",
        RSIBLE,
        &[],
        Some(&[
            "version",
            "package_version",
            "repo_url",
            "key_url",
            "load_modules",
            "hold"
        ]),
        |a, c| k8s::node::kubernetes_node(a, c)
    ),
    legacy!(
        "kubeadm",
        RSIBLE,
        &[],
        Some(&[
            "action",
            "pod_network_cidr",
            "service_cidr",
            "control_plane_endpoint",
            "apiserver_advertise_address",
            "cri_socket",
            "kubernetes_version",
            "upload_certs",
            "config",
            "ignore_preflight_errors",
            "fetch_kubeconfig",
            "command",
            "join_command",
            "api_server_endpoint",
            "token",
            "discovery_token_ca_cert_hash",
            "control_plane",
            "certificate_key"
        ]),
        |a, c| k8s::kubeadm::kubeadm(a, c)
    ),
];
