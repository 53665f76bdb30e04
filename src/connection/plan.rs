//! Turns a host's variables, its ssh_config entry and the connection options into a
//! connection plan: local, or a resolved [`SshTarget`]. With [`super::become_plan`], the one
//! place that reads `ansible_*` connection variables; it opens no connection (see
//! [`super::open`]).

use super::host_vars::{string, timeout_var, Vars, DEFAULT_TIMEOUT};
use super::options::ConnOptions;
use super::ssh::known_hosts::{self, HostKeyPolicy};
use super::ssh::ssh_config::{self, SshConfig, StrictHostKeyChecking};
use super::ssh::target::{Endpoint, SshTarget};
use crate::secret::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach one host.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Run on the controller.
    Local,
    /// Connect over SSH.
    Ssh(Box<SshTarget>),
}

/// A host's connection plan and the warnings resolving it produced.
#[derive(Debug, Clone)]
pub struct HostPlan {
    /// Inventory name.
    pub name: String,
    /// Where and how to connect.
    pub plan: Plan,
    /// Things the user should know (ignored ssh options, ...).
    pub warnings: Vec<String>,
}

/// Resolves the plan for `name` with its folded inventory `vars`.
pub fn resolve(
    name: &str,
    vars: &Vars,
    opts: &ConnOptions,
    ssh: &SshConfig,
) -> Result<HostPlan, String> {
    let mut warnings = Vec::new();
    let connection = string(vars, "ansible_connection")
        .or_else(|| opts.connection.clone())
        .unwrap_or_else(|| "ssh".into());
    match connection
        .strip_prefix("ansible.builtin.")
        .unwrap_or(&connection)
    {
        "local" => {
            return Ok(HostPlan {
                name: name.into(),
                plan: Plan::Local,
                warnings,
            })
        }
        "ssh" | "smart" | "paramiko" | "paramiko_ssh" => {}
        other => {
            return Err(format!(
                "{name}: connection type '{other}' is not supported (rsible knows ssh and local)"
            ))
        }
    }
    let host = string(vars, "ansible_host")
        .or_else(|| string(vars, "ansible_ssh_host"))
        .unwrap_or_else(|| name.to_string());
    // ssh_config is looked up by the name ssh would see: ansible_host when set.
    let mut cfg = ssh.for_host(&host);
    let common = string(vars, "ansible_ssh_common_args").or_else(|| opts.ssh_common_args.clone());
    let extra = string(vars, "ansible_ssh_extra_args").or_else(|| opts.ssh_extra_args.clone());
    for args in [common, extra, opts.ssh_args.clone()].into_iter().flatten() {
        warnings.extend(ssh_config::apply_common_args(&mut cfg, &args));
    }
    let port = match string(vars, "ansible_port").or_else(|| string(vars, "ansible_ssh_port")) {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("{name}: ansible_port '{p}' is not a port number"))?,
        None => opts.port.or(cfg.port).unwrap_or(22),
    };
    let user = string(vars, "ansible_user")
        .or_else(|| string(vars, "ansible_ssh_user"))
        .or_else(|| opts.user.clone())
        .or(cfg.user.clone())
        .unwrap_or_else(local_user);
    let mut identity_files = Vec::new();
    if let Some(k) = string(vars, "ansible_ssh_private_key_file")
        .or_else(|| string(vars, "ansible_private_key_file"))
    {
        identity_files.push(expand_tilde(&k));
    } else if let Some(k) = &opts.private_key {
        identity_files.push(k.clone());
    }
    identity_files.extend(cfg.identity_files.iter().cloned());
    let password = string(vars, "ansible_password")
        .or_else(|| string(vars, "ansible_ssh_pass"))
        .map(Secret::new)
        .or_else(|| opts.password.clone());
    let known_hosts = match &opts.known_hosts {
        Some(f) => vec![f.clone()],
        None if !cfg.user_known_hosts_files.is_empty() => cfg.user_known_hosts_files.clone(),
        None => known_hosts::default_files(),
    };
    let policy = opts.policy.unwrap_or(match cfg.strict_host_key_checking {
        Some(StrictHostKeyChecking::AcceptNew) => HostKeyPolicy::AcceptNew,
        Some(StrictHostKeyChecking::No) => HostKeyPolicy::Off,
        _ => HostKeyPolicy::Strict,
    });
    let connect_timeout = timeout_var(vars)
        .or(opts.timeout)
        .or(cfg.connect_timeout)
        .unwrap_or(DEFAULT_TIMEOUT);
    let (keepalive, keepalive_max) = keepalive(
        connect_timeout,
        cfg.server_alive_interval,
        cfg.server_alive_count_max,
    );
    let jumps = cfg
        .proxy_jump
        .iter()
        .map(|j| {
            // As OpenSSH's `-J`: a hop takes its user and keys from its own ssh_config
            // entry, never the target's `ansible_user`, keys or password.
            let jc = ssh.for_host(&j.host);
            Endpoint {
                host: jc.hostname.clone().unwrap_or_else(|| j.host.clone()),
                port: j.port.or(jc.port).unwrap_or(22),
                user: j.user.clone().or(jc.user).unwrap_or_else(local_user),
                identity_files: jc.identity_files,
            }
        })
        .collect();
    let target = SshTarget {
        endpoint: Endpoint {
            host: cfg.hostname.clone().unwrap_or(host),
            port,
            user,
            identity_files: Vec::new(),
        },
        jumps,
        identity_files,
        identities_only: cfg.identities_only.unwrap_or(false),
        password,
        known_hosts,
        policy,
        connect_timeout,
        keepalive,
        keepalive_max,
        control_persist: opts.control_persist.filter(|d| !d.is_zero()),
    };
    Ok(HostPlan {
        name: name.into(),
        plan: Plan::Ssh(Box::new(target)),
        warnings,
    })
}

/// Keepalive interval and count: ssh_config's `ServerAliveInterval`/`ServerAliveCountMax`
/// when set; otherwise spread over the connection timeout, so that a peer that goes silent
/// in the middle of a command (link down, host powered off: no FIN, no RST) is declared
/// UNREACHABLE about `timeout` after its last packet, as a connection attempt would be, rather
/// than after TCP's retransmission limit (minutes). russh gives up after `count` unanswered
/// keepalives, that is `(count + 1) * interval` of silence.
fn keepalive(
    timeout: Duration,
    interval: Option<Duration>,
    count: Option<u32>,
) -> (Duration, usize) {
    let count = count.map_or(3, |n| n as usize);
    let interval = interval.unwrap_or_else(|| {
        // A floor of 250 ms: a keepalive costs one small packet and its reply.
        (timeout / (count as u32 + 1)).max(Duration::from_millis(250))
    });
    (interval, count)
}

fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".into())
}

fn expand_tilde(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn keepalive_spreads_the_timeout_when_ssh_config_is_silent() {
        let (i, n) = keepalive(Duration::from_secs(3), None, None);
        assert_eq!((i, n), (Duration::from_millis(750), 3));
        // Ansible's default timeout: silence is detected after 10 s.
        let (i, n) = keepalive(Duration::from_secs(10), None, Some(4));
        assert_eq!(i * (n as u32 + 1), Duration::from_secs(10));
        assert_eq!(
            keepalive(Duration::ZERO, None, None).0,
            Duration::from_millis(250)
        );
    }

    #[test]
    fn ssh_config_keepalive_settings_win() {
        let (i, n) = keepalive(
            Duration::from_secs(3),
            Some(Duration::from_secs(15)),
            Some(2),
        );
        assert_eq!((i, n), (Duration::from_secs(15), 2));
    }

    fn ssh_target(vars: &Vars, opts: &ConnOptions) -> SshTarget {
        match resolve("h", vars, opts, &SshConfig::default())
            .unwrap()
            .plan
        {
            Plan::Ssh(t) => *t,
            Plan::Local => panic!("expected ssh"),
        }
    }

    #[test]
    fn host_variables_win_over_the_keywords_which_win_over_defaults() {
        let kw = ConnOptions {
            user: Some("deploy".into()),
            port: Some(2222),
            ..ConnOptions::default()
        };
        let t = ssh_target(&Vars::new(), &kw);
        assert_eq!(
            (t.endpoint.user.as_str(), t.endpoint.port),
            ("deploy", 2222)
        );
        let mut v = Vars::new();
        v.insert("ansible_user".into(), Value::from("root"));
        v.insert("ansible_port".into(), Value::from(22));
        let t = ssh_target(&v, &kw);
        assert_eq!((t.endpoint.user.as_str(), t.endpoint.port), ("root", 22));
        let local = ConnOptions {
            connection: Some("ansible.builtin.local".into()),
            ..ConnOptions::default()
        };
        let plan = resolve("h", &Vars::new(), &local, &SshConfig::default()).unwrap();
        assert!(matches!(plan.plan, Plan::Local));
        v.insert("ansible_connection".into(), Value::from("ssh"));
        assert!(matches!(ssh_target(&v, &local).endpoint.port, 22));
    }

    #[test]
    fn configured_ssh_args_apply_and_host_variables_replace_common_args() {
        let opts = ConnOptions {
            ssh_common_args: Some("-o User=common -p 2200".into()),
            ssh_args: Some("-o ConnectTimeout=3".into()),
            ..ConnOptions::default()
        };
        let t = ssh_target(&Vars::new(), &opts);
        assert_eq!(
            (t.endpoint.user.as_str(), t.endpoint.port),
            ("common", 2200)
        );
        assert_eq!(t.connect_timeout, Duration::from_secs(3));
        let mut v = Vars::new();
        v.insert("ansible_ssh_common_args".into(), Value::from("-p 2201"));
        let t = ssh_target(&v, &opts);
        assert_eq!(
            t.endpoint.port, 2201,
            "the host's variable replaces the setting"
        );
        assert_ne!(t.endpoint.user, "common");
    }
}
