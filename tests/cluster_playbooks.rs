//! Lab tests of the shipped cluster playbooks: `playbooks/haproxy-lb.yml` on tier-2 host t2-14
//! (an inventory naming t2-16..18 as `control_plane`; they run nothing) and
//! `playbooks/docker-host.yml` on t2-15 with Debian's docker.io. Each test imports the shipped
//! playbook the way k8s-cluster.yml does (`import_playbook`), logs in as `rslab` and becomes
//! root. haproxy and docker.io are Debian's real packages: `scripts/lab/debian-debs.sh` fetches
//! them and the dependencies the lab base lacks into the lab's apt repository.
//!
//! Inside the lab (systemd-nspawn, cgroup v1), dockerd starts (storage driver vfs) but no
//! container can: runc cannot create its cgroups (`/sys/fs/cgroup/cpuset` is read-only). And
//! Debian 12 has no compose v2, which the playbook's docker_compose_v2 drives: the docker-host
//! test installs the recording test double tests/fixtures/doubles/docker as
//! /usr/local/bin/docker, which models `docker compose` and hands every other command to the
//! real docker.io. The compose project under test declares its one service under a profile
//! that `up` does not start: `up` creates the project's network, which is what is checked.

mod common;

use common::tier2::{Deb, Run, Tier2};
use common::write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, Once};

/// The HAProxy host and the Docker host.
const LB: usize = 14;
const DOCKER: usize = 15;

/// The control planes the load balancer sends to (inventory names only).
const CONTROL_PLANES: [usize; 3] = [16, 17, 18];

static DEBS: Once = Once::new();
static DEBS_LOCK: Mutex<()> = Mutex::new(());

/// The two docker-host tests share t2-15 and run one at a time.
static DOCKER_HOST: Mutex<()> = Mutex::new(());

fn docker_host() -> MutexGuard<'static, ()> {
    DOCKER_HOST.lock().unwrap_or_else(|p| p.into_inner())
}

/// Docker CE's packages as the playbook names them: test doubles, served only from the
/// test's own HTTP repository (never the shared lab repository).
const CE_PACKAGES: &str =
    "docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin";

/// Removes both Docker installations (the distribution's and the docker-ce doubles), Docker's
/// apt source and key, so either path starts from a host without Docker.
const PURGE_DOCKER: &str = "systemctl stop docker.socket docker containerd 2>/dev/null; \
     installed=$(dpkg-query -W -f '${Package} ${Status}\\n' docker.io docker-compose containerd \
       runc docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin \
       2>/dev/null | awk '$NF != \"not-installed\" { print $1 }'); \
     [ -z \"$installed\" ] || DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $installed \
       >/dev/null; rm -rf /var/lib/docker /var/lib/containerd /etc/docker \
     /etc/apt/sources.list.d/docker.sources /etc/apt/keyrings/docker.* \
     /usr/local/bin/docker /var/lib/docker-double \
     && apt-get update -qq >/dev/null";

/// Puts Debian's haproxy, docker.io and docker-compose (and their missing dependencies) into
/// the lab's repository, once per test run.
fn debian_packages(lab: &Tier2) {
    let _g = DEBS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    DEBS.call_once(|| {
        lab.debian_packages(&["haproxy", "docker.io", "docker-compose"]);
    });
}

/// The absolute path of a shipped playbook.
fn shipped(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks")
        .join(name)
        .display()
        .to_string()
}

/// The lb inventory: t2-14 in `lb`, t2-16..18 (and `extra_cp` lines) in `control_plane`.
fn lb_inventory(lab: &Tier2, dir: &Path, extra_cp: &str) {
    let mut extra = format!("[lb]\n{}\n[control_plane]\n", Tier2::name(LB));
    for i in CONTROL_PLANES {
        extra.push_str(&format!(
            "{} ansible_host={}\n",
            Tier2::name(i),
            Tier2::addr(i)
        ));
    }
    extra.push_str(extra_cp);
    lab.inventory(dir, &[LB], &extra);
}

/// The statuses of `task`'s results on `host`.
fn statuses(run: &Run, host: &str, task: &str) -> Vec<String> {
    run.results(host, task)
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn haproxy_lb_converges_reloads_once_and_keeps_a_config_that_fails_validation_out() {
    let lab = Tier2::lab();
    debian_packages(&lab);
    lab.root_ok(
        LB,
        "systemctl stop haproxy 2>/dev/null; \
         DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq haproxy >/dev/null; \
         rm -rf /etc/haproxy && apt-get update -qq >/dev/null",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let host = Tier2::name(LB);
    lb_inventory(&lab, d, "");

    // A fresh host: installed, configured, validated, started; the second run changes nothing.
    let site = format!("- import_playbook: {}\n", shipped("haproxy-lb.yml"));
    let first = lab.converge(d, &[LB], &site);
    assert!(first.changed(&host) >= 2, "{}", first.dump());
    let cfg = lab.root_ok(LB, "cat /etc/haproxy/haproxy.cfg");
    for i in CONTROL_PLANES {
        let line = format!("server {} {}:6443", Tier2::name(i), Tier2::addr(i));
        assert!(cfg.contains(&line), "no `{line}` in:\n{cfg}");
    }
    assert!(cfg.contains("bind *:6443"), "{cfg}");
    lab.root_ok(LB, "haproxy -c -f /etc/haproxy/haproxy.cfg");
    lab.root_ok(
        LB,
        "systemctl is-active haproxy && systemctl is-enabled haproxy",
    );
    let health = lab.root_ok(
        LB,
        "curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:8404/healthz",
    );
    assert_eq!(health.trim(), "200");

    // A fourth control plane: the config gains it and the handler reloads haproxy once (the
    // master process stays: a reload, not a restart).
    // Check mode with --diff first: the new server is shown, nothing is written.
    let pid = lab.root_ok(LB, "systemctl show -p MainPID --value haproxy");
    let sum = lab.root_ok(LB, "sha256sum /etc/haproxy/haproxy.cfg");
    lb_inventory(&lab, d, "t2-cp4 ansible_host=10.214.0.99\n");
    let check = lab.play(d, &["--check", "--diff"]);
    assert_eq!(check.code, 0, "{}", check.dump());
    let would = check.results(&host, "Write the HAProxy configuration");
    assert_eq!(would.len(), 1, "{}", check.dump());
    assert_eq!(would[0]["status"], "changed", "{}", check.dump());
    assert!(
        would[0]["diffs"]
            .to_string()
            .contains("server t2-cp4 10.214.0.99:6443"),
        "{}",
        check.dump()
    );
    assert_eq!(lab.root_ok(LB, "sha256sum /etc/haproxy/haproxy.cfg"), sum);
    let since = lab.root_ok(LB, "date +%s.%N");
    let grown = lab.play(d, &[]);
    assert_eq!(grown.code, 0, "{}", grown.dump());
    let reloads = lab.root_ok(
        LB,
        &format!(
            "journalctl -u haproxy --since @{} -o cat --no-pager | grep -c '^Reloaded haproxy' || true",
            since.trim()
        ),
    );
    assert_eq!(reloads.trim(), "1", "haproxy reloads in the journal");
    assert_eq!(
        statuses(&grown, &host, "Reload HAProxy"),
        ["changed"],
        "{}",
        grown.dump()
    );
    let cfg = lab.root_ok(LB, "cat /etc/haproxy/haproxy.cfg");
    assert!(cfg.contains("server t2-cp4 10.214.0.99:6443"), "{cfg}");
    assert_eq!(
        lab.root_ok(LB, "systemctl show -p MainPID --value haproxy"),
        pid,
        "haproxy was restarted, not reloaded"
    );
    let again = lab.play(d, &[]);
    assert_eq!(again.changed(&host), 0, "{}", again.dump());
    assert!(statuses(&again, &host, "Reload HAProxy").is_empty());

    // An invalid option through a variable: validation fails, the old config stays, haproxy
    // keeps running and is not reloaded.
    let before = lab.root_ok(LB, "sha256sum /etc/haproxy/haproxy.cfg");
    let broken = lab.play(d, &["-e", "lb_balance=no-such-algorithm"]);
    assert_eq!(broken.code, 2, "{}", broken.dump());
    let failed = broken.results(&host, "Write the HAProxy configuration");
    assert_eq!(failed.len(), 1, "{}", broken.dump());
    assert_eq!(failed[0]["status"], "failed", "{}", broken.dump());
    let msg = failed[0]["result"].to_string();
    assert!(
        msg.contains("failed to validate") && msg.contains("balance only supports"),
        "{msg}"
    );
    assert!(statuses(&broken, &host, "Reload HAProxy").is_empty());
    assert_eq!(
        lab.root_ok(LB, "sha256sum /etc/haproxy/haproxy.cfg"),
        before
    );
    lab.root_ok(
        LB,
        "systemctl is-active haproxy && ! ls /etc/haproxy | grep -v '^haproxy.cfg$\\|^errors$'",
    );
}

/// The compose project under test: one service under a profile `up -d` leaves alone (no
/// container can start in the lab), a named volume; `marker` changes the project's files.
fn compose_project(dir: &Path, marker: &str) {
    let p = dir.join("compose/rsdh");
    std::fs::create_dir_all(&p).expect("project dir");
    write(
        &p,
        "docker-compose.yml",
        "services:\n  web:\n    image: rsdh-none:1\n    command: [\"/usr/bin/sleep\", \"infinity\"]\n    \
         profiles: [manual]\nvolumes:\n  data: {}\n",
    );
    write(&p, ".env", &format!("RSDH_MARKER={marker}\n"));
}

#[test]
fn docker_host_installs_the_engine_and_brings_the_project_up_only_when_it_changed() {
    let lab = Tier2::lab();
    debian_packages(&lab);
    let _g = docker_host();
    // The project gone; the docker-ce doubles (left by a failed run of the other test) too,
    // but the distribution's Docker kept, when installed, to save reinstalling it each run.
    lab.root_ok(
        DOCKER,
        &format!(
            "rm -rf /opt/rsdh /var/lib/docker-double; gpasswd -d rslab docker >/dev/null 2>&1; \
             if dpkg -s docker-ce >/dev/null 2>&1 || [ -e /etc/apt/sources.list.d/docker.sources ]; \
             then {PURGE_DOCKER}; else apt-get update -qq >/dev/null; fi"
        ),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let host = Tier2::name(DOCKER);
    let double = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doubles/docker");
    let double = std::fs::read_to_string(double).expect("the docker double");
    lab.root_ok(
        DOCKER,
        &format!(
            "printf '%s' '{}' > /usr/local/bin/docker && chmod 755 /usr/local/bin/docker",
            double.replace('\'', "'\\''")
        ),
    );
    compose_project(d, "1");
    lab.inventory(d, &[DOCKER], &format!("[docker]\n{host}\n"));
    std::fs::create_dir_all(d.join("group_vars")).expect("group_vars");
    write(
        &d.join("group_vars"),
        "docker.yml",
        &format!(
            "docker_compose_project: rsdh\ndocker_compose_src: {}/compose/rsdh\n\
             docker_users: [rslab]\n",
            d.display()
        ),
    );

    // Engine, compose, the project copied and brought up; the second run changes nothing.
    let site = format!("- import_playbook: {}\n", shipped("docker-host.yml"));
    let first = lab.converge(d, &[DOCKER], &site);
    assert_eq!(
        statuses(&first, &host, "Start the compose project"),
        ["changed"],
        "{}",
        first.dump()
    );
    lab.root_ok(
        DOCKER,
        "systemctl is-active docker && systemctl is-enabled docker",
    );
    lab.root_ok(
        DOCKER,
        "docker info >/dev/null && command -v docker-compose && docker compose version",
    );
    lab.root_ok(
        DOCKER,
        "test -f /opt/rsdh/docker-compose.yml && grep -qx RSDH_MARKER=1 /opt/rsdh/.env",
    );
    lab.root_ok(
        DOCKER,
        "test -e /var/lib/docker-double/compose/rsdh.net && \
         grep -q 'up --detach --no-color --quiet-pull --remove-orphans' /var/lib/docker-double/calls.log",
    );
    lab.root_ok(DOCKER, "id -nG rslab | tr ' ' '\\n' | grep -qx docker");
    let second = lab.play(d, &[]);
    assert_eq!(
        statuses(&second, &host, "Start the compose project"),
        ["ok"],
        "{}",
        second.dump()
    );

    // A changed project file: copied, and `up` finds nothing to create (ok).
    compose_project(d, "2");
    let changed = lab.play(d, &[]);
    assert_eq!(changed.code, 0, "{}", changed.dump());
    assert_eq!(
        statuses(&changed, &host, "Start the compose project"),
        ["ok"],
        "{}",
        changed.dump()
    );
    lab.root_ok(DOCKER, "grep -qx RSDH_MARKER=2 /opt/rsdh/.env");

    // An unknown docker_source fails in plain words before anything is installed.
    let bad = lab.play(d, &["-e", "docker_source=snap"]);
    assert_eq!(bad.code, 2, "{}", bad.dump());
    assert!(
        bad.dump()
            .contains("docker_source must be distribution or docker-ce, not snap"),
        "{}",
        bad.dump()
    );
}

/// Docker's repository as the docker-ce path expects it (`<url>/gpg`, `dists/<codename>/
/// stable/binary-amd64/Packages`, an `InRelease` signed with the key), holding test doubles of
/// Docker CE's packages (`docker-ce` ships a `docker.service` that sleeps), served over HTTP on
/// the lab bridge until dropped.
struct CeRepo {
    url: String,
    server: Child,
    _root: tempfile::TempDir,
}

impl Drop for CeRepo {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn sh_ok(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "`{script}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ce_repo() -> CeRepo {
    let root = tempfile::tempdir().expect("tempdir");
    let r = root.path();
    let repo = r.join("linux/debian");
    let pool = repo.join("pool/stable");
    std::fs::create_dir_all(&pool).unwrap();
    std::fs::create_dir_all(repo.join("dists/bookworm/stable/binary-amd64")).unwrap();
    std::fs::create_dir_all(r.join("gnupg")).unwrap();
    std::fs::set_permissions(
        r.join("gnupg"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    for name in CE_PACKAGES.split(' ') {
        let mut d = Deb::new(name, "5:99.0-rsdh").file(
            &format!("/usr/share/rsdh-doubles/{name}"),
            "test double\n",
            0o644,
        );
        if name == "docker-ce" {
            d = d.service("docker", "/bin/sleep infinity");
            d.depends = Some("docker-ce-cli, containerd.io".into());
        }
        d.build_into(&pool);
    }
    sh_ok(
        r,
        "export GNUPGHOME=$PWD/gnupg; \
         gpg --batch --passphrase '' --quick-gen-key 'rsible rsdh <rsdh@rsible.invalid>' \
           default default never 2>/dev/null; \
         gpg --armor --export > linux/debian/gpg; cd linux/debian; \
         dpkg-scanpackages pool/stable /dev/null 2>/dev/null > dists/bookworm/stable/binary-amd64/Packages; \
         cd dists/bookworm; p=stable/binary-amd64/Packages; \
         { echo 'Origin: rsdh'; echo 'Label: rsdh'; echo 'Suite: bookworm'; echo 'Codename: bookworm'; \
           echo 'Architectures: amd64'; echo 'Components: stable'; \
           echo \"Date: $(LC_ALL=C date -R -u)\"; echo 'SHA256:'; \
           printf ' %s %s %s\\n' \"$(sha256sum < $p | cut -d' ' -f1)\" \"$(wc -c < $p)\" $p; \
         } > Release; gpg --batch --yes --clearsign -o InRelease Release 2>/dev/null",
    );
    let port = std::net::TcpListener::bind("10.214.0.1:0")
        .expect("bind 10.214.0.1")
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new("python3")
        .args(["-m", "http.server", "--bind", "10.214.0.1"])
        .arg(port.to_string())
        .current_dir(r)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python3 -m http.server");
    for _ in 0..50 {
        if std::net::TcpStream::connect(("10.214.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    CeRepo {
        url: format!("http://10.214.0.1:{port}/linux/debian"),
        server,
        _root: root,
    }
}

#[test]
fn docker_host_from_docker_ce_adds_the_signed_repository_and_installs_its_packages() {
    let lab = Tier2::lab();
    let _g = docker_host();
    lab.root_ok(DOCKER, PURGE_DOCKER);
    let repo = ce_repo();
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let host = Tier2::name(DOCKER);
    lab.inventory(
        d,
        &[DOCKER],
        &format!(
            "[docker]\n{host}\n[docker:vars]\ndocker_source=docker-ce\n\
             docker_ce_repo_url={}\ndocker_compose_deploy=false\n",
            repo.url
        ),
    );
    let site = format!("- import_playbook: {}\n", shipped("docker-host.yml"));
    let first = lab.converge(d, &[DOCKER], &site);
    assert!(first.changed(&host) >= 2, "{}", first.dump());
    let sources = lab.root_ok(DOCKER, "cat /etc/apt/sources.list.d/docker.sources");
    for want in [
        format!("URIs: {}", repo.url),
        "Suites: bookworm".into(),
        "Components: stable".into(),
        "Signed-By: ".into(),
    ] {
        assert!(sources.contains(&want), "no `{want}` in:\n{sources}");
    }
    lab.root_ok(
        DOCKER,
        &format!(
            "for p in {CE_PACKAGES}; do dpkg -s $p | grep -qx 'Status: install ok installed'; done; \
             ! dpkg -s docker.io >/dev/null 2>&1"
        ),
    );
    lab.root_ok(
        DOCKER,
        "systemctl is-active docker && systemctl is-enabled docker",
    );
    lab.root_ok(DOCKER, PURGE_DOCKER);
}
