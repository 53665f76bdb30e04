//! rsible against the tier-2 lab: full Debian hosts under systemd-nspawn with systemd as PID 1.
//! Logs in as an unprivileged user, becomes root with sudo, and talks to systemd and dpkg.

mod common;

use common::Rsible;
use std::path::{Path, PathBuf};

fn tier2() -> PathBuf {
    let dir = std::env::var_os("RSIBLE_LAB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-state"))
        .join("tier2");
    assert!(
        dir.join("hosts.ini").is_file(),
        "the tier-2 lab is missing ({}): run `scripts/lab/tier2.sh up 2` (scripts/test.sh does it)",
        dir.display()
    );
    dir
}

#[test]
fn unprivileged_login_becomes_root_and_sees_systemd_and_dpkg() {
    let lab = tier2();
    let home = tempfile::tempdir().unwrap();
    let inv = common::write(
        home.path(),
        "inv.ini",
        &format!(
            "[t2]\nt2-01 ansible_host=10.214.0.11\nt2-02 ansible_host=10.214.0.12\n\
             [t2:vars]\nansible_user=rslab\nansible_become_password=rslab-pass\nansible_ssh_private_key_file={}\n",
            lab.join("keys/id_ed25519").display()
        ),
    );
    let out = Rsible::new(home.path())
        .args(["run", "t2", "-b", "-m", "shell", "-a"])
        .arg("id -un; systemctl is-system-running; dpkg-query -W -f '${Status}' openssh-server")
        .known_hosts(lab.join("known_hosts"))
        .inventory(&inv)
        .json()
        .run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let r = out.by_host();
    for host in ["t2-01", "t2-02"] {
        let stdout = r[host]["stdout"].as_str().unwrap();
        assert!(stdout.starts_with("root\n"), "{host}: {stdout}");
        assert!(
            stdout.contains("running\n") || stdout.contains("degraded\n"),
            "{host}: {stdout}"
        );
        assert!(stdout.ends_with("install ok installed"), "{host}: {stdout}");
    }
}
