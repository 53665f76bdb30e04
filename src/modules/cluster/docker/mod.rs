//! community.docker's modules that rsible runs natively through the `docker` CLI on the
//! target: `docker_swarm` (init, join, leave) and `docker_compose_v2` (a compose project's
//! state). What both need lives here: the report of a target without `docker`. Ansible's
//! arguments rsible does not implement are refused at load by `playbook::unsupported`. Knows nothing of playbooks.

pub mod compose;
mod compose_events;
pub mod swarm;

/// `community.docker`.
pub const CD: &str = "community.docker";

/// The sh that ends a program with the report key `nodocker` when the target has no
/// `docker` command.
pub const NEED_DOCKER: &str = "command -v docker >/dev/null 2>&1 || { m nodocker; exit 0; }\n";

/// The failure message for a target without `docker`.
pub fn no_docker(module: &str) -> String {
    format!("{module}: the target has no docker command (install docker first)")
}
