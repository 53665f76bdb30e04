//! Fact gathering against the real `ansible -m setup` (ansible-core from PyPI, installed by
//! scripts/test.sh) on this machine: rsible's script runs under /bin/sh, its output is
//! parsed, and every required fact is compared with Ansible's. Without ansible the test
//! fails: a skipped comparison would prove nothing.
//!
//! Known, documented differences that are compared loosely: clock readings (date_time,
//! uptime_seconds, memfree_mb) are taken a moment apart; `env` differs by what Ansible
//! itself sets for its module (`_`, `PWD`, locale variables); interface order is glob order
//! in Ansible, sorted in rsible.

use rsible::facts::{parse, script, Subset};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn ansible() -> PathBuf {
    let path = std::env::var_os("RSIBLE_ANSIBLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible"));
    assert!(
        path.is_file(),
        "ansible not found at {} (set RSIBLE_ANSIBLE, or run scripts/test.sh, which installs it)",
        path.display()
    );
    path
}

/// `ansible localhost -c local -m setup`'s `ansible_facts`, prefix removed.
fn theirs() -> Map<String, Value> {
    let out = Command::new(ansible())
        .args(["localhost", "-c", "local", "-m", "setup"])
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "False")
        .output()
        .expect("ansible runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text.find('{').map(|i| &text[i..]).unwrap_or_else(|| {
        panic!(
            "ansible printed no JSON: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v: Value = serde_json::from_str(json).expect("ansible's JSON");
    let facts = v["ansible_facts"]
        .as_object()
        .expect("ansible_facts")
        .clone();
    facts
        .into_iter()
        .map(|(k, v)| (k.strip_prefix("ansible_").unwrap_or(&k).to_string(), v))
        .collect()
}

/// rsible's facts from the script run locally under /bin/sh.
fn ours() -> Map<String, Value> {
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(script(&Subset::all()))
        .output()
        .expect("/bin/sh runs");
    parse(&String::from_utf8_lossy(&out.stdout)).expect("our output parses")
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(f64::NAN)
}

fn set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn facts_match_ansible_setup() {
    let bin = ansible();
    assert!(bin.is_file());
    let handle = std::thread::spawn(theirs);
    // Indexing a Value gives null for a missing key, where a Map would panic.
    let ours = Value::Object(ours());
    let theirs = Value::Object(handle.join().expect("ansible thread"));
    let mut diffs = Vec::new();
    let mut same = |key: &str| {
        if ours.get(key) != theirs.get(key) {
            diffs.push(format!(
                "{key}: rsible {:?} ansible {:?}",
                ours.get(key),
                theirs.get(key)
            ));
        }
    };
    for key in [
        "hostname",
        "fqdn",
        "nodename",
        "domain",
        "os_family",
        "distribution",
        "distribution_version",
        "distribution_major_version",
        "distribution_minor_version",
        "distribution_release",
        "distribution_file_path",
        "distribution_file_variety",
        "lsb",
        "system",
        "kernel",
        "kernel_version",
        "architecture",
        "machine",
        "machine_id",
        "userspace_architecture",
        "userspace_bits",
        "processor_vcpus",
        "processor_cores",
        "processor_count",
        "processor_threads_per_core",
        "processor_nproc",
        "processor",
        "memtotal_mb",
        "swaptotal_mb",
        "swapfree_mb",
        "default_ipv4",
        "default_ipv6",
        "pkg_mgr",
        "service_mgr",
        "user_id",
        "user_uid",
        "user_gid",
        "user_gecos",
        "user_dir",
        "user_shell",
        "real_user_id",
        "effective_user_id",
        "real_group_id",
        "effective_group_id",
        "virtualization_type",
        "virtualization_role",
        "selinux",
        "apparmor",
        "fips",
        "is_chroot",
        "dns",
        "cmdline",
        "proc_cmdline",
        "form_factor",
        "product_name",
        "system_vendor",
        "bios_vendor",
        "gather_subset",
        "module_setup",
    ] {
        same(key);
    }
    for key in [
        "interfaces",
        "all_ipv4_addresses",
        "all_ipv6_addresses",
        "virtualization_tech_guest",
        "virtualization_tech_host",
    ] {
        if set(&ours[key]) != set(&theirs[key]) {
            diffs.push(format!(
                "{key}: rsible {} ansible {}",
                ours[key], theirs[key]
            ));
        }
    }
    for name in theirs["interfaces"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or("").replace([':', '-'], "_");
        let name = name.as_str();
        for field in [
            "ipv4",
            "macaddress",
            "mtu",
            "active",
            "type",
            "device",
            "promisc",
        ] {
            let (a, b) = (ours[name].get(field), theirs[name].get(field));
            if a != b {
                diffs.push(format!("{name}.{field}: rsible {a:?} ansible {b:?}"));
            }
        }
    }
    let mount_keys = |m: &Value| -> BTreeSet<String> {
        m["mounts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let f = |k: &str| m[k].to_string();
                [
                    f("mount"),
                    f("device"),
                    f("fstype"),
                    f("options"),
                    f("block_size"),
                ]
                .join(" ")
            })
            .collect()
    };
    if mount_keys(&ours) != mount_keys(&theirs) {
        diffs.push(format!(
            "mounts: rsible {} ansible {}",
            ours["mounts"], theirs["mounts"]
        ));
    }
    // Readings taken a few seconds apart.
    let close = |key: &str, a: &Value, b: &Value, slack: f64, diffs: &mut Vec<String>| {
        if (num(a) - num(b)).abs() > slack || num(a).is_nan() {
            diffs.push(format!("{key}: rsible {a} ansible {b}"));
        }
    };
    close(
        "uptime_seconds",
        &ours["uptime_seconds"],
        &theirs["uptime_seconds"],
        30.0,
        &mut diffs,
    );
    let total = num(&theirs["memtotal_mb"]);
    close(
        "memfree_mb",
        &ours["memfree_mb"],
        &theirs["memfree_mb"],
        total / 5.0,
        &mut diffs,
    );
    let (od, td) = (&ours["date_time"], &theirs["date_time"]);
    close(
        "date_time.epoch",
        &od["epoch"],
        &td["epoch"],
        30.0,
        &mut diffs,
    );
    let od_keys: BTreeSet<&String> = od
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let td_keys: BTreeSet<&String> = td
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    if od_keys != td_keys {
        diffs.push(format!(
            "date_time keys: rsible {od_keys:?} ansible {td_keys:?}"
        ));
    }
    for k in ["tz", "tz_offset", "year", "weekday", "weeknumber"] {
        if od[k] != td[k] {
            diffs.push(format!("date_time.{k}: rsible {} ansible {}", od[k], td[k]));
        }
    }
    for k in ["PATH", "HOME"] {
        if ours["env"][k] != theirs["env"][k] {
            diffs.push(format!(
                "env.{k}: rsible {} ansible {}",
                ours["env"][k], theirs["env"][k]
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "facts differ from ansible's:\n{}",
        diffs.join("\n")
    );
}
