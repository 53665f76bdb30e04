//! `platform` facts: system, kernel, hostname, nodename, fqdn, domain, architecture,
//! machine_id. Knows /proc/sys/kernel and /etc/hosts, nothing of other collectors.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::json;

/// Python's `socket.getfqdn(nodename)` answered from /etc/hosts (the `files` source every
/// resolver consults first), else from `hostname -f`, else the node name itself.
pub fn fqdn(nodename: &str, hosts: &str, hostname_f: Option<&str>) -> String {
    let entries: Vec<Vec<&str>> = hosts
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 2)
        .collect();
    let addr = entries
        .iter()
        .find(|w| w[1..].iter().any(|n| n.eq_ignore_ascii_case(nodename)))
        .map(|w| w[0]);
    if let Some(names) = addr.and_then(|a| entries.iter().find(|w| w[0] == a)) {
        return names[1..]
            .iter()
            .find(|n| n.contains('.'))
            .unwrap_or(&names[1])
            .to_string();
    }
    hostname_f
        .filter(|h| !h.is_empty())
        .unwrap_or(nodename)
        .to_string()
}

/// Adds the platform facts.
pub fn collect(raw: &Raw, out: &mut Facts) {
    let full: Vec<&str> = raw.section("uname_full").unwrap_or("").lines().collect();
    let pick = |file: &str, i: usize| {
        raw.file(file)
            .map(|s| s.trim_end_matches('\n'))
            .or_else(|| full.get(i).copied())
            .unwrap_or("")
            .to_string()
    };
    let system = pick("/proc/sys/kernel/ostype", 0);
    let kernel = pick("/proc/sys/kernel/osrelease", 1);
    let kernel_version = pick("/proc/sys/kernel/version", 2);
    let nodename = pick("/proc/sys/kernel/hostname", 3);
    let machine = raw.line("uname").unwrap_or("").to_string();
    let fqdn = fqdn(
        &nodename,
        raw.file("/etc/hosts").unwrap_or(""),
        raw.line("fqdn"),
    );
    let domain = fqdn.split_once('.').map_or("", |(_, d)| d).to_string();
    let hostname = nodename.split('.').next().unwrap_or("").to_string();
    // Ansible asks Python for its own word size; rsible has no Python, so it assumes the
    // userspace matches the kernel's machine name.
    let bits = if machine.contains("64") || machine == "s390x" {
        "64"
    } else {
        "32"
    };
    let architecture = match machine.as_str() {
        m if m.len() == 4 && m.starts_with('i') && m.ends_with("86") => "i386".to_string(),
        "i86pc" => "i386".to_string(),
        m => m.to_string(),
    };
    out.insert("system".into(), json!(system));
    out.insert("kernel".into(), json!(kernel));
    out.insert("kernel_version".into(), json!(kernel_version));
    out.insert("machine".into(), json!(machine));
    out.insert("nodename".into(), json!(nodename));
    out.insert("hostname".into(), json!(hostname));
    out.insert("fqdn".into(), json!(fqdn));
    out.insert("domain".into(), json!(domain));
    out.insert("userspace_bits".into(), json!(bits));
    if machine == "x86_64" {
        out.insert("userspace_architecture".into(), json!("x86_64"));
    } else if architecture == "i386" {
        let ua = if bits == "64" { "x86_64" } else { "i386" };
        out.insert("userspace_architecture".into(), json!(ua));
    }
    out.insert("architecture".into(), json!(architecture));
    let machine_id = raw
        .file_trim("/var/lib/dbus/machine-id")
        .or_else(|| raw.file_trim("/etc/machine-id"))
        .and_then(|s| s.lines().next());
    if let Some(id) = machine_id {
        out.insert("machine_id".into(), json!(id));
    }
}
