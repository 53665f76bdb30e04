//! The tier-2 lab (full Debian hosts under systemd-nspawn, built by `scripts/lab/tier2.sh`) as
//! the system-module tests use it: inventories that log in as the unprivileged `rslab` and
//! become root with sudo, root shell access for the tests' own checks, `rsible play` runs, and
//! tiny Debian packages built by the tests and published into the lab's local apt repository.
//! A missing lab is a loud failure, never a silent pass.

pub use super::run::Run;
use super::{write, Rsible};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The running tier-2 lab.
pub struct Tier2 {
    /// Its state directory (`keys/`, `known_hosts`, `repo/`, `hosts.ini`).
    pub dir: PathBuf,
}

impl Tier2 {
    /// The running lab; panics with the command that builds it when it is missing.
    pub fn lab() -> Tier2 {
        let dir = std::env::var_os("RSIBLE_LAB_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-state"))
            .join("tier2");
        assert!(
            dir.join("hosts.ini").is_file(),
            "the tier-2 lab is missing ({} has no hosts.ini): run `scripts/lab/tier2.sh up 10` \
             (scripts/test.sh does it for you)",
            dir.display()
        );
        Tier2 { dir }
    }

    /// Address of lab host `i` (1-based): t2-0i.
    pub fn addr(i: usize) -> String {
        format!("10.214.0.{}", 10 + i)
    }

    /// Inventory name of lab host `i`.
    pub fn name(i: usize) -> String {
        format!("t2-{i:02}")
    }

    /// The lab's known_hosts file.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// The local apt repository, bind-mounted read-only at /srv/repo in every host.
    pub fn repo(&self) -> PathBuf {
        self.dir.join("repo")
    }

    /// Writes `dir/hosts`: group `t2` with hosts `hosts`, logging in as `rslab` (sudo with a
    /// password) with the lab key; `extra` is appended verbatim.
    pub fn inventory(&self, dir: &Path, hosts: &[usize], extra: &str) -> PathBuf {
        let mut inv = String::from("[t2]\n");
        for &i in hosts {
            inv.push_str(&format!(
                "{} ansible_host={}\n",
                Self::name(i),
                Self::addr(i)
            ));
        }
        inv.push_str(&format!(
            "[t2:vars]\nansible_user=rslab\nansible_become_password=rslab-pass\n\
             ansible_ssh_private_key_file={}\n",
            self.dir.join("keys/id_ed25519").display()
        ));
        inv.push_str(extra);
        write(dir, "hosts", &inv)
    }

    /// Runs `script` as root on host `i` with the system ssh client; returns (exit code,
    /// stdout). For the tests' own checks and setup, never for what is under test.
    pub fn root_sh(&self, i: usize, script: &str) -> (i32, String) {
        let out = Command::new("ssh")
            .args(["-n", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts().display()
            ))
            .arg("-i")
            .arg(self.dir.join("keys/id_ed25519"))
            .arg(format!("root@{}", Self::addr(i)))
            .arg(script)
            .output()
            .expect("run ssh");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// As [`Tier2::root_sh`], panicking unless the script exits 0.
    pub fn root_ok(&self, i: usize, script: &str) -> String {
        let (code, out) = self.root_sh(i, script);
        assert_eq!(code, 0, "on t2-{i:02}: `{script}` exited {code}: {out}");
        out
    }

    /// `rsible play site.yml -i hosts --format json --known-hosts LAB` in `dir` (which holds
    /// both, and is HOME): add the playbook or arguments, then run.
    pub fn rsible(&self, dir: &Path) -> Rsible {
        Rsible::new(dir)
            .play("site.yml")
            .inventory(Path::new("hosts"))
            .json()
            .known_hosts(self.known_hosts())
    }

    /// [`Tier2::rsible`] with `args`, run.
    pub fn play(&self, dir: &Path, args: &[&str]) -> Run {
        self.rsible(dir).args(args).run()
    }

    /// Writes `dir/site.yml` and plays it twice: the first run must succeed, the second must
    /// succeed with changed=0 on every host in `hosts`. Returns the first run.
    pub fn converge(&self, dir: &Path, hosts: &[usize], playbook: &str) -> Run {
        let names: Vec<String> = hosts.iter().map(|&i| Self::name(i)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.rsible(dir).playbook(playbook).converge(&names)
    }

    /// Builds `debs` with dpkg-deb into the lab's repository and rescans it (under a lock, so
    /// concurrent tests do not truncate each other's index). Same name and version: rebuilt.
    pub fn publish(&self, debs: &[Deb]) {
        let repo = self.repo();
        std::fs::create_dir_all(&repo).expect("repo dir");
        for d in debs {
            d.build_into(&repo);
        }
        let status = Command::new("flock")
            .arg(repo.join(".lock"))
            .args([
                "sh",
                "-c",
                "dpkg-scanpackages --multiversion . /dev/null >Packages.tmp 2>/dev/null \
                 && mv Packages.tmp Packages && gzip -9kf Packages",
            ])
            .current_dir(&repo)
            .status()
            .expect("run dpkg-scanpackages");
        assert!(status.success(), "rescanning {} failed", repo.display());
    }
}

/// Where scripts/lab/debian-debs.sh keeps the Debian packages it downloads.
const DEB_CACHE: &str = "/var/cache/rsible-lab/debs";

impl Tier2 {
    /// Puts Debian's own packages `names`, with the dependencies the lab base lacks, into the
    /// lab repository (scripts/lab/debian-debs.sh: downloaded once, cached across runs) and
    /// returns the cached .deb of each name.
    pub fn debian_packages(&self, names: &[&str]) -> Vec<PathBuf> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lab/debian-debs.sh");
        let st = Command::new(script)
            .arg(self.repo())
            .args(names)
            .status()
            .expect("run debian-debs.sh");
        assert!(st.success(), "debian-debs.sh {names:?} failed");
        names
            .iter()
            .map(|name| {
                std::fs::read_dir(DEB_CACHE)
                    .ok()
                    .and_then(|d| {
                        d.filter_map(Result::ok).map(|e| e.path()).find(|p| {
                            p.file_name().and_then(|f| f.to_str()).is_some_and(|f| {
                                f.starts_with(&format!("{name}_")) && f.ends_with(".deb")
                            })
                        })
                    })
                    .unwrap_or_else(|| panic!("{name}: no .deb in {DEB_CACHE}"))
            })
            .collect()
    }
}

/// A tiny Debian package built by the tests (a test double, not a real Debian package).
#[derive(Clone, Debug, Default)]
pub struct Deb {
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `Depends:` line, if any.
    pub depends: Option<String>,
    /// Files: absolute path in the package, contents, mode.
    pub files: Vec<(String, String, u32)>,
    /// Paths among `files` that are conffiles (under /etc).
    pub conffiles: Vec<String>,
    /// A `postinst` script body, if any.
    pub postinst: Option<String>,
}

impl Deb {
    /// A package `name` at `version` with no files yet.
    pub fn new(name: &str, version: &str) -> Deb {
        Deb {
            name: name.into(),
            version: version.into(),
            ..Deb::default()
        }
    }

    /// Adds a file.
    pub fn file(mut self, path: &str, contents: &str, mode: u32) -> Deb {
        self.files.push((path.into(), contents.into(), mode));
        self
    }

    /// Adds a conffile (a file under /etc that dpkg keeps on upgrade).
    pub fn conffile(mut self, path: &str, contents: &str) -> Deb {
        self.conffiles.push(path.into());
        self.file(path, contents, 0o644)
    }

    /// Adds a systemd service unit `/lib/systemd/system/NAME.service` (not enabled by the
    /// package: tests enable it with the module under test).
    pub fn service(self, unit: &str, exec_start: &str) -> Deb {
        let text = format!(
            "[Unit]\nDescription=rsible test double {unit}\n\n[Service]\nExecStart={exec_start}\n\
             ExecReload=/bin/kill -HUP $MAINPID\n\n[Install]\nWantedBy=multi-user.target\n"
        );
        self.file(&format!("/lib/systemd/system/{unit}.service"), &text, 0o644)
    }

    /// The `.deb` file name.
    pub fn file_name(&self) -> String {
        format!("{}_{}_all.deb", self.name, self.version)
    }

    /// Builds the package into directory `repo` as [`Deb::file_name`] (no index is written).
    pub fn build_into(&self, repo: &Path) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("pkg");
        let debian = root.join("DEBIAN");
        std::fs::create_dir_all(&debian).unwrap();
        let mut control = format!(
            "Package: {}\nVersion: {}\nArchitecture: all\nMaintainer: rsible tests <tests@rsible.invalid>\n\
             Section: misc\nPriority: optional\n",
            self.name, self.version
        );
        if let Some(d) = &self.depends {
            control.push_str(&format!("Depends: {d}\n"));
        }
        control.push_str(&format!(
            "Description: rsible test double {}\n Built by the rsible test suite.\n",
            self.name
        ));
        std::fs::write(debian.join("control"), control).unwrap();
        if !self.conffiles.is_empty() {
            std::fs::write(debian.join("conffiles"), self.conffiles.join("\n") + "\n").unwrap();
        }
        if let Some(p) = &self.postinst {
            let path = debian.join("postinst");
            std::fs::write(&path, format!("#!/bin/sh\nset -e\n{p}\n")).unwrap();
            set_mode(&path, 0o755);
        }
        for (path, contents, mode) in &self.files {
            let dest = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(&dest, contents).unwrap();
            set_mode(&dest, *mode);
        }
        let out = repo.join(self.file_name());
        let st = Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zgzip", "--build"])
            .arg(&root)
            .arg(&out)
            .output()
            .expect("run dpkg-deb");
        assert!(
            st.status.success(),
            "dpkg-deb failed for {}: {}",
            self.name,
            String::from_utf8_lossy(&st.stderr)
        );
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
