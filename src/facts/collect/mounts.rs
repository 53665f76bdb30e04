//! `mounts`: the block-device and network mounts of /proc/mounts (Ansible skips pseudo file
//! systems the same way) with statvfs sizes from the script's `stat -f` pass and bind mounts
//! from /proc/self/mountinfo. Knows those formats only.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::{json, Map, Value};

/// Undoes the kernel's octal escapes (`\040` for a space) in a /proc/mounts field.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let oct = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], oct) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Adds `mounts`.
pub fn collect(raw: &Raw, out: &mut Facts) {
    let Some(table) = raw.file("/proc/mounts") else {
        return;
    };
    let mut sizes: Vec<(&str, Vec<u64>)> = Vec::new();
    for line in raw.section("statfs").unwrap_or("").lines() {
        let mut parts = line.splitn(7, ' ');
        let nums: Vec<u64> = parts
            .by_ref()
            .take(6)
            .filter_map(|n| n.parse().ok())
            .collect();
        if let (6, Some(name)) = (nums.len(), parts.next()) {
            sizes.push((name, nums));
        }
    }
    // A mount whose root inside its file system is not `/` is a bind mount: what
    // `findmnt` shows as `SOURCE[/dir]` and Ansible marks with `,bind`.
    let binds: Vec<&str> = raw
        .file("/proc/self/mountinfo")
        .unwrap_or("")
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f.len() > 4 && f[3] != "/").then_some(f[4])
        })
        .collect();
    let mut mounts: Vec<(String, Map<String, Value>)> = Vec::new();
    for line in table.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 4 {
            continue;
        }
        let device = unescape(f[0]);
        let fstype = unescape(f[2]);
        let wanted = device.starts_with('/') || device.starts_with('\\') || device.contains(":/");
        if !wanted || fstype == "none" {
            continue;
        }
        let mount = unescape(f[1]);
        let mut m = Map::new();
        m.insert("mount".into(), json!(mount));
        m.insert("device".into(), json!(device));
        m.insert("fstype".into(), json!(fstype));
        let mut options = unescape(f[3]);
        if binds.contains(&f[1]) && !options.contains("bind") {
            options.push_str(",bind");
        }
        m.insert("options".into(), json!(options));
        let num = |i: usize| f.get(i).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        m.insert("dump".into(), json!(num(4)));
        m.insert("passno".into(), json!(num(5)));
        if let Some((_, n)) = sizes.iter().find(|(name, _)| *name == f[1]) {
            let (bsize, frsize, blocks, bavail, files, ffree) =
                (n[0], n[1], n[2], n[3], n[4], n[5]);
            m.insert("size_total".into(), json!(frsize * blocks));
            m.insert("size_available".into(), json!(frsize * bavail));
            m.insert("block_size".into(), json!(bsize));
            m.insert("block_total".into(), json!(blocks));
            m.insert("block_available".into(), json!(bavail));
            m.insert("block_used".into(), json!(blocks.saturating_sub(bavail)));
            m.insert("inode_total".into(), json!(files));
            m.insert("inode_available".into(), json!(ffree));
            m.insert("inode_used".into(), json!(files.saturating_sub(ffree)));
        }
        m.insert("uuid".into(), json!("N/A"));
        match mounts.iter_mut().find(|(k, _)| *k == mount) {
            Some(slot) => slot.1 = m,
            None => mounts.push((mount, m)),
        }
    }
    let list: Vec<Value> = mounts.into_iter().map(|(_, m)| Value::Object(m)).collect();
    out.insert("mounts".into(), json!(list));
}
