//! A full disk on the target during `copy` and `template`, on tier-1 lab host t1-28 (a small
//! tmpfs mounted in the mount namespace of the host's sshd is the target's disk; this machine
//! reads it through /proc/PID/root):
//! the new content is larger than the space left, so the write fails; the task must fail with
//! "No space left on device" and the destination's name, the old files stay intact, and no temp
//! file is left. The tmpfs is unmounted by a guard, even when an assertion fails. Fails loudly
//! when the lab is missing.

mod common;

use common::fault::{play_json, Running, SmallFs};
use common::{write, Lab};
use std::time::Duration;

#[test]
fn a_full_disk_fails_copy_and_template_and_keeps_the_old_files() {
    let lab = Lab::tier1();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let fs = SmallFs::mount("2m", &lab.dir.join("hosts/28/sshd.pid"));
    let (dest, page) = (fs.path.join("dest.bin"), fs.path.join("page.txt"));
    let (dest_here, page_here) = (fs.local("dest.bin"), fs.local("page.txt"));
    let old_bin = vec![b'o'; 100 << 10];
    let old_page = b"old page\n".to_vec();
    std::fs::write(&dest_here, &old_bin).unwrap();
    std::fs::write(&page_here, &old_page).unwrap();
    // Fill the rest but about 300 KiB; the new contents are 1 MiB each.
    std::fs::write(fs.local("filler"), vec![0u8; 1600 << 10]).unwrap();
    std::fs::write(dir.join("new.bin"), vec![b'n'; 1 << 20]).unwrap();
    write(
        dir,
        "page.j2",
        "{% for i in range(20000) %}line {{ i }} of a page too large for the disk\n{% endfor %}",
    );
    write(
        dir,
        "hosts",
        &format!(
            "[t]\nt28 ansible_host={}\n[t:vars]\n{}\nansible_timeout=3\n",
            Lab::addr(28),
            lab.root_login().replace(" ", "\n")
        ),
    );
    write(
        dir,
        "site.yml",
        &format!(
            "- hosts: t\n  gather_facts: false\n  tasks:\n\
             \x20   - copy: {{src: new.bin, dest: '{}'}}\n      ignore_errors: true\n\
             \x20   - template: {{src: page.j2, dest: '{}'}}\n",
            dest.display(),
            page.display()
        ),
    );
    let cmd = play_json(dir, &lab.known_hosts());
    let out = Running::start(cmd, Duration::from_secs(30)).finish();
    let r = out.results("t28");
    assert_eq!(r.len(), 2, "{}", out.dump());
    for ((_, res), path) in r.iter().zip([&dest, &page]) {
        assert_eq!(res["status"], "failed", "{}", out.dump());
        let msg = res["result"]["msg"].as_str().unwrap_or_default();
        assert!(
            msg.contains("No space left on device") && msg.contains(&*path.to_string_lossy()),
            "the message says the disk is full and names {}: {msg}",
            path.display()
        );
        eprintln!("full disk: {msg}");
    }
    assert_eq!(
        std::fs::read(&dest_here).unwrap(),
        old_bin,
        "copy's old file"
    );
    assert_eq!(
        std::fs::read(&page_here).unwrap(),
        old_page,
        "template's old file"
    );
    let mut left: Vec<String> = std::fs::read_dir(fs.local(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["dest.bin", "filler", "page.txt"],
        "no temp file left"
    );
    assert_eq!(out.count("t28", "ignored"), 1, "{}", out.dump());
    assert_eq!(out.count("t28", "failed"), 1, "{}", out.dump());
    assert_eq!(out.code, 2, "a host failed: {}", out.dump());
    eprintln!("full-disk run took {:.2}s", out.wall.as_secs_f64());
}
