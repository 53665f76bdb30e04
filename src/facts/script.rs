//! The remote fact-gathering program: one POSIX sh script (dash, busybox ash; `LC_ALL=C`;
//! nothing written on the target) that dumps raw facts for the selected collectors. It reads
//! every small file in ONE `grep -H` pass and runs only a handful of commands (uname, id,
//! date, hostname, ip, stat); all interpretation happens in `parse` on the controller.
//!
//! Framing: the first line is `rsible-facts 1 NONCE`, where NONCE is a fresh kernel UUID
//! read by the script itself; each section starts on its own line with `NONCE NAME`. Nothing
//! the target prints can forge a section header without knowing the nonce in advance.
//! Knows nothing of how sections are interpreted.

use super::subset::{Collector, Subset};
use crate::connection::quote::quote_str;

/// Files whose content the controller needs, per collector (read with `grep -saH ''`).
fn files(c: Collector) -> &'static [&'static str] {
    match c {
        Collector::Platform => &[
            "/proc/sys/kernel/hostname",
            "/proc/sys/kernel/osrelease",
            "/proc/sys/kernel/version",
            "/proc/sys/kernel/ostype",
            "/var/lib/dbus/machine-id",
            "/etc/machine-id",
            "/etc/hosts",
        ],
        Collector::Distribution | Collector::Lsb => &[
            "/etc/os-release",
            "/usr/lib/os-release",
            "/etc/lsb-release",
            "/etc/debian_version",
            "/etc/redhat-release",
            "/etc/centos-release",
            "/etc/alpine-release",
            "/etc/SuSE-release",
            "/etc/system-release",
            "/etc/gentoo-release",
            "/etc/altlinux-release",
            "/etc/oracle-release",
            "/etc/openwrt_release",
            "/etc/slackware-version",
        ],
        Collector::Selinux => &[
            "/sys/fs/selinux/enforce",
            "/sys/fs/selinux/policyvers",
            "/etc/selinux/config",
        ],
        Collector::Fips => &["/proc/sys/crypto/fips_enabled"],
        Collector::Chroot => &["/proc/mounts"],
        Collector::Cmdline => &["/proc/cmdline"],
        Collector::Loadavg => &["/proc/loadavg"],
        Collector::User => &["/etc/passwd"],
        Collector::ServiceMgr => &["/proc/1/comm"],
        Collector::Dns => &["/etc/resolv.conf"],
        Collector::SshPubKeys => &[
            "/etc/ssh/ssh_host_dsa_key.pub",
            "/etc/ssh/ssh_host_rsa_key.pub",
            "/etc/ssh/ssh_host_ecdsa_key.pub",
            "/etc/ssh/ssh_host_ed25519_key.pub",
        ],
        Collector::Virtual => &[
            "/proc/1/cgroup",
            "/proc/1/environ",
            "/run/systemd/container",
            "/proc/xen/capabilities",
            "/sys/devices/virtual/dmi/id/product_name",
            "/sys/devices/virtual/dmi/id/sys_vendor",
            "/sys/devices/virtual/dmi/id/product_family",
            "/sys/devices/virtual/dmi/id/bios_vendor",
            "/proc/self/status",
            "/proc/cpuinfo",
            "/proc/modules",
        ],
        Collector::Hardware => &[
            "/proc/cpuinfo",
            "/proc/meminfo",
            "/proc/uptime",
            "/proc/mounts",
            "/proc/self/mountinfo",
            "/proc/self/status",
            "/sys/hypervisor/type",
            "/sys/devices/virtual/dmi/id/bios_date",
            "/sys/devices/virtual/dmi/id/bios_vendor",
            "/sys/devices/virtual/dmi/id/bios_version",
            "/sys/devices/virtual/dmi/id/board_asset_tag",
            "/sys/devices/virtual/dmi/id/board_name",
            "/sys/devices/virtual/dmi/id/board_serial",
            "/sys/devices/virtual/dmi/id/board_vendor",
            "/sys/devices/virtual/dmi/id/board_version",
            "/sys/devices/virtual/dmi/id/chassis_asset_tag",
            "/sys/devices/virtual/dmi/id/chassis_serial",
            "/sys/devices/virtual/dmi/id/chassis_type",
            "/sys/devices/virtual/dmi/id/chassis_vendor",
            "/sys/devices/virtual/dmi/id/chassis_version",
            "/sys/devices/virtual/dmi/id/product_name",
            "/sys/devices/virtual/dmi/id/product_serial",
            "/sys/devices/virtual/dmi/id/product_uuid",
            "/sys/devices/virtual/dmi/id/product_version",
            "/sys/devices/virtual/dmi/id/sys_vendor",
        ],
        _ => &[],
    }
}

/// Paths whose mere existence matters, per collector (tested with the `[ -e ]` builtin).
fn exists(c: Collector) -> &'static [&'static str] {
    match c {
        Collector::Distribution => &["/etc/arch-release", "/etc/vmware-release"],
        Collector::Selinux => &["/sys/fs/selinux"],
        Collector::Apparmor => &["/sys/kernel/security/apparmor"],
        Collector::PkgMgr => &[
            "/usr/bin/rpm-ostree",
            "/usr/bin/yum",
            "/usr/bin/dnf-3",
            "/usr/bin/dnf5",
            "/usr/bin/apt-get",
            "/usr/bin/zypper",
            "/usr/sbin/urpmi",
            "/usr/bin/pacman",
            "/bin/opkg",
            "/usr/pkg/bin/pkgin",
            "/opt/local/bin/pkgin",
            "/opt/tools/bin/pkgin",
            "/opt/local/bin/port",
            "/usr/local/bin/brew",
            "/opt/homebrew/bin/brew",
            "/sbin/apk",
            "/usr/sbin/pkg",
            "/usr/sbin/swlist",
            "/usr/bin/emerge",
            "/usr/sbin/pkgadd",
            "/usr/bin/pkg",
            "/usr/bin/xbps-install",
            "/usr/local/sbin/pkg",
            "/usr/bin/swupd",
            "/usr/sbin/sorcery",
            "/usr/bin/installp",
            "/run/ostree-booted",
            "/usr/bin/dnf",
            "/usr/bin/microdnf",
        ],
        Collector::ServiceMgr => &[
            "/run/systemd/system/",
            "/dev/.run/systemd/",
            "/dev/.systemd/",
            "/etc/init/",
            "/sbin/openrc",
            "/etc/init.d/",
            "/etc/dinit.d/",
        ],
        Collector::Virtual => &[
            "/proc/vz",
            "/proc/lve",
            "/proc/bc",
            "/.dockerenv",
            "/.dockerinit",
            "/proc/xen",
            "/dev/kvm",
        ],
        Collector::Hardware => &["/proc/xen"],
        Collector::Network => &["/sys/class/net/*/bridge", "/sys/class/net/*/brif/*"],
        _ => &[],
    }
}

/// Shell snippets run for a collector; each prints its own section header with `S`.
fn commands(c: Collector) -> &'static str {
    match c {
        Collector::Platform => concat!(
            "S uname\nuname -m\n",
            "if [ ! -r /proc/sys/kernel/ostype ]; then S uname_full; uname -s; uname -r; uname -v; uname -n; fi\n",
            "S fqdn\nhostname -f 2>/dev/null\n",
        ),
        Collector::Lsb => "S cmd_lsb_release\ncommand -v lsb_release\n",
        Collector::Chroot => concat!(
            "S chroot\n",
            "if [ -e /proc/1/root/. ]; then if [ / -ef /proc/1/root/. ]; then echo same; ",
            "else echo different; fi; else ls -di / 2>/dev/null; fi\n",
        ),
        Collector::DateTime => "S date\ndate '+%Y|%m|%d|%H|%M|%S|%s|%Z|%z|%A|%w|%W|%N'\n",
        Collector::User => "S id\nid\n",
        Collector::PkgMgr => {
            "S dnf_is_dnf5\n[ /usr/bin/dnf -ef /usr/bin/dnf5 ] && echo yes\n"
        }
        Collector::ServiceMgr => concat!(
            "S service_cmds\ncommand -v systemctl; command -v initctl\n",
            "S sbin_init\n[ -L /sbin/init ] && for t in /lib/systemd/systemd /usr/lib/systemd/systemd; ",
            "do [ /sbin/init -ef \"$t\" ] && echo systemd; done\n",
        ),
        Collector::Network => concat!(
            "S ip_addr\nip -o addr show 2>/dev/null\n",
            "S route4\nip -4 route get 8.8.8.8 2>/dev/null\n",
            "S route6\nip -6 route get 2404:6800:400a:800::1012 2>/dev/null\n",
        ),
        Collector::Hardware => concat!(
            "S statfs\nset --\n",
            "while read -r d m r; do case $d in /*|*:/*) set -- \"$@\" \"$m\";; esac; done </proc/mounts\n",
            "if [ $# -gt 0 ]; then T=; command -v timeout >/dev/null && T='timeout 5'; ",
            "$T stat -f -c '%s %S %b %a %c %d %n' -- \"$@\" 2>/dev/null; fi\n",
        ),
        _ => "",
    }
}

/// Per-interface sysfs attributes the network collector reads.
const NET_ATTRS: &[&str] = &["address", "mtu", "operstate", "type", "flags", "speed"];

/// The sh program to run on the target for this subset.
pub fn script(subset: &Subset) -> String {
    let selected = subset.collectors();
    let mut files_list: Vec<&str> = Vec::new();
    let mut exists_list: Vec<&str> = Vec::new();
    // pkg_mgr, service_mgr and network decide by OS family, as in Ansible.
    let needs_distribution = [Collector::PkgMgr, Collector::ServiceMgr, Collector::Network]
        .iter()
        .any(|c| subset.has(*c));
    if needs_distribution {
        files_list.extend(files(Collector::Distribution));
        exists_list.extend(exists(Collector::Distribution));
    }
    files_list.push("/proc/sys/kernel/ostype");
    for &c in selected {
        files_list.extend(files(c));
        exists_list.extend(exists(c));
    }
    dedup(&mut files_list);
    dedup(&mut exists_list);

    let mut s = String::from(concat!(
        "LC_ALL=C; export LC_ALL\n",
        "N=; { read -r N </proc/sys/kernel/random/uuid; } 2>/dev/null\n",
        "[ -n \"$N\" ] || N=\"rsible-$$-$(date +%s 2>/dev/null)\"\n",
        "S() { printf '\\n%s %s\\n' \"$N\" \"$1\"; }\n",
        "printf 'rsible-facts 1 %s\\n' \"$N\"\n",
        "S pid\nprintf '%s\\n' \"$$\"\n",
    ));
    s.push_str("S collectors\nprintf '%s\\n'");
    for c in selected {
        s.push(' ');
        s.push_str(c.name());
    }
    s.push_str("\nS gather_subset\nprintf '%s\\n'");
    for w in subset.words() {
        s.push(' ');
        s.push_str(&quote_str(w));
    }
    s.push('\n');

    s.push_str("S files\ngrep -saH '' 2>/dev/null");
    for f in &files_list {
        s.push(' ');
        s.push_str(f);
    }
    if subset.has(Collector::Env) || subset.has(Collector::User) || subset.has(Collector::Chroot) {
        s.push_str(" /proc/$$/environ");
    }
    if subset.has(Collector::Network) {
        for a in NET_ATTRS {
            s.push_str(" /sys/class/net/*/");
            s.push_str(a);
        }
    }
    s.push('\n');
    if !exists_list.is_empty() {
        s.push_str("S exists\nfor f in");
        for f in &exists_list {
            s.push(' ');
            s.push_str(f);
        }
        s.push_str("; do [ -e \"$f\" ] && printf '%s\\n' \"$f\"; done\n");
    }
    for &c in selected {
        s.push_str(commands(c));
    }
    s.push_str("S end\n");
    s
}

/// Removes repeated entries, keeping the first of each.
fn dedup(v: &mut Vec<&str>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(*x));
}
