//! `pkg_mgr` and `service_mgr`, decided as Ansible decides them: by which binaries and
//! directories exist, the OS family and PID 1's name. Knows paths, not the script.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::json;

/// Ansible's `PKG_MGRS`, in order: the last existing path wins.
const PKG_MGRS: &[(&str, &str)] = &[
    ("/usr/bin/rpm-ostree", "atomic_container"),
    ("/usr/bin/yum", "dnf"),
    ("/usr/bin/dnf-3", "dnf"),
    ("/usr/bin/dnf5", "dnf5"),
    ("/usr/bin/apt-get", "apt"),
    ("/usr/bin/zypper", "zypper"),
    ("/usr/sbin/urpmi", "urpmi"),
    ("/usr/bin/pacman", "pacman"),
    ("/bin/opkg", "opkg"),
    ("/usr/pkg/bin/pkgin", "pkgin"),
    ("/opt/local/bin/pkgin", "pkgin"),
    ("/opt/tools/bin/pkgin", "pkgin"),
    ("/opt/local/bin/port", "macports"),
    ("/usr/local/bin/brew", "homebrew"),
    ("/opt/homebrew/bin/brew", "homebrew"),
    ("/sbin/apk", "apk"),
    ("/usr/sbin/pkg", "pkgng"),
    ("/usr/sbin/swlist", "swdepot"),
    ("/usr/bin/emerge", "portage"),
    ("/usr/sbin/pkgadd", "svr4pkg"),
    ("/usr/bin/pkg", "pkg5"),
    ("/usr/bin/xbps-install", "xbps"),
    ("/usr/local/sbin/pkg", "pkgng"),
    ("/usr/bin/swupd", "swupd"),
    ("/usr/sbin/sorcery", "sorcery"),
    ("/usr/bin/installp", "installp"),
];

/// Adds `pkg_mgr` for a host of the given OS family.
pub fn pkg_mgr(raw: &Raw, os_family: &str, out: &mut Facts) {
    let mut name = PKG_MGRS
        .iter()
        .filter(|(path, _)| !(os_family == "Altlinux" && *path == "/usr/bin/pkg"))
        .rfind(|(path, _)| raw.exists(path))
        .map_or("unknown", |(_, n)| *n);
    match os_family {
        "RedHat" => {
            name = if raw.exists("/run/ostree-booted") {
                "atomic_container"
            } else if raw.exists("/usr/bin/dnf") {
                if raw.line("dnf_is_dnf5") == Some("yes") {
                    "dnf5"
                } else {
                    "dnf"
                }
            } else if raw.exists("/usr/bin/microdnf") {
                "dnf"
            } else {
                "unknown"
            }
        }
        "Debian" => name = "apt",
        "Altlinux" if name == "apt" => name = "apt_rpm",
        _ => {}
    }
    out.insert("pkg_mgr".into(), json!(name));
}

/// PID 1 names Ansible maps to a service manager name.
const PROC_1_MAP: &[(&str, &str)] = &[
    ("procd", "openwrt_init"),
    ("runit-init", "runit"),
    ("svscan", "svc"),
    ("openrc-init", "openrc"),
];

/// Adds `service_mgr` for a host of the given system (`Linux`, ...) and distribution.
pub fn service_mgr(raw: &Raw, system: &str, distribution: &str, out: &mut Facts) {
    let proc_1 = raw
        .file_trim("/proc/1/comm")
        .map(|p| p.rsplit('/').next().unwrap_or(p).trim())
        .filter(|p| *p != "init" && !p.ends_with("sh"));
    let cmds = raw.section("service_cmds").unwrap_or("");
    let has_cmd = |c: &str| cmds.lines().any(|l| l.trim().rsplit('/').next() == Some(c));
    let name = if let Some(p) = proc_1 {
        PROC_1_MAP
            .iter()
            .find(|(k, _)| *k == p)
            .map_or(p, |(_, v)| *v)
    } else if system.contains("BSD") || system == "DragonFly" {
        "bsdinit"
    } else if distribution == "OpenWrt" {
        "openwrt_init"
    } else if system == "Linux" {
        let systemd = has_cmd("systemctl")
            && [
                "/run/systemd/system/",
                "/dev/.run/systemd/",
                "/dev/.systemd/",
            ]
            .iter()
            .any(|p| raw.exists(p));
        if systemd {
            "systemd"
        } else if has_cmd("initctl") && raw.exists("/etc/init/") {
            "upstart"
        } else if raw.exists("/sbin/openrc") {
            "openrc"
        } else if has_cmd("systemctl") && raw.line("sbin_init") == Some("systemd") {
            "systemd"
        } else if raw.exists("/etc/init.d/") {
            "sysvinit"
        } else if raw.exists("/etc/dinit.d/") {
            "dinit"
        } else {
            "service"
        }
    } else {
        "service"
    };
    out.insert("service_mgr".into(), json!(name));
}
