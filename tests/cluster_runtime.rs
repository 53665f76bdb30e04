//! `container_runtime` against tier-2 lab host t2-11, logging in as `rslab` and becoming
//! root. containerd and runc are Debian bookworm's real packages, downloaded once on the
//! controller with `apt-get download` into /var/cache/rsible-lab/debs/ and published into the
//! lab's local apt repository. The release install uses a test double: a tarball holding the
//! Debian package's real containerd binaries laid out as a release (`bin/...`), Debian's runc
//! binary, and a CNI tarball of one fake plugin script. The tests share one host, so they run
//! one at a time (a lock) and each resets what it needs first.

mod common;

use common::tier2::{Run, Tier2};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// The one host these tests use.
const HOST: usize = 11;

/// Serializes the tests: they share t2-11's containerd.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Publishes Debian's containerd and runc into the lab repository.
fn publish_real(lab: &Tier2) {
    lab.debian_packages(&["containerd", "runc"]);
}

/// A project dir with the inventory for t2-11.
fn project(lab: &Tier2) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    dir
}

/// A play of one `container_runtime` task named `rt` with `args` (YAML, indented 6; the
/// play indents it under the module).
fn book(args: &str) -> String {
    let args: String = args.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n\
         \x20   - name: rt\n      container_runtime:\n{args}"
    )
}

/// Writes the play and runs it once with `extra` options.
fn play_once(lab: &Tier2, dir: &Path, args: &str, extra: &[&str]) -> Run {
    common::write(dir, "site.yml", &book(args));
    lab.play(dir, extra)
}

/// The `rt` task's result.
fn rt(run: &Run) -> serde_json::Value {
    run.results(&Tier2::name(HOST), "rt")
        .first()
        .cloned()
        .cloned()
        .unwrap_or_else(|| panic!("no result:\n{}", run.dump()))
}

/// containerd's MainPID on t2-11.
fn main_pid(lab: &Tier2) -> String {
    lab.root_ok(HOST, "systemctl show -p MainPID --value containerd")
        .trim()
        .to_string()
}

/// Removes every trace of containerd (packages, release install, config).
fn reset(lab: &Tier2) {
    lab.root_ok(
        HOST,
        "systemctl stop containerd docker docker.socket >/dev/null 2>&1; \
         DEBIAN_FRONTEND=noninteractive apt-get purge -y -q containerd runc docker.io \
         >/dev/null 2>&1; \
         rm -rf /etc/containerd /etc/crictl.yaml /etc/systemd/system/containerd.service \
         /usr/local/bin/containerd* /usr/local/bin/ctr /usr/local/sbin/runc /opt/cni \
         /etc/docker; systemctl daemon-reload; systemctl reset-failed containerd \
         >/dev/null 2>&1; apt-get update -q >/dev/null 2>&1; true",
    );
}

/// The parsed /etc/containerd/config.toml of t2-11.
fn config(lab: &Tier2) -> toml::Table {
    let text = lab.root_ok(HOST, "cat /etc/containerd/config.toml");
    toml::from_str(&text).expect("config.toml is TOML")
}

/// `SystemdCgroup` under the v2 cri plugin's runc options.
fn systemd_cgroup(t: &toml::Table) -> Option<bool> {
    t.get("plugins")?
        .get("io.containerd.grpc.v1.cri")?
        .get("containerd")?
        .get("runtimes")?
        .get("runc")?
        .get("options")?
        .get("SystemdCgroup")?
        .as_bool()
}

const MIRROR_A: &str = "      update_cache: true\n      registry_mirrors:\n        \
                        docker.io: [\"https://mirror-a.example\"]\n";
const MIRROR_B: &str = "      update_cache: true\n      registry_mirrors:\n        \
                        docker.io: [\"https://mirror-b.example\"]\n";

#[test]
fn containerd_from_packages_converges_and_restarts_once_per_change() {
    let _g = serial();
    let lab = Tier2::lab();
    publish_real(&lab);
    reset(&lab);
    let dir = project(&lab);

    // Check mode on a bare host: reports a change, installs nothing.
    let run = play_once(&lab, dir.path(), MIRROR_A, &["--check"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(rt(&run)["status"], "changed", "{}", run.dump());
    let (code, _) = lab.root_sh(HOST, "command -v containerd");
    assert_ne!(code, 0, "check mode installed containerd");

    let first = lab.converge(dir.path(), &[HOST], &book(MIRROR_A));
    let r = rt(&first);
    assert_eq!(r["status"], "changed", "{}", first.dump());
    assert_eq!(r["result"]["config"], "/etc/containerd/config.toml");
    assert!(
        r["result"]["version"]
            .as_str()
            .is_some_and(|v| v.contains("1.6.")),
        "{r}"
    );
    lab.root_ok(
        HOST,
        "dpkg-query -W -f='${Status}' containerd | grep -q 'install ok installed' && \
         dpkg-query -W -f='${Status}' runc | grep -q 'install ok installed'",
    );
    let t = config(&lab);
    assert_eq!(systemd_cgroup(&t), Some(true));
    let disabled = t["disabled_plugins"].as_array().expect("disabled_plugins");
    assert!(!disabled.iter().any(|p| p.as_str() == Some("cri")));
    let reg = &t["plugins"]["io.containerd.grpc.v1.cri"]["registry"];
    assert_eq!(reg["config_path"].as_str(), Some("/etc/containerd/certs.d"));
    let hosts = lab.root_ok(HOST, "cat /etc/containerd/certs.d/docker.io/hosts.toml");
    assert!(hosts.contains("mirror-a.example"), "{hosts}");
    let crictl = lab.root_ok(HOST, "cat /etc/crictl.yaml");
    assert!(crictl.contains("unix:///run/containerd/containerd.sock"));
    assert_eq!(
        lab.root_ok(HOST, "systemctl is-active containerd").trim(),
        "active"
    );
    lab.root_ok(HOST, "ctr version >/dev/null");
    // The cri plugin loaded (it is not disabled and containerd serves it).
    lab.root_ok(
        HOST,
        "ctr plugins ls | grep -q 'io.containerd.grpc.v1.*cri'",
    );

    // A changed mirror: one restart, then none on the rerun.
    let pid0 = main_pid(&lab);
    common::write(dir.path(), "site.yml", &book(MIRROR_B));
    let run = lab.play(dir.path(), &["--diff"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(rt(&run)["result"]["restarted"], true, "{}", run.dump());
    let pid1 = main_pid(&lab);
    assert_ne!(pid0, pid1, "containerd was not restarted");
    let run = lab.play(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(run.changed(&Tier2::name(HOST)), 0, "{}", run.dump());
    assert_eq!(rt(&run)["result"]["restarted"], false);
    assert_eq!(
        main_pid(&lab),
        pid1,
        "containerd restarted without a change"
    );
    let hosts = lab.root_ok(HOST, "cat /etc/containerd/certs.d/docker.io/hosts.toml");
    assert!(hosts.contains("mirror-b.example") && !hosts.contains("mirror-a"));

    // Check mode with a different mirror and a sandbox image: reports, changes nothing.
    let before = lab.root_ok(
        HOST,
        "cat /etc/containerd/config.toml /etc/containerd/certs.d/*/hosts.toml",
    );
    let args = format!("{MIRROR_A}      sandbox_image: registry.k8s.io/pause:3.9\n");
    let run = play_once(&lab, dir.path(), &args, &["--check", "--diff"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(rt(&run)["status"], "changed", "{}", run.dump());
    let diffs = rt(&run)["diffs"].as_array().cloned().unwrap_or_default();
    let headers: Vec<&str> = diffs
        .iter()
        .filter_map(|d| d["after_header"].as_str())
        .collect();
    assert!(
        headers.contains(&"/etc/containerd/config.toml")
            && headers.contains(&"/etc/containerd/certs.d/docker.io/hosts.toml"),
        "{}",
        run.dump()
    );
    let after = lab.root_ok(
        HOST,
        "cat /etc/containerd/config.toml /etc/containerd/certs.d/*/hosts.toml",
    );
    assert_eq!(before, after, "check mode changed files");
    assert_eq!(main_pid(&lab), pid1, "check mode restarted containerd");

    // Bad arguments fail before anything is sent, naming the argument.
    let run = play_once(&lab, dir.path(), "      runtime: podman\n", &[]);
    assert_ne!(run.code, 0, "{}", run.dump());
    assert!(
        run.dump().contains("runtime must be one of"),
        "{}",
        run.dump()
    );
    assert_eq!(main_pid(&lab), pid1);

    // No mirrors any more: the managed hosts.toml goes, config_path returns to the default.
    let run = play_once(&lab, dir.path(), "      update_cache: false\n", &[]);
    assert_eq!(run.code, 0, "{}", run.dump());
    lab.root_ok(
        HOST,
        "! test -e /etc/containerd/certs.d/docker.io/hosts.toml",
    );
}

/// Builds the release test double in `dir`: (containerd tarball, runc, cni tarball).
fn release_double(lab: &Tier2, dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let sh = |script: &str| {
        let st = Command::new("sh")
            .args(["-ec", script])
            .current_dir(dir)
            .status()
            .expect("sh");
        assert!(st.success(), "{script}");
    };
    let debs = lab.debian_packages(&["containerd", "runc"]);
    let (ctd, runc) = (&debs[0], &debs[1]);
    sh(&format!(
        "mkdir -p x r rel/bin cni\n\
         dpkg-deb -x {} x\ndpkg-deb -x {} r\n\
         cp x/usr/bin/containerd x/usr/bin/containerd-shim-runc-v2 x/usr/bin/ctr rel/bin/\n\
         tar -czf containerd-double.tar.gz -C rel bin\n\
         cp r/usr/sbin/runc runc.amd64\n\
         printf '#!/bin/sh\\necho fake-cni-bridge\\n' > cni/bridge; chmod 755 cni/bridge\n\
         tar -czf cni-double.tgz -C cni .\n",
        ctd.display(),
        runc.display()
    ));
    (
        dir.join("containerd-double.tar.gz"),
        dir.join("runc.amd64"),
        dir.join("cni-double.tgz"),
    )
}

#[test]
fn containerd_from_a_release_double_installs_binaries_and_unit() {
    let _g = serial();
    let lab = Tier2::lab();
    reset(&lab);
    let dir = project(&lab);
    let (ctd, runc, cni) = release_double(&lab, dir.path());
    let args = format!(
        "      source: release\n      release:\n        containerd: {}\n        runc: {}\n        \
         cni: {}\n",
        ctd.display(),
        runc.display(),
        cni.display()
    );
    let run = play_once(&lab, dir.path(), &args, &["--check"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(rt(&run)["status"], "changed");
    lab.root_ok(HOST, "! test -e /usr/local/bin/containerd");

    let first = lab.converge(dir.path(), &[HOST], &book(&args));
    assert_eq!(rt(&first)["result"]["restarted"], true, "{}", first.dump());
    lab.root_ok(
        HOST,
        "test -x /usr/local/bin/containerd && test -x /usr/local/bin/ctr && \
         test -x /usr/local/sbin/runc && test -x /opt/cni/bin/bridge && \
         grep -q 'ExecStart=/usr/local/bin/containerd' /etc/systemd/system/containerd.service && \
         systemctl is-active -q containerd && systemctl is-enabled -q containerd && \
         /usr/local/bin/ctr version >/dev/null && ! dpkg -s containerd >/dev/null 2>&1",
    );
    assert_eq!(systemd_cgroup(&config(&lab)), Some(true));
}

#[test]
fn docker_from_docker_io_writes_daemon_json() {
    let _g = serial();
    let lab = Tier2::lab();
    reset(&lab);
    // docker.io and the dependencies the lab base lacks (Debian bookworm's packages).
    lab.debian_packages(&["docker.io"]);
    let dir = project(&lab);
    let args = "      runtime: docker\n      update_cache: true\n      daemon_json:\n        \
                log-driver: journald\n";
    let first = lab.converge(dir.path(), &[HOST], &book(args));
    assert_eq!(rt(&first)["status"], "changed", "{}", first.dump());
    let j: serde_json::Value =
        serde_json::from_str(&lab.root_ok(HOST, "cat /etc/docker/daemon.json")).unwrap();
    assert_eq!(j["exec-opts"][0], "native.cgroupdriver=systemd");
    assert_eq!(j["log-driver"], "journald");
    lab.root_ok(
        HOST,
        "systemctl is-active -q docker && docker version >/dev/null",
    );

    // Another log driver: check mode leaves the file, a real run restarts docker once.
    let pid = || lab.root_ok(HOST, "systemctl show -p MainPID --value docker");
    let pid0 = pid();
    let before = lab.root_ok(HOST, "cat /etc/docker/daemon.json");
    let args = args.replace("journald", "local");
    let run = play_once(&lab, dir.path(), &args, &["--check", "--diff"]);
    assert_eq!(rt(&run)["status"], "changed", "{}", run.dump());
    assert_eq!(lab.root_ok(HOST, "cat /etc/docker/daemon.json"), before);
    assert_eq!(pid(), pid0, "check mode restarted docker");
    let run = lab.converge(dir.path(), &[HOST], &book(&args));
    assert_eq!(rt(&run)["result"]["restarted"], true, "{}", run.dump());
    assert_ne!(pid(), pid0, "docker was not restarted");
    assert!(lab
        .root_ok(HOST, "cat /etc/docker/daemon.json")
        .contains("\"local\""));
    reset(&lab);
}
