//! Fault injection on lab hosts for the fault tests: `rsible` runs under a hard wall-clock
//! limit with its JSON events timestamped as they arrive, and guards that break one host
//! (sshd killed, link down, a small full filesystem) and repair it when dropped, even when the
//! test panics. Knows nothing of what a test asserts.

use super::Rsible;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs a lab script from this checkout against the shared lab state; panics when it fails.
pub fn lab_script(script: &str, args: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/lab")
        .join(script);
    let out = Command::new(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `prog args` on this machine; panics when it fails.
pub fn sh(prog: &str, args: &[&str]) -> String {
    let out = Command::new(prog)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {prog}: {e}"));
    assert!(
        out.status.success(),
        "{prog} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `rsible` whose stdout lines are collected with their arrival time.
pub struct Running {
    child: Child,
    started: Instant,
    limit: Duration,
    stdout: Option<JoinHandle<Vec<(Instant, String)>>>,
    stderr: Option<JoinHandle<String>>,
}

/// A finished run.
pub struct Finished {
    /// The exit code.
    pub code: i32,
    /// Wall-clock time from start to exit.
    pub wall: Duration,
    /// `--format json` events, each with the time since start when it arrived.
    pub events: Vec<(Duration, Value)>,
    /// Standard error.
    pub stderr: String,
}

impl Running {
    /// Starts `rsible` (an `rsible ... --format json`); it must exit within `limit`.
    pub fn start(rsible: Rsible, limit: Duration) -> Running {
        let mut child = rsible
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rsible");
        let started = Instant::now();
        let out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let stdout = std::thread::spawn(move || {
            BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .map(|l| (Instant::now(), l))
                .collect()
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Running {
            child,
            started,
            limit,
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// When the run started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Waits (at most until the run's limit) for `cond`; panics when it never holds.
    pub fn wait_for(&mut self, what: &str, cond: impl Fn() -> bool) {
        while !cond() {
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("rsible exited ({st}) before {what}");
            }
            assert!(
                self.started.elapsed() < self.limit,
                "{what} did not happen within {:?}",
                self.limit
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the exit; kills the run and panics when it outlives its limit.
    pub fn finish(mut self) -> Finished {
        let code = loop {
            if let Some(st) = self.child.try_wait().expect("wait for rsible") {
                break st.code().unwrap_or(-1);
            }
            if self.started.elapsed() > self.limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let said = self.stdout.take().expect("reader").join().expect("reader");
                let said: Vec<String> = said
                    .into_iter()
                    .map(|(t, l)| format!("{:>7.2}s {l}", (t - self.started).as_secs_f64()))
                    .collect();
                panic!(
                    "rsible hung: still running after {:?} (killed); it said:\n{}",
                    self.limit,
                    said.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let wall = self.started.elapsed();
        let lines = self.stdout.take().expect("reader").join().expect("reader");
        let stderr = self.stderr.take().expect("reader").join().expect("reader");
        let events = lines
            .into_iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(t, l)| {
                let v = serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
                (t - self.started, v)
            })
            .collect();
        Finished {
            code,
            wall,
            events,
            stderr,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A test that panicked mid-run leaves no rsible behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Finished {
    /// `host`'s results with their arrival times, in order.
    pub fn results(&self, host: &str) -> Vec<(Duration, &Value)> {
        self.events
            .iter()
            .filter(|(_, e)| e["event"] == "host_result" && e["host"] == host)
            .map(|(t, e)| (*t, e))
            .collect()
    }

    /// The PLAY RECAP counts of `host`.
    pub fn stats(&self, host: &str) -> &Value {
        let (_, r) = self
            .events
            .iter()
            .find(|(_, e)| e["event"] == "recap")
            .unwrap_or_else(|| panic!("no recap in\n{}", self.dump()));
        &r["stats"][host]
    }

    /// `host`'s recap count `key` (`ok`, `failed`, `unreachable`, ...).
    pub fn count(&self, host: &str, key: &str) -> u64 {
        self.stats(host)[key].as_u64().unwrap_or(u64::MAX)
    }

    /// Everything the run printed, for assertion messages.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for (t, e) in &self.events {
            s.push_str(&format!("{:>7.2}s {e}\n", t.as_secs_f64()));
        }
        s.push_str(&self.stderr);
        s
    }
}

/// `rsible play site.yml -i hosts --format json` run in `dir` (also its HOME), checking host
/// keys against `known_hosts`: add arguments, then [`Running::start`] it.
pub fn play_json(dir: &Path, known_hosts: &Path) -> Rsible {
    Rsible::new(dir)
        .play("site.yml")
        .inventory(Path::new("hosts"))
        .json()
        .known_hosts(known_hosts)
}

/// Tier-1 host `xx`'s namespace name.
pub fn netns(xx: usize) -> String {
    format!("rsible-t1-{xx:02}")
}

/// Kills every process in tier-1 host `xx`'s namespace (the sshd listener, the session
/// processes and the programs they run); restarts its sshd when dropped.
pub struct SshdKilled {
    xx: usize,
}

impl SshdKilled {
    /// Kills them now.
    pub fn now(xx: usize) -> SshdKilled {
        let guard = SshdKilled { xx };
        let pids = sh("ip", &["netns", "pids", &netns(xx)]);
        let pids: Vec<&str> = pids.split_whitespace().collect();
        assert!(!pids.is_empty(), "t1-{xx:02} has no processes to kill");
        let mut args = vec!["-KILL"];
        args.extend(&pids);
        let _ = Command::new("kill").args(&args).status();
        guard
    }
}

impl Drop for SshdKilled {
    fn drop(&mut self) {
        lab_script("tier1.sh", &["start-sshd", &format!("{:02}", self.xx)]);
    }
}

/// Tier-1 host `xx`'s link to the bridge, down: its traffic is blackholed (no RST, no ICMP);
/// set up again when dropped.
pub struct LinkDown {
    veth: String,
    /// An address whose neighbour entry the guard pinned (see [`LinkDown::blackhole`]).
    pinned: Option<String>,
}

impl LinkDown {
    /// Sets it down now. A connection open at that moment hears nothing more; a new one fails
    /// with "No route to host" once ARP gives up (the kernel's answer, not a timeout).
    pub fn now(xx: usize) -> LinkDown {
        let veth = format!("rs1h-{xx:02}");
        sh("ip", &["link", "set", &veth, "down"]);
        LinkDown { veth, pinned: None }
    }

    /// Sets it down with the host's address pinned in the neighbour table, so that even a new
    /// connection's packets leave and vanish: it can only time out.
    pub fn blackhole(xx: usize, addr: &str) -> LinkDown {
        let mac = sh(
            "ip",
            &[
                "netns",
                "exec",
                &netns(xx),
                "cat",
                "/sys/class/net/eth0/address",
            ],
        );
        sh(
            "ip",
            &[
                "neigh",
                "replace",
                addr,
                "lladdr",
                mac.trim(),
                "dev",
                "rsbr0",
                "nud",
                "permanent",
            ],
        );
        let mut guard = LinkDown::now(xx);
        guard.pinned = Some(addr.to_string());
        guard
    }
}

impl Drop for LinkDown {
    fn drop(&mut self) {
        if let Some(addr) = &self.pinned {
            let _ = Command::new("ip")
                .args(["neigh", "del", addr, "dev", "rsbr0"])
                .status();
        }
        sh("ip", &["link", "set", &self.veth, "up"]);
    }
}

/// A tmpfs of a given size mounted on a fresh directory in the mount namespace of a tier-1
/// host's sshd (`ip netns exec` gave it its own, and mounts made here do not propagate into
/// it); unmounted and removed when dropped.
pub struct SmallFs {
    /// The mount point, as the target sees it.
    pub path: PathBuf,
    /// The sshd whose namespace holds the mount.
    pid: String,
}

impl SmallFs {
    /// Mounts `size` (tmpfs syntax: `2m`) on a new directory under /var/tmp, for the sshd whose
    /// pid file is `pid_file`.
    pub fn mount(size: &str, pid_file: &Path) -> SmallFs {
        let pid = std::fs::read_to_string(pid_file)
            .unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()))
            .trim()
            .to_string();
        let path = tempfile::Builder::new()
            .prefix("rsible-fault-fs.")
            .tempdir_in("/var/tmp")
            .expect("mount point")
            .keep();
        let fs = SmallFs { path, pid };
        sh(
            "nsenter",
            &[
                "-t",
                &fs.pid,
                "-m",
                "mount",
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "rsible-fault",
                &fs.path.to_string_lossy(),
            ],
        );
        fs
    }

    /// Where this machine reaches `name` inside the mount.
    pub fn local(&self, name: &str) -> PathBuf {
        Path::new("/proc")
            .join(&self.pid)
            .join("root")
            .join(self.path.strip_prefix("/").expect("absolute"))
            .join(name)
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("nsenter")
            .args(["-t", &self.pid, "-m", "umount"])
            .arg(&self.path)
            .status();
        let _ = std::fs::remove_dir(&self.path);
    }
}
