//! Host key policies against the tier-1 lab's real sshd (hosts t1-101..t1-160): a changed key
//! is refused under every policy spelling but `off`, a revoked key under every policy,
//! `accept-new` records many hosts at once into one file that a concurrent reader never sees
//! torn, keeps the file's permissions, survives two rsible processes at once, and refuses a
//! later change. Tests work on copies of the lab's known_hosts, never on the file itself.

mod common;

use common::run::Run;
use common::{write, Lab, Rsible};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The lab's known_hosts lines for host `i` (one per key type).
fn lab_lines(lab: &Lab, i: usize) -> Vec<String> {
    let text = std::fs::read_to_string(lab.known_hosts()).unwrap();
    let prefix = format!("{} ", Lab::addr(i));
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    assert!(!lines.is_empty(), "the lab's known_hosts has host {i}");
    lines
}

/// An inventory of lab hosts `range`, named `h<i>`, logging in as root.
fn inventory(dir: &Path, name: &str, range: std::ops::RangeInclusive<usize>, lab: &Lab) -> PathBuf {
    let text: String = range
        .map(|i| format!("h{i} ansible_host={} {}\n", Lab::addr(i), lab.root_login()))
        .collect();
    write(dir, name, &text)
}

/// `rsible run all -a true` with `policy` (None: the default) and `kh` as the known_hosts.
fn run(home: &Path, inv: &Path, kh: &Path, policy: Option<&str>) -> (i32, Run) {
    let mut cmd = Rsible::new(home)
        .args(["run", "all", "-a", "true"])
        .json()
        .inventory(inv)
        .known_hosts(kh);
    if let Some(p) = policy {
        cmd = cmd.args(["--host-key-checking", p]);
    }
    let out = cmd.run();
    (out.code, out)
}

#[test]
fn changed_key_is_refused_under_every_policy_spelling_but_off() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    // Host 101's address recorded with host 102's keys (every type): the key it offers changed.
    let forged: String = lab_lines(&lab, 102)
        .iter()
        .map(|l| l.replacen(&Lab::addr(102), &Lab::addr(101), 1) + "\n")
        .collect();
    let kh = write(home.path(), "kh", &format!("# header\n{forged}"));
    let inv = inventory(home.path(), "inv.ini", 101..=101, &lab);
    for policy in ["strict", "yes", "true", "accept-new", "ACCEPT-NEW"] {
        let (code, out) = run(home.path(), &inv, &kh, Some(policy));
        assert_eq!(code, 3, "{policy} must refuse a changed key");
        let msg = out.by_host()["h101"]["msg"].as_str().unwrap().to_string();
        assert!(msg.contains("CHANGED"), "{policy}: {msg}");
        assert_eq!(
            std::fs::read_to_string(&kh).unwrap(),
            format!("# header\n{forged}"),
            "{policy} must leave the file alone"
        );
    }
    // The default (no flag, no config) is strict.
    assert_eq!(run(home.path(), &inv, &kh, None).0, 3);
    for policy in ["off", "no", "false"] {
        assert_eq!(run(home.path(), &inv, &kh, Some(policy)).0, 0, "{policy}");
    }
}

#[test]
fn revoked_key_is_refused_under_every_policy_even_off() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let revoked: String = lab_lines(&lab, 103)
        .iter()
        .map(|l| format!("@revoked {l}\n"))
        .collect();
    let trusted: String = lab_lines(&lab, 103).join("\n") + "\n";
    let kh = write(home.path(), "kh", &format!("{trusted}{revoked}"));
    let inv = inventory(home.path(), "inv.ini", 103..=103, &lab);
    for policy in ["strict", "accept-new", "off"] {
        let (code, out) = run(home.path(), &inv, &kh, Some(policy));
        assert_eq!(code, 3, "{policy} must refuse a revoked key");
        let msg = out.by_host()["h103"]["msg"].as_str().unwrap().to_string();
        assert!(msg.contains("@revoked"), "{policy}: {msg}");
    }
}

/// Checks one snapshot of a known_hosts file being written: whole lines only, each the header
/// or one of `allowed`, none twice. Returns the number of recorded lines.
fn check_snapshot(bytes: &[u8], header: &str, allowed: &HashSet<String>) -> usize {
    let text = String::from_utf8(bytes.to_vec()).expect("known_hosts is UTF-8");
    assert!(
        text.starts_with(header) && text.ends_with('\n'),
        "a reader saw a torn file: {text:?}"
    );
    let mut seen = BTreeSet::new();
    for line in text[header.len()..].lines() {
        assert!(
            allowed.contains(line),
            "a reader saw a partial or foreign line: {line:?}"
        );
        assert!(seen.insert(line.to_string()), "line twice: {line}");
    }
    seen.len()
}

#[test]
fn accept_new_records_forty_hosts_atomically_keeps_the_mode_and_refuses_a_later_change() {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("ssh");
    std::fs::create_dir(&dir).unwrap();
    let header = "# kept\n";
    let kh = write(&dir, "known_hosts", header);
    std::fs::set_permissions(&kh, std::fs::Permissions::from_mode(0o640)).unwrap();
    let allowed: HashSet<String> = (111..=150).flat_map(|i| lab_lines(&lab, i)).collect();
    let inv = inventory(home.path(), "inv.ini", 111..=150, &lab);

    // A reader polls the file for as long as rsible runs.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, kh, allowed) = (stop.clone(), kh.clone(), allowed.clone());
        std::thread::spawn(move || {
            let mut counts = BTreeSet::new();
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let bytes = std::fs::read(&kh).expect("the file never disappears");
                counts.insert(check_snapshot(&bytes, header, &allowed));
                reads += 1;
            }
            (counts, reads)
        })
    };
    let (code, out) = run(home.path(), &inv, &kh, Some("accept-new"));
    stop.store(true, Ordering::Relaxed);
    let (counts, reads) = reader.join().expect("every snapshot was whole");
    assert_eq!(code, 0, "{}", out.stdout);
    assert!(
        counts.len() > 2,
        "the reader saw the file grow ({reads} reads, line counts {counts:?})"
    );

    let text = std::fs::read(&kh).unwrap();
    assert_eq!(check_snapshot(&text, header, &allowed), 40);
    let text = String::from_utf8(text).unwrap();
    for i in 111..=150 {
        let prefix = format!("{} ", Lab::addr(i));
        assert_eq!(
            text.lines().filter(|l| l.starts_with(&prefix)).count(),
            1,
            "host {i} recorded once"
        );
    }
    let mode = std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the file keeps its permissions");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");

    // Strict now accepts the recorded keys (a few hosts suffice: the lines are the lab's).
    let few = inventory(home.path(), "few.ini", 111..=113, &lab);
    assert_eq!(run(home.path(), &few, &kh, Some("strict")).0, 0);

    // Host 111 "reinstalled": its recorded line now holds host 112's key of the same type.
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{} ", Lab::addr(111))))
        .unwrap();
    let key_type = line.split(' ').nth(1).unwrap();
    let other = lab_lines(&lab, 112)
        .into_iter()
        .find(|l| l.split(' ').nth(1) == Some(key_type))
        .unwrap()
        .replacen(&Lab::addr(112), &Lab::addr(111), 1);
    let changed = text.replacen(line, &other, 1);
    std::fs::write(&kh, &changed).unwrap();
    let one = inventory(home.path(), "one.ini", 111..=111, &lab);
    let (code, out) = run(home.path(), &one, &kh, Some("accept-new"));
    assert_eq!(code, 3, "a later change is refused");
    let msg = out.by_host()["h111"]["msg"].as_str().unwrap().to_string();
    assert!(msg.contains("CHANGED"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap(),
        changed,
        "nothing is recorded over a changed key"
    );
}

#[test]
fn two_processes_recording_into_one_file_lose_no_line() {
    let lab = Lab::tier1();
    let home = tempfile::tempdir().unwrap();
    let kh = home.path().join("known_hosts");
    let a = inventory(home.path(), "a.ini", 121..=130, &lab);
    let b = inventory(home.path(), "b.ini", 131..=140, &lab);
    let spawn = |inv: &Path| {
        Rsible::new(home.path())
            .args([
                "run",
                "all",
                "-a",
                "true",
                "--host-key-checking",
                "accept-new",
            ])
            .inventory(inv)
            .known_hosts(&kh)
            .run()
    };
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| spawn(&a));
        let tb = s.spawn(|| spawn(&b));
        (ta.join().unwrap(), tb.join().unwrap())
    });
    assert_eq!(ra.code, 0, "{ra:?}");
    assert_eq!(rb.code, 0, "{rb:?}");
    let allowed: HashSet<String> = (121..=140).flat_map(|i| lab_lines(&lab, i)).collect();
    let text = std::fs::read(&kh).unwrap();
    assert_eq!(
        check_snapshot(&text, "", &allowed),
        20,
        "every host recorded"
    );
}
