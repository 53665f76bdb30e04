//! Shared helpers of the integration tests: the tier-1 lab's files and the one builder that
//! runs the `rsible` binary ([`run`]). A missing lab is a loud failure, never a silent pass.

#![allow(dead_code)]

pub mod fault;
pub mod http;
pub mod k8s;
pub mod run;
pub mod tier2;

pub use run::Rsible;
use std::path::{Path, PathBuf};

/// The tier-1 lab built by `scripts/lab/tier1.sh up`.
pub struct Lab {
    /// Its state directory.
    pub dir: PathBuf,
}

impl Lab {
    /// The running lab; panics with the command to build it when it is missing.
    pub fn tier1() -> Lab {
        let dir = std::env::var_os("RSIBLE_LAB_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-state"))
            .join("tier1");
        assert!(
            dir.join("hosts.ini").is_file(),
            "the tier-1 lab is missing ({} has no hosts.ini): run `scripts/lab/tier1.sh up` \
             (scripts/test.sh does it for you)",
            dir.display()
        );
        Lab { dir }
    }

    /// A client key file.
    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.join("keys").join(name)
    }

    /// Inventory variables that log in as root with the lab's ed25519 key.
    pub fn root_login(&self) -> String {
        format!(
            "ansible_user=root ansible_ssh_private_key_file={}",
            self.key("id_ed25519").display()
        )
    }

    /// The lab's known_hosts file (plain entries).
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The lab inventory listing every tier-1 host.
    pub fn inventory(&self) -> PathBuf {
        self.dir.join("hosts.ini")
    }

    /// Address of lab host `i` (1-based).
    pub fn addr(i: usize) -> String {
        // As scripts/lab/tier1.sh: 200 hosts per /24 of the lab's /16, from .11.
        format!("10.213.{}.{}", (i - 1) / 200, 11 + (i - 1) % 200)
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// The PLAY RECAP lines of a run's text output, without the wall time: what two runs of the
/// same play must agree on (tests/shards*.rs).
pub fn recap_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("PLAY RECAP"))
        .filter(|l| !l.trim().is_empty() && !l.starts_with("Total time"))
        .map(str::to_string)
        .collect()
}

/// Every file directly under `dir`, by name, with its content.
pub fn files_in(dir: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("read the directory")
        .map(|e| {
            let e = e.expect("a directory entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (
                name,
                std::fs::read_to_string(e.path()).expect("read a file"),
            )
        })
        .collect()
}

/// Remote programs a run started on kept shells, counted in its debug log
/// (`RSIBLE_LOG=rsible=debug`): the shells' own start is not one.
pub fn programs_run(log: &str) -> usize {
    log.lines().filter(|l| l.contains("exec on shell")).count()
}
