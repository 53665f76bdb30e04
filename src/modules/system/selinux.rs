//! `selinux` (ansible.posix.selinux): the SELinux policy and mode, in the configuration
//! file and at run time, as Ansible's module sets them. A probe reads whether SELinux is
//! enabled, `getenforce`, the running policy (`SELINUXTYPE` of /etc/selinux/config) and the
//! given configuration file; the controller decides as the module does ([`selinux_config`]
//! edits the text) and an apply writes the file through `framework::write` and runs
//! `setenforce` when the running mode must change. The file is edited whether or not SELinux
//! is enabled, and a mode the running system cannot take is left to a reboot
//! (`reboot_required`, with the module's warnings). A target without SELinux's tools fails as
//! Ansible's module fails without its Python library. `update_kernel_param` (grubby) is
//! refused at load. Knows nothing of playbooks.

use super::common::{self, content, selinux_missing, SELINUX_TOOLS};
use super::selinux_config as config;
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_bool, de_opt_string};
use crate::modules::framework::spec::{spec, Module, Spec, POSIX};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `selinux` in the registry.
pub const SPEC: Spec = spec::<Selinux>(POSIX, &[]);

/// The `selinux` module.
pub struct Selinux;

/// The SELinux modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Policy enforced.
    Enforcing,
    /// Policy checked and logged only.
    Permissive,
    /// SELinux off (after a reboot).
    Disabled,
}

impl Mode {
    /// The word of the configuration file and of `getenforce` (lower case).
    fn word(self) -> &'static str {
        match self {
            Mode::Enforcing => "enforcing",
            Mode::Permissive => "permissive",
            Mode::Disabled => "disabled",
        }
    }
}

/// Arguments of `selinux` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    policy: Option<String>,
    state: Mode,
    #[serde(
        default,
        alias = "conf",
        alias = "file",
        deserialize_with = "de_opt_string"
    )]
    configfile: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    update_kernel_param: bool,
}

impl Module for Selinux {
    const NAME: &'static str = "selinux";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.update_kernel_param {
            return Err("update_kernel_param=true (grubby) is not supported by rsible".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(selinux(a, ctx))
    }
}

/// The probe: the tools, the running mode and policy, the configuration file's text and
/// whether the given policy is installed.
fn probe(configfile: &str, policy: Option<&str>) -> String {
    format!(
        r#"{SELINUX_TOOLS}if selinuxenabled; then m enabled; m mode "$(getenforce | tr 'A-Z' 'a-z')"; fi
m running "$(sed -n 's/^[[:space:]]*SELINUXTYPE[[:space:]]*=[[:space:]]*//p' /etc/selinux/config 2>/dev/null | head -n 1 | sed 's/[[:space:]]*$//')"
c={c}
[ -f "$c" ] || {{ m noconfig; exit 0; }}
content "$c"
p={p}
[ -z "$p" ] || [ ! -e "/etc/selinux/$p/policy" ] || m installed
"#,
        c = quote_str(configfile),
        p = quote_str(policy.unwrap_or("")),
    )
}

/// What the module decided from the probe.
#[derive(Debug, Default, PartialEq, Eq)]
struct Decision {
    /// The policy differs (running or configured): check mode reports only `changed`.
    policy_differs: bool,
    /// The new configuration text, when it changes.
    config: Option<String>,
    /// `setenforce` argument (1 or 0), when the running mode changes.
    setenforce: Option<u8>,
    changed: bool,
    msgs: Vec<String>,
    warnings: Vec<String>,
    reboot_required: bool,
    policy: Option<String>,
}

/// Python's `'%s'` of an optional text (`None` when absent).
fn py(v: Option<&str>) -> String {
    v.unwrap_or("None").to_string()
}

/// Decides as Ansible's module does: the policy (running, then configured), the running
/// mode, the configured mode. `Err` is the module's failure message.
fn decide(
    a: &Args,
    configfile: &str,
    text: &str,
    running_policy: Option<&str>,
    mode: Option<&str>,
    installed: bool,
) -> Result<Decision, String> {
    let enabled = mode.is_some();
    let runtime = mode.unwrap_or("disabled");
    let config_policy = config::get(text, "SELINUXTYPE");
    let config_state = config::get(text, "SELINUX");
    let policy = match (&a.policy, a.state) {
        (None, Mode::Disabled) => config_policy.clone(),
        (None, _) => return Err("Policy is required if state is not 'disabled'".into()),
        (Some(p), _) => Some(p.clone()),
    };
    let mut d = Decision {
        policy: policy.clone(),
        ..Decision::default()
    };
    let mut text = text.to_string();
    if policy.as_deref() != running_policy {
        d.policy_differs = true;
        d.msgs.push(format!(
            "Running SELinux policy changed from '{}' to '{}'",
            py(running_policy),
            py(policy.as_deref())
        ));
        d.changed = true;
    }
    if policy != config_policy {
        d.policy_differs = true;
        let p = policy.as_deref().unwrap_or("None");
        if !installed {
            return Err(format!("Policy {p} does not exist in /etc/selinux/"));
        }
        text = config::set(&text, "SELINUXTYPE", p);
        d.config = Some(text.clone());
        d.msgs.push(format!(
            "SELinux policy configuration in '{configfile}' changed from '{}' to '{p}'",
            py(config_policy.as_deref())
        ));
        d.changed = true;
    }
    let state = a.state.word();
    if state != runtime {
        if !enabled {
            d.warnings.push(format!(
                "Reboot is required to set SELinux state to '{state}'"
            ));
            d.reboot_required = true;
        } else if a.state == Mode::Disabled {
            if runtime != "permissive" {
                d.setenforce = Some(0);
                d.warnings.push(format!(
                    "SELinux state temporarily changed from '{runtime}' to 'permissive'. State \
                     change will take effect next reboot."
                ));
                d.changed = true;
            } else {
                d.warnings
                    .push("SELinux state change will take effect next reboot".into());
            }
            d.reboot_required = true;
        } else {
            d.setenforce = Some(u8::from(a.state == Mode::Enforcing));
            d.msgs.push(format!(
                "SELinux state changed from '{runtime}' to '{state}'"
            ));
            d.changed = true;
        }
    }
    if Some(state) != config_state.as_deref() {
        text = config::set(&text, "SELINUX", state);
        d.config = Some(text);
        d.msgs.push(format!(
            "Config SELinux state changed from '{}' to '{state}'",
            py(config_state.as_deref())
        ));
        d.changed = true;
    }
    Ok(d)
}

/// A failed result with `msg`.
fn failed(msg: String) -> Output {
    Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    }
}

/// `selinux`: a probe, then an apply when something changes (see the file header).
async fn selinux(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let configfile = a
        .configfile
        .clone()
        .unwrap_or_else(|| "/etc/selinux/config".into());
    let script = probe(&configfile, a.policy.as_deref()).into_bytes();
    let r = common::probe(ctx, "selinux", script, "reading SELinux's state").await?;
    if let Some(msg) = selinux_missing(&r) {
        return Ok(failed(msg));
    }
    if r.has("noconfig") {
        let mut o = failed(format!("Unable to find file {configfile}"));
        o.fields.insert(
            "details".into(),
            json!("Please install SELinux-policy package, if this package is not installed previously."),
        );
        return Ok(o);
    }
    let text = content(&r).unwrap_or("");
    let running = r.get("running").filter(|p| !p.is_empty());
    let d = match decide(
        &a,
        &configfile,
        text,
        running,
        r.get("mode"),
        r.has("installed"),
    ) {
        Ok(d) => d,
        Err(msg) => return Ok(failed(msg)),
    };
    let mut apply = String::new();
    let mut stdin = Vec::new();
    if let Some(new) = &d.config {
        let (w, bytes) = write::inline(&configfile, new.as_bytes(), &WriteOpts::default())
            .map_err(Failure::Failed)?;
        apply.push_str(&format!(
            "{} || {{ m fail; exit 0; }}\n",
            String::from_utf8_lossy(&w)
        ));
        stdin = bytes;
    }
    if let Some(v) = d.setenforce {
        apply.push_str(&format!(
            "e=$(setenforce {v} 2>&1) || {{ mx fail \"$e\"; exit 0; }}\n"
        ));
    }
    let mut o = Output::default();
    if d.changed {
        match common::apply(ctx, "selinux", apply.into_bytes(), stdin, "setting SELinux").await? {
            None if d.policy_differs => {
                o.changed = true;
                return Ok(o);
            }
            Some(r) if r.has("fail") => {
                return Ok(failed(format!(
                    "setting SELinux failed: {}",
                    r.get("fail").unwrap_or("").trim()
                )))
            }
            _ => {}
        }
    }
    o.changed = d.changed;
    o.msg = Some(d.msgs.join(", "));
    for (k, v) in [
        ("configfile", json!(configfile)),
        ("policy", json!(d.policy)),
        ("state", json!(a.state.word())),
        ("reboot_required", json!(d.reboot_required)),
    ] {
        o.fields.insert(k.into(), v);
    }
    if !d.warnings.is_empty() {
        o.fields.insert("warnings".into(), json!(d.warnings));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::sh_check::assert_parses;
    use crate::modules::framework::spec::check;

    fn args(v: serde_json::Value) -> Args {
        serde_json::from_value(v).expect("args")
    }

    const CONF: &str = "SELINUX=enforcing\nSELINUXTYPE=targeted\n";

    #[test]
    fn arguments() {
        assert_eq!(check::<Selinux>(json!({"state": "disabled"})), Ok(true));
        assert_eq!(
            check::<Selinux>(json!({"state": "enforcing", "policy": "targeted", "conf": "/c"})),
            Ok(true)
        );
        assert!(check::<Selinux>(json!({})).is_err());
        assert!(check::<Selinux>(json!({"state": "on"})).is_err());
        assert!(
            check::<Selinux>(json!({"state": "disabled", "update_kernel_param": true})).is_err()
        );
    }

    #[test]
    fn the_probe_parses() {
        let p = common::program(probe("/etc/selinux/config", Some("x y")).into_bytes());
        assert_parses(&String::from_utf8_lossy(&p));
    }

    #[test]
    fn nothing_to_do_when_all_agree() {
        let a = args(json!({"state": "enforcing", "policy": "targeted"}));
        let d = decide(&a, "/c", CONF, Some("targeted"), Some("enforcing"), true).expect("ok");
        assert!(!d.changed && d.config.is_none() && d.setenforce.is_none());
    }

    #[test]
    fn permissive_at_run_time_and_in_the_file() {
        let a = args(json!({"state": "permissive", "policy": "targeted"}));
        let d = decide(&a, "/c", CONF, Some("targeted"), Some("enforcing"), true).expect("ok");
        assert_eq!(d.setenforce, Some(0));
        assert_eq!(
            d.config.as_deref(),
            Some("SELINUX=permissive\nSELINUXTYPE=targeted\n")
        );
        assert_eq!(
            d.msgs,
            [
                "SELinux state changed from 'enforcing' to 'permissive'",
                "Config SELinux state changed from 'enforcing' to 'permissive'"
            ]
        );
    }

    #[test]
    fn the_file_is_edited_when_selinux_is_off() {
        let a = args(json!({"state": "enforcing", "policy": "mls"}));
        let d = decide(&a, "/c", "SELINUX=disabled\n", Some("targeted"), None, true).expect("ok");
        assert_eq!(
            d.config.as_deref(),
            Some("SELINUX=enforcing\nSELINUXTYPE=mls\n")
        );
        assert!(d.reboot_required && d.setenforce.is_none() && d.policy_differs);
        assert_eq!(
            d.warnings,
            ["Reboot is required to set SELinux state to 'enforcing'"]
        );
        let d = decide(&a, "/c", CONF, Some("targeted"), None, false);
        assert_eq!(d, Err("Policy mls does not exist in /etc/selinux/".into()));
    }

    #[test]
    fn disabled_goes_permissive_until_a_reboot() {
        let a = args(json!({"state": "disabled"}));
        let d = decide(&a, "/c", CONF, Some("targeted"), Some("enforcing"), false).expect("ok");
        assert_eq!(d.setenforce, Some(0));
        assert!(d.reboot_required && d.changed && !d.policy_differs);
        assert_eq!(
            d.config.as_deref(),
            Some("SELINUX=disabled\nSELINUXTYPE=targeted\n")
        );
        let d = decide(
            &args(json!({"state": "enforcing"})),
            "/c",
            CONF,
            None,
            None,
            true,
        );
        assert_eq!(
            d,
            Err("Policy is required if state is not 'disabled'".into())
        );
    }
}
