//! The Kubernetes modules: `kubernetes_node` (a host prepared for kubeadm: swap, kernel
//! modules, sysctl, the Kubernetes apt repository, pinned and held packages, kubelet enabled)
//! and `kubeadm` (init, join commands, join, reset). Knows nothing of playbooks or
//! scheduling.

pub mod kubeadm;
pub mod node;
mod steps;
