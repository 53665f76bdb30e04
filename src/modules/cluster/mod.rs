//! The cluster family: rsible's own modules for the systems the shipped playbooks provision:
//! a container runtime (`container_runtime`) and a Kubernetes node (`kubernetes_node`,
//! `kubeadm`). What they share lives in [`common`]; other families' modules they are made
//! of run through the registry. Knows nothing of playbooks or scheduling.

pub mod common;
pub mod container_runtime;
pub mod helm;
pub mod k8s;

use crate::modules::framework::spec::Spec;

/// The modules of this family, for the registry.
pub const SPECS: &[Spec] = &[
    container_runtime::SPEC,
    k8s::node::SPEC,
    k8s::kubeadm::SPEC,
    helm::release::SPEC,
    helm::repository::SPEC,
];
