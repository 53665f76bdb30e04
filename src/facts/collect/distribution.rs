//! `distribution*` and `os_family` (Ansible's `DistributionFiles` on top of the `distro`
//! library's guess from /etc/os-release), and `lsb`. Knows release files, nothing of the
//! script or of other collectors.

use super::{os_release, Facts};
use crate::facts::raw::Raw;
use regex::Regex;
use serde_json::{json, Map, Value};

/// Ansible's `OS_FAMILY_MAP`, flattened: distribution name to family.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "RedHat",
        &[
            "RedHat",
            "RHEL",
            "Fedora",
            "CentOS",
            "Scientific",
            "SLC",
            "Ascendos",
            "CloudLinux",
            "PSBM",
            "OracleLinux",
            "OVS",
            "OEL",
            "Amazon",
            "Amzn",
            "Virtuozzo",
            "XenServer",
            "Alibaba",
            "EulerOS",
            "openEuler",
            "AlmaLinux",
            "Rocky",
            "TencentOS",
            "EuroLinux",
            "Kylin Linux Advanced Server",
            "MIRACLE",
        ],
    ),
    (
        "Debian",
        &[
            "Debian",
            "Ubuntu",
            "Raspbian",
            "Neon",
            "KDE neon",
            "Linux Mint",
            "SteamOS",
            "Devuan",
            "Kali",
            "Cumulus Linux",
            "Pop!_OS",
            "Parrot",
            "Pardus GNU/Linux",
            "Uos",
            "Deepin",
            "OSMC",
            "Linux Mint Debian Edition",
        ],
    ),
    (
        "Suse",
        &[
            "SuSE",
            "SLES",
            "SLED",
            "openSUSE",
            "openSUSE Tumbleweed",
            "SLES_SAP",
            "SUSE_LINUX",
            "openSUSE Leap",
            "ALP-Dolomite",
            "SL-Micro",
            "openSUSE MicroOS",
        ],
    ),
    ("Archlinux", &["Archlinux", "Antergos", "Manjaro"]),
    ("Mandrake", &["Mandrake", "Mandriva"]),
    ("Slackware", &["Slackware"]),
    ("Altlinux", &["Altlinux"]),
    ("SMGL", &["SMGL"]),
    ("Gentoo", &["Gentoo", "Funtoo"]),
    ("Alpine", &["Alpine"]),
    ("ClearLinux", &["Clear Linux OS", "Clear Linux Mix"]),
];

/// Ansible's `OSDIST_LIST`: release files in the order they are tried, and whether an empty
/// file counts.
const OSDIST: &[(&str, &str, bool)] = &[
    ("/etc/altlinux-release", "Altlinux", false),
    ("/etc/oracle-release", "OracleLinux", false),
    ("/etc/slackware-version", "Slackware", false),
    ("/etc/centos-release", "CentOS", false),
    ("/etc/redhat-release", "RedHat", false),
    ("/etc/vmware-release", "VMwareESX", true),
    ("/etc/openwrt_release", "OpenWrt", false),
    ("/etc/os-release", "Amazon", false),
    ("/etc/system-release", "Amazon", false),
    ("/etc/alpine-release", "Alpine", false),
    ("/etc/arch-release", "Archlinux", true),
    ("/etc/os-release", "Archlinux", false),
    ("/etc/os-release", "SUSE", false),
    ("/etc/SuSE-release", "SUSE", false),
    ("/etc/gentoo-release", "Gentoo", false),
    ("/etc/os-release", "Debian", false),
    ("/etc/lsb-release", "Debian", false),
    ("/etc/lsb-release", "Mandriva", false),
    ("/etc/os-release", "NA", false),
];

/// The OS family Ansible assigns to a distribution name (the name itself if unmapped).
pub fn os_family(distribution: &str) -> String {
    FAMILIES
        .iter()
        .find(|(_, names)| names.contains(&distribution))
        .map_or(distribution, |(family, _)| family)
        .to_string()
}

/// First capture group of `re` in `text`.
fn capture(re: &str, text: &str) -> Option<String> {
    Regex::new(re)
        .ok()?
        .captures(text)?
        .get(1)
        .map(|m| m.as_str().to_string())
}

/// Python's `str.capitalize`: first character upper case, the rest lower case.
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect()
    })
}

/// The `distro` library's view: normalized id, best version and codename.
fn guess(raw: &Raw, osr: &Map<String, Value>) -> (String, String, String) {
    let get = |k: &str| osr.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let lsb = raw.file("/etc/lsb-release").unwrap_or("");
    let lsb_get = |k: &str| capture(&format!(r#"(?m)^{k}="?([^"\n]*)"?"#), lsb);
    let mut id = get("ID").to_lowercase().replace(' ', "_");
    if id.is_empty() {
        id = lsb_get("DISTRIB_ID")
            .unwrap_or_default()
            .to_lowercase()
            .replace(' ', "_");
    }
    id = match id.as_str() {
        "ol" => "oracle".to_string(),
        "opensuse-leap" => "opensuse".to_string(),
        _ => id,
    };
    let mut version = get("VERSION_ID");
    if id == "debian" {
        let dv = raw.file_trim("/etc/debian_version").unwrap_or("");
        if dv.split('.').count() > version.split('.').count()
            && dv.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            version = dv.to_string();
        }
    }
    if id == "centos" {
        let rel = raw
            .file("/etc/centos-release")
            .or_else(|| raw.file("/etc/redhat-release"))
            .unwrap_or("");
        if let Some(v) = capture(r"(\d+(?:\.\d+)+)", rel) {
            version = v.split('.').take(2).collect::<Vec<_>>().join(".");
        }
    }
    let mut codename = get("VERSION_CODENAME");
    if codename.is_empty() {
        codename = get("UBUNTU_CODENAME");
    }
    if codename.is_empty() {
        codename = capture(r"\((\D+)\)", &get("VERSION"))
            .or_else(|| capture(r",\s*(\D+)", &get("VERSION")))
            .or_else(|| lsb_get("DISTRIB_CODENAME"))
            .unwrap_or_default();
    }
    let name = match capitalize(&id).as_str() {
        "Amzn" => "Amazon".to_string(),
        "Rhel" => "Redhat".to_string(),
        "" => "OtherLinux".to_string(),
        other => other.to_string(),
    };
    (name, version, codename)
}

/// Ansible's per-file parsers: `Some(facts)` when the file identifies the distribution.
fn parse_file(name: &str, data: &str, path: &str, facts: &Facts, raw: &Raw) -> Option<Facts> {
    let mut f = Facts::new();
    let mut set = |k: &str, v: String| {
        f.insert(k.to_string(), Value::String(v));
    };
    let search = |needle: &str, set: &mut dyn FnMut(&str, String)| {
        if data.contains(needle) {
            set("distribution", name.to_string());
        } else {
            let first = data.split_whitespace().next().unwrap_or("").to_string();
            set("distribution", first);
        }
    };
    match name {
        "RedHat" => search("Red Hat", &mut set),
        "OracleLinux" => search("Oracle Linux", &mut set),
        "Altlinux" => search("ALT", &mut set),
        "Slackware" => {
            if !data.contains("Slackware") {
                return None;
            }
            if let Some(v) = capture(r"(\w+[.]\w+\+?)", data) {
                set("distribution_version", v);
            }
        }
        "CentOS" => {
            if data.contains("CentOS Stream") {
                set("distribution_release", "Stream".to_string());
            } else if data.contains("TencentOS Server") {
                set("distribution", "TencentOS".to_string());
            } else {
                return None;
            }
        }
        "OpenWrt" => {
            if !data.contains("OpenWrt") {
                return None;
            }
            if let Some(v) = capture(r#"DISTRIB_RELEASE="(.*)""#, data) {
                set("distribution_version", v);
            }
            if let Some(v) = capture(r#"DISTRIB_CODENAME="(.*)""#, data) {
                set("distribution_release", v);
            }
        }
        "Amazon" => {
            if !data.contains("Amazon") {
                return None;
            }
            set("distribution", "Amazon".to_string());
            if path == "/etc/os-release" {
                if let Some(v) = capture(r#"VERSION_ID="(.*)""#, data) {
                    let mut parts = v.split('.');
                    set(
                        "distribution_major_version",
                        parts.next().unwrap_or("").into(),
                    );
                    set(
                        "distribution_minor_version",
                        parts.next().unwrap_or("NA").into(),
                    );
                    set("distribution_version", v);
                }
            } else {
                let v = data
                    .split_whitespace()
                    .find(|w| w.chars().all(|c| c.is_ascii_digit()));
                set("distribution_version", v.unwrap_or("NA").to_string());
            }
        }
        "Alpine" => set("distribution_version", data.to_string()),
        "Archlinux" => {
            if !data.contains("Arch Linux") {
                return None;
            }
        }
        "SUSE" => {
            if !data.to_lowercase().contains("suse") || path != "/etc/os-release" {
                return None;
            }
            if let Some(v) = capture(r"(?m)^NAME=(.*)", data) {
                set("distribution", v.trim_matches('"').to_string());
            }
            if let Some(v) = capture(r#"(?m)^VERSION_ID="?([0-9]+\.?[0-9]*)"?"#, data) {
                let major = v.split('.').next().unwrap_or("").to_string();
                let minor = v.split_once('.').map_or("", |(_, m)| m).to_string();
                set("distribution_major_version", major);
                set("distribution_version", v);
                if data.to_lowercase().contains("open") {
                    set("distribution_release", minor);
                } else if data.to_lowercase().contains("enterprise") {
                    set(
                        "distribution_release",
                        if minor.is_empty() { "0".into() } else { minor },
                    );
                }
            }
            match capture(r#"(?m)^VARIANT_ID="?([^"\n]*)"?"#, data).as_deref() {
                Some("server-sap") | Some("sles-sap") => set("distribution", "SLES_SAP".into()),
                Some("transactional") => set("distribution", "SL-Micro".into()),
                _ => {}
            }
        }
        "Gentoo" => {
            if !data.contains("Gentoo") {
                return None;
            }
            if let Some(v) = capture(r"(\w+\.\w+\.\w+)", data) {
                set("distribution_version", v);
            }
        }
        "Debian" => return parse_debian(data, path, raw),
        "Mandriva" => {
            if !data.contains("Mandriva") {
                return None;
            }
            if let Some(v) = capture(r"DISTRIB_RELEASE=(.*)", data) {
                set("distribution_version", v);
            }
            if let Some(v) = capture(r"DISTRIB_CODENAME=(.*)", data) {
                set("distribution_release", v);
            }
            set("distribution", name.to_string());
        }
        "NA" => {
            if let Some(v) = capture(r"(?m)^NAME=(.*)", data) {
                set("distribution", v.trim_matches('"').to_string());
            }
            let version_unknown = facts.get("distribution_version") == Some(&json!("NA"));
            if let Some(v) = capture(r"(?m)^VERSION=(.*)", data).filter(|_| version_unknown) {
                set("distribution_version", v.trim_matches('"').to_string());
            }
        }
        _ => return None,
    }
    Some(f)
}

/// `parse_distribution_file_Debian`: Debian, Ubuntu and their derivatives.
fn parse_debian(data: &str, path: &str, raw: &Raw) -> Option<Facts> {
    let mut f = Facts::new();
    let mut set = |k: &str, v: String| {
        f.insert(k.to_string(), Value::String(v));
    };
    let version_id = |set: &mut dyn FnMut(&str, String), major_whole: bool| {
        if let Some(v) = capture(r#"VERSION_ID="(.*)""#, data) {
            let major = if major_whole {
                v.clone()
            } else {
                v.split('.').next().unwrap_or("").to_string()
            };
            set("distribution_major_version", major);
            set("distribution_version", v);
        }
    };
    if data.contains("Debian") || data.contains("Raspbian") {
        set("distribution", "Debian".into());
        if let Some(r) = capture(r"PRETTY_NAME=[^(]+ \(?([^)]+?)\)", data) {
            set("distribution_release", r);
        }
        let dv = raw.file("/etc/debian_version").unwrap_or("");
        for line in dv.lines() {
            if let Some(minor) = capture(r"\d+\.(\d+)", line.trim()) {
                set("distribution_minor_version", minor);
            }
        }
    } else if data.contains("Ubuntu") {
        set("distribution", "Ubuntu".into());
    } else if data.contains("SteamOS") {
        set("distribution", "SteamOS".into());
    } else if (path == "/etc/lsb-release" || path == "/etc/os-release")
        && (data.contains("Kali") || data.contains("Parrot"))
    {
        let name = if data.contains("Kali") {
            "Kali"
        } else {
            "Parrot"
        };
        set("distribution", name.into());
        if let Some(r) = capture(r"DISTRIB_RELEASE=(.*)", data) {
            set("distribution_release", r);
        }
    } else if data.contains("Devuan") {
        set("distribution", "Devuan".into());
        if let Some(r) = capture(r#"PRETTY_NAME="?[^("]+ \(?([^) "]+)\)?"#, data) {
            set("distribution_release", r);
        }
        version_id(&mut set, true);
    } else if data.contains("Mint") {
        set("distribution", "Linux Mint".into());
        version_id(&mut set, false);
    } else if data.contains("LMDE") {
        set("distribution", "Linux Mint Debian Edition".into());
    } else {
        return None;
    }
    Some(f)
}

/// Adds the distribution facts and `os_family`.
pub fn collect(raw: &Raw, out: &mut Facts) {
    let system = raw
        .file_trim("/proc/sys/kernel/ostype")
        .or_else(|| raw.section("uname_full").and_then(|s| s.lines().next()))
        .unwrap_or("Linux")
        .to_string();
    let mut f = Facts::new();
    if system != "Linux" {
        f.insert("distribution".into(), json!(system));
        f.insert("os_family".into(), json!(os_family(&system)));
        out.extend(f);
        return;
    }
    let osr = os_release(raw);
    let (name, version, codename) = guess(raw, &osr);
    let version = if version.is_empty() {
        "NA".to_string()
    } else {
        version
    };
    let major = version
        .split('.')
        .next()
        .filter(|m| !m.is_empty())
        .unwrap_or("NA");
    f.insert("distribution".into(), json!(name));
    f.insert("distribution_major_version".into(), json!(major));
    f.insert("distribution_version".into(), json!(version));
    let release = if codename.is_empty() { "NA" } else { &codename };
    f.insert("distribution_release".into(), json!(release));
    for (path, name, allow_empty) in OSDIST {
        if *allow_empty && raw.exists(path) {
            f.insert("distribution".into(), json!(name));
            f.insert("distribution_file_path".into(), json!(path));
            f.insert("distribution_file_variety".into(), json!(name));
            break;
        }
        let Some(data) = raw.file(path).filter(|d| !d.trim().is_empty()) else {
            continue;
        };
        let data = data
            .trim()
            .trim_matches(|c| c == '\'' || c == '"' || c == '\\');
        if let Some(parsed) = parse_file(name, data, path, &f, raw) {
            f.insert("distribution".into(), json!(name));
            f.insert("distribution_file_path".into(), json!(path));
            f.insert("distribution_file_variety".into(), json!(name));
            f.insert("distribution_file_parsed".into(), json!(true));
            f.extend(parsed);
            break;
        }
    }
    let dist = f["distribution"].as_str().unwrap_or("").to_string();
    f.insert("os_family".into(), json!(os_family(&dist)));
    out.extend(f);
}

/// `lsb`: from /etc/lsb-release, or what `lsb_release -a` would print (read from
/// /etc/os-release) when the command exists; `{}` otherwise.
pub fn collect_lsb(raw: &Raw, out: &mut Facts) {
    let mut lsb = Map::new();
    let mut put = |k: &str, v: &str| {
        let v = v
            .trim()
            .trim_matches(|c| c == '\'' || c == '"' || c == '\\');
        if !v.is_empty() {
            lsb.insert(k.to_string(), json!(v));
        }
    };
    if raw.line("cmd_lsb_release").is_some() {
        let osr = os_release(raw);
        let get = |k: &str| osr.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let id = get("ID");
        let mut chars = id.chars();
        let id: String = chars
            .next()
            .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect());
        put("id", &id);
        put("description", &get("PRETTY_NAME"));
        put("release", &get("VERSION_ID"));
        put("codename", &get("VERSION_CODENAME"));
    } else if let Some(text) = raw.file("/etc/lsb-release") {
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            match k.trim() {
                "DISTRIB_ID" => put("id", v),
                "DISTRIB_RELEASE" => put("release", v),
                "DISTRIB_DESCRIPTION" => put("description", v),
                "DISTRIB_CODENAME" => put("codename", v),
                _ => {}
            }
        }
    }
    if let Some(r) = lsb.get("release").and_then(Value::as_str) {
        let major = r.split('.').next().unwrap_or("").to_string();
        lsb.insert("major_release".into(), json!(major));
    }
    out.insert("lsb".into(), Value::Object(lsb));
}
