//! The Kubernetes modules: `kubernetes_node` (a host prepared for kubeadm: swap, kernel
//! modules, sysctl, the Kubernetes apt repository, pinned and held packages, kubelet enabled),
//! `kubeadm` (init, join commands, join, reset) and `k8s` (kubernetes.core.k8s: objects
//! applied or deleted through the target's kubectl). Knows nothing of playbooks or
//! scheduling.

pub mod kubeadm;
mod kubectl;
mod manifest;
pub mod node;
pub mod resource;
mod steps;
