//! ansible.utils' `ipaddr` query language over one value: what each query (`address`,
//! `network`, `prefix`, `private`, a CIDR to look up, an index...) gives for an address or
//! network, with the plugin's quirks (a value that fails a query gives `False`, a query
//! that does not apply gives `None`). Knows nothing of filter registration.

use minijinja::value::{Value, ValueKind};
use minijinja::Error;

use super::net::Net;
use crate::template::filters::fail;

/// Whether `v` is an address or a network as the user wrote it.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Address,
    Network,
}

/// IPv4's special-purpose blocks that are not globally reachable (IANA, as netaddr 1.3).
const V4_NOT_GLOBAL: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.0.170/31",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "240.0.0.0/4",
    "255.255.255.255/32",
];
const V4_GLOBAL_EXCEPTIONS: &[&str] = &["192.0.0.9/32", "192.0.0.10/32"];
const V6_NOT_GLOBAL: &[&str] = &[
    "::1/128",
    "::/128",
    "::ffff:0:0/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "fc00::/7",
    "fe80::/10",
];
const V6_GLOBAL_EXCEPTIONS: &[&str] = &[
    "2001:1::1/128",
    "2001:1::2/128",
    "2001:3::/32",
    "2001:4:112::/48",
    "2001:20::/28",
    "2001:30::/28",
];

/// Every query name `ipaddr` knows (an index or a CIDR are queries too).
const QUERIES: &[&str] = &[
    "",
    "6to4",
    "address",
    "address/prefix",
    "bool",
    "broadcast",
    "cidr",
    "cidr_lookup",
    "first_usable",
    "gateway",
    "gw",
    "host",
    "host/prefix",
    "hostmask",
    "hostnet",
    "int",
    "ip",
    "ip/prefix",
    "ip_netmask",
    "ipv4",
    "ipv6",
    "last_usable",
    "link-local",
    "lo",
    "loopback",
    "multicast",
    "net",
    "next_usable",
    "netmask",
    "network",
    "network_id",
    "network/prefix",
    "network_netmask",
    "network_wildcard",
    "peer",
    "prefix",
    "previous_usable",
    "private",
    "public",
    "range_usable",
    "revdns",
    "router",
    "size",
    "size_usable",
    "subnet",
    "type",
    "unicast",
    "v4",
    "v6",
    "version",
    "wildcard",
    "wrap",
];

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// A value read as `ipaddr` reads it: the network, how it was written, and the value to
/// give back for queries that return their input (rewritten for integers).
fn read(value: &Value, version: Option<u32>) -> Option<(Net, Kind, Value)> {
    let text = match value.kind() {
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => return None,
    };
    if is_digits(&text) {
        let n: u128 = text.parse().ok()?;
        let v6 = version == Some(6) || n > u128::from(u32::MAX);
        let net = Net::host(v6, n);
        return Some((net, Kind::Address, Value::from(net.text())));
    }
    if let Some(net) = Net::parse(&text) {
        let kind = if text.split('/').count() == 2 {
            Kind::Network
        } else {
            Kind::Address
        };
        return Some((net, kind, value.clone()));
    }
    // `INTEGER/PREFIX`: the address as a number.
    let (a, p) = text.split_once('/')?;
    let (a, p): (u128, u32) = (a.trim().parse().ok()?, p.trim().parse().ok()?);
    let v6 = a > u128::from(u32::MAX) || p > 32;
    let net = Net {
        v6,
        ip: a,
        prefix: p,
    };
    if p > net.bits() {
        return None;
    }
    Some((net, Kind::Network, Value::from(net.text())))
}

/// `ipaddr(value, query, version)` for one value or a list (falsy results dropped); `alias`
/// names the filter in errors.
pub(super) fn ipaddr(
    value: &Value,
    query: &str,
    version: Option<u32>,
    alias: &str,
) -> Result<Value, Error> {
    if matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable) {
        let mut out = Vec::new();
        for item in value.try_iter()? {
            let r = ipaddr(&item, query, version, alias)?;
            if r.is_true() {
                out.push(r);
            }
        }
        return Ok(Value::from(out));
    }
    if !value.is_true() || value.kind() == ValueKind::Bool {
        return Ok(Value::from(false));
    }
    let Some((v, kind, value)) = read(value, version) else {
        return Ok(Value::from(false));
    };
    let lookup = !query.is_empty()
        && (!QUERIES.contains(&query) || query == "cidr_lookup")
        && !is_digits(query)
        && ipaddr(&Value::from(query), "network", None, alias)?.is_true();
    if version.is_some_and(|want| want != v.version()) {
        return Ok(Value::from(false));
    }
    if lookup {
        let Some(list) = Net::parse(query) else {
            return Ok(Value::from(false));
        };
        return Ok(if list.cidr().contains(&v) {
            value
        } else {
            Value::from(())
        });
    }
    answer(&v, kind, &value, query, alias)
}

fn s(text: String) -> Value {
    Value::from(text)
}

fn none() -> Value {
    Value::from(())
}

fn not_network(kind: Kind) -> Result<(), Error> {
    if kind == Kind::Address {
        return Err(fail("Not a network address"));
    }
    Ok(())
}

/// The first and last usable addresses of a network of two or more.
fn usable(v: &Net) -> (u128, u128) {
    if v.bits() - v.prefix == 1 {
        (v.first(), v.last())
    } else {
        (v.first() + 1, v.last() - 1)
    }
}

fn size(v: &Net) -> Result<u128, Error> {
    v.size()
        .ok_or_else(|| fail("the size of ::/0 (2**128) is not supported by rsible"))
}

/// netaddr's `is_global()` for an address.
fn is_global(v: &Net, ip: u128) -> bool {
    let (not_global, exceptions) = if v.v6 {
        (V6_NOT_GLOBAL, V6_GLOBAL_EXCEPTIONS)
    } else {
        (V4_NOT_GLOBAL, V4_GLOBAL_EXCEPTIONS)
    };
    let within = |list: &[&str]| list.iter().any(|c| v.addr_in(ip, c));
    !within(not_global) || within(exceptions)
}

fn multicast_block(v: &Net) -> Net {
    let block = if v.v6 { "ff00::/8" } else { "224.0.0.0/4" };
    Net::parse(block).unwrap_or(*v)
}

fn answer(v: &Net, kind: Kind, value: &Value, query: &str, alias: &str) -> Result<Value, Error> {
    let single = v.is_single();
    let ip_ne_net = v.ip != v.first();
    let ip = v.addr_text(v.ip);
    let with_prefix = |a: String| s(format!("{a}/{}", v.prefix));
    Ok(match query {
        "" => match kind {
            Kind::Address => s(ip),
            Kind::Network => s(v.text()),
        },
        "address" | "ip" => {
            if single || ip_ne_net || v.broadcast().is_none() || v.v6 {
                s(ip)
            } else {
                none()
            }
        }
        "address/prefix" | "gateway" | "gw" | "host/prefix" | "hostnet" | "router" => {
            let size = size(v)?;
            if size > 2 && (v.ip == v.first() || Some(v.ip) == v.broadcast()) {
                Value::from(false)
            } else {
                with_prefix(ip)
            }
        }
        "bool" => Value::from(true),
        "broadcast" => match v.broadcast() {
            Some(b) => s(v.addr_text(b)),
            None => none(),
        },
        "cidr" => s(v.text()),
        "first_usable" => {
            not_network(kind)?;
            if single {
                none()
            } else {
                s(v.addr_text(usable(v).0))
            }
        }
        "last_usable" => {
            not_network(kind)?;
            if single {
                none()
            } else {
                s(v.addr_text(usable(v).1))
            }
        }
        "next_usable" | "previous_usable" => {
            not_network(kind)?;
            let (first, last) = usable(v);
            let next = if query == "next_usable" {
                v.ip.checked_add(1)
            } else {
                v.ip.checked_sub(1)
            };
            match next {
                Some(n) if !single && n >= first && n <= last => s(v.addr_text(n)),
                _ => none(),
            }
        }
        "host" => {
            if single {
                s(v.text())
            } else if ip_ne_net || v.broadcast().is_none() {
                with_prefix(ip)
            } else {
                none()
            }
        }
        "hostmask" | "wildcard" => s(v.addr_text(v.hostmask())),
        "int" => match kind {
            Kind::Address => Value::from(v.ip),
            Kind::Network => s(format!("{}/{}", v.ip, v.prefix)),
        },
        "ip/prefix" => {
            if v.bits() - v.prefix == 1 || (!single && ip_ne_net) {
                with_prefix(ip)
            } else {
                none()
            }
        }
        "ip_netmask" => {
            if v.bits() - v.prefix == 1 || (!single && ip_ne_net) {
                s(format!("{ip} {}", v.addr_text(v.netmask())))
            } else {
                none()
            }
        }
        "ipv4" | "v4" => {
            if !v.v6 {
                return Ok(value.clone());
            }
            let addr = if v.ip <= u128::from(u32::MAX) {
                v.ip
            } else if v.ip >> 32 == 0xffff {
                v.ip - 0xffff_0000_0000
            } else {
                return Ok(Value::from(false));
            };
            if v.prefix < 96 {
                return Ok(Value::from(false));
            }
            let n = Net {
                v6: false,
                ip: addr,
                prefix: v.prefix - 96,
            };
            s(n.text())
        }
        "ipv6" | "v6" => {
            if v.v6 {
                return Ok(value.clone());
            }
            let n = Net {
                v6: true,
                ip: 0xffff_0000_0000 | v.ip,
                prefix: v.prefix + 96,
            };
            s(n.text())
        }
        "link-local" => {
            let block = if v.v6 { "fe80::/10" } else { "169.254.0.0/16" };
            if v.addr_in(v.ip, block) {
                value.clone()
            } else {
                none()
            }
        }
        "lo" | "loopback" => {
            let block = if v.v6 { "::1/128" } else { "127.0.0.0/8" };
            if v.addr_in(v.ip, block) {
                value.clone()
            } else {
                none()
            }
        }
        "multicast" => {
            if multicast_block(v).contains(v) {
                value.clone()
            } else {
                none()
            }
        }
        "unicast" => {
            if multicast_block(v).contains(v) {
                none()
            } else {
                value.clone()
            }
        }
        "net" => {
            if !single && !ip_ne_net {
                with_prefix(v.addr_text(v.first()))
            } else {
                none()
            }
        }
        "netmask" => s(v.addr_text(v.netmask())),
        "network" | "network_id" => s(v.addr_text(v.first())),
        "network/prefix" | "subnet" => s(v.cidr().text()),
        "network_netmask" => s(format!(
            "{} {}",
            v.addr_text(v.first()),
            v.addr_text(v.netmask())
        )),
        "network_wildcard" => s(format!(
            "{} {}",
            v.addr_text(v.first()),
            v.addr_text(v.hostmask())
        )),
        "peer" => {
            not_network(kind)?;
            match v.bits() - v.prefix {
                1 => s(v.addr_text(v.ip ^ 1)),
                2 if v.ip.is_multiple_of(4) => {
                    return Err(fail("Network address of /30 has no peer"))
                }
                2 if v.ip % 4 == 3 => return Err(fail("Broadcast address of /30 has no peer")),
                2 => s(v.addr_text(v.ip ^ 3)),
                _ => return Err(fail("Not a point-to-point network")),
            }
        }
        "prefix" => Value::from(v.prefix),
        "private" => {
            if is_global(v, v.ip) {
                none()
            } else {
                value.clone()
            }
        }
        "public" => {
            let unicast = !v.addr_in(v.ip, if v.v6 { "ff00::/8" } else { "224.0.0.0/4" });
            let loopback = v.addr_in(v.ip, if v.v6 { "::1/128" } else { "127.0.0.0/8" });
            let max = v.max();
            let inverted = v.ip ^ max;
            let netmask = inverted & inverted.wrapping_add(1) == 0;
            let hostmask = v.ip & v.ip.wrapping_add(1) == 0;
            if unicast && is_global(v, v.ip) && !loopback && !netmask && !hostmask {
                value.clone()
            } else {
                none()
            }
        }
        "range_usable" => {
            not_network(kind)?;
            if single {
                none()
            } else {
                let (first, last) = usable(v);
                s(format!("{}-{}", v.addr_text(first), v.addr_text(last)))
            }
        }
        "revdns" => s(revdns(v)),
        "size" => Value::from(size(v)?),
        "size_usable" => Value::from(match size(v)? {
            1 => 0,
            2 => 2,
            n => n - 2,
        }),
        "type" => Value::from(if single || ip_ne_net {
            "address"
        } else {
            "network"
        }),
        "version" => Value::from(v.version()),
        "wrap" => match (v.v6, kind) {
            (true, Kind::Address) => s(format!("[{ip}]")),
            (true, Kind::Network) => s(format!("[{ip}]/{}", v.prefix)),
            (false, _) => value.clone(),
        },
        "6to4" => {
            return Err(fail(format!(
                "{alias}: the '6to4' query is not supported by rsible"
            )))
        }
        _ => index(v, kind, query, alias)?,
    })
}

/// A query that is a number: the address at that index of the network, with its prefix.
fn index(v: &Net, kind: Kind, query: &str, alias: &str) -> Result<Value, Error> {
    if !is_python_float(query) {
        return Err(fail(format!("{alias}: unknown filter type: {query}")));
    }
    if v.is_single() {
        return Ok(Value::from(match kind {
            Kind::Address => v.addr_text(v.ip),
            Kind::Network => v.text(),
        }));
    }
    let Ok(n) = query.trim().parse::<i128>() else {
        return Ok(Value::from(false));
    };
    let (first, last) = (v.first() as i128, v.last() as i128);
    let at = if n >= 0 { first + n } else { last + 1 + n };
    if at < first || at > last {
        return Ok(Value::from(false));
    }
    Ok(Value::from(format!(
        "{}/{}",
        v.addr_text(at as u128),
        v.prefix
    )))
}

/// Whether Python's `float()` accepts `s` (numbers, `inf`, `nan`, underscores aside).
fn is_python_float(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_start_matches(['+', '-']);
    matches!(t, "inf" | "infinity" | "nan") || (!t.contains("in") && t.parse::<f64>().is_ok())
}

/// The reverse-DNS name of the address.
fn revdns(v: &Net) -> String {
    if v.v6 {
        let mut out: String = (0..32)
            .map(|i| format!("{:x}.", (v.ip >> (4 * i)) & 0xf))
            .collect();
        out.push_str("ip6.arpa.");
        out
    } else {
        let o = (v.ip as u32).to_be_bytes();
        format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
    }
}
