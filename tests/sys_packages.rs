//! The package modules (`apt`, `package`, `dpkg_selections`, `apt_repository`,
//! `deb822_repository`, `apt_key`) against tier-2 lab host t2-07, logging in as `rslab` and
//! becoming root. Test-double packages `rstp-*` are built into the lab's local apt repository;
//! a signed flat repository is built in `<repo>/rstp-signed/` with a key generated here.
//! Every state-changing play converges (the second run changes nothing). The tests share one
//! host's dpkg database, so they run one at a time (a lock) and reset what they need first.

mod common;

use common::tier2::{Deb, Run, Tier2};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// The one host these tests use.
const HOST: usize = 7;

/// Serializes the tests: they share t2-07's dpkg database.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A project dir with the inventory for t2-07.
fn project(lab: &Tier2) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    dir
}

/// A play of `tasks` (YAML, indented 4) on t2-07 with become.
fn book(tasks: &str) -> String {
    format!("- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n{tasks}")
}

/// Writes the play and runs it once with `args`.
fn play_once(lab: &Tier2, dir: &Path, tasks: &str, args: &[&str]) -> Run {
    common::write(dir, "site.yml", &book(tasks));
    lab.play(dir, args)
}

/// `Status|Version` of package `name` on t2-07 (`not-installed|` when unknown).
fn pkg(lab: &Tier2, name: &str) -> String {
    let (_, out) = lab.root_sh(
        HOST,
        &format!("dpkg-query -W -f='${{db:Status-Abbrev}}|${{Version}}' {name} 2>/dev/null"),
    );
    out.trim().to_string()
}

/// Removes the test packages and refreshes the cache (the repo may have new packages).
fn reset(lab: &Tier2) {
    lab.root_ok(
        HOST,
        "for p in $(dpkg-query -W -f='${Package}\\n' 'rstp-*' 2>/dev/null); do \
         echo $p install | dpkg --set-selections; done; \
         dpkg --purge $(dpkg-query -W -f='${Package}\\n' 'rstp-*' 2>/dev/null) >/dev/null 2>&1; \
         rm -f /etc/apt/sources.list.d/rstp*.list /etc/apt/sources.list.d/rstp*.sources \
         /etc/apt/keyrings/rstp*.asc /etc/apt/trusted.gpg.d/rstp*.asc /etc/rstp-key.asc; \
         apt-get update -q >/dev/null 2>&1; true",
    );
}

/// rstp-hello 1.0 and 2.0 (with a conffile; 2.0 depends on rstp-dep), rstp-dep, rstp-other.
fn publish_doubles(lab: &Tier2) {
    lab.publish(&[
        Deb::new("rstp-hello", "1.0")
            .conffile("/etc/rstp-hello.conf", "version=1\n")
            .file("/usr/share/rstp-hello/v", "1.0\n", 0o644),
        Deb {
            depends: Some("rstp-dep".into()),
            ..Deb::new("rstp-hello", "2.0")
                .conffile("/etc/rstp-hello.conf", "version=2\n")
                .file("/usr/share/rstp-hello/v", "2.0\n", 0o644)
        },
        Deb::new("rstp-dep", "1.0").file("/usr/share/rstp-dep/v", "1.0\n", 0o644),
        Deb::new("rstp-other", "1.0").file("/usr/share/rstp-other/v", "1.0\n", 0o644),
    ]);
}

/// The first host_result of `task`.
fn result<'a>(run: &'a Run, task: &str) -> &'a serde_json::Value {
    run.results(&Tier2::name(HOST), task)
        .first()
        .unwrap_or_else(|| panic!("no result for {task}:\n{}", run.dump()))
}

#[test]
fn install_upgrade_pin_remove_and_purge() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let dir = project(&lab);
    let d = dir.path();

    let run = lab.converge(
        d,
        &[HOST],
        &book("    - name: pin\n      apt: {name: rstp-hello=1.0}\n"),
    );
    assert_eq!(run.changed(&Tier2::name(HOST)), 1, "{}", run.dump());
    assert_eq!(pkg(&lab, "rstp-hello"), "ii |1.0");

    lab.converge(
        d,
        &[HOST],
        &book("    - name: latest\n      apt: {name: rstp-hello, state: latest}\n"),
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "ii |2.0");
    assert_eq!(
        pkg(&lab, "rstp-dep"),
        "ii |1.0",
        "the dependency came along"
    );

    lab.converge(
        d,
        &[HOST],
        &book("    - name: down\n      apt: {name: 'rstp-hello=1.*', allow_downgrade: true}\n"),
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "ii |1.0");

    lab.converge(
        d,
        &[HOST],
        &book("    - name: rm\n      apt: {name: [rstp-hello, rstp-dep], state: absent}\n"),
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "rc |1.0", "removed, conffile kept");
    lab.root_ok(HOST, "test -f /etc/rstp-hello.conf");

    lab.converge(
        d,
        &[HOST],
        &book("    - name: purge\n      apt: {name: rstp-hello, state: absent, purge: true}\n"),
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "");
    lab.root_ok(HOST, "! test -e /etc/rstp-hello.conf");
}

#[test]
fn a_missing_package_fails_and_installs_nothing() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let dir = project(&lab);
    let run = play_once(
        &lab,
        dir.path(),
        "    - name: two\n      apt: {name: [rstp-other, rstp-no-such-package]}\n",
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.dump());
    let r = result(&run, "two");
    assert_eq!(
        r["result"]["msg"],
        "No package matching 'rstp-no-such-package' is available",
        "{}",
        run.dump()
    );
    assert_eq!(pkg(&lab, "rstp-other"), "", "nothing was installed");
}

#[test]
fn check_mode_reports_and_changes_nothing() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let dir = project(&lab);
    let run = play_once(
        &lab,
        dir.path(),
        "    - name: would\n      apt: {name: [rstp-other, rstp-hello], state: latest}\n",
        &["--check", "--diff"],
    );
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(run.changed(&Tier2::name(HOST)), 1, "{}", run.dump());
    let r = result(&run, "would");
    let diff = &r["diffs"][0];
    assert!(
        diff["after"]
            .as_str()
            .unwrap_or_default()
            .contains("rstp-hello 2.0"),
        "{}",
        run.dump()
    );
    assert_eq!(pkg(&lab, "rstp-other"), "");
    assert_eq!(pkg(&lab, "rstp-hello"), "");
}

#[test]
fn a_held_dpkg_lock_is_waited_for_then_times_out_plainly() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let dir = project(&lab);
    let hold = |secs: u32| {
        lab.root_ok(
            HOST,
            &format!(
                "setsid python3 -c 'import fcntl,time; f=open(\"/var/lib/dpkg/lock-frontend\",\"w\"); \
                 fcntl.lockf(f, fcntl.LOCK_EX); open(\"/run/rstp-lock\",\"w\").close(); time.sleep({secs})' \
                 </dev/null >/dev/null 2>&1 & echo $! >/run/rstp-lock.pid; \
                 for i in $(seq 50); do [ -e /run/rstp-lock ] && break; sleep 0.1; done; rm -f /run/rstp-lock"
            ),
        );
    };
    hold(4);
    let started = std::time::Instant::now();
    let run = play_once(
        &lab,
        dir.path(),
        "    - name: wait\n      apt: {name: rstp-other, lock_timeout: 30}\n",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.dump());
    assert!(started.elapsed().as_secs() >= 2, "it waited for the lock");
    assert_eq!(pkg(&lab, "rstp-other"), "ii |1.0");

    hold(15);
    let run = play_once(
        &lab,
        dir.path(),
        "    - name: give up\n      apt: {name: rstp-dep, lock_timeout: 2}\n",
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.dump());
    let msg = result(&run, "give up")["result"]["msg"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.starts_with("Failed to lock apt for exclusive operation: waited 2 seconds"),
        "{msg}"
    );
    assert_eq!(pkg(&lab, "rstp-dep"), "");
    lab.root_ok(
        HOST,
        "kill $(cat /run/rstp-lock.pid) 2>/dev/null; rm -f /run/rstp-lock.pid",
    );
}
