//! `virtualization_type`, `virtualization_role` and the guest/host technology lists, with
//! Ansible's Linux checks in Ansible's order (cgroups, PID 1's environment, OpenVZ,
//! systemd's container file, Docker markers, Xen, DMI, VServer, cpuinfo, modules, /dev/kvm).
//! Knows those files only.

use super::Facts;
use crate::facts::raw::Raw;
use serde_json::json;
use std::collections::BTreeSet;

/// The detection state: first finding decides type and role; every finding adds a tech.
#[derive(Default)]
struct Virt {
    kind: Option<String>,
    role: Option<String>,
    found: bool,
    guest: BTreeSet<String>,
    host: BTreeSet<String>,
}

impl Virt {
    /// A finding that sets type and role if nothing was found before.
    fn guest_found(&mut self, tech: &str, kind: &str, role: Option<&str>) {
        self.guest.insert(tech.to_string());
        if !self.found {
            self.kind = Some(kind.to_string());
            if let Some(r) = role {
                self.role = Some(r.to_string());
            }
            self.found = true;
        }
    }
}

/// Adds the virtualization facts.
pub fn collect(raw: &Raw, out: &mut Facts) {
    let mut v = Virt::default();
    for line in raw.file("/proc/1/cgroup").unwrap_or("").lines() {
        let docker = line.contains("/docker/")
            || line
                .split("/docker-")
                .nth(1)
                .is_some_and(|r| r.contains(".scope"));
        if docker {
            v.guest_found("docker", "docker", Some("guest"));
        }
        if line.contains("/lxc/") || line.contains("/machine.slice/machine-lxc") {
            v.guest_found("lxc", "lxc", Some("guest"));
        }
        if line.contains("/system.slice/containerd.service") {
            v.guest_found("containerd", "containerd", Some("guest"));
        }
    }
    for entry in raw
        .file("/proc/1/environ")
        .unwrap_or("")
        .split(['\0', '\n'])
    {
        if entry.contains("container=lxc") {
            v.guest_found("lxc", "lxc", Some("guest"));
        }
        if entry.contains("container=podman") {
            v.guest_found("podman", "podman", Some("guest"));
        }
        if entry
            .strip_prefix("container=")
            .is_some_and(|r| !r.is_empty())
        {
            v.guest_found("container", "container", Some("guest"));
        }
    }
    if raw.exists("/proc/vz") && !raw.exists("/proc/lve") {
        v.kind = Some("openvz".into());
        let is_host = raw.exists("/proc/bc");
        let tech = "openvz".to_string();
        if is_host {
            v.host.insert(tech)
        } else {
            v.guest.insert(tech)
        };
        if !v.found {
            v.role = Some(if is_host { "host" } else { "guest" }.into());
        }
        v.found = true;
    }
    let systemd_container = raw.file_trim("/run/systemd/container").map(str::to_string);
    if let Some(c) = &systemd_container {
        v.guest_found(c, c, Some("guest"));
    }
    if raw.exists("/.dockerenv") || raw.exists("/.dockerinit") {
        v.guest_found("docker", "docker", Some("guest"));
    }
    let container_techs = ["docker", "lxc", "podman", "openvz", "containerd"];
    if container_techs.iter().any(|t| v.guest.contains(*t)) || systemd_container.is_some() {
        v.guest.insert("container".into());
    }
    if raw.exists("/proc/xen") {
        let caps = raw.file("/proc/xen/capabilities").unwrap_or("");
        if caps.contains("control_d") {
            v.host.insert("xen".into());
            if !v.found {
                v.kind = Some("xen".into());
                v.role = Some("host".into());
            }
        } else if !v.found {
            v.kind = Some("xen".into());
            v.role = Some("guest".into());
        }
        v.found = true;
    }
    if !v.found {
        v.role = Some("guest".into());
    }
    dmi(raw, &mut v);
    if !v.found {
        v.role = None;
    }
    for line in raw.file("/proc/self/status").unwrap_or("").lines() {
        let Some(id) = line.strip_prefix("VxID:").map(str::trim) else {
            continue;
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let host = id == "0";
        if !v.found {
            v.kind = Some("linux_vserver".into());
            v.role = Some(if host { "host" } else { "guest" }.into());
        }
        let tech = "linux_vserver".to_string();
        if host {
            v.host.insert(tech)
        } else {
            v.guest.insert(tech)
        };
        v.found = true;
    }
    cpuinfo(raw, &mut v);
    modules(raw, &mut v);
    if raw.exists("/dev/kvm") {
        v.host.insert("kvm".into());
        if !v.found {
            v.kind = Some("kvm".into());
            v.role = Some("host".into());
            v.found = true;
        }
    }
    if !v.found {
        v.kind = Some("NA".into());
        v.role = Some("NA".into());
    }
    if let Some(k) = v.kind {
        out.insert("virtualization_type".into(), json!(k));
    }
    if let Some(r) = v.role {
        out.insert("virtualization_role".into(), json!(r));
    }
    out.insert("virtualization_tech_guest".into(), json!(v.guest));
    out.insert("virtualization_tech_host".into(), json!(v.host));
}

/// The DMI product, vendor and BIOS checks.
fn dmi(raw: &Raw, v: &mut Virt) {
    let read = |n: &str| {
        raw.file_trim(&format!("/sys/devices/virtual/dmi/id/{n}"))
            .unwrap_or("")
    };
    let (product, vendor, family, bios) = (
        read("product_name"),
        read("sys_vendor"),
        read("product_family"),
        read("bios_vendor"),
    );
    if [
        "KVM",
        "KVM Server",
        "Bochs",
        "AHV",
        "CloudStack KVM Hypervisor",
    ]
    .contains(&product)
    {
        v.guest_found("kvm", "kvm", None);
    }
    if vendor == "oVirt" {
        v.guest_found("oVirt", "oVirt", None);
    }
    if vendor == "Red Hat" && family == "RHV" {
        v.guest_found("RHV", "RHV", None);
    } else if vendor == "Red Hat" && product == "RHEV Hypervisor" {
        v.guest_found("RHEV", "RHEV", None);
    }
    if product.starts_with("VMware") {
        v.guest_found("VMware", "VMware", None);
    }
    if ["OpenStack Compute", "OpenStack Nova"].contains(&product) {
        v.guest_found("openstack", "openstack", None);
    }
    if bios == "Xen" {
        v.guest_found("xen", "xen", None);
    }
    if bios == "innotek GmbH" {
        v.guest_found("virtualbox", "virtualbox", None);
    }
    if ["Amazon EC2", "DigitalOcean", "Hetzner", "Linode"].contains(&bios) {
        v.guest_found("kvm", "kvm", None);
    }
    let kvm_vendors = [
        "QEMU",
        "Amazon EC2",
        "DigitalOcean",
        "Google",
        "Scaleway",
        "Nutanix",
    ];
    if kvm_vendors.contains(&vendor) {
        v.guest_found("kvm", "kvm", None);
    }
    for (name, tech) in [
        ("KubeVirt", "KubeVirt"),
        ("Microsoft Corporation", "VirtualPC"),
        ("Parallels Software International Inc.", "parallels"),
        ("OpenStack Foundation", "openstack"),
    ] {
        if vendor == name {
            v.guest_found(tech, tech, None);
        }
    }
}

/// The /proc/cpuinfo markers of emulated CPUs.
fn cpuinfo(raw: &Raw, v: &mut Virt) {
    for line in raw.file("/proc/cpuinfo").unwrap_or("").lines() {
        let tech = if line.starts_with("model name") && line.contains("QEMU Virtual CPU") {
            "kvm"
        } else if line.starts_with("vendor_id") && line.contains("User Mode Linux")
            || line.starts_with("model name") && line.contains("UML")
        {
            "uml"
        } else if line.starts_with("machine")
            && line.contains("CHRP IBM pSeries (emulated by qemu)")
        {
            "kvm"
        } else if line.starts_with("vendor_id") && line.contains("PowerVM Lx86") {
            "powervm_lx86"
        } else if line.starts_with("vendor_id") && line.contains("IBM/S390") {
            v.guest_found("ibm_systemz", "ibm_systemz", Some("LPAR"));
            continue;
        } else {
            continue;
        };
        v.guest_found(tech, tech, Some("guest"));
    }
}

/// Loaded kernel modules that mark a hypervisor host or a virtio guest.
fn modules(raw: &Raw, v: &mut Virt) {
    let names: Vec<&str> = raw
        .file("/proc/modules")
        .unwrap_or("")
        .lines()
        .filter_map(|l| l.split(' ').next())
        .collect();
    if names.contains(&"kvm") {
        v.host.insert("kvm".into());
        if !v.found {
            v.kind = Some("kvm".into());
            v.role = Some("host".into());
        }
        v.found = true;
    }
    if names.contains(&"vboxdrv") {
        v.host.insert("virtualbox".into());
        if !v.found {
            v.kind = Some("virtualbox".into());
            v.role = Some("host".into());
            v.found = true;
        }
    }
    if names.contains(&"virtio") {
        v.host.insert("kvm".into());
        if !v.found {
            v.kind = Some("kvm".into());
            v.role = Some("guest".into());
            v.found = true;
        }
    }
}
