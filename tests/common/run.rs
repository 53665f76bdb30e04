//! The one way the integration tests run the `rsible` binary: a builder in the spirit of
//! `just`'s `Test` (a directory, a playbook, an inventory, arguments, environment, stdin) that
//! finishes with [`Rsible::run`] (one [`Run`]: exit code, output, `--format json` events),
//! [`Rsible::converge`] (two runs, the second changing nothing) or [`Rsible::command`] (for
//! tests that must own the child). All process hygiene lives in [`hygiene`]: a private HOME,
//! no colour, no ssh agent, and none of the developer's RSIBLE_* or ANSIBLE_* settings unless
//! the test sets them. Knows nothing of the lab or of what a test asserts.

use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Makes `cmd` run as a test's private user: HOME is `home`, NO_COLOR=1, no SSH_AUTH_SOCK,
/// every inherited RSIBLE_* and ANSIBLE_* variable removed (a test that wants one sets it
/// afterwards), and SSH connections not kept after the run (`RSIBLE_CONTROL_PERSIST=0`):
/// rsible keeps them 60 s by default, and a test's run must make its own connection (a
/// changed host key, a killed sshd) unless the test is about kept connections
/// ([`Rsible::default_connections`], tests/persist.rs).
pub fn hygiene(cmd: &mut Command, home: &Path) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("RSIBLE_") || k.starts_with("ANSIBLE_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home)
        .env("NO_COLOR", "1")
        .env("RSIBLE_CONTROL_PERSIST", "0")
        .env_remove("SSH_AUTH_SOCK");
}

/// Where an inventory comes from: text written to `hosts` in the run's directory, or a file.
pub enum Inventory {
    /// Inventory text, written to `hosts`.
    Text(String),
    /// An inventory file or directory, passed as given.
    Path(PathBuf),
}

impl From<&str> for Inventory {
    fn from(text: &str) -> Inventory {
        Inventory::Text(text.to_string())
    }
}

impl From<String> for Inventory {
    fn from(text: String) -> Inventory {
        Inventory::Text(text)
    }
}

impl From<&Path> for Inventory {
    fn from(path: &Path) -> Inventory {
        Inventory::Path(path.to_path_buf())
    }
}

impl From<PathBuf> for Inventory {
    fn from(path: PathBuf) -> Inventory {
        Inventory::Path(path)
    }
}

impl From<&PathBuf> for Inventory {
    fn from(path: &PathBuf) -> Inventory {
        Inventory::Path(path.clone())
    }
}

/// One `rsible` invocation being described. The command line is `play PLAYBOOK` (when
/// [`Rsible::playbook`] or [`Rsible::play`] named one) followed by every other argument in the
/// order the builder was given it.
#[derive(Clone)]
pub struct Rsible {
    home: PathBuf,
    dir: PathBuf,
    playbook: Option<(String, Option<String>)>,
    inventory: Option<String>,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    json: bool,
    via: Option<(PathBuf, Vec<OsString>)>,
    timeout: Option<Duration>,
    default_connections: bool,
}

impl Rsible {
    /// `rsible` with `home` as both its HOME and its working directory.
    pub fn new(home: impl AsRef<Path>) -> Rsible {
        let home = home.as_ref();
        Rsible {
            home: home.to_path_buf(),
            dir: home.to_path_buf(),
            playbook: None,
            inventory: None,
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            json: false,
            via: None,
            timeout: None,
            default_connections: false,
        }
    }

    /// Runs in `dir` (where relative paths, `site.yml` and `hosts` are).
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Rsible {
        self.dir = dir.as_ref().to_path_buf();
        self
    }

    /// Writes `yaml` to `site.yml` in the run's directory (when the run starts) and plays it.
    pub fn playbook(mut self, yaml: &str) -> Rsible {
        self.playbook = Some(("site.yml".into(), Some(yaml.into())));
        self
    }

    /// Plays the existing playbook `file` (relative to the run's directory, or absolute).
    pub fn play(mut self, file: impl AsRef<OsStr>) -> Rsible {
        let file = file.as_ref().to_string_lossy().into_owned();
        self.playbook = Some((file, None));
        self
    }

    /// `-i`: inventory text (written to `hosts` when the run starts) or an inventory path.
    pub fn inventory(mut self, inv: impl Into<Inventory>) -> Rsible {
        match inv.into() {
            Inventory::Text(text) => {
                self.inventory = Some(text);
                self.args.extend(["-i".into(), "hosts".into()]);
            }
            Inventory::Path(path) => self.args.extend(["-i".into(), path.into_os_string()]),
        }
        self
    }

    /// `--known-hosts PATH`.
    pub fn known_hosts(mut self, path: impl AsRef<OsStr>) -> Rsible {
        self.args
            .extend(["--known-hosts".into(), path.as_ref().to_os_string()]);
        self
    }

    /// `--format json`, and the run's stdout parsed into [`Run::events`] (a line that is not
    /// JSON fails the test).
    pub fn json(mut self) -> Rsible {
        self.json = true;
        self.args.extend(["--format".into(), "json".into()]);
        self
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Rsible {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// More arguments.
    pub fn args<I, S>(mut self, args: I) -> Rsible
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable (after [`hygiene`], so RSIBLE_* and ANSIBLE_* ones stay).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Rsible {
        self.env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// Leaves keeping connections to rsible's own default and configuration (kept 60 s)
    /// instead of [`hygiene`]'s `RSIBLE_CONTROL_PERSIST=0`.
    pub fn default_connections(mut self) -> Rsible {
        self.default_connections = true;
        self
    }

    /// Feeds `input` on standard input (otherwise stdin is empty).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Rsible {
        self.stdin = Some(input.into());
        self
    }

    /// Runs the binary through `prog args...` (e.g. `/usr/bin/time -f ...`).
    pub fn via<I, S>(mut self, prog: &Path, args: I) -> Rsible
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        self.via = Some((prog.to_path_buf(), args));
        self
    }

    /// Kills the run and panics when it takes longer than `limit`.
    pub fn timeout(mut self, limit: Duration) -> Rsible {
        self.timeout = Some(limit);
        self
    }

    /// Writes the playbook and inventory the builder was given, and returns the command
    /// (stdio left to the caller), for tests that must own the child.
    pub fn command(&self) -> Command {
        if let Some((file, Some(yaml))) = &self.playbook {
            std::fs::write(self.dir.join(file), yaml).expect("write the playbook");
        }
        if let Some(text) = &self.inventory {
            std::fs::write(self.dir.join("hosts"), text).expect("write the inventory");
        }
        let bin = Path::new(env!("CARGO_BIN_EXE_rsible"));
        let mut c = match &self.via {
            Some((prog, args)) => {
                let mut c = Command::new(prog);
                c.args(args).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        hygiene(&mut c, &self.home);
        if self.default_connections {
            c.env_remove("RSIBLE_CONTROL_PERSIST");
        }
        c.current_dir(&self.dir);
        if let Some((file, _)) = &self.playbook {
            c.args(["play", file]);
        }
        c.args(&self.args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs to completion.
    pub fn run(&self) -> Run {
        let mut c = self.command();
        c.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().expect("start rsible");
        let writer = self.stdin.clone().map(|input| {
            let mut pipe = child.stdin.take().expect("piped stdin");
            std::thread::spawn(move || {
                // rsible may exit without reading it all.
                let _ = pipe.write_all(&input);
            })
        });
        let mut out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let stdout = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = out.read_to_end(&mut b);
            b
        });
        let stderr = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = err.read_to_end(&mut b);
            b
        });
        let started = Instant::now();
        let status = loop {
            let Some(limit) = self.timeout else {
                break child.wait().expect("wait for rsible");
            };
            if let Some(st) = child.try_wait().expect("wait for rsible") {
                break st;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("rsible ran longer than {limit:?} (killed)");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(w) = writer {
            w.join().expect("stdin writer");
        }
        let stdout = String::from_utf8_lossy(&stdout.join().expect("stdout reader")).into_owned();
        let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr reader")).into_owned();
        let events = if self.json {
            json_lines(&stdout)
        } else {
            Vec::new()
        };
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
            events,
            json: self.json,
        }
    }

    /// Runs twice: the first run must succeed, the second must succeed with changed=0 on every
    /// host of `hosts`. Returns the first run. Needs [`Rsible::json`].
    pub fn converge(&self, hosts: &[&str]) -> Run {
        assert!(self.json, "converge reads the recap: call .json()");
        let first = self.run();
        assert_eq!(first.code, 0, "first run failed:\n{}", first.dump());
        let second = self.run();
        assert_eq!(second.code, 0, "second run failed:\n{}", second.dump());
        for host in hosts {
            assert_eq!(
                second.changed(host),
                0,
                "the second run changed something on {host}:\n{}",
                second.dump()
            );
        }
        first
    }
}

/// One finished `rsible` run.
#[derive(Debug)]
pub struct Run {
    /// The exit code (-1: killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// `--format json` events (empty unless the run was [`Rsible::json`]).
    pub events: Vec<Value>,
    /// Whether the run was [`Rsible::json`].
    pub json: bool,
}

impl Run {
    /// The recap counts of `host` (`ok`, `changed`, `failed`, ...).
    pub fn stats(&self, host: &str) -> &Value {
        self.need_json();
        recap_stats(&self.events, host)
    }

    /// The `changed` count of `host` in the recap.
    pub fn changed(&self, host: &str) -> u64 {
        self.stats(host)["changed"].as_u64().unwrap_or(u64::MAX)
    }

    /// The host_result events of `host` for the task named `task` (the latest task_start
    /// before a result names its task).
    pub fn results(&self, host: &str, task: &str) -> Vec<&Value> {
        self.need_json();
        let mut current = "";
        let mut out = Vec::new();
        for e in &self.events {
            if e["event"] == "task_start" {
                current = e["name"].as_str().unwrap_or_default();
            } else if e["event"] == "host_result" && e["host"] == host && current == task {
                out.push(e);
            }
        }
        out
    }

    /// The last host_result event of each host.
    pub fn by_host(&self) -> BTreeMap<String, Value> {
        self.need_json();
        by_host(&self.events)
    }

    /// Everything the run printed, for assertion messages.
    pub fn dump(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Panics unless the run's events were read: the accessors need [`Rsible::json`].
    fn need_json(&self) {
        assert!(
            self.json,
            "this run's events were not read: build it with .json()"
        );
    }
}

/// Parses `--format json` output, one event a line.
pub fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The last host_result event of each host among `events`.
pub fn by_host(events: &[Value]) -> BTreeMap<String, Value> {
    events
        .iter()
        .filter(|v| v["event"] == "host_result")
        .map(|v| {
            (
                v["host"].as_str().unwrap_or_default().to_string(),
                v.clone(),
            )
        })
        .collect()
}

/// The PLAY RECAP counts of `host` among `events`; panics when there is no recap.
pub fn recap_stats<'a>(events: &'a [Value], host: &str) -> &'a Value {
    let r = events
        .iter()
        .find(|e| e["event"] == "recap")
        .unwrap_or_else(|| panic!("no recap in {events:#?}"));
    &r["stats"][host]
}
