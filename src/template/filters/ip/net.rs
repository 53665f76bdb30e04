//! An IP address with a prefix length, read and written as Python's netaddr does
//! (`IPNetwork`): the address keeps its host bits, the prefix may be written as a length, a
//! netmask or a hostmask, and IPv6 text uses the compressed form with an IPv4 tail for
//! mapped and compatible addresses. Knows nothing of templates or filters.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An address as written (host bits kept) and its prefix length.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Net {
    /// IPv6 rather than IPv4.
    pub v6: bool,
    /// The address as an integer.
    pub ip: u128,
    /// The prefix length (0..=32 or 0..=128).
    pub prefix: u32,
}

/// Whether `m` (an integer of `bits` bits) is a netmask: ones from the top, then zeros.
fn is_netmask(m: u128, bits: u32) -> bool {
    let inverted = m ^ max_of(bits);
    inverted & inverted.wrapping_add(1) == 0
}

/// Whether `m` is a hostmask: zeros from the top, then ones.
fn is_hostmask(m: u128) -> bool {
    m & m.wrapping_add(1) == 0
}

fn max_of(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// An address: IPv4 dotted quad (strict, as `inet_pton`) or IPv6.
pub(super) fn parse_addr(s: &str) -> Option<(bool, u128)> {
    if let Ok(a) = s.parse::<Ipv4Addr>() {
        return Some((false, u128::from(u32::from(a))));
    }
    s.parse::<Ipv6Addr>().ok().map(|a| (true, u128::from(a)))
}

impl Net {
    /// `ADDR`, `ADDR/LEN`, `ADDR/NETMASK` or `ADDR/HOSTMASK`, as netaddr's `IPNetwork`.
    pub fn parse(s: &str) -> Option<Net> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let (v6, ip) = parse_addr(addr)?;
        let bits = if v6 { 128 } else { 32 };
        let prefix = match prefix {
            None => bits,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u32 = p.parse().ok()?;
                (n <= bits).then_some(n)?
            }
            Some(p) if !v6 => {
                let mask = u128::from(u32::from(p.parse::<Ipv4Addr>().ok()?));
                if is_netmask(mask, 32) {
                    mask.count_ones()
                } else if is_hostmask(mask) {
                    32 - mask.count_ones()
                } else {
                    return None;
                }
            }
            Some(_) => return None,
        };
        Some(Net { v6, ip, prefix })
    }

    /// The address `ip` alone (a /32 or /128).
    pub fn host(v6: bool, ip: u128) -> Net {
        let prefix = if v6 { 128 } else { 32 };
        Net { v6, ip, prefix }
    }

    /// 32 or 128.
    pub fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The largest address of the family.
    pub fn max(&self) -> u128 {
        max_of(self.bits())
    }

    /// 4 or 6.
    pub fn version(&self) -> u32 {
        if self.v6 {
            6
        } else {
            4
        }
    }

    /// The host bits.
    pub fn hostmask(&self) -> u128 {
        max_of(self.bits() - self.prefix)
    }

    /// The network bits.
    pub fn netmask(&self) -> u128 {
        self.max() ^ self.hostmask()
    }

    /// The first address (the network's).
    pub fn first(&self) -> u128 {
        self.ip & self.netmask()
    }

    /// The last address.
    pub fn last(&self) -> u128 {
        self.ip | self.hostmask()
    }

    /// The number of addresses, when it fits (not for `::/0`).
    pub fn size(&self) -> Option<u128> {
        self.hostmask().checked_add(1)
    }

    /// Whether the network holds a single address.
    pub fn is_single(&self) -> bool {
        self.prefix == self.bits()
    }

    /// The broadcast address: none for networks of one or two addresses.
    pub fn broadcast(&self) -> Option<u128> {
        (self.bits() - self.prefix > 1).then(|| self.last())
    }

    /// Whether `other` lies wholly inside this network (same family).
    pub fn contains(&self, other: &Net) -> bool {
        self.v6 == other.v6 && other.first() >= self.first() && other.last() <= self.last()
    }

    /// Whether address `ip` of this family lies inside `cidr` (a literal network).
    pub fn addr_in(&self, ip: u128, cidr: &str) -> bool {
        Net::parse(cidr).is_some_and(|n| n.contains(&Net::host(self.v6, ip)))
    }

    /// An address of this family as text.
    pub fn addr_text(&self, ip: u128) -> String {
        if self.v6 {
            v6_text(ip)
        } else {
            Ipv4Addr::from(ip as u32).to_string()
        }
    }

    /// `ip/prefix`, the address as written (netaddr's `str(IPNetwork)`).
    pub fn text(&self) -> String {
        format!("{}/{}", self.addr_text(self.ip), self.prefix)
    }

    /// `network/prefix` (netaddr's `cidr`).
    pub fn cidr(&self) -> Net {
        Net {
            ip: self.first(),
            ..*self
        }
    }
}

/// IPv6 text as glibc's `inet_ntop` writes it: the longest run of two or more zero groups
/// (the first of equal runs) becomes `::`, and an IPv4-mapped (`::ffff:a.b.c.d`) or
/// IPv4-compatible (`::a.b.c.d`, not `::` or `::1`) address ends in dotted form.
fn v6_text(ip: u128) -> String {
    let words: Vec<u16> = (0..8).map(|i| (ip >> (112 - 16 * i)) as u16).collect();
    let mut best = (0usize, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best.1 {
                best = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    if best.1 < 2 {
        best = (9, 0);
    }
    let v4_tail = best.0 == 0 && (best.1 == 6 || (best.1 == 5 && words[5] == 0xffff));
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best.0 {
            out.push_str(if i == 0 { "::" } else { ":" });
            i += best.1;
            continue;
        }
        if v4_tail && i == 6 {
            out.push_str(&Ipv4Addr::from(ip as u32).to_string());
            break;
        }
        out.push_str(&format!("{:x}", words[i]));
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        Net::parse(s).map_or("-".into(), |n| n.text())
    }

    #[test]
    fn reads_as_netaddr() {
        assert_eq!(t("10.0.0.1"), "10.0.0.1/32");
        assert_eq!(t("10.0.0.1/255.255.255.0"), "10.0.0.1/24");
        assert_eq!(t("10.0.0.1/0.0.0.255"), "10.0.0.1/24");
        assert_eq!(t("10.0.0.1/024"), "10.0.0.1/24");
        assert_eq!(t("10.0.0.1/33"), "-");
        assert_eq!(t("010.0.0.1"), "-");
        assert_eq!(t("10.1"), "-");
        assert_eq!(t("10.0.0.1/255.0.255.0"), "-");
        assert_eq!(t("FE80::1"), "fe80::1/128");
    }

    #[test]
    fn writes_ipv6_as_inet_ntop() {
        let w = |s: &str| v6_text(u128::from(s.parse::<Ipv6Addr>().unwrap()));
        assert_eq!(w("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(w("::0.1.0.0"), "::0.1.0.0");
        assert_eq!(w("::ffff:0:0"), "::ffff:0.0.0.0");
        assert_eq!(w("0:0:0:0:0:1:0:0"), "::1:0:0");
        assert_eq!(w("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(w("1:0:1:0:1:0:1:0"), "1:0:1:0:1:0:1:0");
        assert_eq!(w("::ffff:1:2:3"), "::ffff:1:2:3");
        assert_eq!(w("::"), "::");
        assert_eq!(w("::1"), "::1");
        assert_eq!(w("1::"), "1::");
        assert_eq!(
            w("2001:db8::ffff:ffff:ffff:ffff"),
            "2001:db8::ffff:ffff:ffff:ffff"
        );
    }
}
