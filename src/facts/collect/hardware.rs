//! `hardware` facts except mounts: processors (Ansible's /proc/cpuinfo counting), memory
//! from /proc/meminfo, uptime, DMI strings. Knows those files only.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::json;

/// SMBIOS chassis types, indexed by /sys/.../chassis_type (Ansible's `FORM_FACTOR`).
const FORM_FACTOR: &[&str] = &[
    "Unknown",
    "Other",
    "Unknown",
    "Desktop",
    "Low Profile Desktop",
    "Pizza Box",
    "Mini Tower",
    "Tower",
    "Portable",
    "Laptop",
    "Notebook",
    "Hand Held",
    "Docking Station",
    "All In One",
    "Sub Notebook",
    "Space-saving",
    "Lunch Box",
    "Main Server Chassis",
    "Expansion Chassis",
    "Sub Chassis",
    "Bus Expansion Chassis",
    "Peripheral Chassis",
    "RAID Chassis",
    "Rack Mount Chassis",
    "Sealed-case PC",
    "Multi-system",
    "CompactPCI",
    "AdvancedTCA",
    "Blade",
    "Blade Enclosure",
    "Tablet",
    "Convertible",
    "Detachable",
    "IoT Gateway",
    "Embedded PC",
    "Mini PC",
    "Stick PC",
];

/// DMI fact names and their /sys/devices/virtual/dmi/id file.
const DMI: &[(&str, &str)] = &[
    ("bios_date", "bios_date"),
    ("bios_vendor", "bios_vendor"),
    ("bios_version", "bios_version"),
    ("board_asset_tag", "board_asset_tag"),
    ("board_name", "board_name"),
    ("board_serial", "board_serial"),
    ("board_vendor", "board_vendor"),
    ("board_version", "board_version"),
    ("chassis_asset_tag", "chassis_asset_tag"),
    ("chassis_serial", "chassis_serial"),
    ("chassis_vendor", "chassis_vendor"),
    ("chassis_version", "chassis_version"),
    ("form_factor", "chassis_type"),
    ("product_name", "product_name"),
    ("product_serial", "product_serial"),
    ("product_uuid", "product_uuid"),
    ("product_version", "product_version"),
    ("system_vendor", "sys_vendor"),
];

/// Adds processor, memory, uptime and DMI facts.
pub fn collect(raw: &Raw, architecture: &str, out: &mut Facts) {
    cpu(raw, architecture, out);
    memory(raw, out);
    if let Some(up) = raw
        .file_trim("/proc/uptime")
        .and_then(|u| u.split(' ').next())
    {
        if let Ok(secs) = up.parse::<f64>() {
            out.insert("uptime_seconds".into(), json!(secs as u64));
        }
    }
    for (fact, file) in DMI {
        let value = raw.file_trim(&format!("/sys/devices/virtual/dmi/id/{file}"));
        let value = match (value, *fact) {
            (Some(v), "form_factor") => {
                match v.parse::<usize>().ok().and_then(|i| FORM_FACTOR.get(i)) {
                    Some(f) => f.to_string(),
                    None => format!("unknown ({v})"),
                }
            }
            (Some(v), _) => v.to_string(),
            (None, _) => "NA".to_string(),
        };
        out.insert((*fact).into(), json!(value));
    }
}

/// Processor facts, counted from /proc/cpuinfo the way Ansible counts them.
fn cpu(raw: &Raw, architecture: &str, out: &mut Facts) {
    let Some(info) = raw.file("/proc/cpuinfo") else {
        return;
    };
    let xen = raw.exists("/proc/xen") || raw.file_trim("/sys/hypervisor/type") == Some("xen");
    let mut xen_paravirt = false;
    let (mut i, mut vendors, mut models, mut procs) = (0usize, 0usize, 0usize, 0usize);
    let mut processor = Vec::new();
    let mut sockets: Vec<(String, i64)> = Vec::new();
    let mut cores: Vec<(String, i64)> = Vec::new();
    let (mut physid, mut coreid) = (String::from("0"), String::from("0"));
    let set = |list: &mut Vec<(String, i64)>, key: &str, val: i64, only_new: bool| match list
        .iter_mut()
        .find(|(k, _)| k == key)
    {
        Some(e) if !only_new => e.1 = val,
        Some(_) => {}
        None => list.push((key.to_string(), val)),
    };
    for line in info.lines() {
        let (key, val) = line.split_once(':').unwrap_or((line, ""));
        let (key, val) = (key.trim(), val.trim());
        if key == "flags" {
            out.insert(
                "flags".into(),
                json!(val.split_whitespace().collect::<Vec<_>>()),
            );
            if xen && !val.split_whitespace().any(|f| f == "vme") {
                xen_paravirt = true;
            }
        }
        match key {
            "model name" | "Processor" | "vendor_id" | "cpu" | "Vendor" | "processor" => {
                processor.push(val.to_string());
                match key {
                    "vendor_id" => vendors += 1,
                    "model name" => models += 1,
                    "processor" => procs += 1,
                    _ => {}
                }
                i += 1;
            }
            "physical id" => {
                physid = val.to_string();
                set(&mut sockets, val, 1, true);
            }
            "core id" => {
                coreid = val.to_string();
                // Ansible tests `coreid not in sockets` here (a quirk kept for equal counts).
                if !sockets.iter().any(|(k, _)| k == val) {
                    set(&mut cores, val, 1, false);
                }
            }
            "cpu cores" => set(&mut sockets, &physid, val.parse().unwrap_or(0), false),
            "siblings" => set(&mut cores, &coreid, val.parse().unwrap_or(0), false),
            _ => {}
        }
    }
    if vendors > 0 && vendors == models {
        i = vendors;
    }
    if ["armv", "aarch", "ppc"]
        .iter()
        .any(|p| architecture.starts_with(p))
    {
        i = procs;
    }
    out.insert("processor".into(), json!(processor));
    let (count, per_socket, threads) = if xen_paravirt {
        (i as i64, i as i64, 1)
    } else {
        let count = if sockets.is_empty() {
            i as i64
        } else {
            sockets.len() as i64
        };
        let per_socket = sockets
            .first()
            .map(|s| s.1)
            .filter(|c| *c != 0)
            .unwrap_or(1);
        let threads = match cores.first() {
            Some((_, c)) => (*c as f64 / per_socket as f64).round() as i64,
            None => (1.0 / per_socket as f64).round() as i64,
        };
        (count, per_socket, threads)
    };
    out.insert("processor_count".into(), json!(count));
    out.insert("processor_cores".into(), json!(per_socket));
    out.insert("processor_threads_per_core".into(), json!(threads));
    out.insert(
        "processor_vcpus".into(),
        json!(threads * count * per_socket),
    );
    let allowed = raw
        .file("/proc/self/status")
        .unwrap_or("")
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|l| cpu_list_len(l.trim()));
    let nproc = allowed.filter(|n| *n > 0).unwrap_or(procs);
    out.insert("processor_nproc".into(), json!(nproc));
}

/// The number of CPUs in a kernel CPU list such as `0-3,8,10-11`.
fn cpu_list_len(list: &str) -> usize {
    list.split(',')
        .filter_map(|r| match r.split_once('-') {
            Some((a, b)) => Some(b.parse::<usize>().ok()? + 1 - a.parse::<usize>().ok()?),
            None => r.parse::<usize>().ok().map(|_| 1),
        })
        .sum()
}

/// `memtotal_mb` and friends plus the `memory_mb` summary, in MiB rounded down.
fn memory(raw: &Raw, out: &mut Facts) {
    let Some(info) = raw.file("/proc/meminfo") else {
        return;
    };
    let get = |key: &str| {
        info.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k == key).then(|| v.split_whitespace().next()?.parse::<u64>().ok())?
            })
            .map(|kb| kb / 1024)
    };
    for key in ["MemTotal", "SwapTotal", "MemFree", "SwapFree"] {
        if let Some(v) = get(key) {
            out.insert(format!("{}_mb", key.to_lowercase()), json!(v));
        }
    }
    let (total, free, buffers, cached) = (
        get("MemTotal"),
        get("MemFree"),
        get("Buffers"),
        get("Cached"),
    );
    let (swap_total, swap_free) = (get("SwapTotal"), get("SwapFree"));
    let nocache_free = match (cached, free, buffers) {
        (Some(c), Some(f), Some(b)) => Some(c + f + b),
        _ => None,
    };
    let sub = |a: Option<u64>, b: Option<u64>| Some(a? as i64 - b? as i64);
    out.insert(
        "memory_mb".into(),
        json!({
            "real": {"total": total, "used": sub(total, free), "free": free},
            "nocache": {"free": nocache_free, "used": sub(total, nocache_free)},
            "swap": {"total": swap_total, "free": swap_free, "used": sub(swap_total, swap_free),
                     "cached": get("SwapCached")},
        }),
    );
}
