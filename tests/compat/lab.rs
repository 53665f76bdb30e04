//! The tier-2 lab as the compat suite sees it: its files, the addresses of each side's hosts,
//! one inventory per side, and shell scripts run on targets over one shared OpenSSH master
//! connection per host. Knows nothing of playbooks or of the tools under comparison.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Inventory host names, in the order each side's lab hosts are given to them.
pub const NAMES: [&str; 3] = ["web1", "web2", "db1"];

/// Lab hosts the suite needs: one set of `NAMES` per side.
pub const NEEDED: usize = 2 * NAMES.len();

/// The running tier-2 lab, with an ssh master connection per host once `connect`ed.
pub struct Lab {
    dir: PathBuf,
    control: tempfile::TempDir,
}

impl Lab {
    /// The lab built by `scripts/lab/tier2.sh up`; panics, naming scripts/test.sh, when it is
    /// missing or has fewer than the `NEEDED` hosts from host `first` on.
    pub fn open(first: usize) -> Lab {
        let needed = first - 1 + NEEDED;
        let dir = std::env::var_os("RSIBLE_LAB_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-state"))
            .join("tier2");
        let count: usize = std::fs::read_to_string(dir.join("count"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        assert!(
            dir.join("hosts.ini").is_file() && count >= needed,
            "the compat suite needs the tier-2 lab with {needed} hosts ({} has {count}): run \
             scripts/test.sh, which brings it up (or `scripts/lab/tier2.sh up {needed}`)",
            dir.display()
        );
        let control = tempfile::Builder::new()
            .prefix("rsc")
            .tempdir_in("/tmp")
            .expect("a temp dir for ssh control sockets");
        Lab { dir, control }
    }

    /// Address of lab host `i` (1-based).
    pub fn addr(i: usize) -> String {
        format!("10.214.0.{}", 10 + i)
    }

    /// The lab's known_hosts file (plain entries for every host).
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The client key every lab user accepts.
    pub fn key(&self) -> PathBuf {
        self.dir.join("keys/id_ed25519")
    }

    /// Writes `dir/hosts.ini` from tests/compat/hosts.ini.in with `addrs` given to `NAMES`.
    pub fn inventory(&self, template: &Path, addrs: &[String], dir: &Path) -> PathBuf {
        let mut text = std::fs::read_to_string(template).expect("read the inventory template");
        for (name, addr) in NAMES.iter().zip(addrs) {
            text = text.replace(&format!("@{name}@"), addr);
        }
        text = text.replace("@KEY@", &self.key().display().to_string());
        std::fs::create_dir_all(dir).expect("make the inventory dir");
        let path = dir.join("hosts.ini");
        std::fs::write(&path, text).expect("write the inventory");
        path
    }

    fn ssh(&self, addr: &str) -> Command {
        let mut c = Command::new("ssh");
        c.args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            self.known_hosts().display()
        ))
        .args(["-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5"])
        .args([
            "-o",
            "LogLevel=ERROR",
            "-o",
            "KexAlgorithms=curve25519-sha256",
        ])
        .arg("-o")
        .arg(format!("ControlPath={}/%h", self.control.path().display()))
        .arg("-i")
        .arg(self.key());
        c.arg(format!("root@{addr}"));
        c
    }

    /// Opens a background master connection to each of `addrs`, all at once.
    pub fn connect(&self, addrs: &[String]) {
        let errors: Vec<String> = std::thread::scope(|s| {
            let jobs: Vec<_> = addrs
                .iter()
                .map(|a| {
                    s.spawn(move || {
                        let out = self
                            .ssh(a)
                            .args(["-o", "ControlMaster=yes", "-o", "ControlPersist=300"])
                            .args(["-f", "-N"])
                            .stdin(Stdio::null())
                            .stdout(Stdio::null())
                            .stderr(Stdio::piped())
                            .output()
                            .expect("run ssh");
                        (!out.status.success())
                            .then(|| format!("{a}: {}", String::from_utf8_lossy(&out.stderr)))
                    })
                })
                .collect();
            jobs.into_iter()
                .filter_map(|j| j.join().ok().flatten())
                .collect()
        });
        assert!(
            errors.is_empty(),
            "cannot reach the tier-2 lab ({}); run scripts/test.sh to (re)build it",
            errors.join("; ")
        );
    }

    /// Runs `script` with `sh -s` on every one of `addrs` at once; stdout per address, in order.
    pub fn run_script(&self, addrs: &[String], script: &Path) -> Vec<String> {
        let text = std::fs::read(script).expect("read the script");
        std::thread::scope(|s| {
            let jobs: Vec<_> = addrs
                .iter()
                .map(|a| {
                    let text = &text;
                    s.spawn(move || {
                        let mut child = self
                            .ssh(a)
                            .args(["-o", "ControlMaster=no", "sh", "-s"])
                            .stdin(Stdio::piped())
                            .stdout(Stdio::piped())
                            .stderr(Stdio::piped())
                            .spawn()
                            .expect("run ssh");
                        if let Some(mut stdin) = child.stdin.take() {
                            stdin.write_all(text).expect("send the script");
                        }
                        let out = child.wait_with_output().expect("wait for ssh");
                        assert!(
                            out.status.success(),
                            "{} on {a} failed: {}",
                            script.display(),
                            String::from_utf8_lossy(&out.stderr)
                        );
                        String::from_utf8_lossy(&out.stdout).into_owned()
                    })
                })
                .collect();
            jobs.into_iter()
                .map(|j| j.join().expect("script thread"))
                .collect()
        })
    }
}

impl Drop for Lab {
    /// Ends the master connections `connect` opened (each listens on a socket in `control`).
    fn drop(&mut self) {
        let Ok(entries) = std::fs::read_dir(self.control.path()) else {
            return;
        };
        for e in entries.flatten() {
            let host = e.file_name().to_string_lossy().into_owned();
            let _ = self
                .ssh(&host)
                .args(["-O", "exit"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
