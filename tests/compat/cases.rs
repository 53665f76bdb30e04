//! The compat suite's playbooks and how each is run: extra flags, and how many times in a
//! row (a converging playbook runs twice and its second run must change nothing).

/// One playbook of tests/compat/playbooks and how the suite runs it.
pub struct Case {
    /// File name under tests/compat/playbooks.
    pub playbook: &'static str,
    /// Extra ansible-playbook flags, given to both tools.
    pub args: &'static [&'static str],
    /// Runs in a row on the same hosts (no reset in between).
    pub runs: usize,
    /// The last run must report changed=0 on every host.
    pub converges: bool,
}

const fn once(playbook: &'static str) -> Case {
    Case {
        playbook,
        args: &[],
        runs: 1,
        converges: false,
    }
}

/// Every case, in the order they run.
pub const CASES: &[Case] = &[
    once("01_basics.yml"),
    once("02_handlers.yml"),
    once("03_roles.yml"),
    once("04_blocks.yml"),
    once("05_serial.yml"),
    once("06_strategy.yml"),
    Case {
        playbook: "07_tags.yml",
        args: &["--tags", "deploy"],
        runs: 1,
        converges: false,
    },
    Case {
        playbook: "08_converge.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "09_files.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "10_transfer.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "11_net.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "12_ini.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    once("13_async.yml"),
    once("14_lookups.yml"),
    once("15_templating.yml"),
    once("16_module_defaults.yml"),
    once("17_roles.yml"),
    once("18_engine.yml"),
    once("19_results.yml"),
    Case {
        playbook: "20_file_modes.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    once("21_connection.yml"),
    once("22_leftovers.yml"),
    Case {
        playbook: "23_net_modules.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    once("24_lookups_modules.yml"),
    once("25_service_systemd_args.yml"),
    once("26_end_role.yml"),
    Case {
        playbook: "27_user_args.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "28_system_modules.yml",
        args: &["--diff"],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "29_more_modules.yml",
        args: &["--diff"],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "30_more_modules_steps.yml",
        args: &["--diff"],
        runs: 1,
        converges: false,
    },
    once("31_system_results.yml"),
    Case {
        playbook: "32_iptables.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "33_debconf_git.yml",
        args: &["--diff"],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "34_pip_selinux.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "35_yum_rpm_attrs.yml",
        args: &["--diff"],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "36_synchronize.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "37_docker_compose.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "38_docker_swarm.yml",
        args: &["--diff"],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "39_helm.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
    Case {
        playbook: "40_k8s.yml",
        args: &[],
        runs: 2,
        converges: true,
    },
];

/// Debian packages cases install on their hosts from the lab's local repository, by case:
/// the suite puts them into the repository first (tests/common/tier2.rs).
pub const DEBIAN_PACKAGES: &[(&str, &[&str])] = &[
    ("28_system_modules.yml", &["locales"]),
    ("31_system_results.yml", &["locales"]),
    ("32_iptables.yml", &["iptables"]),
    ("33_debconf_git.yml", &["git", "debconf-utils"]),
    (
        "34_pip_selinux.yml",
        &["python3-venv", "python3-pip", "python3-packaging"],
    ),
    ("35_yum_rpm_attrs.yml", &["rpm", "gpg"]),
    ("36_synchronize.yml", &["rsync"]),
    ("37_docker_compose.yml", &["docker.io"]),
    ("38_docker_swarm.yml", &["docker.io", "python3-docker"]),
    ("39_helm.yml", &["python3-yaml"]),
    (
        "40_k8s.yml",
        &["kubernetes-client", "python3-kubernetes", "python3-yaml"],
    ),
];
