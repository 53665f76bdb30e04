//! Small system collectors: env, cmdline, loadavg, dns, fips, selinux, apparmor, chroot,
//! ssh_pub_keys. Each reads a file or two; none knows the script or other collectors.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::{json, Map, Value};

/// `env`: the remote shell's environment.
pub fn env(raw: &Raw, out: &mut Facts) {
    let mut m = Map::new();
    for (k, v) in raw.environ() {
        m.insert(k, json!(v));
    }
    out.insert("env".into(), m.into());
}

/// Python's `shlex.split(s, posix=False)`: whitespace-separated words, quotes kept.
fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                cur.push(c);
            }
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `cmdline` (last value wins) and `proc_cmdline` (repeated keys become lists).
pub fn cmdline(raw: &Raw, out: &mut Facts) {
    let Some(text) = raw.file_trim("/proc/cmdline") else {
        return;
    };
    let mut last = Map::new();
    let mut all = Map::new();
    for word in split_words(text) {
        let Some((k, v)) = word.split_once('=') else {
            last.insert(word.clone(), json!(true));
            all.insert(word, json!(true));
            continue;
        };
        last.insert(k.to_string(), json!(v));
        match all.get_mut(k) {
            Some(Value::Array(list)) => list.push(json!(v)),
            Some(prev) => *prev = json!([prev.clone(), v]),
            None => {
                all.insert(k.to_string(), json!(v));
            }
        }
    }
    out.insert("cmdline".into(), last.into());
    out.insert("proc_cmdline".into(), all.into());
}

/// `loadavg`: the 1, 5 and 15 minute load averages as numbers.
pub fn loadavg(raw: &Raw, out: &mut Facts) {
    let Some(text) = raw.file_trim("/proc/loadavg") else {
        return;
    };
    let v: Vec<f64> = text
        .split_whitespace()
        .take(3)
        .filter_map(|w| w.parse().ok())
        .collect();
    if let [m1, m5, m15] = v[..] {
        out.insert("loadavg".into(), json!({"1m": m1, "5m": m5, "15m": m15}));
    }
}

/// `dns`: nameservers, domain, search, sortlist and options from /etc/resolv.conf.
pub fn dns(raw: &Raw, out: &mut Facts) {
    let mut dns = Map::new();
    for line in raw.file("/etc/resolv.conf").unwrap_or("").lines() {
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let t: Vec<&str> = line.split_whitespace().collect();
        let Some((&key, rest)) = t.split_first() else {
            continue;
        };
        let list = |rest: &[&str]| json!(rest);
        match key {
            "nameserver" => {
                let ns = dns.entry("nameservers").or_insert_with(|| json!([]));
                if let Value::Array(a) = ns {
                    a.extend(rest.iter().map(|s| json!(s)));
                }
            }
            "domain" if !rest.is_empty() => {
                dns.insert("domain".into(), json!(rest[0]));
            }
            "search" => {
                dns.insert("search".into(), list(rest));
            }
            "sortlist" => {
                dns.insert("sortlist".into(), list(rest));
            }
            "options" => {
                let mut opts = Map::new();
                for o in rest {
                    match o.split_once(':') {
                        Some((k, v)) if !v.is_empty() => opts.insert(k.into(), json!(v)),
                        _ => opts.insert(o.split(':').next().unwrap_or("").into(), json!(true)),
                    };
                }
                dns.insert("options".into(), opts.into());
            }
            _ => {}
        }
    }
    out.insert("dns".into(), dns.into());
}

/// `fips`: whether the kernel runs in FIPS mode.
pub fn fips(raw: &Raw, out: &mut Facts) {
    let on = raw.file_trim("/proc/sys/crypto/fips_enabled") == Some("1");
    out.insert("fips".into(), json!(on));
}

/// `selinux`: `{status: disabled}` unless selinuxfs is mounted; then mode, config and policy.
pub fn selinux(raw: &Raw, out: &mut Facts) {
    let Some(enforce) = raw.file_trim("/sys/fs/selinux/enforce") else {
        out.insert("selinux".into(), json!({"status": "disabled"}));
        return;
    };
    let mut m = Map::new();
    m.insert("status".into(), json!("enabled"));
    let mode = if enforce == "1" {
        "enforcing"
    } else {
        "permissive"
    };
    m.insert("mode".into(), json!(mode));
    if let Some(v) = raw.file_trim("/sys/fs/selinux/policyvers") {
        m.insert("policyvers".into(), json!(v.parse::<u64>().ok()));
    }
    for line in raw.file("/etc/selinux/config").unwrap_or("").lines() {
        match line.split_once('=') {
            Some(("SELINUX", v)) => m.insert("config_mode".into(), json!(v.trim())),
            Some(("SELINUXTYPE", v)) => m.insert("type".into(), json!(v.trim())),
            _ => None,
        };
    }
    out.insert("selinux".into(), m.into());
}

/// `apparmor`: enabled when securityfs shows the AppArmor directory.
pub fn apparmor(raw: &Raw, out: &mut Facts) {
    let status = if raw.exists("/sys/kernel/security/apparmor") {
        "enabled"
    } else {
        "disabled"
    };
    out.insert("apparmor".into(), json!({"status": status}));
}

/// `is_chroot`: `debian_chroot` set, or / differs from PID 1's root; when /proc/1/root is
/// unreadable, Ansible's fallback: the root directory's inode is not the file system's root
/// inode (2; 256 on btrfs, 128 on xfs).
pub fn chroot(raw: &Raw, out: &mut Facts) {
    if raw
        .environ()
        .iter()
        .any(|(k, v)| k == "debian_chroot" && !v.is_empty())
    {
        out.insert("is_chroot".into(), json!(true));
        return;
    }
    let answer = raw.line("chroot").unwrap_or("");
    let value = match answer {
        "same" => false,
        "different" => true,
        other => {
            let Some(ino) = other
                .split_whitespace()
                .next()
                .and_then(|i| i.parse::<u64>().ok())
            else {
                return;
            };
            let root_fs = raw
                .file("/proc/mounts")
                .unwrap_or("")
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f.len() > 2 && f[1] == "/").then(|| f[2].to_string())
                })
                .next_back()
                .unwrap_or_default();
            let root_ino = match root_fs.as_str() {
                "btrfs" => 256,
                "xfs" => 128,
                _ => 2,
            };
            ino != root_ino
        }
    };
    out.insert("is_chroot".into(), json!(value));
}

/// `ssh_host_key_*_public` and `_keytype` from the host's public key files.
pub fn ssh_pub_keys(raw: &Raw, out: &mut Facts) {
    for algo in ["dsa", "rsa", "ecdsa", "ed25519"] {
        let path = format!("/etc/ssh/ssh_host_{algo}_key.pub");
        let Some(text) = raw.file_trim(&path) else {
            continue;
        };
        let mut words = text.split_whitespace();
        if let (Some(kind), Some(key)) = (words.next(), words.next()) {
            out.insert(format!("ssh_host_key_{algo}_public"), json!(key));
            out.insert(format!("ssh_host_key_{algo}_public_keytype"), json!(kind));
        }
    }
}
