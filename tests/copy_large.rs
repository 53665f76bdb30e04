//! A 1 GiB file copied with `copy` streams through the controller: its peak memory stays far
//! below the file's size, the destination is byte for byte the source, and a second run
//! changes nothing. Measured with /usr/bin/time (scripts/test.sh installs it).

mod common;

use common::{write, Rsible};
use std::io::{Seek, SeekFrom, Write};

#[test]
fn a_one_gigabyte_copy_streams_without_holding_the_file_in_memory() {
    let time = std::path::Path::new("/usr/bin/time");
    assert!(
        time.is_file(),
        "/usr/bin/time is missing: scripts/test.sh installs it (package time)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("big.bin");
    let dest = dir.path().join("copy.bin");
    {
        // Sparse, with data at both ends so a wrong offset shows.
        let mut f = std::fs::File::create(&src).expect("create");
        f.write_all(b"head").expect("write");
        f.seek(SeekFrom::Start((1 << 30) - 4)).expect("seek");
        f.write_all(b"tail").expect("write");
    }
    write(dir.path(), "hosts", "h1 ansible_connection=local\n");
    write(
        dir.path(),
        "site.yml",
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        src: {}\n        dest: {}\n",
            src.display(),
            dest.display()
        ),
    );
    let run = || {
        let out = Rsible::new(dir.path())
            .via(time, ["-f", "maxrss_kb=%M"])
            .play("site.yml")
            .inventory(std::path::Path::new("hosts"))
            .json()
            .run();
        let kb: u64 = out
            .stderr
            .lines()
            .find_map(|l| l.strip_prefix("maxrss_kb="))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no maxrss in {}", out.stderr));
        (out, kb)
    };
    let (out, kb) = run();
    assert_eq!(out.code, 0);
    assert_eq!(out.stats("h1")["changed"], 1);
    assert!(kb < 100 * 1024, "peak memory {kb} KiB for a 1 GiB copy");
    eprintln!("1 GiB copy: controller peak RSS {kb} KiB");
    let same = std::process::Command::new("cmp")
        .arg("-s")
        .arg(&src)
        .arg(&dest)
        .status()
        .expect("cmp");
    assert!(same.success(), "the copy differs from the source");
    let (out, _) = run();
    assert_eq!(out.code, 0);
    assert_eq!(out.stats("h1")["changed"], 0);
}
