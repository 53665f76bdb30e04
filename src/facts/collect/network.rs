//! `network` facts: interfaces from /sys/class/net, their addresses from `ip -o addr show`,
//! the default IPv4/IPv6 routes from `ip route get` (the addresses Ansible asks about).
//! Knows sysfs and iproute2's output, nothing else.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// ARPHRD numbers Ansible names (`INTERFACE_TYPE`).
fn link_type(code: &str) -> &'static str {
    match code {
        "1" => "ether",
        "32" => "infiniband",
        "512" => "ppp",
        "772" => "loopback",
        "65534" => "tunnel",
        _ => "unknown",
    }
}

/// The default route's interface, source address and gateway from `ip route get` output.
fn default_route(out: Option<&str>, target: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let words: Vec<&str> = out
        .and_then(|o| o.lines().next())
        .unwrap_or("")
        .split_whitespace()
        .collect();
    if words.first() != Some(&target) {
        return m;
    }
    for pair in words.windows(2) {
        match pair[0] {
            "dev" => m.insert("interface".into(), json!(pair[1])),
            "src" => m.insert("address".into(), json!(pair[1])),
            "via" if pair[1] != target => m.insert("gateway".into(), json!(pair[1])),
            _ => None,
        };
    }
    m
}

/// An IPv4 address entry: address, broadcast, netmask, network, prefix (strings, as Ansible).
fn ipv4_entry(cidr: &str, broadcast: &str) -> Option<Map<String, Value>> {
    let (addr, len) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let ip: Ipv4Addr = addr.parse().ok()?;
    let bits: u32 = len.parse().ok().filter(|b| *b <= 32)?;
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let network = Ipv4Addr::from(u32::from(ip) & mask);
    let mut m = Map::new();
    m.insert("address".into(), json!(addr));
    m.insert("broadcast".into(), json!(broadcast));
    m.insert("netmask".into(), json!(Ipv4Addr::from(mask).to_string()));
    m.insert("network".into(), json!(network.to_string()));
    m.insert("prefix".into(), json!(len));
    Some(m)
}

/// Appends `v` to the list at `obj[key]`, creating it.
fn push(obj: &mut Map<String, Value>, key: &str, v: Value) {
    if let Value::Array(a) = obj.entry(key).or_insert_with(|| json!([])) {
        a.push(v);
    }
}

/// Adds the network facts.
pub fn collect(raw: &Raw, out: &mut Facts) {
    let mut ifaces: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (path, content) in raw.files_under("/sys/class/net/") {
        let rest = &path["/sys/class/net/".len()..];
        let Some((dev, attr)) = rest.split_once('/') else {
            continue;
        };
        let value = content.trim();
        let entry = ifaces.entry(dev.to_string()).or_insert_with(|| {
            let mut m = Map::new();
            m.insert("device".into(), json!(dev));
            m
        });
        match attr {
            "address" if !value.is_empty() && value != "00:00:00:00:00:00" => {
                entry.insert("macaddress".into(), json!(value));
            }
            "mtu" => {
                entry.insert("mtu".into(), json!(value.parse::<i64>().ok()));
            }
            "operstate" => {
                entry.insert("active".into(), json!(value != "down"));
            }
            "type" => {
                entry.insert("type".into(), json!(link_type(value)));
            }
            "speed" => {
                if let Ok(s) = value.parse::<i64>() {
                    entry.insert("speed".into(), json!(s));
                }
            }
            "flags" => {
                let flags = i64::from_str_radix(value.trim_start_matches("0x"), 16).unwrap_or(0);
                entry.insert("promisc".into(), json!(flags & 0x100 != 0));
            }
            _ => {}
        }
    }
    for dev in ifaces.keys().cloned().collect::<Vec<_>>() {
        let bridge = format!("/sys/class/net/{dev}/bridge");
        if raw.exists(&bridge) {
            let prefix = format!("/sys/class/net/{dev}/brif/");
            let members: Vec<&str> = raw
                .section("exists")
                .unwrap_or("")
                .lines()
                .filter_map(|l| l.strip_prefix(prefix.as_str()))
                .collect();
            if let Some(e) = ifaces.get_mut(&dev) {
                e.insert("type".into(), json!("bridge"));
                e.insert("interfaces".into(), json!(members));
            }
        }
    }
    let mut v4 = default_route(raw.section("route4"), "8.8.8.8");
    let mut v6 = default_route(raw.section("route6"), "2404:6800:400a:800::1012");
    let (mut all4, mut all6) = (Vec::new(), Vec::new());
    for line in raw.section("ip_addr").unwrap_or("").lines() {
        let line = line.split('\\').next().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() < 4 {
            continue;
        }
        let device = words[1]
            .split('@')
            .next()
            .unwrap_or("")
            .trim_end_matches(':');
        let words = &words[2..];
        let Some(dev) = ifaces.get(device).cloned() else {
            continue;
        };
        let mac = dev.get("macaddress").cloned().unwrap_or(json!("unknown"));
        let mtu = dev.get("mtu").cloned().unwrap_or(Value::Null);
        let kind = dev.get("type").cloned().unwrap_or(json!("unknown"));
        match words[0] {
            "inet" => {
                let broadcast = match words.get(2..4) {
                    Some(["brd", b]) => *b,
                    _ => "",
                };
                let Some(entry) = ipv4_entry(words[1], broadcast) else {
                    continue;
                };
                let label = words.last().copied().unwrap_or(device);
                let secondary = words.contains(&"secondary");
                let address = entry["address"].as_str().unwrap_or("").to_string();
                let target = ifaces.entry(label.to_string()).or_default();
                if !secondary && !target.contains_key("ipv4") {
                    target.insert("ipv4".into(), entry.clone().into());
                } else {
                    push(target, "ipv4_secondaries", entry.clone().into());
                }
                if secondary && label != device {
                    if let Some(d) = ifaces.get_mut(device) {
                        push(d, "ipv4_secondaries", entry.clone().into());
                    }
                }
                if v4.get("address").and_then(Value::as_str) == Some(&address) {
                    for k in ["broadcast", "netmask", "network", "prefix"] {
                        v4.insert(k.into(), entry[k].clone());
                    }
                    v4.insert("macaddress".into(), mac);
                    v4.insert("mtu".into(), mtu);
                    v4.insert("type".into(), kind);
                    v4.insert("alias".into(), json!(label));
                }
                if !address.starts_with("127.") {
                    all4.push(address);
                }
            }
            "inet6" => {
                let (address, prefix, scope) = if words.get(2) == Some(&"peer") {
                    let prefix = words
                        .get(3)
                        .and_then(|p| p.split_once('/'))
                        .map_or("", |p| p.1);
                    (words[1], prefix, words.get(5).copied().unwrap_or(""))
                } else {
                    let (a, p) = words[1].split_once('/').unwrap_or((words[1], "128"));
                    (a, p, words.get(3).copied().unwrap_or(""))
                };
                let entry = json!({"address": address, "prefix": prefix, "scope": scope});
                if let Some(d) = ifaces.get_mut(device) {
                    push(d, "ipv6", entry);
                }
                if v6.get("address").and_then(Value::as_str) == Some(address) {
                    v6.insert("prefix".into(), json!(prefix));
                    v6.insert("scope".into(), json!(scope));
                    v6.insert("macaddress".into(), mac);
                    v6.insert("mtu".into(), mtu);
                    v6.insert("type".into(), kind);
                }
                if address != "::1" {
                    all6.push(address.to_string());
                }
            }
            _ => {}
        }
    }
    let names: Vec<String> = ifaces.keys().map(|k| k.replace(':', "_")).collect();
    // Ansible's fact namespace turns `-` into `_` in top-level names (`ansible_br_lan`);
    // the `interfaces` list keeps the real names.
    for (name, facts) in ifaces {
        out.insert(name.replace([':', '-'], "_"), facts.into());
    }
    out.insert("interfaces".into(), json!(names));
    out.insert("default_ipv4".into(), v4.into());
    out.insert("default_ipv6".into(), v6.into());
    out.insert("all_ipv4_addresses".into(), json!(all4));
    out.insert("all_ipv6_addresses".into(), json!(all6));
}
