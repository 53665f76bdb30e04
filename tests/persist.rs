//! Connections kept between runs (`--control-persist`, on by default) against the tier-1 lab's
//! real OpenSSH servers (t1-82..t1-85): a second run reuses the connection and its long-lived
//! shell (the shell's pid is the same), only for the same login settings, the daemon closes it after its idle time and exits, a connection
//! that died is replaced, `meta: reset_connection` closes a kept one, failures read as for a
//! direct connection, and an unsafe control directory is refused.

mod common;

use common::run::Run;
use common::{write, Lab, Rsible};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A private HOME whose persistence daemon (if any) is stopped when the test ends.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The daemon's socket under the default control directory.
    fn socket(&self) -> PathBuf {
        socket_in(&self.path().join(".rsible/cp"))
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        // The daemon's command line names its control directory, which is under this HOME.
        let _ = std::process::Command::new("pkill")
            .args(["-f", &format!("__persist-daemon {}", self.path().display())])
            .status();
    }
}

/// The daemon's socket in control directory `dir`, if there is one.
fn socket_in(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "sock"))
        .unwrap_or_else(|| dir.join("no-socket"))
}

/// An inventory with lab host `i` as `h`, logged in as root.
fn inventory(home: &Path, i: usize) -> PathBuf {
    let lab = Lab::tier1();
    write(
        home,
        "inv.ini",
        &format!("h ansible_host={} {}\n", Lab::addr(i), lab.root_login()),
    )
}

/// `rsible run` on the hosts of `inv` with JSON output and the lab's known_hosts; the caller
/// adds the module, the command and options.
fn run_cmd(home: &Home, inv: &Path) -> Rsible {
    Rsible::new(home.path())
        .arg("run")
        .arg("all")
        .json()
        .inventory(inv)
        .known_hosts(Lab::tier1().known_hosts())
}

/// `rsible run` of a shell command on `h`; exit code, JSON stdout, stderr.
fn run(home: &Home, inv: &Path, cmd: &str, extra: &[&str]) -> (i32, Run, String) {
    let out = run_cmd(home, inv)
        .args(["-m", "shell", "-a", cmd])
        .args(extra)
        .run();
    let err = out.stderr.clone();
    (out.code, out, err)
}

/// The pid of the long-lived shell that ran the program (its parent), from a run that
/// must succeed.
fn shell_pid(home: &Home, inv: &Path, extra: &[&str]) -> String {
    let (code, out, err) = run(home, inv, "echo $PPID", extra);
    assert_eq!(code, 0, "{err} {}", out.stdout);
    let pid = out.by_host()["h"]["stdout"]
        .as_str()
        .unwrap()
        .trim()
        .to_string();
    assert!(pid.parse::<u32>().is_ok(), "{pid:?}");
    pid
}

#[test]
fn a_second_run_reuses_the_kept_connection_and_its_shells() {
    let home = Home::new();
    let inv = inventory(home.path(), 82);
    // Without keeping (the tests' RSIBLE_CONTROL_PERSIST=0), each run has its own connection
    // and shell: the check can fail.
    assert_ne!(shell_pid(&home, &inv, &[]), shell_pid(&home, &inv, &[]));
    assert!(!home.socket().exists(), "no daemon when keeping is off");

    let keep = ["--control-persist", "30"];
    let first = shell_pid(&home, &inv, &keep);
    assert!(home.socket().exists(), "the daemon listens in ~/.rsible/cp");
    assert_eq!(shell_pid(&home, &inv, &keep), first);
    // The environment variable asks for the same.
    let by_env = run_cmd(&home, &inv)
        .env("RSIBLE_CONTROL_PERSIST", "30")
        .args(["-m", "shell", "-a", "echo $PPID"])
        .run();
    assert_eq!(by_env.by_host()["h"]["stdout"], format!("{first}\n"));

    // The become shell (sudo -n as root, then as nobody) is kept too.
    let root = shell_pid(&home, &inv, &["--control-persist", "30", "-b"]);
    assert_eq!(
        shell_pid(&home, &inv, &["--control-persist", "30", "-b"]),
        root
    );
    let (code, out, err) = run(
        &home,
        &inv,
        "id -un",
        &["--control-persist", "30", "-b", "--become-user", "nobody"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.by_host()["h"]["stdout"], "nobody\n");
}

/// rsible's default keeps connections (60 s, Ansible's ControlPersist), and a run with other
/// connection settings (login user, key) never gets a connection made for others.
#[test]
fn connections_are_kept_by_default_and_only_for_the_same_settings() {
    let home = Home::new();
    let lab = Lab::tier1();
    let inv_with = |name: &str, login: String| {
        write(
            home.path(),
            name,
            &format!("h ansible_host={} {login}\n", Lab::addr(82)),
        )
    };
    let login = |user: &str, key: &str| {
        format!(
            "ansible_user={user} ansible_ssh_private_key_file={}",
            lab.key(key).display()
        )
    };
    let ask = |inv: &Path, extra: &[&str], cmd: &str| -> String {
        let out = run_cmd(&home, inv)
            .default_connections()
            .args(extra)
            .args(["-m", "shell", "-a", cmd])
            .run();
        assert_eq!(out.code, 0, "{} {}", out.stderr, out.stdout);
        out.by_host()["h"]["stdout"]
            .as_str()
            .unwrap()
            .trim()
            .to_string()
    };
    let root = inv_with("root.ini", login("root", "id_ed25519"));
    let first = ask(&root, &[], "echo $PPID");
    assert!(home.socket().exists(), "the default starts the daemon");
    assert_eq!(
        ask(&root, &[], "echo $PPID"),
        first,
        "the next run reuses it"
    );

    let user = inv_with("user.ini", login("rslab", "id_ed25519"));
    assert_eq!(ask(&user, &[], "id -un"), "rslab");
    assert_ne!(ask(&user, &[], "echo $PPID"), first, "another user");
    let key = inv_with("key.ini", login("root", "id_rsa"));
    assert_ne!(ask(&key, &[], "echo $PPID"), first, "another key");
    let off = ["--control-persist", "0"];
    assert_ne!(ask(&root, &off, "echo $PPID"), first, "keeping turned off");
    assert_eq!(
        ask(&root, &[], "echo $PPID"),
        first,
        "still kept for the default"
    );
}

#[test]
fn a_kept_connection_closes_after_its_idle_time_and_the_daemon_exits() {
    let home = Home::new();
    let inv = inventory(home.path(), 83);
    let first = shell_pid(&home, &inv, &["--control-persist", "1"]);
    let start = Instant::now();
    while home.socket().exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the daemon still runs 10 s after a 1 s idle time"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Not before the idle time (the daemon's 2 s grace for a next run runs alongside it).
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_ne!(shell_pid(&home, &inv, &["--control-persist", "1"]), first);
}

#[test]
fn a_kept_connection_that_died_is_replaced_by_the_next_run() {
    let home = Home::new();
    let inv = inventory(home.path(), 84);
    let keep = ["--control-persist", "30"];
    let first = shell_pid(&home, &inv, &keep);
    // Kill the sshd process serving the kept connection, from inside it (field 4 of
    // /proc/PID/stat is the parent: the shell's parent is the session's sshd).
    let (code, out, err) = run(
        &home,
        &inv,
        "kill -9 $(cut -d' ' -f4 /proc/$PPID/stat)",
        &keep,
    );
    assert_ne!(code, 0, "the run lost its connection: {err} {}", out.stdout);
    let second = shell_pid(&home, &inv, &keep);
    assert_ne!(second, first);
    assert_eq!(shell_pid(&home, &inv, &keep), second);
}

#[test]
fn reset_connection_closes_a_kept_connection() {
    let home = Home::new();
    let lab = Lab::tier1();
    let inv = inventory(home.path(), 85);
    let play = write(
        home.path(),
        "reset.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    \
         - shell: echo $PPID\n      register: before\n    \
         - meta: reset_connection\n    \
         - shell: echo $PPID\n      register: after\n    \
         - assert:\n        that: before.stdout != after.stdout\n",
    );
    for _ in 0..2 {
        let out = Rsible::new(home.path())
            .args(["play", "--control-persist", "30", "-i"])
            .arg(&inv)
            .arg("--known-hosts")
            .arg(lab.known_hosts())
            .arg(&play)
            .run();
        let text = &out.stdout;
        assert_eq!(out.code, 0, "{text}");
        // The assert passed; meta tasks are not counted, as in Ansible.
        assert!(text.contains("ok=3"), "{text}");
    }
}

#[test]
fn relative_paths_mean_the_run_directory_for_the_daemon_too() {
    let home = Home::new();
    let lab = Lab::tier1();
    std::fs::copy(lab.known_hosts(), home.path().join("kh")).unwrap();
    std::fs::copy(lab.key("id_ed25519"), home.path().join("key")).unwrap();
    write(
        home.path(),
        "inv.ini",
        &format!(
            "h ansible_host={} ansible_user=root ansible_ssh_private_key_file=key\n",
            Lab::addr(82)
        ),
    );
    let out = Rsible::new(home.path())
        .args(["run", "all", "-i", "inv.ini", "--known-hosts", "kh"])
        .args(["--control-persist", "5", "-a", "id -un"])
        .json()
        .run();
    let err = &out.stderr;
    assert_eq!(out.code, 0, "{err}");
    assert_eq!(out.by_host()["h"]["stdout"], "root\n");
}

#[test]
fn failures_through_the_daemon_read_as_for_a_direct_connection() {
    let home = Home::new();
    let lab = Lab::tier1();
    let inv = inventory(home.path(), 82);
    let empty = write(home.path(), "empty_known_hosts", "");
    for keep in ["0", "30"] {
        let out = Rsible::new(home.path())
            .args(["run", "all", "-a", "true", "-i"])
            .arg(&inv)
            .arg("--known-hosts")
            .arg(&empty)
            .args(["--control-persist", keep])
            .json()
            .run();
        assert_eq!(out.code, 3, "keep {keep}");
        let r = &out.by_host()["h"];
        assert_eq!(r["status"], "unreachable", "keep {keep}: {r}");
        let msg = r["msg"].as_str().unwrap_or_default();
        assert!(
            msg.contains("host key verification failed"),
            "keep {keep}: {msg}"
        );
    }
    // Nobody listens on port 1: refused, as directly.
    let closed = write(
        home.path(),
        "closed.ini",
        &format!(
            "h ansible_host={} ansible_port=1 {}\n",
            Lab::addr(82),
            lab.root_login()
        ),
    );
    let (code, out, _) = run(&home, &closed, "true", &["--control-persist", "30"]);
    assert_eq!(code, 3);
    assert_eq!(out.by_host()["h"]["status"], "unreachable");
    let msg = out.by_host()["h"]["msg"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("cannot connect to"), "{msg}");
}

#[test]
fn an_unsafe_control_directory_is_refused_and_the_run_connects_directly() {
    let home = Home::new();
    let inv = inventory(home.path(), 83);
    let open = home.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = run_cmd(&home, &inv)
        .env("RSIBLE_CONTROL_PATH_DIR", &open)
        .args(["-a", "true", "--control-persist", "30"])
        .run();
    let err = &out.stderr;
    assert_eq!(out.code, 0, "{err}");
    assert!(err.contains("must belong to you and be private"), "{err}");
    assert!(!socket_in(&open).exists());
}
