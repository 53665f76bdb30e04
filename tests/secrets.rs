//! Secrets against the tier-1 lab (hosts t1-104..t1-110): SSH, become and vault passwords
//! never reach the argv or the environment of any process on the controller or on the target,
//! trace logs, JSON events or error messages; `no_log: true` hides a task's values in text and
//! JSON output at every verbosity, in loop items, retries and failures. The tier-1 hosts share
//! this machine's process table, so one scan of /proc sees both sides.

mod common;

use common::run::{json_lines, Run};
use common::{write, Lab, Rsible};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// rslab's login and sudo password (set up by the lab).
const LOGIN_PW: &str = "rslab-pass";
/// The vault password of these tests.
const VAULT_PW: &str = "vault-pw-7Qx4";

/// The network namespace of lab host `i`, as `/proc/<pid>/ns/net` names it.
fn netns_of_host(i: usize) -> String {
    use std::os::unix::fs::MetadataExt;
    let path = format!("/run/netns/rsible-t1-{i}");
    let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{path}: {e} (lab missing?)"));
    format!("net:[{}]", meta.ino())
}

/// The parent of `pid`, from /proc/<pid>/stat.
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `pid` is this test process or one of its descendants (rsible and what it starts).
fn ours(mut pid: u32) -> bool {
    let me = std::process::id();
    for _ in 0..64 {
        if pid == me {
            return true;
        }
        match parent(pid) {
            Some(p) if p > 1 => pid = p,
            _ => return false,
        }
    }
    false
}

/// What a /proc scan found.
#[derive(Default)]
struct Scan {
    /// Processes whose argv or environment held a secret.
    leaks: Vec<String>,
    /// Command lines of the target's processes seen (to prove the scan saw the task run).
    target_cmds: Vec<String>,
    /// Command lines of the controller's processes seen.
    controller_cmds: Vec<String>,
}

/// Scans every process of the target (its network namespace) and of the controller (this
/// test's descendants) for `secrets` in argv and environment, until `stop` is set.
fn scan_until(stop: &AtomicBool, target_ns: &str, secrets: &[&str]) -> Scan {
    let mut scan = Scan::default();
    while !stop.load(Ordering::Relaxed) {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let ns = std::fs::read_link(format!("/proc/{pid}/ns/net"))
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let on_target = ns == target_ns;
            if !on_target && (pid == std::process::id() || !ours(pid)) {
                continue;
            }
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            for s in secrets {
                for (what, bytes) in [("argv", &cmdline), ("environment", &environ)] {
                    if contains(bytes, s.as_bytes()) {
                        scan.leaks
                            .push(format!("{s:?} in the {what} of pid {pid}: {cmd}"));
                    }
                }
            }
            let seen = if on_target {
                &mut scan.target_cmds
            } else {
                &mut scan.controller_cmds
            };
            if !seen.contains(&cmd) {
                seen.push(cmd);
            }
        }
    }
    scan
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Asserts that no secret appears in a run's stdout or stderr.
fn assert_clean(what: &str, out: &Run, secrets: &[&str]) {
    let text = format!("{}{}", out.stdout, out.stderr);
    for s in secrets {
        assert!(!text.contains(s), "{what}: {s:?} printed:\n{text}");
    }
}

/// `rsible play` with trace logging, the lab's known_hosts and the vault password file.
fn play(home: &Path, playbook: &Path, inv: &Path, extra: &[&str]) -> Run {
    let lab = Lab::tier1();
    Rsible::new(home)
        .env("RSIBLE_LOG", "trace")
        .args(["play", "-i"])
        .arg(inv)
        .arg("--known-hosts")
        .arg(lab.known_hosts())
        .arg("--vault-password-file")
        .arg(home.join("vault-pw"))
        .args(extra)
        .arg(playbook)
        .run()
}

/// Runs a program (argv after the answer file) on a pseudo-terminal and types the first line of a file (named, not
/// given, so that the password is in no argv) at the first two password prompts; prints what
/// the terminal showed.
const PROMPT_DRIVER: &str = r#"
import os, pty, sys
answer = open(sys.argv[1], 'rb').read().splitlines()[0]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out, answered = b'', 0
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if answered < 2 and out.rstrip(b' ').endswith(b'assword:'):
        os.write(fd, answer + b'\n')
        answered += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// `rsible play -k -K` (asking for the SSH and the become password) on a terminal, answered
/// with [`LOGIN_PW`].
fn play_asking(home: &Path, playbook: &Path, inv: &Path) -> Run {
    let lab = Lab::tier1();
    let driver = write(home, "prompt_driver.py", PROMPT_DRIVER);
    let answer = write(home, "answer", &format!("{LOGIN_PW}\n"));
    Rsible::new(home)
        .via(Path::new("python3"), [driver, answer])
        .env("RSIBLE_LOG", "trace")
        .args(["play", "-k", "-K", "-vvvv"])
        .inventory(inv)
        .known_hosts(lab.known_hosts())
        .arg("--vault-password-file")
        .arg(home.join("vault-pw"))
        .arg(playbook)
        .run()
}

/// A vars file `vault.yml` encrypted with [`VAULT_PW`], holding `vaulted: <plain>`.
fn vault_file(home: &Path, plain: &str) -> PathBuf {
    write(home, "vault-pw", &format!("{VAULT_PW}\n"));
    let file = write(home, "vault.yml", &format!("vaulted: {plain}\n"));
    let out = Rsible::new(home)
        .args(["vault", "encrypt", "--vault-password-file"])
        .arg(home.join("vault-pw"))
        .arg(&file)
        .run();
    assert!(out.code == 0, "{out:?}");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with("$ANSIBLE_VAULT"));
    file
}

#[test]
fn passwords_reach_no_argv_environment_log_or_event_while_a_become_task_runs() {
    Lab::tier1(); // fails loudly without the lab
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    vault_file(home, "vaulted-plain-text");
    // Password login (no key at all) and sudo with a password.
    let inv = write(
        home,
        "inv.ini",
        &format!(
            "h ansible_host={} ansible_user=rslab ansible_password={LOGIN_PW} \
             ansible_become_password={LOGIN_PW}\n",
            Lab::addr(104)
        ),
    );
    let pb = write(
        home,
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  become: true\n  vars_files: [vault.yml]\n  tasks:\n\
         \x20   - name: long task\n      shell: sleep 2; echo \"as-$(id -un)\"\n      register: who\n\
         \x20   - debug:\n        msg: \"{{ who.stdout }} {{ vaulted }}\"\n",
    );
    let secrets = [LOGIN_PW, VAULT_PW];
    let stop = Arc::new(AtomicBool::new(false));
    let ns = netns_of_host(104);
    let scanner = {
        let stop = stop.clone();
        std::thread::spawn(move || scan_until(&stop, &ns, &secrets))
    };
    // The same passwords typed at -k/-K prompts on a terminal (rslab's inventory line without
    // them).
    let asking_inv = write(
        home,
        "asking.ini",
        &format!("h ansible_host={} ansible_user=rslab\n", Lab::addr(109)),
    );
    // The text and the JSON formats and the prompts run at once; the scan covers all three.
    let (text, json, asked) = std::thread::scope(|s| {
        let t = s.spawn(|| play(home, &pb, &inv, &["-vvvv"]));
        let j = s.spawn(|| play(home, &pb, &inv, &["-vvvv", "--format", "json"]));
        let a = s.spawn(|| play_asking(home, &pb, &asking_inv));
        (t.join().unwrap(), j.join().unwrap(), a.join().unwrap())
    });
    stop.store(true, Ordering::Relaxed);
    let scan = scanner.join().unwrap();

    let asked_text = &asked.stdout;
    assert!(
        asked_text.contains("SSH password:") && asked_text.contains("BECOME password"),
        "both prompts shown: {asked_text}"
    );
    for (what, out) in [("text", &text), ("json", &json), ("prompts", &asked)] {
        assert_eq!(out.code, 0, "{what}: {out:?}");
        assert!(
            out.stdout.contains("as-root vaulted-plain-text"),
            "{what}: become and vault worked: {}",
            out.stdout
        );
        assert_clean(what, out, &secrets);
    }
    assert!(!json_lines(&json.stdout).is_empty());
    assert!(scan.leaks.is_empty(), "secrets leaked: {:#?}", scan.leaks);
    // The scan really saw both sides while the task ran.
    let saw = |cmds: &[String], what: &str| cmds.iter().any(|c| c.contains(what));
    assert!(
        saw(&scan.target_cmds, "sudo") && saw(&scan.target_cmds, "sleep 2"),
        "the scan saw sudo and the task on the target: {:#?}",
        scan.target_cmds
    );
    assert!(
        saw(&scan.controller_cmds, "rsible"),
        "the scan saw rsible: {:#?}",
        scan.controller_cmds
    );
}

#[test]
fn wrong_passwords_are_reported_without_the_password() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    vault_file(home, "x");
    let key = lab.key("id_ed25519");
    let bad_become = "wrong-become-5kZ";
    let bad_ssh = "wrong-ssh-8pQ";
    let bad_vault = "wrong-vault-3mN";
    let inv_become = write(
        home,
        "become.ini",
        &format!(
            "h ansible_host={} ansible_user=rslab ansible_ssh_private_key_file={} \
             ansible_become_password={bad_become}\n",
            Lab::addr(106),
            key.display()
        ),
    );
    let inv_ssh = write(
        home,
        "ssh.ini",
        &format!(
            "h ansible_host={} ansible_user=rslab ansible_password={bad_ssh}\n",
            Lab::addr(107)
        ),
    );
    let inv_root = write(
        home,
        "root.ini",
        &format!("h ansible_host={} {}\n", Lab::addr(108), lab.root_login()),
    );
    let plain = write(
        home,
        "plain.yml",
        "- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n    - command: id -un\n",
    );
    let vaulted = write(
        home,
        "vaulted.yml",
        "- hosts: all\n  gather_facts: false\n  vars_files: [vault.yml]\n  tasks:\n    - debug: var=vaulted\n",
    );
    let wrong_vault = write(home, "wrong-vault-pw", &format!("{bad_vault}\n"));
    let secrets = [bad_become, bad_ssh, bad_vault, VAULT_PW];
    let (become_, ssh, vault) = std::thread::scope(|s| {
        let b = s.spawn(|| play(home, &plain, &inv_become, &["-vvvv", "--format", "json"]));
        let h = s.spawn(|| play(home, &plain, &inv_ssh, &["-vvvv"]));
        let v = s.spawn(|| {
            Rsible::new(home)
                .env("RSIBLE_LOG", "trace")
                .args(["play", "-vvvv", "-i"])
                .arg(&inv_root)
                .arg("--known-hosts")
                .arg(lab.known_hosts())
                .arg("--vault-password-file")
                .arg(&wrong_vault)
                .arg(&vaulted)
                .run()
        });
        (b.join().unwrap(), h.join().unwrap(), v.join().unwrap())
    });
    assert_eq!(become_.code, 2, "{become_:?}");
    assert!(become_.stdout.contains("incorrect become password"));
    assert_clean("wrong become password", &become_, &secrets);
    assert_eq!(ssh.code, 3, "{ssh:?}");
    assert!(ssh.stdout.contains("permission denied"));
    assert_clean("wrong SSH password", &ssh, &secrets);
    assert!(vault.code != 0, "{vault:?}");
    assert!(
        format!("{vault:?}").to_lowercase().contains("vault"),
        "the vault error says so: {vault:?}"
    );
    assert_clean("wrong vault password", &vault, &secrets);
}

/// A token only `no_log` tasks see.
const TOKEN: &str = "s3cr3t-token-Zq9";

#[test]
fn no_log_hides_values_in_every_format_verbosity_loop_retry_and_failure() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    write(home, "vault-pw", &format!("{VAULT_PW}\n"));
    let inv = write(
        home,
        "inv.ini",
        &format!("h ansible_host={} {}\n", Lab::addr(105), lab.root_login()),
    );
    let dest = home.join("copied");
    std::fs::create_dir_all(home.join("roles/r/tasks")).unwrap();
    write(
        &home.join("roles/r/tasks"),
        "main.yml",
        "- command: echo {{ param }}\n",
    );
    let pb = write(
        home,
        "site.yml",
        &format!(
            r#"- hosts: all
  gather_facts: false
  no_log: true
  vars:
    token: {TOKEN}
  tasks:
    - name: play-level no_log
      command: echo {{{{ token }}}}
      notify: handler
    - name: role with a secret parameter
      include_role:
        name: r
      vars:
        param: "{{{{ token }}}}"
  handlers:
    - name: handler
      command: echo {{{{ token }}}}
- hosts: all
  gather_facts: false
  vars:
    token: {TOKEN}
  tasks:
    - name: plain
      shell: echo {{{{ token }}}}
      no_log: true
    - name: looped
      shell: echo {{{{ item }}}}
      loop: ["{{{{ token }}}}-a", "b-{{{{ token }}}}"]
      no_log: true
    - name: failing command
      shell: echo {{{{ token }}}}; echo {{{{ token }}}} >&2; exit 3
      no_log: true
      ignore_errors: true
    - name: failing loop
      shell: echo {{{{ item }}}}; exit 1
      loop: ["{{{{ token }}}}"]
      no_log: true
      ignore_errors: true
    - name: retried
      shell: echo {{{{ token }}}}; exit 1
      register: r
      until: r.rc == 0
      retries: 1
      delay: 0
      no_log: true
      ignore_errors: true
    - name: a no_log result shown by a later debug stays hidden
      debug: var=r
    - name: copied with diff
      copy:
        content: "{{{{ token }}}}\n"
        dest: {dest}
      no_log: true
    - name: templated no_log
      debug:
        msg: "{{{{ token }}}}"
      no_log: "{{{{ 1 == 1 }}}}"
    - name: undefined variable
      command: echo {{{{ token }}}} {{{{ nowhere }}}}
      no_log: true
      ignore_errors: true
    - name: failing for good
      fail:
        msg: "bad {{{{ token }}}}"
      no_log: true
"#,
            dest = dest.display()
        ),
    );
    let runs = [
        vec![],
        vec!["-vvvv", "--diff"],
        vec!["-vvvv", "--format", "json", "--diff"],
    ];
    for extra in &runs {
        // A fresh destination each time, so that `--diff` has a difference to hide.
        let _ = std::fs::remove_file(&dest);
        let out = play(home, &pb, &inv, extra);
        let what = format!("{extra:?}");
        assert_eq!(out.code, 2, "{what}: {out:?}");
        assert_clean(&what, &out, &[TOKEN]);
        let stdout = &out.stdout;
        assert!(
            stdout.matches("the output has been hidden").count() >= 5,
            "{what}: censored results shown:\n{stdout}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        format!("{TOKEN}\n"),
        "the no_log tasks did run"
    );
}
