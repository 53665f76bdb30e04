//! The one table of names rsible knows: every module's spec (declared in its own file and
//! listed by its family) and the engine's actions. Answers "which module is this name?"
//! (short, FQCN, alias), "are these arguments right for it?" and "how does it run?". Knows
//! nothing of task syntax or of how the engine schedules.

use super::framework::spec::{ArgCheck, ArgError, Runs, Spec};
use super::{actions, cluster, commands, files, packages, services, system};
use super::{Ctx, Failure, Output};
use serde_json::{Map, Value};

/// Every family's specs, then the engine's actions.
const FAMILIES: &[&[Spec]] = &[
    commands::SPECS,
    files::SPECS,
    packages::SPECS,
    services::SPECS,
    system::SPECS,
    cluster::SPECS,
    actions::SPECS,
];

fn specs() -> impl Iterator<Item = &'static Spec> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The spec of the module written as `name` (short, FQCN or alias).
pub fn find(name: &str) -> Option<&'static Spec> {
    specs().find(|md| matches(md, name))
}

/// The canonical short name of a module written as `name` (short, FQCN or alias).
pub fn canonical(name: &str) -> Option<&'static str> {
    find(name).map(|md| md.name)
}

fn matches(md: &Spec, name: &str) -> bool {
    if name == md.name || md.aliases.contains(&name) {
        return true;
    }
    let qualified = |coll: &str| {
        name.strip_prefix(coll)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|r| r == md.name)
    };
    qualified(md.collection)
        || (md.collection == super::framework::spec::B && qualified("ansible.legacy"))
}

/// Every name a module may be written as (short names, FQCNs, aliases), for suggestions.
pub fn all_names() -> Vec<String> {
    let mut out = Vec::new();
    for md in specs() {
        out.push(md.name.to_string());
        out.push(format!("{}.{}", md.collection, md.name));
        out.extend(md.aliases.iter().map(|a| a.to_string()));
    }
    out
}

/// Checks `args` (as written, templates unrendered) against the spec of canonical `module`.
pub fn check_args(module: &str, args: &Map<String, Value>) -> Result<(), ArgError> {
    let Some(spec) = find(module) else {
        return Ok(());
    };
    match spec.args {
        ArgCheck::Typed(check) => check(args),
        ArgCheck::Free | ArgCheck::Unchecked => Ok(()),
    }
}

/// Whether canonical `name` is a module this layer runs (not an engine action).
pub fn is_module(name: &str) -> bool {
    find(name).is_some_and(|s| matches!(s.runs, Runs::Target(_)))
}

/// Runs module `name` with templated `args`.
pub async fn run(name: &str, args: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    match find(name).map(|s| s.runs) {
        Some(Runs::Target(run)) => run(args, ctx).await,
        _ => Err(Failure::Failed(format!(
            "the module '{name}' is not implemented in this build of rsible"
        ))),
    }
}

/// Modules whose string form is a command line: only a few `k=v` words are options.
pub fn is_raw_command(module: &str) -> bool {
    matches!(module, "command" | "shell" | "raw" | "script")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_fqcn_names_resolve() {
        assert_eq!(canonical("copy"), Some("copy"));
        assert_eq!(canonical("ansible.builtin.copy"), Some("copy"));
        assert_eq!(canonical("ansible.legacy.shell"), Some("shell"));
        assert_eq!(canonical("ansible.posix.sysctl"), Some("sysctl"));
        assert_eq!(canonical("community.general.modprobe"), Some("modprobe"));
        assert_eq!(
            canonical("ansible.builtin.systemd_service"),
            Some("systemd")
        );
        assert_eq!(canonical("ansible.builtin.sysctl"), None);
        assert_eq!(canonical("comand"), None);
        assert_eq!(canonical("rsible.builtin.kubeadm"), Some("kubeadm"));
    }

    #[test]
    fn required_modules_are_known() {
        for name in "command shell raw script copy template file lineinfile blockinfile replace \
                     ini_file stat slurp fetch find tempfile get_url unarchive wait_for \
                     wait_for_connection debug set_fact assert fail meta setup pause \
                     include_vars add_host group_by package apt dpkg_selections apt_repository \
                     deb822_repository apt_key dnf yum apk service systemd systemd_service \
                     service_facts user group authorized_key sysctl modprobe mount hostname cron \
                     reboot import_tasks include_tasks import_role include_role import_playbook"
            .split_whitespace()
        {
            assert!(canonical(name).is_some(), "{name}");
        }
    }
}
