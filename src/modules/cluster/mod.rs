//! The cluster family: rsible's own modules for the systems the shipped playbooks provision:
//! a container runtime (`container_runtime`), a Kubernetes node (`kubernetes_node`,
//! `kubeadm`) and its objects (`k8s`, `helm`, `helm_repository`), and Docker's swarm and compose (`docker_swarm`,
//! `docker_compose_v2`). What they share lives in [`common`]; other families' modules they are made
//! of run through the registry. Knows nothing of playbooks or scheduling.

pub mod common;
pub mod container_runtime;
pub mod docker;
pub mod helm;
pub mod k8s;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    container_runtime::SPEC,
    k8s::node::SPEC,
    k8s::kubeadm::SPEC,
    k8s::resource::SPEC,
    docker::swarm::SPEC,
    docker::compose::SPEC,
    helm::release::SPEC,
    helm::repository::SPEC,
];
