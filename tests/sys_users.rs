//! Lab tests of the account and scheduling modules (`user`, `group`, `authorized_key`,
//! `cron`, `mount`) on tier-2 host t2-09, logging in as `rslab` and becoming root. Every play
//! converges (the second run changes nothing), check mode changes nothing on the target, and
//! each test resets the state it needs first, so it passes on a fresh host and on a re-run.

mod common;

use common::tier2::{Deb, Tier2};
use std::path::Path;
use std::process::Command;

/// The one host these tests use.
const H: usize = 9;

/// A play header for t2-09 with become, then `tasks` (YAML indented 4).
fn book(tasks: &str) -> String {
    format!("- hosts: t2-09\n  gather_facts: false\n  become: true\n  tasks:\n{tasks}")
}

/// A project dir with the inventory.
fn project(lab: &Tier2) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[H], "");
    dir
}

/// Plays `tasks` with `--check --diff`: it must succeed and report changes. Returns the
/// `after` texts of the diffs it showed, joined.
fn check_only(lab: &Tier2, dir: &Path, tasks: &str) -> String {
    common::write(dir, "site.yml", &book(tasks));
    let run = lab.play(dir, &["--check", "--diff"]);
    assert_eq!(run.code, 0, "check run failed:\n{}", run.dump());
    assert!(
        run.changed(&Tier2::name(H)) > 0,
        "check reported no change:\n{}",
        run.dump()
    );
    let mut after = String::new();
    for e in run.events.iter().filter(|e| e["event"] == "host_result") {
        for d in e["diffs"].as_array().into_iter().flatten() {
            after.push_str(d["after"].as_str().unwrap_or_default());
        }
    }
    after
}

#[test]
fn users_and_groups_converge_with_supplementary_groups_passwords_and_removal() {
    let lab = Tier2::lab();
    lab.root_ok(
        H,
        "for u in usr_alice usr_svc; do userdel -r $u >/dev/null 2>&1; done; \
         for g in usr_g1 usr_g2 usr_alice; do groupdel $g >/dev/null 2>&1; done; true",
    );
    let dir = project(&lab);
    let hash1 = "$6$usrsalt$firsthashfirsthashfirsthash";
    let hash2 = "$6$usrsalt$secondhashsecondhashsecond";
    let create = format!(
        r#"    - name: groups
      group: {{ name: "{{{{ item.n }}}}", gid: "{{{{ item.gid | default(omit) }}}}", system: "{{{{ item.sys }}}}" }}
      loop: [{{ n: usr_g1, gid: 4701, sys: false }}, {{ n: usr_g2, sys: true }}]
    - name: alice
      user:
        name: usr_alice
        uid: 4801
        groups: [usr_g1]
        append: true
        shell: /bin/bash
        comment: Alice Usr
        password: '{hash1}'
      register: alice
    - name: alice also in g2
      user: {{ name: usr_alice, groups: usr_g2, append: true }}
    - name: a system user without home
      user: {{ name: usr_svc, system: true, create_home: false, shell: /usr/sbin/nologin }}
    - name: svc expires and is locked
      user: {{ name: usr_svc, expires: 1893456000, password_lock: true, create_home: false }}
"#
    );
    // Check mode on what needs no earlier task (alice needs the groups, as in Ansible).
    let independent = create
        .split("    - name: alice\n")
        .next()
        .unwrap()
        .to_string()
        + "    - user: { name: usr_svc, system: true }\n";
    check_only(&lab, dir.path(), &independent);
    lab.root_ok(H, "! getent passwd usr_svc && ! getent group usr_g1");

    let run = lab.converge(dir.path(), &[H], &book(&create));
    let alice = &run.results("t2-09", "alice")[0];
    assert_eq!(
        alice["result"]["password"], "NOT_LOGGING_PASSWORD",
        "{alice}"
    );
    assert_eq!(alice["result"]["uid"], 4801, "{alice}");
    assert!(
        !run.dump().contains("firsthash"),
        "the hash leaked:\n{}",
        run.dump()
    );
    let got = lab.root_ok(
        H,
        "getent passwd usr_alice; id -Gn usr_alice; getent shadow usr_alice | cut -d: -f2; \
         getent group usr_g1 | cut -d: -f3; test -d /home/usr_alice && echo home; \
         getent passwd usr_svc | cut -d: -f3,6,7; test -e /home/usr_svc || echo nohome",
    );
    assert!(got.contains("usr_alice:x:4801:"), "{got}");
    assert!(
        got.contains(":Alice Usr:/home/usr_alice:/bin/bash\n"),
        "{got}"
    );
    assert!(got.contains(" usr_g1") && got.contains(" usr_g2"), "{got}");
    assert!(got.contains(&format!("{hash1}\n")), "{got}");
    assert!(got.contains("4701\nhome\n"), "{got}");
    let svc_uid: u32 = got
        .lines()
        .find(|l| l.ends_with(":/usr/sbin/nologin"))
        .and_then(|l| l.split(':').next())
        .and_then(|u| u.parse().ok())
        .unwrap_or_else(|| panic!("no usr_svc line: {got}"));
    assert!(svc_uid < 1000, "a system user gets a system uid: {svc_uid}");
    assert!(got.contains("nohome"), "{got}");
    let shadow = lab.root_ok(H, "getent shadow usr_svc | cut -d: -f2,8");
    assert!(
        shadow.starts_with('!') && shadow.ends_with(":21915\n"),
        "{shadow}"
    );

    // append false replaces the list; update_password on_create keeps the hash.
    let change = format!(
        r#"    - name: alice only in g2, password not reset
      user: {{ name: usr_alice, groups: [usr_g2], append: false, password: '{hash2}', update_password: on_create }}
    - name: svc never expires
      user: {{ name: usr_svc, expires: -1 }}
"#
    );
    lab.converge(dir.path(), &[H], &book(&change));
    let got = lab.root_ok(H, "id -Gn usr_alice; getent shadow usr_alice | cut -d: -f2");
    assert!(!got.contains("usr_g1") && got.contains("usr_g2"), "{got}");
    assert!(got.contains(hash1), "the hash was reset: {got}");
    let shadow = lab.root_ok(H, "getent shadow usr_svc | cut -d: -f8");
    assert_eq!(shadow, "\n", "expiry not cleared");
    // create_home (default true) gives an existing account its missing home, as Ansible does.
    let home = lab.root_ok(H, "stat -c %U /home/usr_svc");
    assert_eq!(home, "usr_svc\n");

    // Removal with remove: the home directory goes too.
    let remove = "    - name: alice gone\n      user: { name: usr_alice, state: absent, remove: true }\n\
                  \x20   - name: groups gone\n      group: { name: \"{{ item }}\", state: absent }\n      loop: [usr_g1, usr_g2]\n";
    check_only(&lab, dir.path(), remove);
    lab.root_ok(H, "getent passwd usr_alice && test -d /home/usr_alice");
    lab.converge(dir.path(), &[H], &book(remove));
    lab.root_ok(
        H,
        "! getent passwd usr_alice && ! test -e /home/usr_alice && ! getent group usr_g1",
    );
}

#[test]
fn bad_user_arguments_fail_before_anything_is_sent() {
    let lab = Tier2::lab();
    let dir = project(&lab);
    common::write(
        dir.path(),
        "site.yml",
        &book("    - user: { name: usr_bad, state: gone }\n"),
    );
    let run = lab.play(dir.path(), &[]);
    assert_ne!(run.code, 0);
    assert!(
        run.dump().contains("state must be one of: present, absent"),
        "{}",
        run.dump()
    );
    common::write(
        dir.path(),
        "site.yml",
        &book("    - user: { name: usr_bad, groups: [usr_no_such_group] }\n"),
    );
    let run = lab.play(dir.path(), &[]);
    assert_ne!(run.code, 0);
    assert!(
        run.dump()
            .contains("Group usr_no_such_group does not exist"),
        "{}",
        run.dump()
    );
    lab.root_ok(H, "! getent passwd usr_bad");
}

/// A fresh ed25519 key pair in `dir`: (private key path, public key line).
fn keypair(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let key = dir.join(name);
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(st.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_string())
}

/// Logs in to t2-09 as `user` with `key` and runs `id -un`; the output, or None.
fn login(lab: &Tier2, user: &str, key: &Path) -> Option<String> {
    let out = Command::new("ssh")
        .args(["-n", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"])
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "PasswordAuthentication=no",
        ])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            lab.known_hosts().display()
        ))
        .arg("-i")
        .arg(key)
        .arg(format!("{user}@{}", Tier2::addr(H)))
        .arg("id -un")
        .output()
        .expect("run ssh");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn authorized_keys_are_added_made_exclusive_and_removed_and_a_real_login_works() {
    let lab = Tier2::lab();
    lab.root_ok(H, "userdel -r usr_kate >/dev/null 2>&1; true");
    let dir = project(&lab);
    let (k1, pub1) = keypair(dir.path(), "k1");
    let (k2, pub2) = keypair(dir.path(), "k2");
    let kate = "    - name: kate\n      user: { name: usr_kate, shell: /bin/sh, password: '$6$usr$notlocked', \
                generate_ssh_key: true, ssh_key_type: ed25519 }\n";
    let run = lab.converge(dir.path(), &[H], &book(kate));
    let made = &run.results("t2-09", "kate")[0]["result"];
    let own = lab.root_ok(
        H,
        "stat -c '%U %a' /home/usr_kate/.ssh/id_ed25519; cat /home/usr_kate/.ssh/id_ed25519.pub",
    );
    assert!(own.starts_with("usr_kate 600\nssh-ed25519 "), "{own}");
    assert_eq!(
        made["ssh_public_key"].as_str().map(|k| format!("{k}\n")),
        own.lines().nth(1).map(|k| format!("{k}\n")),
        "{made}"
    );
    assert_eq!(
        made["ssh_key_file"], "/home/usr_kate/.ssh/id_ed25519",
        "{made}"
    );
    let both = format!(
        r#"    - name: first key
      authorized_key: {{ user: usr_kate, key: "{pub1}" }}
    - name: second key with options
      authorized_key: {{ user: usr_kate, key: "{pub2}", key_options: 'no-port-forwarding,no-agent-forwarding' }}
"#
    );
    let diff = check_only(&lab, dir.path(), &both);
    assert!(
        diff.contains(&format!("no-agent-forwarding {pub2}\n")),
        "{diff}"
    );
    lab.root_ok(H, "! test -e /home/usr_kate/.ssh/authorized_keys");
    lab.converge(dir.path(), &[H], &book(&both));
    let got = lab.root_ok(
        H,
        "cd /home/usr_kate && stat -c '%a %U' .ssh .ssh/authorized_keys && cat .ssh/authorized_keys",
    );
    assert_eq!(
        got,
        format!(
            "700 usr_kate\n600 usr_kate\n{pub1}\nno-port-forwarding,no-agent-forwarding {pub2}\n"
        )
    );
    assert_eq!(login(&lab, "usr_kate", &k1).as_deref(), Some("usr_kate"));
    assert_eq!(login(&lab, "usr_kate", &k2).as_deref(), Some("usr_kate"));

    let exclusive = format!(
        "    - name: only k1\n      authorized_key: {{ user: usr_kate, key: \"{pub1}\", exclusive: true }}\n"
    );
    check_only(&lab, dir.path(), &exclusive);
    lab.root_ok(
        H,
        "grep -q no-port-forwarding /home/usr_kate/.ssh/authorized_keys",
    );
    lab.converge(dir.path(), &[H], &book(&exclusive));
    let got = lab.root_ok(H, "cat /home/usr_kate/.ssh/authorized_keys");
    assert_eq!(got, format!("{pub1}\n"));
    assert_eq!(login(&lab, "usr_kate", &k1).as_deref(), Some("usr_kate"));
    assert_eq!(login(&lab, "usr_kate", &k2), None, "k2 still logs in");

    let absent = format!(
        "    - name: k1 gone\n      authorized_key: {{ user: usr_kate, key: \"{pub1}\", state: absent }}\n"
    );
    lab.converge(dir.path(), &[H], &book(&absent));
    let got = lab.root_ok(H, "cat /home/usr_kate/.ssh/authorized_keys");
    assert_eq!(got, "");
    assert_eq!(login(&lab, "usr_kate", &k1), None, "k1 still logs in");
    lab.root_ok(H, "userdel -r usr_kate");
}

/// A crontab test double: `crontab [-u USER] -l | FILE` over /var/spool/cron/crontabs.
const CRONTAB: &str = r#"#!/bin/sh
u=$(id -un)
if [ "$1" = -u ]; then u=$2; shift 2; fi
getent passwd "$u" >/dev/null || { echo "crontab: user '$u' unknown" >&2; exit 1; }
d=/var/spool/cron/crontabs
case $1 in
  -l) [ -f "$d/$u" ] || { echo "no crontab for $u" >&2; exit 1; }; cat "$d/$u" ;;
  -r) rm -f "$d/$u" ;;
  *) mkdir -p "$d" && cat "$1" > "$d/$u.new" && mv "$d/$u.new" "$d/$u" ;;
esac
"#;

#[test]
fn cron_jobs_in_a_user_crontab_and_in_cron_d() {
    let lab = Tier2::lab();
    lab.publish(&[Deb::new("usr-crontab", "1.0")
        .file("/usr/bin/crontab", CRONTAB, 0o755)
        .file("/etc/cron.d/.placeholder", "", 0o644)]);
    lab.root_ok(
        H,
        "dpkg -r usr-crontab >/dev/null 2>&1; rm -rf /var/spool/cron/crontabs/usr_cron /etc/cron.d/usr_job; \
         userdel -r usr_cron >/dev/null 2>&1; true",
    );
    let dir = project(&lab);
    // Without crontab the module says so plainly.
    common::write(
        dir.path(),
        "site.yml",
        &book("    - cron: { name: x, job: 'true' }\n"),
    );
    let run = lab.play(dir.path(), &[]);
    assert_ne!(run.code, 0);
    assert!(
        run.dump().contains("crontab is not installed"),
        "{}",
        run.dump()
    );
    lab.root_ok(
        H,
        "apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq usr-crontab >/dev/null 2>&1 \
         && test -x /usr/bin/crontab",
    );

    lab.converge(dir.path(), &[H], &book("    - user: { name: usr_cron }\n"));
    let jobs = r#"    - name: backup job
      cron: { name: usr backup, user: usr_cron, minute: "5", hour: "2", job: /usr/local/bin/backup }
    - name: reboot job
      cron: { name: usr reboot, user: usr_cron, special_time: reboot, job: /bin/true }
    - name: disabled job
      cron: { name: usr off, user: usr_cron, weekday: "1", job: /bin/false, disabled: true }
    - name: path
      cron: { name: PATH, env: true, user: usr_cron, job: /usr/bin:/bin }
    - name: mailto after path
      cron: { name: MAILTO, env: true, user: usr_cron, job: ops, insertafter: PATH }
    - name: cron.d job
      cron: { name: usr cronfile, cron_file: usr_job, user: root, minute: "*/10", job: echo hi }
"#;
    // MAILTO goes after PATH, which check mode does not add: checked without it.
    let mailto = "    - name: mailto after path\n      cron: { name: MAILTO, env: true, user: usr_cron, job: ops, insertafter: PATH }\n";
    let diff = check_only(&lab, dir.path(), &jobs.replace(mailto, ""));
    assert!(
        diff.contains("#Ansible: usr backup\n5 2 * * * /usr/local/bin/backup\n"),
        "{diff}"
    );
    lab.root_ok(
        H,
        "! test -e /var/spool/cron/crontabs/usr_cron && ! test -e /etc/cron.d/usr_job",
    );
    lab.converge(dir.path(), &[H], &book(jobs));
    let tab = lab.root_ok(H, "cat /var/spool/cron/crontabs/usr_cron");
    assert_eq!(
        tab,
        "PATH=/usr/bin:/bin\nMAILTO=ops\n#Ansible: usr backup\n5 2 * * * /usr/local/bin/backup\n\
         #Ansible: usr reboot\n@reboot /bin/true\n#Ansible: usr off\n#* * * * 1 /bin/false\n"
    );
    let file = lab.root_ok(H, "cat /etc/cron.d/usr_job");
    assert_eq!(file, "#Ansible: usr cronfile\n*/10 * * * * root echo hi\n");

    let change = r#"    - name: backup moves
      cron: { name: usr backup, user: usr_cron, minute: "15", hour: "3", job: /usr/local/bin/backup }
    - name: reboot gone
      cron: { name: usr reboot, user: usr_cron, state: absent }
    - name: mailto gone
      cron: { name: MAILTO, env: true, user: usr_cron, state: absent }
    - name: cron.d job gone
      cron: { name: usr cronfile, cron_file: usr_job, state: absent }
"#;
    check_only(&lab, dir.path(), change);
    assert_eq!(lab.root_ok(H, "cat /var/spool/cron/crontabs/usr_cron"), tab);
    lab.converge(dir.path(), &[H], &book(change));
    let tab = lab.root_ok(H, "cat /var/spool/cron/crontabs/usr_cron");
    assert_eq!(
        tab,
        "PATH=/usr/bin:/bin\n#Ansible: usr backup\n15 3 * * * /usr/local/bin/backup\n\
         #Ansible: usr off\n#* * * * 1 /bin/false\n"
    );
    lab.root_ok(H, "! test -e /etc/cron.d/usr_job");
    lab.root_ok(
        H,
        "userdel -r usr_cron >/dev/null 2>&1; rm -f /var/spool/cron/crontabs/usr_cron",
    );
}

#[test]
fn fstab_entries_a_mounted_tmpfs_and_a_swap_entry() {
    let lab = Tier2::lab();
    lab.root_ok(
        H,
        "umount /mnt/usr_tmpfs >/dev/null 2>&1; rmdir /mnt/usr_tmpfs >/dev/null 2>&1; \
         sed -i '/usr_tmpfs/d; /usr_swapfile/d' /etc/fstab; \
         grep -q '^# usr-marker' /etc/fstab || printf '# usr-marker: kept\\n' >> /etc/fstab",
    );
    let original = lab.root_ok(H, "cat /etc/fstab");
    let dir = project(&lab);
    let present = r#"    - name: tmpfs
      mount: { path: /mnt/usr_tmpfs, src: tmpfs, fstype: tmpfs, opts: "size=8m,mode=0755", state: mounted }
    - name: swap
      mount: { path: none, src: /usr_swapfile, fstype: swap, opts: sw, state: present }
"#;
    let diff = check_only(&lab, dir.path(), present);
    assert!(diff.contains("/usr_swapfile none swap sw 0 0\n"), "{diff}");
    assert_eq!(lab.root_ok(H, "cat /etc/fstab"), original);
    lab.root_ok(H, "! mountpoint -q /mnt/usr_tmpfs");
    lab.converge(dir.path(), &[H], &book(present));
    let fstab = lab.root_ok(H, "cat /etc/fstab");
    assert_eq!(
        fstab,
        format!("{original}tmpfs /mnt/usr_tmpfs tmpfs size=8m,mode=0755 0 0\n/usr_swapfile none swap sw 0 0\n")
    );
    lab.root_ok(
        H,
        "mountpoint -q /mnt/usr_tmpfs && findmnt -n -o FSTYPE /mnt/usr_tmpfs | grep -qx tmpfs",
    );

    let absent = r#"    - name: tmpfs gone
      mount: { path: /mnt/usr_tmpfs, state: absent }
    - name: swap gone
      mount: { path: none, src: /usr_swapfile, fstype: swap, state: absent }
"#;
    check_only(&lab, dir.path(), absent);
    lab.root_ok(H, "mountpoint -q /mnt/usr_tmpfs");
    lab.converge(dir.path(), &[H], &book(absent));
    assert_eq!(lab.root_ok(H, "cat /etc/fstab"), original);
    lab.root_ok(
        H,
        "! mountpoint -q /mnt/usr_tmpfs && ! test -e /mnt/usr_tmpfs",
    );
}
