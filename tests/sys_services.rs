//! Lab tests of the service and kernel-setting modules (`systemd`, `service`, `service_facts`,
//! `sysctl`, `modprobe`, `hostname`) on tier-2 host t2-08, and `reboot` on t2-10. Plays log in
//! as `rslab` and become root; each state-changing play converges (the second run changes
//! nothing). Every test resets the state it needs first, so it passes on a fresh host and on
//! one a previous run changed. The service under test is the test double `rsts-daemon`
//! (`/bin/sleep infinity` with the conffile /etc/rsts-daemon.conf) from the lab's apt repo.

mod common;

use common::tier2::{Deb, Tier2};
use common::write;
use std::sync::{Mutex, MutexGuard, Once};

/// The host every test here uses, and the one that reboots.
const HOST: usize = 8;
const REBOOT_HOST: usize = 10;

/// A project directory with an inventory of `hosts`.
fn project(lab: &Tier2, hosts: &[usize]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), hosts, "");
    dir
}

/// A play on t2-08 with become and no fact gathering, `tasks` indented 4.
fn book(tasks: &str) -> String {
    format!("- hosts: t2\n  gather_facts: false\n  become: true\n  tasks:\n{tasks}")
}

static INSTALL: Once = Once::new();

/// The tests that share rsts-daemon (or change the host's name, which sudo looks up) run one
/// at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// Publishes and installs `rsts-daemon` on t2-08 once per test run (by root, outside the
/// modules under test), and stops it in a known state: unmasked, disabled, inactive, no
/// drop-ins, the packaged config.
fn daemon(lab: &Tier2) {
    INSTALL.call_once(|| {
        lab.publish(&[Deb::new("rsts-daemon", "1.0")
            .service("rsts-daemon", "/bin/sleep infinity")
            .conffile("/etc/rsts-daemon.conf", "level=1\n")]);
        lab.root_ok(
            HOST,
            "apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
             apt-get install -y -qq --reinstall rsts-daemon >/dev/null",
        );
    });
}

/// Resets rsts-daemon to stopped, disabled, unmasked, without drop-ins.
fn reset_daemon(lab: &Tier2) {
    daemon(lab);
    lab.root_ok(
        HOST,
        "systemctl unmask rsts-daemon >/dev/null 2>&1; rm -rf /etc/systemd/system/rsts-daemon.service.d; \
         systemctl daemon-reload; systemctl disable --now rsts-daemon >/dev/null 2>&1; \
         printf 'level=1\\n' >/etc/rsts-daemon.conf; true",
    );
}

/// `systemctl show -p PROP --value rsts-daemon` on t2-08.
fn prop(lab: &Tier2, p: &str) -> String {
    lab.root_ok(HOST, &format!("systemctl show -p {p} --value rsts-daemon"))
        .trim()
        .to_string()
}

/// The field `key` of the first result of `task` on t2-08.
fn field(run: &common::tier2::Run, task: &str, key: &str) -> serde_json::Value {
    let r = run.results(&Tier2::name(HOST), task);
    assert!(!r.is_empty(), "no result for {task}:\n{}", run.dump());
    r[0]["result"][key].clone()
}

#[test]
fn systemd_started_stopped_enabled_masked_restarted() {
    let _serial = serial();
    let lab = Tier2::lab();
    reset_daemon(&lab);
    let dir = project(&lab, &[HOST]);
    let d = dir.path();

    // Check mode changes nothing.
    write(
        d,
        "site.yml",
        &book(
            "    - name: start\n      systemd: {name: rsts-daemon, state: started, enabled: true}\n",
        ),
    );
    let run = lab.play(d, &["--check"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(run.changed(&Tier2::name(HOST)), 1, "{}", run.dump());
    assert_eq!(prop(&lab, "ActiveState"), "inactive");

    // started + enabled, with Ansible's fields.
    let run = lab.converge(
        d,
        &[HOST],
        &book(
            "    - name: start\n      systemd: {name: rsts-daemon, state: started, enabled: true}\n",
        ),
    );
    assert_eq!(field(&run, "start", "name"), "rsts-daemon");
    assert_eq!(field(&run, "start", "state"), "started");
    assert_eq!(field(&run, "start", "enabled"), true);
    let status = field(&run, "start", "status");
    for k in ["ActiveState", "SubState", "LoadState", "UnitFileState"] {
        assert!(status[k].is_string(), "status lacks {k}: {status}");
    }
    assert_eq!(status["LoadState"], "loaded");
    assert_eq!(prop(&lab, "ActiveState"), "active");
    assert_eq!(prop(&lab, "UnitFileState"), "enabled");

    // restarted: always a restart, a new MainPID.
    let pid = prop(&lab, "MainPID");
    write(
        d,
        "site.yml",
        &book("    - name: restart\n      systemd: {name: rsts-daemon, state: restarted}\n"),
    );
    let run = lab.play(d, &[]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(run.changed(&Tier2::name(HOST)), 1, "{}", run.dump());
    assert_ne!(
        prop(&lab, "MainPID"),
        pid,
        "restarted kept the same process"
    );

    // stopped + disabled.
    lab.converge(
        d,
        &[HOST],
        &book(
            "    - name: stop\n      systemd: {name: rsts-daemon, state: stopped, enabled: false}\n",
        ),
    );
    assert_eq!(prop(&lab, "ActiveState"), "inactive");
    assert_eq!(prop(&lab, "UnitFileState"), "disabled");

    // masked, then unmasked.
    lab.converge(
        d,
        &[HOST],
        &book("    - name: mask\n      systemd: {name: rsts-daemon, masked: true}\n"),
    );
    assert_eq!(prop(&lab, "UnitFileState"), "masked");
    lab.converge(
        d,
        &[HOST],
        &book("    - name: unmask\n      systemd: {name: rsts-daemon, masked: false}\n"),
    );
    assert_eq!(prop(&lab, "UnitFileState"), "disabled");

    // The service module picks systemd and converges too.
    let run = lab.converge(
        d,
        &[HOST],
        &book(
            "    - name: svc\n      service: {name: rsts-daemon, state: started, enabled: yes}\n",
        ),
    );
    assert_eq!(field(&run, "svc", "status")["LoadState"], "loaded");
    assert_eq!(prop(&lab, "ActiveState"), "active");
    assert_eq!(prop(&lab, "UnitFileState"), "enabled");
    reset_daemon(&lab);
}

#[test]
fn handler_restarts_only_when_the_config_changed() {
    let _serial = serial();
    let lab = Tier2::lab();
    reset_daemon(&lab);
    lab.root_ok(HOST, "systemctl start rsts-daemon");
    let dir = project(&lab, &[HOST]);
    let play = |level: u32| {
        format!(
            "- hosts: t2\n  gather_facts: false\n  become: true\n  tasks:\n    \
             - name: config\n      copy: {{dest: /etc/rsts-daemon.conf, content: \"level={level}\\n\"}}\n      \
             notify: restart rsts-daemon\n    \
             - name: running\n      systemd: {{name: rsts-daemon, state: started}}\n  \
             handlers:\n    - name: restart rsts-daemon\n      systemd: {{name: rsts-daemon, state: restarted}}\n"
        )
    };
    let pid0 = prop(&lab, "MainPID");
    let since0 = prop(&lab, "ActiveEnterTimestampMonotonic");
    // converge: the first run changes the config and restarts; the second changes nothing
    // and must not restart.
    lab.converge(dir.path(), &[HOST], &play(2));
    let pid1 = prop(&lab, "MainPID");
    assert_ne!(
        pid1, pid0,
        "the config changed but the service was not restarted"
    );
    assert_ne!(prop(&lab, "ActiveEnterTimestampMonotonic"), since0);
    let since1 = prop(&lab, "ActiveEnterTimestampMonotonic");
    // Same config once more: no restart.
    write(dir.path(), "site.yml", &play(2));
    let run = lab.play(dir.path(), &[]);
    assert_eq!(run.changed(&Tier2::name(HOST)), 0, "{}", run.dump());
    assert_eq!(
        prop(&lab, "MainPID"),
        pid1,
        "restarted without a config change"
    );
    assert_eq!(prop(&lab, "ActiveEnterTimestampMonotonic"), since1);
    // A new config: restarted again.
    lab.converge(dir.path(), &[HOST], &play(3));
    assert_ne!(prop(&lab, "MainPID"), pid1);
    assert_eq!(lab.root_ok(HOST, "cat /etc/rsts-daemon.conf"), "level=3\n");
    reset_daemon(&lab);
}

#[test]
fn daemon_reload_picks_up_a_changed_unit() {
    let _serial = serial();
    let lab = Tier2::lab();
    reset_daemon(&lab);
    let dir = project(&lab, &[HOST]);
    lab.converge(
        dir.path(),
        &[HOST],
        &book(
            "    - file: {path: /etc/systemd/system/rsts-daemon.service.d, state: directory}\n    \
             - name: drop-in\n      copy:\n        dest: /etc/systemd/system/rsts-daemon.service.d/env.conf\n        \
             content: \"[Service]\\nEnvironment=RSTS_LEVEL=7\\n\"\n    \
             - name: reload and start\n      systemd: {name: rsts-daemon, state: started, daemon_reload: true}\n",
        ),
    );
    assert_eq!(prop(&lab, "Environment"), "RSTS_LEVEL=7");
    assert_eq!(prop(&lab, "NeedDaemonReload"), "no");
    assert_eq!(prop(&lab, "ActiveState"), "active");
    let env = lab.root_ok(
        HOST,
        "tr '\\0' '\\n' </proc/$(systemctl show -p MainPID --value rsts-daemon)/environ",
    );
    assert!(env.contains("RSTS_LEVEL=7\n"), "{env}");
    reset_daemon(&lab);
}

/// An init script for `service` with `use: sysv`: a `sleep` with a pid file.
const INIT_SCRIPT: &str = "#!/bin/sh
### BEGIN INIT INFO
# Provides: rsts-sysv
# Required-Start: $remote_fs
# Required-Stop: $remote_fs
# Default-Start: 2 3 4 5
# Default-Stop: 0 1 6
# Short-Description: rsible test double
### END INIT INFO
P=/run/rsts-sysv.pid
up() { [ -f $P ] && kill -0 \"$(cat $P)\" 2>/dev/null; }
case \"$1\" in
  start) up && exit 0; setsid /bin/sleep infinity >/dev/null 2>&1 </dev/null & echo $! >$P ;;
  stop) up && kill \"$(cat $P)\"; rm -f $P ;;
  restart|reload|force-reload) \"$0\" stop; \"$0\" start ;;
  status) up ;;
  *) exit 2 ;;
esac
";

#[test]
fn service_drives_an_init_script_with_use_sysv() {
    let lab = Tier2::lab();
    lab.publish(&[Deb::new("rsts-sysv", "1.0").file("/etc/init.d/rsts-sysv", INIT_SCRIPT, 0o755)]);
    lab.root_ok(
        HOST,
        "apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq rsts-sysv >/dev/null; /etc/init.d/rsts-sysv stop; \
         rm -f /etc/rc?.d/[SK][0-9][0-9]rsts-sysv",
    );
    let dir = project(&lab, &[HOST]);
    lab.converge(
        dir.path(),
        &[HOST],
        &book("    - service: {name: rsts-sysv, state: started, enabled: true, use: sysv}\n"),
    );
    lab.root_ok(
        HOST,
        "/etc/init.d/rsts-sysv status && ls /etc/rc2.d/S*rsts-sysv",
    );
    lab.converge(
        dir.path(),
        &[HOST],
        &book("    - service: {name: rsts-sysv, state: stopped, enabled: false, use: sysv}\n"),
    );
    let (code, _) = lab.root_sh(HOST, "/etc/init.d/rsts-sysv status");
    assert_ne!(code, 0, "still running");
    let (code, _) = lab.root_sh(HOST, "ls /etc/rc2.d/S*rsts-sysv");
    assert_ne!(code, 0, "still enabled");
}

#[test]
fn a_missing_unit_is_a_clear_failure() {
    let lab = Tier2::lab();
    let dir = project(&lab, &[HOST]);
    for module in ["systemd", "service"] {
        write(
            dir.path(),
            "site.yml",
            &book(&format!(
                "    - name: missing\n      {module}: {{name: rsts-nope, state: started}}\n"
            )),
        );
        let run = lab.play(dir.path(), &[]);
        assert_eq!(run.code, 2, "{}", run.dump());
        let msg = field(&run, "missing", "msg");
        assert_eq!(
            msg,
            "Could not find the requested service rsts-nope: host",
            "{module}: {}",
            run.dump()
        );
    }
    // Nothing was created for it.
    let (code, _) = lab.root_sh(HOST, "systemctl cat rsts-nope >/dev/null 2>&1");
    assert_ne!(code, 0);
}

#[test]
fn service_facts_lists_units() {
    let _serial = serial();
    let lab = Tier2::lab();
    reset_daemon(&lab);
    lab.root_ok(HOST, "systemctl enable --now rsts-daemon >/dev/null 2>&1");
    let dir = project(&lab, &[HOST]);
    let run = lab.converge(
        dir.path(),
        &[HOST],
        &book(
            "    - service_facts:\n    \
             - name: check\n      assert:\n        that:\n          \
             - \"ansible_facts.services['rsts-daemon.service'].state == 'running'\"\n          \
             - \"ansible_facts.services['rsts-daemon.service'].status == 'enabled'\"\n          \
             - \"ansible_facts.services['rsts-daemon.service'].source == 'systemd'\"\n          \
             - \"ansible_facts.services['rsts-daemon.service'].name == 'rsts-daemon.service'\"\n          \
             - \"ansible_facts.services['ssh.service'].state == 'running'\"\n",
        ),
    );
    assert_eq!(run.stats(&Tier2::name(HOST))["failed"], 0, "{}", run.dump());
    reset_daemon(&lab);
}

#[test]
fn sysctl_is_persisted_and_applied() {
    let lab = Tier2::lab();
    let key = "/proc/sys/net/ipv4/conf/all/log_martians";
    let file = "/etc/sysctl.d/60-rsts.conf";
    lab.root_ok(
        HOST,
        &format!("echo 0 >{key}; printf '# rsts\\nnet.ipv4.tcp_syncookies = 1\\n' >{file}"),
    );
    let dir = project(&lab, &[HOST]);
    let set = book(&format!(
        "    - name: set\n      sysctl: {{name: net.ipv4.conf.all.log_martians, value: '1', sysctl_file: {file}}}\n"
    ));
    write(dir.path(), "site.yml", &set);
    let run = lab.play(dir.path(), &["--check", "--diff"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert_eq!(run.changed(&Tier2::name(HOST)), 1);
    let diff = &run.results(&Tier2::name(HOST), "set")[0]["diffs"][0];
    assert_eq!(
        diff["after"],
        "# rsts\nnet.ipv4.tcp_syncookies=1\nnet.ipv4.conf.all.log_martians=1\n",
        "{}",
        run.dump()
    );
    assert_eq!(lab.root_ok(HOST, &format!("cat {key}")), "0\n");
    lab.converge(dir.path(), &[HOST], &set);
    assert_eq!(lab.root_ok(HOST, &format!("cat {key}")), "1\n");
    assert_eq!(
        lab.root_ok(HOST, &format!("cat {file}")),
        "# rsts\nnet.ipv4.tcp_syncookies=1\nnet.ipv4.conf.all.log_martians=1\n"
    );
    // Applied again when only the running value drifted (reload: yes).
    lab.root_ok(HOST, &format!("echo 0 >{key}"));
    let run = lab.converge(dir.path(), &[HOST], &set);
    assert_eq!(run.changed(&Tier2::name(HOST)), 1);
    assert_eq!(lab.root_ok(HOST, &format!("cat {key}")), "1\n");
    // sysctl_set without reload.
    lab.root_ok(HOST, &format!("echo 0 >{key}"));
    lab.converge(
        dir.path(),
        &[HOST],
        &book(&format!(
            "    - sysctl: {{name: net.ipv4.conf.all.log_martians, value: 1, sysctl_file: {file}, sysctl_set: true, reload: false}}\n"
        )),
    );
    assert_eq!(lab.root_ok(HOST, &format!("cat {key}")), "1\n");
    // absent removes the line.
    lab.converge(
        dir.path(),
        &[HOST],
        &book(&format!(
            "    - sysctl: {{name: net.ipv4.conf.all.log_martians, state: absent, sysctl_file: {file}}}\n"
        )),
    );
    assert_eq!(
        lab.root_ok(HOST, &format!("cat {file}")),
        "# rsts\nnet.ipv4.tcp_syncookies=1\n"
    );
    lab.root_ok(HOST, &format!("echo 0 >{key}; rm -f {file}"));
}

#[test]
fn modprobe_persistence_files() {
    let lab = Tier2::lab();
    let reset = "rm -f /etc/modules-load.d/dummy.conf /etc/modprobe.d/dummy.conf";
    lab.root_ok(HOST, reset);
    let dir = project(&lab, &[HOST]);
    let persist = book(
        "    - modprobe: {name: dummy, state: absent, params: numdummies=2, persistent: present}\n",
    );
    write(dir.path(), "site.yml", &persist);
    let run = lab.play(dir.path(), &["--check"]);
    assert_eq!(run.changed(&Tier2::name(HOST)), 1, "{}", run.dump());
    lab.root_ok(
        HOST,
        "! ls /etc/modules-load.d/dummy.conf /etc/modprobe.d/dummy.conf 2>/dev/null",
    );
    // The container cannot load modules (no kmod, no /proc/modules): `state: absent` holds
    // already, so only the persistence files are under test.
    lab.converge(dir.path(), &[HOST], &persist);
    assert_eq!(
        lab.root_ok(HOST, "cat /etc/modules-load.d/dummy.conf"),
        "dummy\n"
    );
    assert_eq!(
        lab.root_ok(HOST, "cat /etc/modprobe.d/dummy.conf"),
        "options dummy numdummies=2\n"
    );
    lab.converge(
        dir.path(),
        &[HOST],
        &book("    - modprobe: {name: dummy, state: absent, persistent: absent}\n"),
    );
    assert_eq!(
        lab.root_ok(HOST, "cat /etc/modules-load.d/dummy.conf"),
        "#dummy\n"
    );
    assert_eq!(
        lab.root_ok(HOST, "cat /etc/modprobe.d/dummy.conf"),
        "#options dummy numdummies=2\n"
    );
    // Loading fails, and says why.
    write(
        dir.path(),
        "site.yml",
        &book("    - name: load\n      modprobe: {name: dummy, state: present}\n"),
    );
    let run = lab.play(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.dump());
    let msg = field(&run, "load", "msg");
    assert!(
        msg.as_str()
            .is_some_and(|m| m.starts_with("cannot load kernel module dummy: ")),
        "{}",
        run.dump()
    );
    lab.root_ok(HOST, reset);
}

/// The names the hostname test gives t2-08, known to /etc/hosts so that sudo resolves them.
const HOSTS_LINE: &str = "127.0.1.2 rsts-08.lab rsts-08 rsts-file # rsts";

/// Puts t2-08's name and /etc/hosts back however the hostname test ends.
struct RestoreName<'a>(&'a Tier2);

impl Drop for RestoreName<'_> {
    fn drop(&mut self) {
        self.0.root_sh(
            HOST,
            "hostnamectl set-hostname t2-08; sed -i '/ # rsts$/d' /etc/hosts",
        );
    }
}

#[test]
fn hostname_is_set_and_restored() {
    let _serial = serial();
    let lab = Tier2::lab();
    let _restore = RestoreName(&lab);
    lab.root_ok(
        HOST,
        &format!(
            "hostnamectl set-hostname t2-08; sed -i '/ # rsts$/d' /etc/hosts; echo '{HOSTS_LINE}' >>/etc/hosts"
        ),
    );
    let dir = project(&lab, &[HOST]);
    write(
        dir.path(),
        "site.yml",
        &book("    - hostname: {name: rsts-08.lab}\n"),
    );
    let run = lab.play(dir.path(), &["--check"]);
    assert_eq!(run.changed(&Tier2::name(HOST)), 1, "{}", run.dump());
    assert_eq!(
        lab.root_ok(HOST, "hostname; cat /etc/hostname"),
        "t2-08\nt2-08\n"
    );
    let run = lab.converge(
        dir.path(),
        &[HOST],
        &book(
            "    - hostname: {name: rsts-08.lab}\n    \
             - name: facts\n      assert: {that: [\"ansible_hostname == 'rsts-08'\"]}\n",
        ),
    );
    assert_eq!(run.stats(&Tier2::name(HOST))["failed"], 0);
    assert_eq!(
        lab.root_ok(HOST, "hostname; cat /etc/hostname"),
        "rsts-08.lab\nrsts-08.lab\n"
    );
    // The file strategy, then back to the lab's name.
    lab.converge(
        dir.path(),
        &[HOST],
        &book("    - hostname: {name: rsts-file, use: debian}\n"),
    );
    assert_eq!(
        lab.root_ok(HOST, "hostname; cat /etc/hostname"),
        "rsts-file\nrsts-file\n"
    );
    lab.converge(
        dir.path(),
        &[HOST],
        &book("    - hostname: {name: t2-08}\n"),
    );
    assert_eq!(
        lab.root_ok(HOST, "hostname; cat /etc/hostname"),
        "t2-08\nt2-08\n"
    );
}

#[test]
fn reboot_waits_for_a_new_boot() {
    let lab = Tier2::lab();
    let before = lab.root_ok(
        REBOOT_HOST,
        "cat /proc/sys/kernel/random/boot_id; touch /run/rsts-before-reboot",
    );
    let dir = project(&lab, &[REBOOT_HOST]);
    write(
        dir.path(),
        "site.yml",
        "- hosts: t2\n  gather_facts: false\n  become: true\n  tasks:\n    \
         - name: reboot\n      reboot: {reboot_timeout: 180, msg: rsts reboot}\n      register: r\n    \
         - name: after\n      command: cat /proc/sys/kernel/random/boot_id\n      register: after\n    \
         - assert: {that: [r.rebooted, \"r.elapsed >= 0\", \"after.stdout != ''\"]}\n",
    );
    let run = lab.play(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let name = Tier2::name(REBOOT_HOST);
    let r = run.results(&name, "reboot");
    assert_eq!(r[0]["result"]["rebooted"], true, "{}", run.dump());
    let after = run.results(&name, "after")[0]["result"]["stdout"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(after.trim(), before.trim(), "the boot id did not change");
    let (code, _) = lab.root_sh(REBOOT_HOST, "test -e /run/rsts-before-reboot");
    assert_ne!(code, 0, "/run survived the reboot");
    assert_eq!(
        lab.root_ok(REBOOT_HOST, "cat /proc/sys/kernel/random/boot_id"),
        format!("{}\n", after.trim())
    );
}
