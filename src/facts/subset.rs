//! `gather_subset`: which fact collectors run, resolved with Ansible's rules (`min` is always
//! in unless `!min`; `!all` keeps `min`; an explicit name wins over an exclusion). Knows the
//! collector names and their fact-id aliases, nothing of the script or the parser.

use super::FactsError;
use serde_json::Value;

/// One Ansible fact collector, by its `gather_subset` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collector {
    /// `apparmor`: `{status}`.
    Apparmor,
    /// `caps`: accepted, gathers nothing (needs capsh).
    Caps,
    /// `chroot`: `is_chroot`.
    Chroot,
    /// `cmdline`: `cmdline`, `proc_cmdline`.
    Cmdline,
    /// `date_time`.
    DateTime,
    /// `distribution`: `distribution*`, `os_family`.
    Distribution,
    /// `dns`.
    Dns,
    /// `env`.
    Env,
    /// `fips`.
    Fips,
    /// `local`: accepted, gathers nothing (no facts.d support).
    Local,
    /// `lsb`.
    Lsb,
    /// `pkg_mgr`.
    PkgMgr,
    /// `platform`: system, kernel, hostname, fqdn, architecture, machine_id...
    Platform,
    /// `python`: accepted, gathers nothing (no Python on targets).
    Python,
    /// `selinux`.
    Selinux,
    /// `service_mgr`.
    ServiceMgr,
    /// `ssh_pub_keys`: `ssh_host_key_*_public`.
    SshPubKeys,
    /// `user`: `user_*`, real/effective ids.
    User,
    /// `loadavg`.
    Loadavg,
    /// `systemd`: accepted, gathers nothing.
    Systemd,
    /// `hardware`: processors, memory, mounts, uptime, DMI.
    Hardware,
    /// `network`: interfaces, addresses, default routes.
    Network,
    /// `virtual`: `virtualization_*`.
    Virtual,
    /// `facter`, `ohai`, `fibre_channel_wwn`, `iscsi`, `nvme`: accepted, gather nothing.
    Other,
}

use Collector as C;

impl Collector {
    /// The `gather_subset` name (`facter` for the collectors that gather nothing).
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("facter", |(n, _)| *n)
    }

    /// The collector a subset name or fact-id alias selects.
    pub fn from_name(name: &str) -> Option<Collector> {
        lookup(name)
    }
}

/// Every collector and its `gather_subset` name, in Ansible's `all` expansion.
const NAMES: &[(&str, Collector)] = &[
    ("apparmor", C::Apparmor),
    ("caps", C::Caps),
    ("chroot", C::Chroot),
    ("cmdline", C::Cmdline),
    ("date_time", C::DateTime),
    ("distribution", C::Distribution),
    ("dns", C::Dns),
    ("env", C::Env),
    ("fips", C::Fips),
    ("local", C::Local),
    ("lsb", C::Lsb),
    ("pkg_mgr", C::PkgMgr),
    ("platform", C::Platform),
    ("python", C::Python),
    ("selinux", C::Selinux),
    ("service_mgr", C::ServiceMgr),
    ("ssh_pub_keys", C::SshPubKeys),
    ("user", C::User),
    ("loadavg", C::Loadavg),
    ("systemd", C::Systemd),
    ("hardware", C::Hardware),
    ("network", C::Network),
    ("virtual", C::Virtual),
    ("facter", C::Other),
    ("ohai", C::Other),
    ("fibre_channel_wwn", C::Other),
    ("iscsi", C::Other),
    ("nvme", C::Other),
];

/// Fact ids Ansible also accepts as subset names, and the collector each selects.
const ALIASES: &[(&str, Collector)] = &[
    ("system", C::Platform),
    ("kernel", C::Platform),
    ("kernel_version", C::Platform),
    ("machine", C::Platform),
    ("python_version", C::Platform),
    ("architecture", C::Platform),
    ("machine_id", C::Platform),
    ("distribution_version", C::Distribution),
    ("distribution_release", C::Distribution),
    ("distribution_major_version", C::Distribution),
    ("os_family", C::Distribution),
    ("is_chroot", C::Chroot),
    ("system_capabilities", C::Caps),
    ("system_capabilities_enforced", C::Caps),
    ("ssh_host_pub_keys", C::SshPubKeys),
    ("ssh_host_key_dsa_public", C::SshPubKeys),
    ("ssh_host_key_rsa_public", C::SshPubKeys),
    ("ssh_host_key_ecdsa_public", C::SshPubKeys),
    ("ssh_host_key_ed25519_public", C::SshPubKeys),
    ("user_id", C::User),
    ("user_uid", C::User),
    ("user_gid", C::User),
    ("user_gecos", C::User),
    ("user_dir", C::User),
    ("user_shell", C::User),
    ("real_user_id", C::User),
    ("effective_user_id", C::User),
    ("effective_group_ids", C::User),
    ("processor", C::Hardware),
    ("processor_cores", C::Hardware),
    ("processor_count", C::Hardware),
    ("mounts", C::Hardware),
    ("devices", C::Hardware),
    ("interfaces", C::Network),
    ("default_ipv4", C::Network),
    ("default_ipv6", C::Network),
    ("all_ipv4_addresses", C::Network),
    ("all_ipv6_addresses", C::Network),
    ("virtualization_type", C::Virtual),
    ("virtualization_role", C::Virtual),
    ("virtualization_tech_guest", C::Virtual),
    ("virtualization_tech_host", C::Virtual),
];

/// The collectors `min` stands for (Ansible's `minimal_gather_subset` in the setup module).
const MIN: &[Collector] = &[
    C::Apparmor,
    C::Caps,
    C::Cmdline,
    C::DateTime,
    C::Distribution,
    C::Dns,
    C::Env,
    C::Fips,
    C::Local,
    C::Lsb,
    C::PkgMgr,
    C::Platform,
    C::Python,
    C::Selinux,
    C::ServiceMgr,
    C::SshPubKeys,
    C::User,
];

/// Which facts to gather, from `gather_subset` (`all`, `min`, `!all`, `network`, `hardware`,
/// `virtual`, `!facter` ..., a list or comma string). Unknown names: an error naming them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subset {
    /// The words as given (reported back as the `gather_subset` fact).
    words: Vec<String>,
    /// The selected collectors, sorted and unique.
    collectors: Vec<Collector>,
}

impl Subset {
    /// Everything (`gather_subset: all`, Ansible's default).
    pub fn all() -> Subset {
        let mut collectors: Vec<Collector> = NAMES.iter().map(|(_, c)| *c).collect();
        collectors.sort();
        collectors.dedup();
        Subset {
            words: vec!["all".to_string()],
            collectors,
        }
    }

    /// Reads `gather_subset` as a list of strings or one comma-separated string.
    pub fn parse(v: &Value) -> Result<Subset, FactsError> {
        let mut words = Vec::new();
        let mut push = |s: &str| {
            words.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            )
        };
        match v {
            Value::Null => push("all"),
            Value::String(s) => push(s),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(s) => push(s),
                        other => {
                            return Err(FactsError::Subset(format!(
                                "gather_subset entries must be strings, got {other}"
                            )))
                        }
                    }
                }
            }
            other => {
                return Err(FactsError::Subset(format!(
                    "gather_subset must be a list or a comma-separated string, got {other}"
                )))
            }
        }
        if words.is_empty() {
            words.push("all".to_string());
        }
        if let Some(bad) = words.iter().find(|w| w.chars().any(char::is_control)) {
            return Err(FactsError::Subset(format!(
                "gather_subset entry {bad:?} contains a control character"
            )));
        }
        Subset::resolve(words)
    }

    /// The words as the user gave them, split at commas.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The selected collectors, sorted.
    pub fn collectors(&self) -> &[Collector] {
        &self.collectors
    }

    /// Whether `c` is selected.
    pub fn has(&self, c: Collector) -> bool {
        self.collectors.binary_search(&c).is_ok()
    }

    /// Ansible's `get_collector_names`: min, plus additions, minus exclusions, plus explicit.
    fn resolve(words: Vec<String>) -> Result<Subset, FactsError> {
        let all: Vec<Collector> = NAMES.iter().map(|(_, c)| *c).collect();
        let mut add: Vec<Collector> = MIN.to_vec();
        let mut exclude: Vec<Collector> = Vec::new();
        let mut explicit: Vec<Collector> = Vec::new();
        let mut unknown: Vec<&str> = Vec::new();
        for word in &words {
            match word.strip_prefix('!') {
                Some("min") => exclude.extend_from_slice(MIN),
                Some("all") => exclude.extend(all.iter().filter(|c| !MIN.contains(c))),
                // Excluding an unknown name is ignored, as in Ansible.
                Some(name) => exclude.extend(lookup(name)),
                None if word == "min" => add.extend_from_slice(MIN),
                None if word == "all" => add.extend_from_slice(&all),
                None => match lookup(word) {
                    Some(c) => {
                        explicit.push(c);
                        add.push(c);
                    }
                    None => unknown.push(word),
                },
            }
        }
        if !unknown.is_empty() {
            return Err(FactsError::Subset(format!(
                "unknown gather_subset {}: allowed are all, min, {}",
                unknown.join(", "),
                valid_names().join(", ")
            )));
        }
        let mut collectors: Vec<Collector> = add
            .into_iter()
            .filter(|c| explicit.contains(c) || !exclude.contains(c))
            .collect();
        collectors.sort();
        collectors.dedup();
        Ok(Subset { words, collectors })
    }
}

/// The collector a subset name (or fact-id alias) selects.
fn lookup(name: &str) -> Option<Collector> {
    NAMES
        .iter()
        .chain(ALIASES)
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
}

/// Every accepted name, sorted, for error messages.
fn valid_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = NAMES.iter().chain(ALIASES).map(|(n, _)| *n).collect();
    names.sort_unstable();
    names
}
