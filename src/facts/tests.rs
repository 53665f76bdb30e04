//! Tests of the fact script and its parser: subset resolution, framing, collectors on
//! captured output, and the real script run locally under /bin/sh and busybox sh.

use super::{parse, script, Collector, FactsError, Subset};
use serde_json::{json, Map, Value};
use std::process::Command;

/// Builds script-shaped output: `files` as `grep -H` would print them, then `sections`.
fn output(collectors: &str, files: &[(&str, &str)], sections: &[(&str, &str)]) -> String {
    let n = "0b5e";
    let mut s = format!("rsible-facts 1 {n}\n\n{n} pid\n4242\n\n{n} collectors\n{collectors}\n");
    s.push_str(&format!("\n{n} gather_subset\nall\n\n{n} files\n"));
    for (path, content) in files {
        for line in content.lines() {
            s.push_str(&format!("{path}:{line}\n"));
        }
    }
    for (name, body) in sections {
        s.push_str(&format!("\n{n} {name}\n{body}"));
    }
    s.push_str(&format!("\n{n} end\n"));
    s
}

fn subset(v: Value) -> Result<Vec<Collector>, FactsError> {
    Subset::parse(&v).map(|s| s.collectors().to_vec())
}

#[test]
fn subset_rules_follow_ansible() {
    use Collector as C;
    let all = subset(json!("all")).unwrap();
    assert!(all.contains(&C::Network) && all.contains(&C::Hardware) && all.contains(&C::Virtual));
    let min = subset(json!(["min"])).unwrap();
    assert!(min.contains(&C::Platform) && min.contains(&C::User) && !min.contains(&C::Network));
    assert_eq!(subset(json!("!all")).unwrap(), min);
    let net = subset(json!("!all,network")).unwrap();
    assert!(net.contains(&C::Network) && net.contains(&C::Platform) && !net.contains(&C::Hardware));
    assert_eq!(subset(json!(["!all", "!min"])).unwrap(), Vec::<C>::new());
    assert_eq!(
        subset(json!(["!all", "!min", "kernel"])).unwrap(),
        vec![C::Platform]
    );
    let no_hw = subset(json!(["all", "!hardware", "!facter"])).unwrap();
    assert!(!no_hw.contains(&C::Hardware) && no_hw.contains(&C::Network));
    assert_eq!(subset(Value::Null).unwrap(), all);
    assert_eq!(Subset::all().collectors(), &all[..]);
}

#[test]
fn unknown_subsets_are_named() {
    let err = subset(json!(["all", "netwrok", "bogus"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("netwrok, bogus"), "{err}");
    assert!(err.contains("hardware"), "{err}");
    assert!(
        subset(json!("!bogus")).is_ok(),
        "excluding an unknown name is ignored"
    );
    assert!(subset(json!(3)).is_err());
    assert!(subset(json!(["a\nb"])).is_err());
}

#[test]
fn framing_survives_hostile_environment_values() {
    // An env value with newlines, `=` and a line that looks like a section header.
    let environ = "A=1\0B=x=y\nrsible-facts 1 fake\n0b5f end\nZ\0C=\0";
    let out = output("env", &[("/proc/4242/environ", environ)], &[]);
    let facts = parse(&out).unwrap();
    assert_eq!(
        facts["env"],
        json!({"A": "1", "B": "x=y\nrsible-facts 1 fake\n0b5f end\nZ", "C": ""})
    );
    assert_eq!(facts["gather_subset"], json!(["all"]));
    assert_eq!(facts["module_setup"], json!(true));
}

#[test]
fn bad_output_is_an_error_not_a_panic() {
    assert!(matches!(parse(""), Err(FactsError::Output(_))));
    assert!(matches!(parse("Welcome!\n"), Err(FactsError::Output(_))));
    let cut = output("env", &[], &[]).replace("0b5e end\n", "");
    assert!(parse(&cut).unwrap_err().to_string().contains("truncated"));
    // Nonsense in every section still parses.
    let junk = output(
        "platform distribution user date_time hardware network virtual dns cmdline",
        &[
            ("/proc/cpuinfo", "::::\ncpu cores: x"),
            ("/proc/meminfo", "MemTotal: lots"),
        ],
        &[
            ("date", "1|2|3\n"),
            ("id", "uid=(x)\n"),
            ("ip_addr", "1: eth0 inet 999.1.1.1/99\n"),
        ],
    );
    assert!(parse(&junk).is_ok());
}

fn distro(files: &[(&str, &str)]) -> Map<String, Value> {
    let mut all = vec![("/proc/sys/kernel/ostype", "Linux\n")];
    all.extend_from_slice(files);
    parse(&output(
        "distribution pkg_mgr",
        &all,
        &[("exists", "/usr/bin/apt-get\n")],
    ))
    .unwrap()
}

#[test]
fn distributions_map_to_ansible_families() {
    let ubuntu = distro(&[(
        "/etc/os-release",
        "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nVERSION=\"24.04.1 LTS (Noble Numbat)\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n",
    )]);
    assert_eq!(ubuntu["distribution"], "Ubuntu");
    assert_eq!(ubuntu["os_family"], "Debian");
    assert_eq!(ubuntu["distribution_version"], "24.04");
    assert_eq!(ubuntu["distribution_major_version"], "24");
    assert_eq!(ubuntu["distribution_release"], "noble");
    assert_eq!(ubuntu["pkg_mgr"], "apt");

    let rocky = distro(&[
        (
            "/etc/os-release",
            "NAME=\"Rocky Linux\"\nVERSION=\"9.4 (Blue Onyx)\"\nID=\"rocky\"\nVERSION_ID=\"9.4\"\n",
        ),
        (
            "/etc/redhat-release",
            "Rocky Linux release 9.4 (Blue Onyx)\n",
        ),
    ]);
    assert_eq!(rocky["distribution"], "Rocky");
    assert_eq!(rocky["os_family"], "RedHat");
    assert_eq!(rocky["distribution_version"], "9.4");
    assert_eq!(rocky["distribution_release"], "Blue Onyx");
    assert_eq!(rocky["pkg_mgr"], "unknown", "no dnf in the fixture");

    let alpine = distro(&[
        (
            "/etc/os-release",
            "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n",
        ),
        ("/etc/alpine-release", "3.20.3\n"),
    ]);
    assert_eq!(alpine["distribution"], "Alpine");
    assert_eq!(alpine["os_family"], "Alpine");
    assert_eq!(alpine["distribution_version"], "3.20.3");
    assert_eq!(alpine["distribution_major_version"], "3");

    let debian = distro(&[
        ("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"),
        ("/etc/debian_version", "12.11\n"),
    ]);
    assert_eq!(debian["distribution"], "Debian");
    assert_eq!(debian["distribution_version"], "12.11");
    assert_eq!(debian["distribution_minor_version"], "11");
    assert_eq!(debian["distribution_release"], "bookworm");

    let stream = distro(&[
        (
            "/etc/os-release",
            "NAME=\"CentOS Stream\"\nVERSION=\"9\"\nID=\"centos\"\nVERSION_ID=\"9\"\n",
        ),
        ("/etc/centos-release", "CentOS Stream release 9\n"),
        ("/etc/redhat-release", "CentOS Stream release 9\n"),
    ]);
    assert_eq!(stream["distribution"], "CentOS");
    assert_eq!(stream["distribution_release"], "Stream");
    assert_eq!(stream["os_family"], "RedHat");
}

#[test]
fn network_and_hardware_from_captured_output() {
    let files = [
        ("/sys/class/net/eth0/address", "02:fc:00:00:00:01\n"),
        ("/sys/class/net/eth0/mtu", "1400\n"),
        ("/sys/class/net/eth0/operstate", "up\n"),
        ("/sys/class/net/eth0/type", "1\n"),
        ("/sys/class/net/eth0/flags", "0x1003\n"),
        ("/sys/class/net/lo/address", "00:00:00:00:00:00\n"),
        ("/sys/class/net/lo/mtu", "65536\n"),
        ("/sys/class/net/lo/operstate", "unknown\n"),
        ("/sys/class/net/lo/type", "772\n"),
        ("/proc/meminfo", "MemTotal:       24683656 kB\nMemFree:        20000000 kB\nBuffers: 1024 kB\nCached: 2048 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n"),
        ("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nphysical id\t: 0\nsiblings\t: 2\ncore id\t\t: 0\ncpu cores\t: 2\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nphysical id\t: 0\nsiblings\t: 2\ncore id\t\t: 1\ncpu cores\t: 2\n"),
        ("/proc/mounts", "proc /proc proc rw 0 0\n/dev/vda / ext4 rw,relatime 0 1\n/dev/vdb /my\\040data xfs rw 0 2\n"),
    ];
    let sections = [
        ("ip_addr", "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever\n2: eth0    inet 192.0.2.9/24 brd 192.0.2.255 scope global secondary eth0\\ x\n2: eth0    inet6 fd00::2/64 scope global \\       valid_lft forever\n"),
        ("route4", "8.8.8.8 via 192.0.2.1 dev eth0 src 192.0.2.2 uid 0 \\    cache \n"),
        ("route6", ""),
        ("statfs", "4096 4096 1000 400 64 32 /\n"),
    ];
    let facts = parse(&output("hardware network", &files, &sections)).unwrap();
    assert_eq!(facts["interfaces"], json!(["eth0", "lo"]));
    assert_eq!(facts["eth0"]["mtu"], json!(1400));
    assert_eq!(facts["eth0"]["active"], json!(true));
    assert_eq!(facts["eth0"]["promisc"], json!(false));
    assert_eq!(facts["eth0"]["ipv4"]["netmask"], "255.255.255.0");
    assert_eq!(facts["eth0"]["ipv4_secondaries"][0]["address"], "192.0.2.9");
    assert_eq!(
        facts["eth0"]["ipv6"],
        json!([{"address": "fd00::2", "prefix": "64", "scope": "global"}])
    );
    assert!(facts["lo"].get("macaddress").is_none());
    assert_eq!(facts["lo"]["type"], "loopback");
    assert_eq!(
        facts["default_ipv4"],
        json!({"gateway": "192.0.2.1", "interface": "eth0", "address": "192.0.2.2",
               "broadcast": "192.0.2.255", "netmask": "255.255.255.0", "network": "192.0.2.0",
               "prefix": "24", "macaddress": "02:fc:00:00:00:01", "mtu": 1400, "type": "ether",
               "alias": "eth0"})
    );
    assert_eq!(facts["default_ipv6"], json!({}));
    assert_eq!(
        facts["all_ipv4_addresses"],
        json!(["192.0.2.2", "192.0.2.9"])
    );
    assert_eq!(facts["memtotal_mb"], json!(24105));
    assert_eq!(facts["memory_mb"]["nocache"]["free"], json!(19531 + 1 + 2));
    assert_eq!(facts["processor_count"], json!(1));
    assert_eq!(facts["processor_cores"], json!(2));
    assert_eq!(facts["processor_vcpus"], json!(2));
    assert_eq!(
        facts["processor"],
        json!([
            "0",
            "AuthenticAMD",
            "AMD EPYC",
            "1",
            "AuthenticAMD",
            "AMD EPYC"
        ])
    );
    let mounts = facts["mounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 2);
    assert_eq!(mounts[0]["size_total"], json!(4096 * 1000));
    assert_eq!(mounts[0]["block_used"], json!(600));
    assert_eq!(mounts[0]["passno"], json!(1));
    assert_eq!(mounts[1]["mount"], "/my data");
    assert!(mounts[1].get("size_total").is_none());
}

#[test]
fn user_date_and_platform_from_captured_output() {
    let files = [
        ("/proc/sys/kernel/ostype", "Linux\n"),
        ("/proc/sys/kernel/hostname", "web1\n"),
        ("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n"),
        (
            "/etc/hosts",
            "127.0.0.1 localhost\n127.0.1.1 web1.example.com web1\n",
        ),
        (
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\ndeploy:x:1001:1002:Deploy,,,:/home/deploy:/bin/sh\n",
        ),
        ("/proc/4242/environ", "USER=deploy\0HOME=/tmp\0"),
    ];
    let sections = [
        ("uname", "aarch64\n"),
        (
            "id",
            "uid=1001(deploy) gid=1002(deploy) groups=1002(deploy)\n",
        ),
        (
            "date",
            "2024|02|29|23|59|58|1709247598|CET|+0100|Thursday|4|08|123456789\n",
        ),
    ];
    let facts = parse(&output("platform user date_time", &files, &sections)).unwrap();
    assert_eq!(facts["fqdn"], "web1.example.com");
    assert_eq!(facts["domain"], "example.com");
    assert_eq!(facts["hostname"], "web1");
    assert_eq!(facts["architecture"], "aarch64");
    assert_eq!(facts["user_id"], "deploy");
    assert_eq!(facts["user_uid"], json!(1001));
    assert_eq!(facts["user_gid"], json!(1002));
    assert_eq!(facts["user_dir"], "/home/deploy");
    assert_eq!(facts["user_gecos"], "Deploy,,,");
    let dt = &facts["date_time"];
    assert_eq!(dt["date"], "2024-02-29");
    assert_eq!(dt["epoch"], "1709247598");
    assert_eq!(dt["iso8601"], "2024-02-29T22:59:58Z");
    assert_eq!(dt["iso8601_micro"], "2024-02-29T22:59:58.123456Z");
    assert_eq!(dt["iso8601_basic"], "20240229T235958123456");
    assert_eq!(dt["tz_offset"], "+0100");
}

/// Runs the script for `subset` under `shell` (argv), as the engine would over SSH.
fn run(shell: &[&str], subset: &Subset) -> Option<String> {
    let out = Command::new(shell[0])
        .args(&shell[1..])
        .arg("-c")
        .arg(script(subset))
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The types Ansible gives the required facts.
fn check_types(facts: &Map<String, Value>) {
    for k in [
        "hostname",
        "fqdn",
        "nodename",
        "domain",
        "os_family",
        "distribution",
        "distribution_version",
        "distribution_major_version",
        "distribution_release",
        "system",
        "kernel",
        "kernel_version",
        "architecture",
        "machine",
        "pkg_mgr",
        "service_mgr",
        "user_id",
        "user_dir",
        "user_shell",
    ] {
        assert!(facts[k].is_string(), "{k}: {:?}", facts.get(k));
    }
    for k in [
        "processor_vcpus",
        "processor_cores",
        "processor_count",
        "memtotal_mb",
        "memfree_mb",
        "swaptotal_mb",
        "swapfree_mb",
        "user_uid",
        "user_gid",
        "uptime_seconds",
    ] {
        assert!(facts[k].is_u64(), "{k}: {:?}", facts.get(k));
    }
    for k in [
        "default_ipv4",
        "default_ipv6",
        "env",
        "date_time",
        "dns",
        "lsb",
        "selinux",
    ] {
        assert!(facts[k].is_object(), "{k}: {:?}", facts.get(k));
    }
    for k in [
        "interfaces",
        "all_ipv4_addresses",
        "all_ipv6_addresses",
        "mounts",
        "processor",
    ] {
        assert!(facts[k].is_array(), "{k}: {:?}", facts.get(k));
    }
    assert_eq!(facts["fips"], json!(false));
    assert!(facts["date_time"]["epoch"]
        .as_str()
        .is_some_and(|e| e.parse::<u64>().is_ok()));
    for name in facts["interfaces"].as_array().unwrap() {
        let iface = &facts[&name.as_str().unwrap().replace([':', '-'], "_")];
        assert!(
            iface["mtu"].is_u64() && iface["active"].is_boolean(),
            "{name}: {iface}"
        );
    }
    let virt = facts["virtualization_type"].as_str().unwrap_or("");
    assert!(!virt.is_empty());
    assert!(facts["env"].get("PATH").is_some());
}

#[test]
fn real_script_under_sh() {
    let out = run(&["/bin/sh"], &Subset::all()).expect("/bin/sh runs");
    let facts = parse(&out).unwrap();
    check_types(&facts);
    let min = parse(&run(&["/bin/sh"], &Subset::parse(&json!("min")).unwrap()).unwrap()).unwrap();
    assert!(min.contains_key("distribution") && min.contains_key("user_id"));
    assert!(!min.contains_key("interfaces") && !min.contains_key("mounts"));
    assert!(!min.contains_key("virtualization_type"));
    assert_eq!(min["gather_subset"], json!(["min"]));
}

#[test]
fn real_script_under_busybox_sh() {
    let path = which("busybox").unwrap_or_else(|_| {
        panic!("busybox is not installed: scripts/test.sh installs it (apt-get install -y busybox)")
    });
    let out = run(&[&path, "sh"], &Subset::all()).expect("busybox sh runs");
    check_types(&parse(&out).unwrap());
}

fn which(name: &str) -> Result<String, ()> {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| format!("{d}/{name}"))
        .find(|p| std::path::Path::new(p).is_file())
        .ok_or(())
}
