//! `iptables` (ansible.builtin.iptables): one rule, a chain's existence, its policy, or a
//! flush, through the target's `iptables`/`ip6tables` commands as Ansible's module drives
//! them: the rule words are built here ([`rule`]), the question (`-C`, `-L`) and the change
//! (`-A`, `-I`, `-D`, `-N`, `-X`, `-P`, `-F`) are one gated program ([`script`]). Returns
//! Ansible's keys (`ip_version`, `table`, `chain`, `flush`, `rule`, `state`,
//! `chain_management`, `wait`); a failed command fails with its `cmd`, `rc`, `stdout`,
//! `stderr`. Arguments rsible does not implement (`gateway`, `set_counters`, the DSCP marks,
//! ipset matches) are refused at load. Knows nothing of playbooks.

pub mod rule;
pub mod script;

use crate::modules::framework::args::{
    choice_error, de_bool, de_opt_list, de_opt_string, is_template,
};
use crate::modules::framework::output::streams;
use crate::modules::framework::report::Report;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use script::{Mode, Target};
use serde::Deserialize;
use serde_json::{json, Value};

/// `iptables` in the registry.
pub const SPEC: Spec = spec::<Iptables>(B, &[]);

/// The `iptables` module.
pub struct Iptables;

/// Arguments of `iptables` (Ansible's names; every string option as Ansible's `str` type
/// reads it, numbers included).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default)]
    table: Table,
    #[serde(default)]
    state: State,
    #[serde(default)]
    action: Action,
    #[serde(default)]
    ip_version: IpVersion,
    #[serde(default, deserialize_with = "de_opt_string")]
    chain: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    rule_num: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    protocol: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    wait: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    source: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    to_source: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    destination: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    to_destination: Option<String>,
    #[serde(default, rename = "match", deserialize_with = "de_list")]
    matches: Vec<String>,
    #[serde(default)]
    tcp_flags: Option<TcpFlags>,
    #[serde(default, deserialize_with = "de_opt_string")]
    jump: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    log_prefix: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    log_level: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    goto: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    in_interface: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    out_interface: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    fragment: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    source_port: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    destination_port: Option<String>,
    #[serde(default, deserialize_with = "de_list")]
    destination_ports: Vec<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    to_ports: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de_list")]
    ctstate: Vec<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    src_range: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    dst_range: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    limit: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    limit_burst: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    uid_owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    gid_owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    reject_with: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    icmp_type: Option<String>,
    #[serde(default)]
    syn: Syn,
    #[serde(default, deserialize_with = "de_bool")]
    flush: bool,
    #[serde(default)]
    policy: Option<Policy>,
    #[serde(default, deserialize_with = "de_bool")]
    chain_management: bool,
    #[serde(default, deserialize_with = "de_bool")]
    numeric: bool,
    // Ansible's arguments rsible refuses at load (see `validate`).
    #[serde(default)]
    gateway: Option<Value>,
    #[serde(default)]
    set_counters: Option<Value>,
    #[serde(default)]
    set_dscp_mark: Option<Value>,
    #[serde(default)]
    set_dscp_mark_class: Option<Value>,
    #[serde(default)]
    match_set: Option<Value>,
    #[serde(default)]
    match_set_flags: Option<Value>,
}

/// A list argument (Ansible's `list` of `str`, a comma-separated string split), empty when
/// not given.
fn de_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(de_opt_list(d)?.unwrap_or_default())
}

/// `tcp_flags`: the flags examined and those that must be set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpFlags {
    #[serde(default, deserialize_with = "de_opt_list")]
    flags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    flags_set: Option<Vec<String>>,
}

/// Declares a choice argument: its variants with Ansible's words, the default first; with
/// `words`, also `word()`, the chosen word.
macro_rules! choices {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident = $w:literal),+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
        pub enum $name {
            #[default]
            $($(#[$vdoc])* #[serde(rename = $w)] $v),+
        }
    };
    (words $(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident = $w:literal),+ }) => {
        choices!($(#[$doc])* $name { $($(#[$vdoc])* $v = $w),+ });

        impl $name {
            /// Ansible's word for it.
            fn word(self) -> &'static str {
                match self { $($name::$v => $w),+ }
            }
        }
    };
}

choices!(
    words
    /// `table`.
    Table { Filter = "filter", Nat = "nat", Mangle = "mangle", Raw = "raw", Security = "security" }
);
choices!(
    words
    /// `state`.
    State { Present = "present", Absent = "absent" }
);
choices!(
    /// `action`.
    Action { Append = "append", Insert = "insert" }
);
choices!(
    words
    /// `ip_version`: which binaries run.
    IpVersion { Ipv4 = "ipv4", Ipv6 = "ipv6", Both = "both" }
);
choices!(
    /// `syn`: whether the rule matches (or excludes) SYN packets.
    Syn { Ignore = "ignore", Match = "match", Negate = "negate" }
);
choices!(
    words
    /// `policy`.
    Policy { Accept = "ACCEPT", Drop = "DROP", Queue = "QUEUE", Return = "RETURN" }
);

/// `log_level`'s choices.
const LOG_LEVELS: &[&str] = &[
    "0", "1", "2", "3", "4", "5", "6", "7", "emerg", "alert", "crit", "error", "warning", "notice",
    "info", "debug",
];

impl Args {
    /// The string options that go into the rule, by name.
    fn rule_options(&self) -> [(&'static str, &Option<String>); 25] {
        [
            ("rule_num", &self.rule_num),
            ("protocol", &self.protocol),
            ("wait", &self.wait),
            ("source", &self.source),
            ("to_source", &self.to_source),
            ("destination", &self.destination),
            ("to_destination", &self.to_destination),
            ("jump", &self.jump),
            ("log_prefix", &self.log_prefix),
            ("log_level", &self.log_level),
            ("goto", &self.goto),
            ("in_interface", &self.in_interface),
            ("out_interface", &self.out_interface),
            ("fragment", &self.fragment),
            ("source_port", &self.source_port),
            ("destination_port", &self.destination_port),
            ("to_ports", &self.to_ports),
            ("comment", &self.comment),
            ("src_range", &self.src_range),
            ("dst_range", &self.dst_range),
            ("limit", &self.limit),
            ("limit_burst", &self.limit_burst),
            ("uid_owner", &self.uid_owner),
            ("gid_owner", &self.gid_owner),
            ("reject_with", &self.reject_with),
        ]
    }

    /// The target the rule runs with: `LOG` when a logging option is given without one.
    fn run_jump(&self) -> Option<&str> {
        match self.jump.as_deref() {
            None if self.log_prefix.is_some() || self.log_level.is_some() => Some("LOG"),
            j => j,
        }
    }
}

impl Module for Iptables {
    const NAME: &'static str = "iptables";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let refused = [
            ("gateway", &a.gateway),
            ("set_counters", &a.set_counters),
            ("set_dscp_mark", &a.set_dscp_mark),
            ("set_dscp_mark_class", &a.set_dscp_mark_class),
            ("match_set", &a.match_set),
            ("match_set_flags", &a.match_set_flags),
        ];
        if let Some((name, _)) = refused.iter().find(|(_, v)| v.is_some()) {
            return Err(format!("{name} is not supported by rsible"));
        }
        if a.flush && a.policy.is_some() {
            return Err("parameters are mutually exclusive: flush|policy".into());
        }
        if !a.flush && a.chain.is_none() {
            return Err("flush is False but all of the following are missing: chain".into());
        }
        if let Some((name, _)) = a
            .rule_options()
            .iter()
            .chain([("icmp_type", &a.icmp_type)].iter())
            .find(|(_, v)| v.as_deref() == Some(""))
        {
            return Err(format!(
                "{name}: an empty value is not supported by rsible (Ansible's module fails on it)"
            ));
        }
        if let Some(l) = a.log_level.as_deref().filter(|l| !is_template(l)) {
            if !LOG_LEVELS.contains(&l) {
                return Err(choice_error("log_level", LOG_LEVELS, l));
            }
        }
        let logs = a.log_prefix.is_some() || a.log_level.is_some();
        if logs
            && a.jump
                .as_deref()
                .is_some_and(|j| j != "LOG" && !is_template(j))
        {
            return Err("Logging options can only be used with the LOG jump target.".into());
        }
        if let Some(t) = &a.tcp_flags {
            if t.flags.is_none() || t.flags_set.is_none() {
                return Err(
                    "tcp_flags needs both flags and flags_set (Ansible's module fails without \
                     one of them)"
                        .into(),
                );
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(iptables(a, ctx))
    }
}

/// What the task does, as Ansible's module decides it (flush, then policy, then a chain
/// when the rule has no words, else the rule).
fn mode(a: &Args, rule: &[String]) -> Mode {
    if a.flush {
        return Mode::Flush;
    }
    if let Some(p) = a.policy {
        return Mode::Policy(p.word().into());
    }
    let manage = a.chain_management;
    match (a.state, rule.is_empty()) {
        (State::Absent, true) => Mode::ChainAbsent { manage },
        (State::Present, true) => Mode::ChainPresent { manage },
        (state, false) => Mode::Rule {
            present: state == State::Present,
            insert: a.action == Action::Insert,
        },
    }
}

/// `iptables`: one gated program (see the file header).
async fn iptables(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let reported = rule::words(&a, a.jump.as_deref());
    let run_rule = rule::words(&a, a.run_jump());
    let bins: &[&str] = match a.ip_version {
        IpVersion::Ipv4 => &["iptables"],
        IpVersion::Ipv6 => &["ip6tables"],
        IpVersion::Both => &["iptables", "ip6tables"],
    };
    let target = Target {
        table: a.table.word(),
        chain: a.chain.as_deref(),
        wait: a.wait.as_deref(),
        rule_num: a.rule_num.as_deref(),
        numeric: a.numeric,
    };
    let (probe, apply) = script::programs(bins, &target, &mode(&a, &reported), &run_rule);
    let out = ctx
        .gated(probe.as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    let r = Report::parse("iptables", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    if let Some(b) = r.get("nobin") {
        o.failed = true;
        o.msg = Some(format!(
            "Failed to find required executable \"{b}\" in paths: {}",
            r.get("paths").unwrap_or("")
        ));
        return Ok(o);
    }
    if let Some(rc) = r.get("rc") {
        let stderr = r.get("stderr").unwrap_or("");
        o.failed = true;
        o.msg = Some(stderr.trim_end().to_string());
        o.fields
            .insert("cmd".into(), json!(r.get("cmd").unwrap_or("")));
        let rc = rc.parse().unwrap_or(1);
        streams(&mut o.fields, rc, r.get("stdout").unwrap_or(""), stderr);
        return Ok(o);
    }
    if r.has("nopolicy") {
        o.failed = true;
        o.msg = Some("Can't detect current policy".into());
        return Ok(o);
    }
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "iptables: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    o.changed = r.has("changed");
    for (k, v) in [
        ("ip_version", json!(a.ip_version.word())),
        ("table", json!(a.table.word())),
        ("chain", json!(a.chain)),
        ("flush", json!(a.flush)),
        ("rule", json!(reported.join(" "))),
        ("state", json!(a.state.word())),
        ("chain_management", json!(a.chain_management)),
        ("wait", json!(a.wait)),
    ] {
        o.fields.insert(k.into(), v);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Iptables>(
                json!({"chain": "INPUT", "protocol": "tcp", "destination_port": 22, "jump": "ACCEPT"})
            ),
            Ok(true)
        );
        assert_eq!(check::<Iptables>(json!({"flush": true})), Ok(true));
        assert!(check::<Iptables>(json!({"jump": "ACCEPT"}))
            .unwrap_err()
            .contains("missing: chain"));
        assert!(
            check::<Iptables>(json!({"chain": "INPUT", "flush": true, "policy": "DROP"}))
                .unwrap_err()
                .contains("mutually exclusive")
        );
        assert!(
            check::<Iptables>(json!({"chain": "INPUT", "gateway": "10.0.0.1", "jump": "TEE"}))
                .unwrap_err()
                .contains("not supported by rsible")
        );
        assert!(
            check::<Iptables>(json!({"chain": "INPUT", "log_prefix": "x", "jump": "DROP"}))
                .unwrap_err()
                .contains("LOG jump target")
        );
        assert!(
            check::<Iptables>(json!({"chain": "INPUT", "log_level": "loud"}))
                .unwrap_err()
                .contains("must be one of")
        );
        assert!(check::<Iptables>(json!({"chain": "INPUT", "comment": ""})).is_err());
        assert!(
            check::<Iptables>(json!({"chain": "INPUT", "tcp_flags": {"flags": ["SYN"]}})).is_err()
        );
        assert!(check::<Iptables>(json!({"chain": "INPUT", "policy": "drop"})).is_err());
        assert!(check::<Iptables>(
            json!({"chain": "INPUT", "table": "nat", "jump": "{{ j }}", "log_prefix": "x"})
        )
        .is_ok());
    }

    #[test]
    fn the_mode_is_decided_as_ansible_decides_it() {
        let args = |v: Value| -> Args {
            crate::modules::framework::args::parse("iptables", v.as_object().expect("object"))
                .expect("args")
        };
        let m = |v: Value| {
            let a = args(v);
            mode(&a, &rule::words(&a, a.jump.as_deref()))
        };
        assert_eq!(
            m(json!({"flush": true, "chain": "X", "jump": "ACCEPT"})),
            Mode::Flush
        );
        assert_eq!(
            m(json!({"chain": "INPUT", "policy": "DROP", "jump": "ACCEPT"})),
            Mode::Policy("DROP".into())
        );
        assert_eq!(
            m(json!({"chain": "X", "state": "absent"})),
            Mode::ChainAbsent { manage: false }
        );
        assert_eq!(
            m(json!({"chain": "X", "chain_management": true})),
            Mode::ChainPresent { manage: true }
        );
        assert_eq!(
            m(json!({"chain": "X", "jump": "DROP", "action": "insert"})),
            Mode::Rule {
                present: true,
                insert: true
            }
        );
    }
}
