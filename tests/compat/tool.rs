//! The two tools under comparison, each run on a playbook the way a user would: the real
//! ansible-playbook from the venv scripts/test.sh installs, and the rsible binary built by
//! cargo (through the tests' one builder). Knows nothing of the lab's layout beyond the paths it is handed.

use crate::common::run::hygiene;
use crate::common::Rsible;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A playbook runner.
pub enum Tool {
    /// ansible-playbook at this path.
    Ansible(PathBuf),
    /// `rsible play`.
    Rsible,
}

/// What one run is given.
pub struct Invocation<'a> {
    /// The playbook file.
    pub playbook: &'a Path,
    /// The inventory of this side.
    pub inventory: &'a Path,
    /// Extra flags (`--tags ...`).
    pub args: &'a [&'a str],
    /// Name of this side, passed as `-e compat_tool=...`.
    pub label: &'a str,
    /// Controller directory for delegated writes, passed as `-e compat_out=...`.
    pub out_dir: &'a Path,
    /// known_hosts file with the lab's host keys.
    pub known_hosts: &'a Path,
    /// A private scratch directory (HOME, ansible's temp and control sockets).
    pub scratch: &'a Path,
    /// Hosts in the inventory (forks).
    pub forks: usize,
}

/// The outcome of one run.
pub struct Run {
    /// Exit code (None: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall-clock seconds.
    pub secs: f64,
}

/// ansible-playbook: $RSIBLE_ANSIBLE_PLAYBOOK, else beside $RSIBLE_ANSIBLE_INVENTORY, else the
/// venv scripts/test.sh makes. Panics, naming scripts/test.sh, when it is not there.
pub fn ansible_playbook() -> PathBuf {
    let path = std::env::var_os("RSIBLE_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("RSIBLE_ANSIBLE_INVENTORY")
                .map(|p| PathBuf::from(p).with_file_name("ansible-playbook"))
        })
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible-playbook"));
    assert!(
        path.is_file(),
        "ansible-playbook not found at {} (set RSIBLE_ANSIBLE_PLAYBOOK, or run scripts/test.sh, \
         which installs ansible-core)",
        path.display()
    );
    path
}

/// The collections directory holding community.general (for `ini_file`):
/// $RSIBLE_ANSIBLE_COLLECTIONS, else where scripts/test.sh unpacks it. Panics, naming
/// scripts/test.sh, when the module is not there.
pub fn ansible_collections() -> PathBuf {
    let dir = std::env::var_os("RSIBLE_ANSIBLE_COLLECTIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/collections"));
    let module = dir.join("ansible_collections/community/general/plugins/modules/ini_file.py");
    assert!(
        module.is_file(),
        "community.general is missing ({} not found): run scripts/test.sh, which unpacks it \
         from the `ansible` package on PyPI",
        module.display()
    );
    dir
}

impl Tool {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Tool::Ansible(_) => "ansible-playbook",
            Tool::Rsible => "rsible play",
        }
    }

    /// Runs the playbook to completion.
    pub fn run(&self, inv: &Invocation) -> Run {
        let mut c = match self {
            Tool::Ansible(bin) => ansible(bin, inv),
            // The same controller Ansible as the other side: its python (ansible-core, for
            // Python modules) and its collections; `RSIBLE_COMPAT_PYTHON_MODULES` is the
            // harness's way to ask for `--python-modules` through the environment.
            Tool::Rsible => {
                let r = Rsible::new(inv.scratch)
                    .play(inv.playbook)
                    .known_hosts(inv.known_hosts)
                    .env("RSIBLE_PYTHON", ansible_playbook().with_file_name("python"))
                    .env("ANSIBLE_COLLECTIONS_PATH", ansible_collections());
                match std::env::var_os("RSIBLE_COMPAT_PYTHON_MODULES") {
                    Some(m) => r.env("RSIBLE_PYTHON_MODULES", m),
                    None => r,
                }
                .command()
            }
        };
        c.arg("-i")
            .arg(inv.inventory)
            .args(["-f", &inv.forks.to_string()])
            .arg("-e")
            .arg(format!("compat_tool={}", inv.label))
            .arg("-e")
            .arg(format!("compat_out={}", inv.out_dir.display()))
            .args(inv.args);
        let t0 = Instant::now();
        let out = c
            .output()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.name()));
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            secs: t0.elapsed().as_secs_f64(),
        }
    }
}

/// ansible-playbook on the playbook, with the hygiene of `rsible`'s side, no ansible.cfg, no
/// colour, pipelining, and ssh checking host keys against the lab's known_hosts over
/// persistent connections.
fn ansible(bin: &Path, inv: &Invocation) -> Command {
    let mut c = Command::new(bin);
    hygiene(&mut c, inv.scratch);
    c.current_dir(inv.scratch).arg(inv.playbook);
    let ssh_args = format!(
        "-o ControlMaster=auto -o ControlPersist=30s -o StrictHostKeyChecking=yes \
         -o UserKnownHostsFile={} -o IdentitiesOnly=yes -o KexAlgorithms=curve25519-sha256",
        inv.known_hosts.display()
    );
    c.env_remove("ANSIBLE_CONFIG")
        .env("ANSIBLE_COLLECTIONS_PATH", ansible_collections())
        .env("ANSIBLE_HOME", inv.scratch.join("ansible"))
        .env("ANSIBLE_LOCAL_TEMP", inv.scratch.join("ansible/tmp"))
        .env("ANSIBLE_SSH_CONTROL_PATH_DIR", inv.scratch.join("cp"))
        .env("ANSIBLE_SSH_ARGS", ssh_args)
        .env("ANSIBLE_HOST_KEY_CHECKING", "True")
        .env("ANSIBLE_PIPELINING", "True")
        .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "False")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "False")
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_STDOUT_CALLBACK", "default");
    c
}
