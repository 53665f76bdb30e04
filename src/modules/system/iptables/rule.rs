//! The rule words of `iptables`: the arguments turned into the `iptables` words of one rule
//! (`-p tcp --dport 22 -j ACCEPT`) in the order and with the quirks of Ansible's module
//! (a leading `!` negates an option, `ctstate` and `src_range` add their match unless
//! `match` names it, `reject_with` implies `-j REJECT`, `uid_owner: match` adds a bare
//! `--uid-owner`). Pure: knows nothing of targets or sh.

use super::{Args, IpVersion, Syn};

/// The words of the rule `a` describes, with `jump` as its target (Ansible's module makes it
/// `LOG` for logging options after it has reported the rule without it).
pub fn words(a: &Args, jump: Option<&str>) -> Vec<String> {
    let mut r = Words(Vec::new());
    r.opt("-p", &a.protocol);
    r.opt("-s", &a.source);
    r.opt("-d", &a.destination);
    for m in &a.matches {
        r.param("-m", m);
    }
    if let Some(t) = &a.tcp_flags {
        if let (Some(flags), Some(set)) = (&t.flags, &t.flags_set) {
            r.push(&["--tcp-flags", &flags.join(","), &set.join(",")]);
        }
    }
    if let Some(j) = jump {
        r.param("-j", j);
    }
    r.opt("--log-prefix", &a.log_prefix);
    r.opt("--log-level", &a.log_level);
    r.opt("--to-destination", &a.to_destination);
    r.csv("multiport", "--dports", &a.destination_ports);
    r.opt("--to-source", &a.to_source);
    r.opt("-g", &a.goto);
    r.opt("-i", &a.in_interface);
    r.opt("-o", &a.out_interface);
    r.opt("-f", &a.fragment);
    r.opt("--source-port", &a.source_port);
    r.opt("--destination-port", &a.destination_port);
    r.opt("--to-ports", &a.to_ports);
    match a.syn {
        Syn::Ignore => {}
        Syn::Match => r.push(&["--syn"]),
        Syn::Negate => r.push(&["!", "--syn"]),
    }
    let named = |m: &str| a.matches.iter().any(|x| x == m);
    if named("conntrack") {
        r.list("--ctstate", &a.ctstate);
    } else if named("state") {
        r.list("--state", &a.ctstate);
    } else {
        r.csv("conntrack", "--ctstate", &a.ctstate);
    }
    if !named("iprange") && (truthy(&a.src_range) || truthy(&a.dst_range)) {
        r.push(&["-m", "iprange"]);
    }
    r.opt("--src-range", &a.src_range);
    r.opt("--dst-range", &a.dst_range);
    if truthy(&a.limit) || truthy(&a.limit_burst) {
        r.push(&["-m", "limit"]);
    }
    r.opt("--limit", &a.limit);
    r.opt("--limit-burst", &a.limit_burst);
    r.owner("--uid-owner", &a.uid_owner);
    r.owner("--gid-owner", &a.gid_owner);
    if jump.is_none() && truthy(&a.reject_with) {
        r.push(&["-j", "REJECT"]);
    }
    r.opt("--reject-with", &a.reject_with);
    r.opt(icmp_flag(a.ip_version), &a.icmp_type);
    if truthy(&a.comment) {
        r.push(&["-m", "comment"]);
    }
    r.opt("--comment", &a.comment);
    r.0
}

/// The ICMP type option for the IP version; for `both` Ansible's module passes the two
/// options as one word, which iptables refuses, and so does rsible.
fn icmp_flag(v: IpVersion) -> &'static str {
    match v {
        IpVersion::Ipv4 => "--icmp-type",
        IpVersion::Ipv6 => "--icmpv6-type",
        IpVersion::Both => "--icmp-type --icmpv6-type",
    }
}

/// A value Python reads as true (given and not empty).
fn truthy(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty())
}

/// The words being built.
struct Words(Vec<String>);

impl Words {
    /// Appends words as they are.
    fn push(&mut self, words: &[&str]) {
        self.0.extend(words.iter().map(|w| w.to_string()));
    }

    /// `flag value`, or `! flag rest` for a value that starts with `!`.
    fn param(&mut self, flag: &str, value: &str) {
        match value.strip_prefix('!') {
            Some(rest) => self.push(&["!", flag, rest]),
            None => self.push(&[flag, value]),
        }
    }

    /// [`Words::param`] for a value that may be absent.
    fn opt(&mut self, flag: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.param(flag, v);
        }
    }

    /// `flag a,b,c` for a non-empty list.
    fn list(&mut self, flag: &str, items: &[String]) {
        if !items.is_empty() {
            self.push(&[flag, &items.join(",")]);
        }
    }

    /// `-m module flag a,b,c` for a non-empty list.
    fn csv(&mut self, module: &str, flag: &str, items: &[String]) {
        if !items.is_empty() {
            self.push(&["-m", module]);
            self.list(flag, items);
        }
    }

    /// The owner match: `-m owner`, the bare flag (negated) for the words `match`
    /// (`negate`), then the flag with the value, as Ansible's module writes them.
    fn owner(&mut self, flag: &str, value: &Option<String>) {
        let Some(v) = value else { return };
        if !v.is_empty() {
            self.push(&["-m", "owner"]);
        }
        match v.as_str() {
            "match" => self.push(&[flag]),
            "negate" => self.push(&["!", flag]),
            _ => {}
        }
        self.param(flag, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args::parse;
    use serde_json::json;

    fn rule(v: serde_json::Value) -> String {
        let a: Args = parse("iptables", v.as_object().expect("object")).expect("args");
        words(&a, a.jump.as_deref()).join(" ")
    }

    #[test]
    fn options_come_in_ansibles_order() {
        assert_eq!(
            rule(
                json!({"chain": "INPUT", "jump": "ACCEPT", "destination_port": 22,
                        "protocol": "tcp", "source": "!10.0.0.0/8", "comment": "ssh in",
                        "ctstate": "NEW,ESTABLISHED", "in_interface": "eth0"})
            ),
            "-p tcp ! -s 10.0.0.0/8 -j ACCEPT -i eth0 --destination-port 22 -m conntrack \
             --ctstate NEW,ESTABLISHED -m comment --comment ssh in"
        );
        assert_eq!(
            rule(
                json!({"chain": "INPUT", "match": ["tcp", "state"], "ctstate": ["NEW"],
                        "destination_ports": ["80", "443:445"], "syn": "negate"})
            ),
            "-m tcp -m state -m multiport --dports 80,443:445 ! --syn --state NEW"
        );
    }

    #[test]
    fn implied_targets_and_matches() {
        assert_eq!(
            rule(json!({"chain": "INPUT", "reject_with": "tcp-reset", "protocol": "tcp"})),
            "-p tcp -j REJECT --reject-with tcp-reset"
        );
        assert_eq!(
            rule(json!({"chain": "INPUT", "limit": "5/min", "limit_burst": 3,
                        "src_range": "10.0.0.1-10.0.0.9", "uid_owner": "0"})),
            "-m iprange --src-range 10.0.0.1-10.0.0.9 -m limit --limit 5/min --limit-burst 3 \
             -m owner --uid-owner 0"
        );
        assert_eq!(
            rule(json!({"chain": "OUTPUT", "uid_owner": "match"})),
            "-m owner --uid-owner --uid-owner match"
        );
        assert_eq!(
            rule(
                json!({"chain": "INPUT", "protocol": "icmp", "icmp_type": "echo-request",
                        "ip_version": "ipv6", "tcp_flags": {"flags": ["SYN", "ACK"],
                        "flags_set": ["SYN"]}})
            ),
            "-p icmp --tcp-flags SYN,ACK SYN --icmpv6-type echo-request"
        );
    }

    #[test]
    fn logging_reports_no_jump_but_runs_with_log() {
        let a: Args = parse(
            "iptables",
            json!({"chain": "INPUT", "log_prefix": "in: ", "log_level": 4})
                .as_object()
                .expect("object"),
        )
        .expect("args");
        assert_eq!(words(&a, None).join(" "), "--log-prefix in:  --log-level 4");
        assert_eq!(
            words(&a, Some("LOG")),
            ["-j", "LOG", "--log-prefix", "in: ", "--log-level", "4"]
        );
    }
}
