//! The one table of module names rsible knows, with their fully-qualified aliases
//! (`ansible.builtin.copy`, `ansible.posix.sysctl`, ...). Knows nothing of how modules run
//! or of task syntax; answers "which canonical module is this name?".

/// One known module: its short name, its collection, and extra aliases.
struct Module {
    name: &'static str,
    collection: &'static str,
    aliases: &'static [&'static str],
}

const B: &str = "ansible.builtin";
const POSIX: &str = "ansible.posix";
const CG: &str = "community.general";
/// rsible's own modules, which Ansible has no equivalent of.
const RSIBLE: &str = "rsible.builtin";

const fn m(name: &'static str, collection: &'static str) -> Module {
    Module {
        name,
        collection,
        aliases: &[],
    }
}

/// Every known module.
static MODULES: &[Module] = &[
    m("command", B),
    m("shell", B),
    m("raw", B),
    m("async_status", B),
    m("ping", B),
    m("script", B),
    m("copy", B),
    m("template", B),
    m("file", B),
    m("lineinfile", B),
    m("blockinfile", B),
    m("replace", B),
    Module {
        name: "ini_file",
        collection: CG,
        aliases: &["community.general.files.ini_file"],
    },
    m("stat", B),
    m("slurp", B),
    m("fetch", B),
    m("find", B),
    m("tempfile", B),
    m("get_url", B),
    m("unarchive", B),
    m("wait_for", B),
    m("wait_for_connection", B),
    m("debug", B),
    m("set_fact", B),
    m("assert", B),
    m("fail", B),
    m("meta", B),
    Module {
        name: "setup",
        collection: B,
        aliases: &["gather_facts", "ansible.builtin.gather_facts"],
    },
    m("pause", B),
    m("include_vars", B),
    m("add_host", B),
    m("group_by", B),
    m("validate_argument_spec", B),
    m("package", B),
    m("apt", B),
    m("dpkg_selections", B),
    m("apt_repository", B),
    m("deb822_repository", B),
    m("apt_key", B),
    m("dnf", B),
    m("yum", B),
    m("apk", CG),
    m("service", B),
    Module {
        name: "systemd",
        collection: B,
        aliases: &["systemd_service", "ansible.builtin.systemd_service"],
    },
    m("service_facts", B),
    m("user", B),
    m("group", B),
    m("authorized_key", POSIX),
    m("sysctl", POSIX),
    m("modprobe", CG),
    m("mount", POSIX),
    m("hostname", B),
    m("cron", B),
    m("reboot", B),
    m("container_runtime", RSIBLE),
    m("kubernetes_node", RSIBLE),
    m("kubeadm", RSIBLE),
    m("import_tasks", B),
    m("include_tasks", B),
    m("import_role", B),
    m("include_role", B),
    m("import_playbook", B),
];

/// The canonical short name of a module written as `name` (short, FQCN or alias).
pub fn canonical(name: &str) -> Option<&'static str> {
    MODULES
        .iter()
        .find(|md| matches(md, name))
        .map(|md| md.name)
}

fn matches(md: &Module, name: &str) -> bool {
    if name == md.name || md.aliases.contains(&name) {
        return true;
    }
    let qualified = |coll: &str| {
        name.strip_prefix(coll)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|r| r == md.name)
    };
    qualified(md.collection) || (md.collection == B && qualified("ansible.legacy"))
}

/// Every name a module may be written as (short names, FQCNs, aliases), for suggestions.
pub fn all_names() -> Vec<String> {
    let mut out = Vec::new();
    for md in MODULES {
        out.push(md.name.to_string());
        out.push(format!("{}.{}", md.collection, md.name));
        out.extend(md.aliases.iter().map(|a| a.to_string()));
    }
    out
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
