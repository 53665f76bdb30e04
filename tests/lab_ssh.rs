//! The SSH transport against the tier-1 lab's real OpenSSH servers: authentication methods,
//! host key policies, ProxyJump, fan-out, an unreachable host, large streams, quoting, become.

mod common;

use common::run::Run;
use common::{write, Lab, Rsible};
use std::path::Path;
use std::time::{Duration, Instant};

/// An inventory (`dir/inv.ini`) with lab host `i` under each `name`, plus inline variables.
fn inventory(dir: &Path, hosts: &[(&str, usize, &str)]) -> std::path::PathBuf {
    let lines: String = hosts
        .iter()
        .map(|(name, i, extra)| format!("{name} ansible_host={} {extra}\n", Lab::addr(*i)))
        .collect();
    write(dir, "inv.ini", &lines)
}

/// An inventory with lab host `i` under the name `h`, plus extra inline variables.
fn one_host(dir: &Path, i: usize, extra: &str) -> std::path::PathBuf {
    inventory(dir, &[("h", i, extra)])
}

fn run_json(home: &Path, inv: &Path, args: &[&str]) -> (i32, Run, String) {
    let out = Rsible::new(home)
        .args(["run", "all", "-i"])
        .arg(inv)
        .args(args)
        .json()
        .run();
    let err = out.stderr.clone();
    (out.code, out, err)
}

#[test]
fn key_auth_with_ed25519_rsa_and_ecdsa() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    for key in ["id_ed25519", "id_rsa", "id_ecdsa"] {
        let inv = one_host(
            home.path(),
            2,
            &format!(
                "ansible_user=root ansible_ssh_private_key_file={}",
                lab.key(key).display()
            ),
        );
        let kh = lab.known_hosts();
        let (code, out, err) = run_json(
            home.path(),
            &inv,
            &["-a", "id -un", "--known-hosts", kh.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{key}: {err} {}", out.stdout);
        assert_eq!(out.by_host()["h"]["stdout"], "root", "{key}");
    }
}

#[test]
fn default_key_in_home_ssh_is_used() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".ssh")).unwrap();
    std::fs::copy(lab.key("id_ed25519"), home.path().join(".ssh/id_ed25519")).unwrap();
    std::fs::copy(lab.known_hosts(), home.path().join(".ssh/known_hosts")).unwrap();
    let inv = one_host(home.path(), 3, "ansible_user=root");
    let (code, out, err) = run_json(home.path(), &inv, &["-a", "true"]);
    assert_eq!(code, 0, "{err} {}", out.stdout);
}

#[test]
fn password_auth_from_inventory_never_prints_the_password() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(
        home.path(),
        4,
        "ansible_user=rslab ansible_password=rslab-pass",
    );
    let kh = lab.known_hosts();
    let (code, out, err) = run_json(
        home.path(),
        &inv,
        &[
            "-a",
            "id -un",
            "--known-hosts",
            kh.to_str().unwrap(),
            "-vvv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.by_host()["h"]["stdout"], "rslab");
    assert!(!err.contains("rslab-pass") && !out.stdout.contains("rslab-pass"));
}

#[test]
fn wrong_password_is_unreachable_with_a_hint() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(home.path(), 4, "ansible_user=rslab ansible_password=wrong");
    let kh = lab.known_hosts();
    let (code, out, _) = run_json(
        home.path(),
        &inv,
        &["-a", "true", "--known-hosts", kh.to_str().unwrap()],
    );
    assert_eq!(code, 3);
    let r = &out.by_host()["h"];
    assert_eq!(r["status"], "unreachable");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("permission denied for rslab@"),
        "{r}"
    );
}

#[test]
fn ssh_agent_auth() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let sock = home.path().join("agent.sock");
    let agent = std::process::Command::new("ssh-agent")
        .args(["-a"])
        .arg(&sock)
        .output()
        .expect("ssh-agent runs");
    assert!(agent.status.success());
    let pid = String::from_utf8_lossy(&agent.stdout)
        .split("SSH_AGENT_PID=")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap_or_default()
        .to_string();
    let added = std::process::Command::new("ssh-add")
        .arg(lab.key("id_ecdsa"))
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let inv = one_host(home.path(), 5, "ansible_user=root");
    let out = Rsible::new(home.path())
        .env("SSH_AUTH_SOCK", &sock)
        .args(["run", "all", "-a", "true", "--known-hosts"])
        .arg(lab.known_hosts())
        .arg("-i")
        .arg(&inv)
        .json()
        .run();
    let _ = std::process::Command::new("kill").arg(&pid).status();
    assert_eq!(out.code, 0, "{}", out.stdout);
}

/// Drives a command under a pseudo-terminal and answers its first password prompt.
const TTY_DRIVER: &str = r#"
import os, pty, sys
answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
sent = False
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and (b'passphrase' in out or b'password:' in out):
        os.write(fd, answer.encode() + b'\n')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// Runs `rsible` under a pseudo-terminal, typing `answer` at the prompt.
fn with_tty(home: &Path, rsible: Rsible, answer: &str) -> (i32, String) {
    let driver = write(home, "rsible_pty_driver.py", TTY_DRIVER);
    let out = rsible
        .via(Path::new("python3"), [driver.as_os_str(), answer.as_ref()])
        .run();
    (out.code, format!("{}{}", out.stdout, out.stderr))
}

#[test]
fn encrypted_key_asks_for_its_passphrase_once() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let login = format!(
        "ansible_user=root ansible_ssh_private_key_file={}",
        lab.key("id_ed25519_enc").display()
    );
    let inv = inventory(home.path(), &[("a", 6, &login), ("b", 7, &login)]);
    let rsible = Rsible::new(home.path())
        .args(["run", "all"])
        .inventory(&inv)
        .args(["-a", "echo ok-$((1+1))", "-m", "shell"])
        .known_hosts(lab.known_hosts());
    let (code, text) = with_tty(home.path(), rsible, "labpass");
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        text.matches("Enter passphrase for key").count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("ok-2").count(), 2, "{text}");
}

#[test]
fn ask_pass_prompts_and_logs_in_with_the_password() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(home.path(), 8, "ansible_user=rslab");
    let rsible = Rsible::new(home.path())
        .args(["run", "all"])
        .inventory(&inv)
        .args(["-k", "-a", "id -un"])
        .known_hosts(lab.known_hosts());
    let (code, text) = with_tty(home.path(), rsible, "rslab-pass");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("SSH password:"), "{text}");
    assert!(
        text.contains("rslab\r\n") || text.contains("rslab\n"),
        "{text}"
    );
}

fn lab_line(lab: &Lab, i: usize, algo: &str) -> String {
    std::fs::read_to_string(lab.known_hosts())
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&format!("{} {algo}", Lab::addr(i))))
        .unwrap_or_else(|| panic!("lab known_hosts has {algo} for host {i}"))
        .to_string()
}

#[test]
fn unknown_host_key_is_refused_under_strict() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let kh = write(home.path(), "kh", "");
    let inv = one_host(home.path(), 9, &lab.root_login());
    let (code, out, _) = run_json(
        home.path(),
        &inv,
        &["-a", "true", "--known-hosts", kh.to_str().unwrap()],
    );
    assert_eq!(code, 3);
    let msg = out.by_host()["h"]["msg"].as_str().unwrap().to_string();
    assert!(
        msg.contains(&Lab::addr(9))
            && msg.contains("SHA256:")
            && msg.contains(kh.to_str().unwrap()),
        "{msg}"
    );
}

#[test]
fn changed_host_key_is_refused_naming_file_and_line_even_with_accept_new() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    // Host 10's address recorded with host 11's ed25519 key, on line 2.
    let other = lab_line(&lab, 11, "ssh-ed25519").replacen(&Lab::addr(11), &Lab::addr(10), 1);
    let kh = write(home.path(), "kh", &format!("# comment\n{other}\n"));
    let inv = one_host(home.path(), 10, &lab.root_login());
    for policy in ["strict", "accept-new"] {
        let (code, out, _) = run_json(
            home.path(),
            &inv,
            &[
                "-a",
                "true",
                "--known-hosts",
                kh.to_str().unwrap(),
                "--host-key-checking",
                policy,
            ],
        );
        assert_eq!(code, 3, "{policy}");
        let msg = out.by_host()["h"]["msg"].as_str().unwrap().to_string();
        assert!(
            msg.contains("CHANGED") && msg.contains(&format!("{}:2", kh.display())),
            "{policy}: {msg}"
        );
    }
    let (code, _, _) = run_json(
        home.path(),
        &inv,
        &[
            "-a",
            "true",
            "--known-hosts",
            kh.to_str().unwrap(),
            "--host-key-checking",
            "off",
        ],
    );
    assert_eq!(code, 0, "off accepts anything");
}

#[test]
fn hashed_known_hosts_entries_match() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(home.path(), 12, &lab.root_login());
    let hashed = lab.dir.join("known_hosts.hashed");
    assert!(std::fs::read_to_string(&hashed).unwrap().starts_with("|1|"));
    let (code, _, err) = run_json(
        home.path(),
        &inv,
        &["-a", "true", "--known-hosts", hashed.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn accept_new_records_the_key_then_strict_accepts_it() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let kh = home.path().join("sub/kh");
    let inv = one_host(home.path(), 13, &lab.root_login());
    let (code, _, err) = run_json(
        home.path(),
        &inv,
        &[
            "-a",
            "true",
            "--known-hosts",
            kh.to_str().unwrap(),
            "--host-key-checking",
            "accept-new",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&kh).unwrap();
    assert!(text.starts_with(&format!("{} ", Lab::addr(13))), "{text}");
    let (code, _, err) = run_json(
        home.path(),
        &inv,
        &["-a", "true", "--known-hosts", kh.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn non_default_port_uses_bracketed_known_hosts_entry() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(
        home.path(),
        1,
        &format!("ansible_port=2222 {}", lab.root_login()),
    );
    let (code, _, err) = run_json(
        home.path(),
        &inv,
        &[
            "-a",
            "true",
            "--known-hosts",
            lab.known_hosts().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn proxy_jump_through_one_lab_host_to_another() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let cfg = write(
        home.path(),
        "ssh_config",
        &format!(
            "Host target\n  HostName {}\n  User root\n  ProxyJump jumper\n  IdentityFile {k}\n\
             Host jumper\n  HostName {}\n  User root\n  IdentityFile {k}\n",
            Lab::addr(15),
            Lab::addr(14),
            k = lab.key("id_ed25519").display()
        ),
    );
    let inv = write(home.path(), "inv.ini", "target\n");
    let out = Rsible::new(home.path())
        .args([
            "run",
            "all",
            "-m",
            "shell",
            "-a",
            "ip -4 -o addr show eth0",
            "-F",
        ])
        .arg(&cfg)
        .arg("--known-hosts")
        .arg(lab.known_hosts())
        .arg("-i")
        .arg(&inv)
        .json()
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = &out.by_host()["target"];
    assert!(
        r["stdout"].as_str().unwrap().contains(&Lab::addr(15)),
        "{r}"
    );
}

#[test]
fn twenty_three_hosts_at_once() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = Rsible::new(home.path())
        .args([
            "run",
            // The first 23 hosts, whatever the lab's size (t1-1? never matches t1-100..).
            "t1-0?:t1-1?:t1-20:t1-21:t1-22:t1-23",
            "-a",
            "uname -n",
            "--known-hosts",
        ])
        .arg(lab.known_hosts())
        .arg("-i")
        .arg(lab.inventory())
        .json()
        .run();
    let elapsed = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let r = out.by_host();
    assert_eq!(r.len(), 23);
    assert!(r.values().all(|v| v["rc"] == 0));
    eprintln!("23 hosts: {elapsed:?}");
}

#[test]
fn stopped_sshd_is_unreachable_while_others_finish() {
    let lab = Lab::tier1();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lab/tier1.sh");
    let st = std::process::Command::new(&script)
        .args(["stop-sshd", "t1-24"])
        .status()
        .unwrap();
    assert!(st.success());
    let home = tempfile::tempdir().unwrap();
    // 16-20 are reachable; 24 refuses connections; .250 does not exist (packets go nowhere).
    let inv = write(
        home.path(),
        "inv.ini",
        &format!(
            "[all:vars]\nansible_user=root\nansible_ssh_private_key_file={}\n[ok]\n{}\n[bad]\ndown ansible_host={}\nghost ansible_host=10.213.0.250\n",
            lab.key("id_ed25519").display(),
            (16..=20).map(|i| format!("h{i} ansible_host={}", Lab::addr(i))).collect::<Vec<_>>().join("\n"),
            Lab::addr(24)
        ),
    );
    let started = Instant::now();
    let (code, out, _) = run_json(
        home.path(),
        &inv,
        &[
            "-a",
            "true",
            "-T",
            "3",
            "--known-hosts",
            lab.known_hosts().to_str().unwrap(),
        ],
    );
    let elapsed = started.elapsed();
    let _ = std::process::Command::new(&script)
        .args(["start-sshd", "t1-24"])
        .status();
    assert_eq!(code, 3);
    let r = out.by_host();
    for i in 16..=20 {
        assert_eq!(r[&format!("h{i}")]["rc"], 0);
    }
    assert_eq!(r["down"]["status"], "unreachable");
    assert_eq!(r["ghost"]["status"], "unreachable");
    // Nobody answers ARP for .250: the connect times out, or the kernel gives up on the
    // neighbour first (about 3 s) and says so; either way within the 3 s connect timeout.
    let ghost = r["ghost"]["msg"].as_str().unwrap();
    assert!(
        ghost.contains("timed out") || ghost.contains("No route to host"),
        "{}",
        r["ghost"]
    );
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
}

#[test]
fn fifty_megabytes_of_stdout_and_of_stdin() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(home.path(), 17, &lab.root_login());
    let (code, out, err) = run_json(
        home.path(),
        &inv,
        &[
            "-m",
            "shell",
            "-a",
            "head -c 52428800 /dev/zero | tr '\\0' a",
            "--known-hosts",
            lab.known_hosts().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let s = out.by_host()["h"]["stdout"].as_str().unwrap().len();
    assert_eq!(s, 52_428_800);
    // stdin: a local script streams 50 MB through the connection into sha256sum.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use rsible::connection::ssh::{
            auth::KeyStore, known_hosts::HostKeyPolicy, target::*, SshConnection,
        };
        use rsible::connection::{Connection, RemoteCommand};
        let target = SshTarget {
            endpoint: Endpoint {
                host: Lab::addr(17),
                port: 22,
                user: "root".into(),
                identity_files: vec![],
            },
            jumps: vec![],
            identity_files: vec![lab.key("id_ed25519")],
            identities_only: true,
            password: None,
            known_hosts: vec![lab.known_hosts()],
            policy: HostKeyPolicy::Strict,
            connect_timeout: Duration::from_secs(10),
            keepalive: Duration::from_secs(5),
            keepalive_max: 3,
            control_persist: None,
        };
        let conn = SshConnection::connect(&target, &KeyStore::default())
            .await
            .unwrap();
        let data: Vec<u8> = (0..52_428_800u32).map(|i| (i % 251) as u8).collect();
        let cmd = RemoteCommand {
            script: b"wc -c".to_vec(),
            stdin: data,
            ..Default::default()
        };
        let out = conn.exec(&cmd).await.unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "52428800");
    });
}

#[test]
fn hostile_arguments_reach_the_target_literally() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(home.path(), 18, &lab.root_login());
    let args = "printf '%s|' \"it's\" '$(touch /tmp/rsible-pwned)' '`id`' 'a;b' $'x' 'l1\nl2' 'h\u{e9}llo \u{2603}' --";
    let (code, out, err) = run_json(
        home.path(),
        &inv,
        &[
            "-a",
            args,
            "--known-hosts",
            lab.known_hosts().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.by_host()["h"]["stdout"],
        "it's|$(touch /tmp/rsible-pwned)|`id`|a;b|$x|l1\nl2|h\u{e9}llo \u{2603}|--|"
    );
    assert!(!Path::new("/tmp/rsible-pwned").exists());
}

#[test]
fn non_root_login_becomes_root_with_and_without_a_sudo_password() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let kh = lab.known_hosts();
    let k = lab.key("id_ed25519");
    // rslab needs its password for sudo; rslab2 has NOPASSWD.
    let pw = format!(
        "ansible_user=rslab ansible_become_password=rslab-pass ansible_ssh_private_key_file={}",
        k.display()
    );
    let nopw = format!(
        "ansible_user=rslab2 ansible_ssh_private_key_file={}",
        k.display()
    );
    let inv = inventory(home.path(), &[("pw", 19, &pw), ("nopw", 20, &nopw)]);
    let (code, out, err) = run_json(
        home.path(),
        &inv,
        &[
            "-b",
            "-m",
            "shell",
            "-a",
            "id -un; cat",
            "--known-hosts",
            kh.to_str().unwrap(),
            "-vvv",
        ],
    );
    assert_eq!(code, 0, "{err} {}", out.stdout);
    let r = out.by_host();
    assert_eq!(
        r["pw"]["stdout"], "root",
        "password must not leak into stdin"
    );
    assert_eq!(r["nopw"]["stdout"], "root");
    assert!(!err.contains("rslab-pass") && !out.stdout.contains("rslab-pass"));
    // A wrong sudo password is a clear failure, not a hang.
    let inv = write(
        home.path(),
        "inv2.ini",
        &format!("pw ansible_host={} ansible_user=rslab ansible_become_password=nope ansible_ssh_private_key_file={}\n", Lab::addr(19), k.display()),
    );
    let (code, out, _) = run_json(
        home.path(),
        &inv,
        &["-b", "-a", "true", "--known-hosts", kh.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(out.by_host()["pw"]["msg"]
        .as_str()
        .unwrap()
        .contains("incorrect become password"));
}

#[test]
fn passwordless_sudo_runs_on_one_long_lived_shell_and_a_refusal_falls_back_once() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let k = lab.key("id_ed25519");
    // rslab2 has NOPASSWD; rslab needs a password, and none is given.
    let nopw = format!(
        "ansible_user=rslab2 ansible_ssh_private_key_file={}",
        k.display()
    );
    let pw = format!(
        "ansible_user=rslab ansible_ssh_private_key_file={}",
        k.display()
    );
    let inv = inventory(home.path(), &[("nopw", 20, &nopw), ("pw", 19, &pw)]);
    let play = write(
        home.path(),
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n\
         \x20   - {shell: 'id -un; echo \"$HOME\"; cat', args: {stdin: in1}, register: a, ignore_errors: true}\n\
         \x20   - {command: id -un, register: b, ignore_errors: true}\n\
         \x20   - {command: id -un, become_user: nobody, register: c, ignore_errors: true}\n\
         \x20   - {command: id -un, become: false, register: d}\n\
         \x20   - debug: {msg: '{{ [a.stdout | default(a.msg), b.stdout | default(b.msg), c.stdout | default(c.msg), d.stdout] }}'}\n",
    );
    let out = Rsible::new(home.path())
        .env("RSIBLE_LOG", "rsible=debug")
        .args(["play", "-i"])
        .arg(&inv)
        .arg(&play)
        .arg("--known-hosts")
        .arg(lab.known_hosts())
        .json()
        .run();
    let log = &out.stderr;
    let stdout = &out.stdout;
    assert_eq!(out.code, 0, "{stdout}\n{log}");
    let shells = |peer: &str, user: &str| {
        log.lines()
            .filter(|l| {
                l.contains("exec (long-lived shell)") && l.contains(peer) && l.contains(user)
            })
            .count()
    };
    let (nopw, pw) = (
        format!("{}:22", Lab::addr(20)),
        format!("{}:22", Lab::addr(19)),
    );
    // One root shell for both root tasks, one for nobody, one for the login user.
    assert_eq!(shells(&nopw, "user=\"root\""), 1, "{log}");
    assert_eq!(shells(&nopw, "user=\"nobody\""), 1, "{log}");
    assert_eq!(shells(&nopw, "(long-lived shell) peer"), 3, "{log}");
    // The output is what sudo on each program gives: root's HOME (sudo -H), stdin passed.
    assert!(
        stdout.contains(r#"["root\n/root\nin1","root","nobody","rslab2"]"#),
        "{stdout}"
    );
    // sudo refused rslab's shell once; each become task then failed with sudo's own message.
    let refusals = log
        .lines()
        .filter(|l| l.contains("sudo refused") && l.contains(&pw))
        .count();
    assert_eq!(refusals, 2, "one per become user: {log}");
    assert!(
        stdout.matches("a password is required").count() >= 3,
        "{stdout}"
    );
}

#[test]
fn su_becomes_another_user_with_its_password() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let kh = lab.known_hosts();
    let run = |pw: &str| {
        let inv = write(
            home.path(),
            "inv.ini",
            &format!(
                "h ansible_host={} ansible_user=rslab ansible_become_method=su ansible_become_user=rslab2 \
                 ansible_become_password={pw} ansible_ssh_private_key_file={}\n",
                Lab::addr(21),
                lab.key("id_ed25519").display()
            ),
        );
        let out = Rsible::new(home.path())
            .args(["run", "all", "-b", "-m", "shell", "-a", "id -un"])
            .arg("--known-hosts")
            .arg(&kh)
            .arg("-i")
            .arg(&inv)
            .json()
            .run();
        (out.code, out.by_host().remove("h").unwrap())
    };
    let (code, r) = run("rslab2-pass");
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["stdout"], "rslab2");
    let (code, r) = run("wrong");
    assert_eq!(code, 2, "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("incorrect become password"),
        "{r}"
    );
}

#[test]
fn host_key_policy_from_the_environment() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let inv = one_host(home.path(), 22, &lab.root_login());
    let kh = home.path().join("kh");
    let run = |var: &str, value: &str| {
        Rsible::new(home.path())
            .env(var, value)
            .args(["run", "all", "-a", "true", "--known-hosts"])
            .arg(&kh)
            .arg("-i")
            .arg(&inv)
            .run()
            .code
    };
    assert_eq!(run("ANSIBLE_HOST_KEY_CHECKING", "False"), 0);
    assert!(!kh.exists(), "policy off records nothing");
    assert_eq!(run("RSIBLE_HOST_KEY_CHECKING", "strict"), 3);
    assert_eq!(run("RSIBLE_HOST_KEY_CHECKING", "accept-new"), 0);
    assert!(std::fs::read_to_string(&kh)
        .unwrap()
        .contains(&Lab::addr(22)));
}

#[test]
fn home_ssh_config_and_two_jump_hops() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".ssh")).unwrap();
    // The default ~/.ssh/config: aliases, two ProxyJump hops, its own known_hosts and policy.
    let kh = home.path().join("kh-from-config");
    write(
        &home.path().join(".ssh"),
        "config",
        &format!(
            "Host far\n  HostName {}\n  ProxyJump hop1,hop2\n\
             Host hop1\n  HostName {}\nHost hop2\n  HostName {}\n\
             Host *\n  User root\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  StrictHostKeyChecking accept-new\n  ConnectTimeout 5\n",
            Lab::addr(3),
            Lab::addr(1),
            Lab::addr(2),
            lab.key("id_ed25519").display(),
            kh.display()
        ),
    );
    let inv = write(home.path(), "inv.ini", "far\n");
    let out = Rsible::new(home.path())
        .args([
            "run",
            "all",
            "-m",
            "shell",
            "-a",
            "ip -4 -o addr show eth0; kill -TERM $$",
            "-i",
        ])
        .arg(&inv)
        .json()
        .run();
    let r = &out.by_host()["far"];
    assert!(r["stdout"].as_str().unwrap().contains(&Lab::addr(3)), "{r}");
    // The program was killed by a signal: a failure. On the shared shell (the default) the
    // status is the shell's 128 + 15, as POSIX sh reports it; on its own session sshd names
    // the signal.
    assert_eq!(r["rc"], 143, "{r}");
    assert_eq!(out.code, 2);
    // accept-new recorded all three hosts in the file the config names.
    let text = std::fs::read_to_string(&kh).unwrap();
    for i in 1..=3 {
        assert!(text.contains(&format!("{} ", Lab::addr(i))), "{text}");
    }
    // Without the shared shell the program has its own session and sshd names the signal.
    let out = Rsible::new(home.path())
        .env("RSIBLE_SSH_SHARED_SHELL", "0")
        .args(["run", "all", "-m", "shell", "-a", "kill -TERM $$", "-i"])
        .arg(&inv)
        .json()
        .run();
    assert_eq!(out.by_host()["far"]["signal"], "TERM");
}
