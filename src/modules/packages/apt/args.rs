//! The arguments of `apt` (Ansible's names and aliases, real types) and the rules between
//! them, checked at load and before the run. Knows nothing of the target.

use crate::modules::framework::args::valid_version;
use crate::modules::framework::args::{self, de_bool, de_opt_bool, de_opt_list, de_opt_string};
use crate::modules::framework::load_check;
use crate::modules::packages::common::{de_flag, de_known, de_known_u64, parse_spec};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

fn sixty() -> u64 {
    60
}

fn confdef() -> Option<Vec<String>> {
    Some(vec!["force-confdef".into(), "force-confold".into()])
}

/// Arguments of `apt` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Packages, `name`, `name=1.2*` or `name:arch`.
    #[serde(
        default,
        alias = "package",
        alias = "pkg",
        deserialize_with = "de_opt_list"
    )]
    pub(super) name: Option<Vec<String>>,
    /// What the packages should be.
    #[serde(default, deserialize_with = "de_known")]
    pub(super) state: State,
    /// Run `apt-get update` first (when the cache is older than `cache_valid_time`).
    #[serde(default, alias = "update-cache", deserialize_with = "de_flag")]
    pub(super) update_cache: bool,
    /// Seconds the cache stays fresh.
    #[serde(default, deserialize_with = "de_known_u64")]
    pub(super) cache_valid_time: u64,
    /// A `.deb` on the target or a URL the target downloads.
    #[serde(default, deserialize_with = "de_opt_string")]
    pub(super) deb: Option<String>,
    /// Install recommended packages too (`None`: apt's configuration decides).
    #[serde(
        default,
        alias = "install-recommends",
        deserialize_with = "de_opt_bool"
    )]
    pub(super) install_recommends: Option<bool>,
    /// Remove configuration files too.
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) purge: bool,
    /// Remove packages nothing depends on any more.
    #[serde(default, deserialize_with = "de_flag")]
    pub(super) autoremove: bool,
    /// `apt-get autoclean`.
    #[serde(default, deserialize_with = "de_flag")]
    pub(super) autoclean: bool,
    /// `apt-get clean`.
    #[serde(default, deserialize_with = "de_flag")]
    pub(super) clean: bool,
    /// A system upgrade.
    #[serde(default, deserialize_with = "de_upgrade")]
    pub(super) upgrade: Upgrade,
    /// Allow installing an older version.
    #[serde(
        default,
        alias = "allow-downgrade",
        alias = "allow_downgrades",
        alias = "allow-downgrades",
        deserialize_with = "de_bool"
    )]
    pub(super) allow_downgrade: bool,
    /// Allow packages apt cannot authenticate.
    #[serde(default, alias = "allow-unauthenticated", deserialize_with = "de_bool")]
    pub(super) allow_unauthenticated: bool,
    /// Allow changing held packages.
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) allow_change_held_packages: bool,
    /// Only upgrade packages already installed.
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) only_upgrade: bool,
    /// Ansible's `force` (here: `--allow-unauthenticated`).
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) force: bool,
    /// Accepted for compatibility: rsible always uses apt-get.
    #[serde(default, rename = "force_apt_get", deserialize_with = "de_bool")]
    _force_apt_get: bool,
    /// `--no-remove`.
    #[serde(default, deserialize_with = "de_bool")]
    pub(super) fail_on_autoremove: bool,
    /// `-t RELEASE`.
    #[serde(default, alias = "default-release", deserialize_with = "de_opt_string")]
    pub(super) default_release: Option<String>,
    /// dpkg `--force-*` options.
    #[serde(default = "confdef", deserialize_with = "de_opt_list")]
    pub(super) dpkg_options: Option<Vec<String>>,
    /// The exit code of a temporary `/usr/sbin/policy-rc.d` (101: services are not started).
    #[serde(default)]
    pub(super) policy_rc_d: Option<i64>,
    /// Seconds to wait for the dpkg lock.
    #[serde(default = "sixty")]
    pub(super) lock_timeout: u64,
    /// Tries of `apt-get update`.
    #[serde(default)]
    pub(super) update_cache_retries: Option<u64>,
    /// The longest pause between those tries.
    #[serde(default)]
    pub(super) update_cache_retry_max_delay: Option<u64>,
}

/// What `state` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Installed (any version, or the one given).
    #[default]
    #[serde(alias = "installed")]
    Present,
    /// Installed at the candidate version.
    Latest,
    /// Not installed.
    #[serde(alias = "removed")]
    Absent,
    /// `apt-get -f install`.
    Fixed,
    /// Refused: rsible does not run `apt-get build-dep`.
    BuildDep,
}

/// `upgrade`: none, `safe` (`yes`) or `full` (`dist`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Upgrade {
    /// No system upgrade.
    #[default]
    No,
    /// `apt-get upgrade --with-new-pkgs`.
    Safe,
    /// `apt-get dist-upgrade`.
    Full,
}

impl Upgrade {
    /// The apt-get subcommand.
    pub fn command(self) -> Option<&'static str> {
        match self {
            Upgrade::No => None,
            Upgrade::Safe => Some("upgrade --with-new-pkgs"),
            Upgrade::Full => Some("dist-upgrade"),
        }
    }
}

/// `upgrade` written as a boolean or one of dist, full, no, safe, yes; a template at load is
/// set aside (whether there is an upgrade decides which arguments are required).
fn de_upgrade<'de, D: Deserializer<'de>>(d: D) -> Result<Upgrade, D::Error> {
    let v = Value::deserialize(d)?;
    let text = match &v {
        Value::String(s) if load_check::is_marker(s) => {
            return Err(D::Error::custom(format!(
                "{s} is known only when the task runs"
            )))
        }
        Value::String(s) => s.to_ascii_lowercase(),
        other => match args::to_bool(other) {
            Some(true) => "yes".into(),
            _ => "no".into(),
        },
    };
    match text.as_str() {
        "no" | "false" | "off" => Ok(Upgrade::No),
        "yes" | "true" | "on" | "safe" => Ok(Upgrade::Safe),
        "full" | "dist" => Ok(Upgrade::Full),
        other => Err(D::Error::custom(format!(
            "argument 'upgrade' is of type str and we were unable to convert to one of: \
             dist, full, no, safe, yes (got '{other}')"
        ))),
    }
}

/// The rules between `apt`'s arguments (value checks skip templates).
pub fn validate(a: &Args) -> Result<(), String> {
    if a.state == State::BuildDep {
        return Err(
            "state=build-dep is not supported by rsible; run `apt-get build-dep` \
                    with the command module"
                .into(),
        );
    }
    let mut specs = Vec::new();
    for s in a.name.iter().flatten() {
        if !args::is_template(s) {
            specs.push(parse_spec(s)?);
        }
    }
    if a.state == State::Latest {
        if let Some(s) = specs.iter().find(|s| s.version.is_some()) {
            return Err(format!(
                "version number inconsistent with state=latest: {}={}",
                s.name,
                s.version.as_deref().unwrap_or_default()
            ));
        }
    }
    if a.name.as_ref().is_none_or(Vec::is_empty)
        && a.deb.is_none()
        && a.upgrade == Upgrade::No
        && !a.update_cache
        && a.cache_valid_time == 0
        && !a.autoremove
        && !a.autoclean
        && !a.clean
    {
        return Err(
            "one of the following is required: name, deb, upgrade, update_cache, \
                    autoremove, autoclean, clean"
                .into(),
        );
    }
    if a.deb.is_some() && a.state == State::Absent {
        return Err("deb cannot be used with state=absent".into());
    }
    if let Some(r) = a
        .default_release
        .as_deref()
        .filter(|r| !args::is_template(r))
    {
        if !valid_version(r) {
            return Err(format!("'{r}' is not a valid default_release"));
        }
    }
    Ok(())
}
