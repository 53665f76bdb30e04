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
         rm -f /var/lib/apt/periodic/update-success-stamp; apt-get update -q >/dev/null 2>&1; true",
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

#[test]
fn a_held_package_is_not_upgraded_until_unheld() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let dir = project(&lab);
    let d = dir.path();
    let run = lab.converge(
        d,
        &[HOST],
        &book(
            "    - apt: {name: rstp-hello=1.0}\n\
             \x20   - name: hold\n      dpkg_selections: {name: rstp-hello, selection: hold}\n\
             \x20   - name: latest while held\n      apt: {name: rstp-hello, state: latest}\n",
        ),
    );
    assert_eq!(result(&run, "hold")["status"], "changed", "{}", run.dump());
    assert_eq!(
        result(&run, "latest while held")["status"],
        "ok",
        "{}",
        run.dump()
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "hi |1.0");
    lab.converge(
        d,
        &[HOST],
        &book(
            "    - dpkg_selections: {name: rstp-hello, selection: install}\n\
             \x20   - apt: {name: rstp-hello, state: latest}\n",
        ),
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "ii |2.0");
    let run = play_once(
        &lab,
        d,
        "    - name: unknown\n      dpkg_selections: {name: rstp-never-built, selection: hold}\n",
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.dump());
    assert_eq!(
        result(&run, "unknown")["result"]["msg"],
        "Failed to find package 'rstp-never-built' to perform selection 'hold'."
    );
}

#[test]
fn package_picks_apt_in_the_same_program() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let dir = project(&lab);
    let run = lab.converge(
        dir.path(),
        &[HOST],
        &book(
            "    - name: generic\n      package: {name: [rstp-other, rstp-dep], state: present}\n",
        ),
    );
    assert_eq!(
        result(&run, "generic")["result"]["ansible_pkg_mgr"],
        "apt",
        "{}",
        run.dump()
    );
    assert_eq!(pkg(&lab, "rstp-other"), "ii |1.0");
    assert_eq!(pkg(&lab, "rstp-dep"), "ii |1.0");
    lab.converge(
        dir.path(),
        &[HOST],
        &book("    - package: {name: rstp-other, state: absent, use: apt}\n"),
    );
    assert_eq!(pkg(&lab, "rstp-other"), "", "removed (it has no conffiles)");
}

/// A signed flat repository in `<repo>/rstp-signed/` holding `rstp-signed-only`, its key
/// (ASCII-armored) and an HTTP server on 10.214.0.1 serving the key.
struct SignedRepo {
    key: String,
    url: String,
    server: std::process::Child,
    _gnupg: tempfile::TempDir,
}

impl Drop for SignedRepo {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn sh(dir: &Path, script: &str, env: &[(&str, &Path)]) -> String {
    let mut c = std::process::Command::new("sh");
    c.arg("-ec").arg(script).current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run sh");
    assert!(
        out.status.success(),
        "`{script}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the signed repository (its .deb is stored as `.bin` so that the lab repo's own
/// `dpkg-scanpackages`, which recurses, does not list it in the unsigned index).
fn signed_repo(lab: &Tier2) -> SignedRepo {
    let gnupg = tempfile::tempdir().expect("tempdir");
    let g = gnupg.path();
    std::fs::set_permissions(g, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let env = [("GNUPGHOME", g)];
    sh(
        g,
        "gpg --batch --passphrase '' --quick-gen-key 'rsible rstp test <rstp@rsible.invalid>' \
         default default never 2>/dev/null; gpg --armor --export > key.asc",
        &env,
    );
    let key = std::fs::read_to_string(g.join("key.asc")).expect("key");
    // The package.
    let root = g.join("pkg");
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join("usr/share/rstp-signed-only")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        "Package: rstp-signed-only\nVersion: 1.0\nArchitecture: all\n\
         Maintainer: rsible tests <tests@rsible.invalid>\nDescription: only in the signed repo\n",
    )
    .unwrap();
    std::fs::write(root.join("usr/share/rstp-signed-only/v"), "1.0\n").unwrap();
    let repo = lab.repo().join("rstp-signed");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(g.join("scan")).unwrap();
    sh(
        g,
        "dpkg-deb --root-owner-group -Zgzip --build pkg scan/rstp-signed-only_1.0_all.deb >/dev/null; \
         cd scan; dpkg-scanpackages . /dev/null 2>/dev/null \
         | sed 's|^Filename: .*|Filename: ./rstp-signed-only_1.0_all.bin|' > ../Packages",
        &env,
    );
    std::fs::copy(
        g.join("scan/rstp-signed-only_1.0_all.deb"),
        repo.join("rstp-signed-only_1.0_all.bin"),
    )
    .unwrap();
    std::fs::copy(g.join("Packages"), repo.join("Packages")).unwrap();
    sh(
        &repo,
        "{ echo 'Origin: rstp'; echo 'Label: rstp'; echo \"Date: $(LC_ALL=C date -R -u)\"; \
         echo 'SHA256:'; printf ' %s %s Packages\\n' \"$(sha256sum < Packages | cut -d' ' -f1)\" \
         \"$(wc -c < Packages)\"; } > Release; rm -f InRelease; \
         gpg --batch --yes --clearsign -o InRelease Release 2>/dev/null",
        &env,
    );
    // The key over HTTP on the lab bridge.
    let port = std::net::TcpListener::bind("10.214.0.1:0")
        .expect("bind 10.214.0.1")
        .local_addr()
        .unwrap()
        .port();
    let server = std::process::Command::new("python3")
        .args(["-m", "http.server", "--bind", "10.214.0.1"])
        .arg(port.to_string())
        .current_dir(g)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start python3 -m http.server");
    let url = format!("http://10.214.0.1:{port}/key.asc");
    for _ in 0..50 {
        if std::net::TcpStream::connect(("10.214.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    SignedRepo {
        key,
        url,
        server,
        _gnupg: gnupg,
    }
}

#[test]
fn a_signed_repository_added_with_its_key_then_used() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let repo = signed_repo(&lab);
    let dir = project(&lab);
    let d = dir.path();

    // Not available before the repository is added.
    let run = play_once(
        &lab,
        d,
        "    - name: early\n      apt: {name: rstp-signed-only}\n",
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.dump());

    // deb822 with the key as a file on the target.
    lab.root_ok(
        HOST,
        &format!("printf '%s' '{}' > /etc/rstp-key.asc", repo.key),
    );
    let use_repo = "      register: r\n\
                    \x20   - apt: {update_cache: true}\n      when: r is changed\n\
                    \x20   - apt: {name: rstp-signed-only}\n";
    lab.converge(
        d,
        &[HOST],
        &book(&format!(
            "    - deb822_repository:\n        name: rstp-signed\n        uris: file:/srv/repo/rstp-signed\n\
             \x20       suites: ./\n        signed_by: /etc/rstp-key.asc\n{use_repo}"
        )),
    );
    assert_eq!(pkg(&lab, "rstp-signed-only"), "ii |1.0");
    let text = lab.root_ok(HOST, "cat /etc/apt/sources.list.d/rstp-signed.sources");
    assert_eq!(
        text,
        "X-Repolib-Name: rstp-signed\nSigned-By: /etc/rstp-key.asc\nSuites: ./\nTypes: deb\n\
         URIs: file:/srv/repo/rstp-signed\n"
    );

    // deb822 with the key by URL (the first source removed: apt refuses two Signed-By).
    lab.root_ok(HOST, "dpkg --purge rstp-signed-only >/dev/null");
    lab.converge(
        d,
        &[HOST],
        &book(&format!(
            "    - deb822_repository: {{name: rstp-signed, state: absent}}\n\
             \x20   - deb822_repository:\n        name: rstp-signed-url\n        uris: file:/srv/repo/rstp-signed\n\
             \x20       suites: ./\n        signed_by: {}\n{use_repo}",
            repo.url
        )),
    );
    assert_eq!(pkg(&lab, "rstp-signed-only"), "ii |1.0");
    lab.root_ok(
        HOST,
        "test -f /etc/apt/keyrings/rstp-signed-url.asc && \
         grep -q 'Signed-By: /etc/apt/keyrings/rstp-signed-url.asc' /etc/apt/sources.list.d/rstp-signed-url.sources",
    );

    // apt_repository with signed-by (apt_repository updates the cache itself).
    lab.root_ok(HOST, "dpkg --purge rstp-signed-only >/dev/null");
    let run = lab.converge(
        d,
        &[HOST],
        &book(
            "    - deb822_repository: {name: rstp-signed-url, state: absent}\n\
             \x20   - name: line\n      apt_repository:\n        repo: 'deb [signed-by=/etc/rstp-key.asc] file:/srv/repo/rstp-signed ./'\n\
             \x20   - apt: {name: rstp-signed-only}\n",
        ),
    );
    assert_eq!(
        result(&run, "line")["result"]["sources_added"],
        serde_json::json!(["/etc/apt/sources.list.d/file_srv_repo_rstp_signed.list"]),
        "{}",
        run.dump()
    );
    assert_eq!(pkg(&lab, "rstp-signed-only"), "ii |1.0");
    assert_eq!(
        lab.root_ok(
            HOST,
            "cat /etc/apt/sources.list.d/file_srv_repo_rstp_signed.list"
        ),
        "deb [signed-by=/etc/rstp-key.asc] file:/srv/repo/rstp-signed ./\n"
    );

    // apt_key (deprecated) storing the key by URL into a keyring, used by a line.
    lab.root_ok(HOST, "dpkg --purge rstp-signed-only >/dev/null");
    let run = lab.converge(
        d,
        &[HOST],
        &book(&format!(
            "    - apt_repository:\n        repo: 'deb [signed-by=/etc/rstp-key.asc] file:/srv/repo/rstp-signed ./'\n        state: absent\n\
             \x20   - name: key\n      apt_key: {{url: '{}', keyring: /etc/apt/keyrings/rstp-aptkey.asc}}\n\
             \x20   - apt_repository:\n        repo: 'deb [signed-by=/etc/apt/keyrings/rstp-aptkey.asc] file:/srv/repo/rstp-signed ./'\n        filename: rstp-aptkey\n\
             \x20   - apt: {{name: rstp-signed-only}}\n",
            repo.url
        )),
    );
    let key = result(&run, "key");
    assert!(
        key["result"]["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .starts_with("apt_key is deprecated"),
        "{}",
        run.dump()
    );
    assert!(
        run.events.iter().any(|e| e["event"] == "warning"
            && e["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("apt_key is deprecated")),
        "the deprecation is shown as a warning:\n{}",
        run.dump()
    );
    assert_eq!(pkg(&lab, "rstp-signed-only"), "ii |1.0");
    lab.root_ok(
        HOST,
        "test ! -e /etc/apt/sources.list.d/file_srv_repo_rstp_signed.list",
    );
    reset(&lab);
}

#[test]
fn deb_files_the_cache_and_a_system_upgrade() {
    let lab = Tier2::lab();
    let _g = serial();
    publish_doubles(&lab);
    reset(&lab);
    let repo = signed_repo(&lab);
    let dir = project(&lab);
    let d = dir.path();

    lab.root_ok(HOST, "touch -d '2 hours ago' /var/lib/apt/lists");
    let run = lab.converge(
        d,
        &[HOST],
        &book("    - name: cache\n      apt: {update_cache: true, cache_valid_time: 3600}\n"),
    );
    let r = &result(&run, "cache")["result"];
    assert_eq!(r["cache_updated"], true, "{}", run.dump());
    assert!(
        r["cache_update_time"].as_i64().unwrap_or(0) > 1_600_000_000,
        "{r}"
    );

    lab.converge(
        d,
        &[HOST],
        &book(&format!(
            "    - apt: {{deb: /srv/repo/rstp-hello_1.0_all.deb}}\n\
             \x20   - apt: {{deb: '{}'}}\n",
            repo.url
                .replace("key.asc", "scan/rstp-signed-only_1.0_all.deb")
        )),
    );
    assert_eq!(pkg(&lab, "rstp-hello"), "ii |1.0");
    assert_eq!(
        pkg(&lab, "rstp-signed-only"),
        "ii |1.0",
        "installed from a URL"
    );

    let run = lab.converge(
        d,
        &[HOST],
        &book("    - name: up\n      apt: {upgrade: safe}\n"),
    );
    assert_eq!(result(&run, "up")["status"], "changed", "{}", run.dump());
    assert_eq!(pkg(&lab, "rstp-hello"), "ii |2.0");
    assert_eq!(
        pkg(&lab, "rstp-dep"),
        "ii |1.0",
        "with-new-pkgs brought the dependency"
    );
}

#[test]
fn repository_modules_in_check_mode_change_nothing() {
    let lab = Tier2::lab();
    let _g = serial();
    reset(&lab);
    let dir = project(&lab);
    let run = play_once(
        &lab,
        dir.path(),
        "    - name: line\n      apt_repository: {repo: 'deb [trusted=yes] file:/srv/repo/rstp-signed ./', filename: rstp-check}\n\
         \x20   - name: d822\n      deb822_repository: {name: rstp-check, uris: 'file:/srv/repo/rstp-signed', suites: ./, signed_by: 'http://10.214.0.1:9/none.asc'}\n      ignore_errors: true\n\
         \x20   - name: d822 plain\n      deb822_repository: {name: rstp-check, uris: 'file:/srv/repo/rstp-signed', suites: ./}\n\
         \x20   - name: sel\n      dpkg_selections: {name: apt, selection: hold}\n",
        &["--check", "--diff"],
    );
    assert_eq!(run.code, 0, "{}", run.dump());
    let line = result(&run, "line");
    assert_eq!(line["status"], "changed", "{}", run.dump());
    assert_eq!(
        line["diffs"][0]["after"],
        "deb [trusted=yes] file:/srv/repo/rstp-signed ./\n",
        "{}",
        run.dump()
    );
    let failed = &result(&run, "d822")["result"]["msg"];
    assert!(
        failed
            .as_str()
            .unwrap_or_default()
            .starts_with("Could not fetch signed_by key"),
        "{failed}"
    );
    assert_eq!(result(&run, "d822 plain")["status"], "changed");
    assert_eq!(result(&run, "sel")["status"], "changed");
    lab.root_ok(
        HOST,
        "test ! -e /etc/apt/sources.list.d/rstp-check.list && \
         test ! -e /etc/apt/sources.list.d/rstp-check.sources && \
         [ \"$(dpkg --get-selections apt | awk '{print $2}')\" = install ]",
    );
}
