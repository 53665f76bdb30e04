//! Turns the fact script's stdout into the `ansible_facts` map: undoes the framing, runs the
//! selected collectors, adds `gather_subset` and `module_setup`. Knows which collector needs
//! which other's results, nothing of SSH or the engine.

use super::collect::{self, Facts};
use super::raw::Raw;
use super::subset::Collector as C;
use super::FactsError;
use serde_json::{json, Map, Value};

/// Parses the program's stdout into the ansible_facts map: keys WITHOUT the `ansible_` prefix
/// (`os_family`, `distribution`, `default_ipv4`, ...), values typed as Ansible types them
/// (ints as numbers, lists, dicts). The engine also exposes each key as `ansible_<key>`.
pub fn parse(stdout: &str) -> Result<Map<String, Value>, FactsError> {
    let raw = Raw::parse(stdout)?;
    let has = |c: C| raw.collectors.contains(&c);
    let mut out = Facts::new();

    // Facts other collectors decide by, computed whether or not they are reported.
    let mut platform = Facts::new();
    collect::platform::collect(&raw, &mut platform);
    let mut dist = Facts::new();
    collect::distribution::collect(&raw, &mut dist);
    let text = |m: &Facts, k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();

    if has(C::Platform) {
        out.extend(platform.clone());
    }
    if has(C::Distribution) {
        out.extend(dist.clone());
    }
    if has(C::Lsb) {
        collect::distribution::collect_lsb(&raw, &mut out);
    }
    if has(C::Selinux) {
        collect::system::selinux(&raw, &mut out);
    }
    if has(C::Apparmor) {
        collect::system::apparmor(&raw, &mut out);
    }
    if has(C::Chroot) {
        collect::system::chroot(&raw, &mut out);
    }
    if has(C::Fips) {
        collect::system::fips(&raw, &mut out);
    }
    if has(C::PkgMgr) {
        collect::managers::pkg_mgr(&raw, &text(&dist, "os_family"), &mut out);
    }
    if has(C::ServiceMgr) {
        let (system, distribution) = (text(&platform, "system"), text(&dist, "distribution"));
        collect::managers::service_mgr(&raw, &system, &distribution, &mut out);
    }
    if has(C::Cmdline) {
        collect::system::cmdline(&raw, &mut out);
    }
    if has(C::DateTime) {
        collect::date_time::collect(&raw, &mut out);
    }
    if has(C::Env) {
        collect::system::env(&raw, &mut out);
    }
    if has(C::Loadavg) {
        collect::system::loadavg(&raw, &mut out);
    }
    if has(C::SshPubKeys) {
        collect::system::ssh_pub_keys(&raw, &mut out);
    }
    if has(C::User) {
        collect::user::collect(&raw, &mut out);
    }
    if has(C::Virtual) {
        collect::virtualization::collect(&raw, &mut out);
    }
    if has(C::Hardware) {
        collect::hardware::collect(&raw, &text(&platform, "architecture"), &mut out);
        collect::mounts::collect(&raw, &mut out);
    }
    if has(C::Dns) || has(C::Network) {
        collect::system::dns(&raw, &mut out);
    }
    if has(C::Network) {
        collect::network::collect(&raw, &mut out);
    }
    out.insert("gather_subset".into(), json!(raw.words));
    out.insert("module_setup".into(), json!(true));
    Ok(out)
}
