//! End-to-end tests of the read-only, transfer and wait modules (`stat`, `slurp`, `fetch`,
//! `find`, `tempfile`, `script`, `wait_for`, `wait_for_connection`, `get_url`, `unarchive`):
//! `rsible play` on a local-connection host against tempdirs, checking target state, the
//! recap and `--check`; a few cases over SSH on tier-1 lab hosts n15..n24.

mod common;

use common::run::recap_stats;
use common::{write, Lab, Rsible};
use serde_json::Value;
use std::path::Path;

/// Runs `rsible play site.yml` in `dir` with `args`; returns (exit code, events).
fn play(dir: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let out = Rsible::new(dir)
        .play("site.yml")
        .inventory(Path::new("hosts"))
        .json()
        .args(args)
        .run();
    eprintln!("stderr: {}", out.stderr);
    for e in &out.events {
        if e["event"] == "host_result" && e["status"] == "failed" {
            eprintln!("failed: {}", e["result"]);
        }
    }
    (out.code, out.events)
}

/// A project dir with a one-host local inventory and `site.yml` = `play`.
fn project(play_text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "hosts", "h1 ansible_connection=local\n");
    write(dir.path(), "site.yml", play_text);
    dir
}

/// `ok=N changed=N failed=N skipped=N` of `host`.
fn recap(events: &[Value], host: &str) -> String {
    let s = recap_stats(events, host);
    format!(
        "ok={} changed={} failed={} skipped={}",
        s["ok"], s["changed"], s["failed"], s["skipped"]
    )
}

/// The `result` of the first host_result of the task named `task`.
fn result_of(events: &[Value], task: &str) -> Value {
    let mut current = "";
    for e in events {
        match e["event"].as_str() {
            Some("task_start") => current = e["name"].as_str().unwrap_or(""),
            Some("host_result") if current == task => return e["result"].clone(),
            _ => {}
        }
    }
    panic!("no result for {task} in {events:#?}")
}

#[test]
fn stat_slurp_find_and_tempfile_report_like_ansible() {
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    std::fs::write(work.path().join("a.txt"), "hello\n").expect("write");
    std::fs::write(work.path().join("big.log"), vec![b'x'; 3000]).expect("write");
    std::fs::write(work.path().join(".hidden.txt"), "h").expect("write");
    std::fs::create_dir(work.path().join("sub dir")).expect("mkdir");
    std::fs::write(work.path().join("sub dir/b.txt"), "needle here\n").expect("write");
    std::os::unix::fs::symlink("a.txt", work.path().join("link")).expect("symlink");
    let dir = project(&format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - stat: {{ path: "{w}/a.txt" }}
      register: a
    - stat: {{ path: "{w}/link", checksum_algorithm: sha256 }}
      register: l
    - stat: {{ path: "{w}/link", follow: true }}
      register: lf
    - stat: {{ path: "{w}/nope" }}
      register: n
    - slurp: {{ src: "{w}/a.txt" }}
      register: s
    - find: {{ paths: "{w}", patterns: "*.txt" }}
      register: f1
    - find: {{ paths: "{w}", recurse: true, contains: needle }}
      register: f2
    - find: {{ paths: "{w}", size: 2k, hidden: true, recurse: true }}
      register: f3
    - find: {{ paths: ["{w}/missing"] }}
      register: f4
    - tempfile: {{ state: directory, suffix: .d, path: "{w}" }}
      register: t
    - assert:
        that:
          - a.stat.exists and a.stat.isreg and not a.stat.islnk
          - a.stat.mode == "0644" or a.stat.mode == "0664"
          - a.stat.size == 6
          - a.stat.checksum == "f572d396fae9206628714fb2ce00f72e94f2258f"
          - l.stat.islnk and l.stat.lnk_target == "a.txt" and l.stat.checksum is not defined
          - lf.stat.isreg and lf.stat.checksum == "f572d396fae9206628714fb2ce00f72e94f2258f"
          - not n.stat.exists
          - s.content == "aGVsbG8K" and s.encoding == "base64"
          - f1.matched == 1 and f1.files[0].path == "{w}/a.txt"
          - f2.matched == 1 and f2.files[0].path == "{w}/sub dir/b.txt"
          - f3.files | map(attribute='path') | list == ["{w}/big.log"]
          - f4.matched == 0 and f4.skipped_paths | length == 1
          - t.path.startswith("{w}/ansible.") and t.path.endswith(".d") and (ansible_check_mode or t.mode == "0700")
          - t is changed and a is not changed
"#
    ));
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0, "{ev:#?}");
    assert_eq!(recap(&ev, "h1"), "ok=11 changed=1 failed=0 skipped=0");
    let dirs: Vec<_> = std::fs::read_dir(work.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".d"))
        .collect();
    assert_eq!(dirs.len(), 1);
    let (code, ev) = play(dir.path(), &["--check"]);
    assert_eq!(code, 0, "{ev:#?}");
    let after = std::fs::read_dir(work.path()).expect("ls").count();
    assert_eq!(after, 6, "check mode created nothing");
}

#[test]
fn fetch_copies_once_and_check_mode_writes_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    std::fs::write(work.path().join("remote.txt"), "payload\n").expect("write");
    let dir = project(&format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - fetch: {{ src: "{w}/remote.txt", dest: out }}
    - fetch: {{ src: "{w}/remote.txt", dest: flat/, flat: true }}
    - fetch: {{ src: "{w}/absent", dest: out, fail_on_missing: false }}
"#
    ));
    let (code, ev) = play(dir.path(), &["--check"]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=3 changed=2 failed=0 skipped=0");
    assert!(!dir.path().join("out").exists());
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=3 changed=2 failed=0 skipped=0");
    let nested = dir
        .path()
        .join("out/h1")
        .join(w.trim_start_matches('/'))
        .join("remote.txt");
    assert_eq!(
        std::fs::read_to_string(nested).expect("fetched"),
        "payload\n"
    );
    let flat = dir.path().join("flat/remote.txt");
    assert_eq!(std::fs::read_to_string(flat).expect("flat"), "payload\n");
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=3 changed=0 failed=0 skipped=0");
}

#[test]
fn script_runs_a_local_file_with_arguments_creates_and_chdir() {
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    let dir = project(&format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: run
      script: mk.sh "two words" three
      args:
        creates: "{w}/made"
        chdir: "{w}"
      register: r
"#
    ));
    std::fs::create_dir(dir.path().join("files")).expect("mkdir");
    write(
        &dir.path().join("files"),
        "mk.sh",
        "#!/bin/sh\nread -r x || true\nprintf '%s|' \"$@\" > made\npwd >> made\necho done; echo oops >&2\n",
    );
    let (code, ev) = play(dir.path(), &["--check"]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=0 changed=0 failed=0 skipped=1");
    assert!(!work.path().join("made").exists());
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=1 changed=1 failed=0 skipped=0");
    let r = result_of(&ev, "run");
    assert_eq!(r["stdout"], "done\n");
    assert_eq!(r["stderr"], "oops\n");
    assert_eq!(
        std::fs::read_to_string(work.path().join("made")).expect("made"),
        format!("two words|three|{w}\n")
    );
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=0 changed=0 failed=0 skipped=1");
}

#[test]
fn wait_for_paths_ports_and_timeouts() {
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    std::fs::write(work.path().join("log"), "starting\nready now\n").expect("write");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = project(&format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - wait_for: {{ path: "{w}/log", search_regex: "ready", timeout: 5 }}
    - wait_for: {{ path: "{w}/gone", state: absent, timeout: 5 }}
    - wait_for: {{ port: {port}, timeout: 5 }}
    - wait_for_connection: {{ timeout: 5 }}
    - name: times out
      wait_for: {{ path: "{w}/never", timeout: 1, msg: "no file" }}
      ignore_errors: true
"#
    ));
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0, "{ev:#?}");
    assert_eq!(recap(&ev, "h1"), "ok=5 changed=0 failed=0 skipped=0");
    assert_eq!(result_of(&ev, "times out")["msg"], "no file");
    drop(listener);
}

#[test]
fn over_ssh_stat_fetch_and_script_work_on_lab_hosts() {
    let lab = Lab::tier1();
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    std::fs::write(work.path().join("remote.txt"), "over ssh\n").expect("write");
    let dir = project(&format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - stat: {{ path: "{w}/remote.txt" }}
      register: st
    - assert: {{ that: ["st.stat.size == 9", "st.stat.pw_name == 'root'"] }}
    - fetch: {{ src: "{w}/remote.txt", dest: out }}
    - script: hi.sh {{{{ inventory_hostname }}}}
      args: {{ chdir: "{w}" }}
      register: sc
    - assert: {{ that: ["sc.stdout == inventory_hostname + '\n'"] }}
    - wait_for: {{ host: "{{{{ ansible_host }}}}", port: 22, timeout: 5 }}
    - unarchive: {{ src: t.tgz, dest: "{w}/u-{{{{ inventory_hostname }}}}" }}
"#
    ));
    write(dir.path(), "hi.sh", "echo \"$1\"\n");
    make_archive(dir.path(), "t.tgz", &["tar", "-czf"]);
    for h in ["n15", "n16"] {
        std::fs::create_dir(work.path().join(format!("u-{h}"))).expect("mkdir");
    }
    let mut inv = String::new();
    for i in [15, 16] {
        inv.push_str(&format!(
            "n{i} ansible_host={} {}\n",
            Lab::addr(i),
            lab.root_login()
        ));
    }
    write(dir.path(), "hosts", &inv);
    let known = lab.known_hosts().display().to_string();
    let (code, ev) = play(dir.path(), &["--known-hosts", &known]);
    assert_eq!(code, 0, "{ev:#?}");
    for h in ["n15", "n16"] {
        assert_eq!(recap(&ev, h), "ok=7 changed=3 failed=0 skipped=0");
        let b = work.path().join(format!("u-{h}/sub/b.txt"));
        assert_eq!(std::fs::read_to_string(b).expect("unpacked"), "B\n");
        let got = dir
            .path()
            .join("out")
            .join(h)
            .join(w.trim_start_matches('/'))
            .join("remote.txt");
        assert_eq!(std::fs::read_to_string(got).expect("fetched"), "over ssh\n");
    }
    let (code, ev) = play(dir.path(), &["--known-hosts", &known]);
    assert_eq!(code, 0, "{ev:#?}");
    for h in ["n15", "n16"] {
        assert_eq!(
            recap(&ev, h),
            "ok=7 changed=1 failed=0 skipped=0",
            "only script"
        );
    }
}

/// A `python3 -m http.server` on 127.0.0.1 serving `dir`; killed on drop.
struct Http {
    child: std::process::Child,
    port: u16,
}

impl Http {
    fn serve(dir: &Path) -> Http {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 http.server");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Http { child, port }
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn get_url_downloads_once_checks_checksums_and_honours_check_mode() {
    let served = tempfile::tempdir().expect("tempdir");
    std::fs::write(served.path().join("f.txt"), "served\n").expect("write");
    let http = Http::serve(served.path());
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    let base = format!("http://127.0.0.1:{}", http.port);
    // sha256 of "served\n"
    let sum = "sha256:6bb5a4cbe5e2bf4a4b6bbf5ad9a14bb1e6a3c8e4a3fb0b8c5c5f1a1ba0c0ea3c";
    let real = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(b"served\n");
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let dir = project(&format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: file
      get_url: {{ url: "{base}/f.txt", dest: "{w}/out.txt", mode: "0640", headers: {{ X-Test: yes }} }}
      register: g
    - get_url: {{ url: "{base}/f.txt", dest: "{w}", checksum: "sha256:{real}" }}
    - name: bad sum
      get_url: {{ url: "{base}/f.txt", dest: "{w}/bad.txt", checksum: "{sum}" }}
      ignore_errors: true
    - name: missing
      get_url: {{ url: "{base}/nope", dest: "{w}/nope.txt" }}
      ignore_errors: true
"#
    ));
    let (code, ev) = play(dir.path(), &["--check"]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_dir(work.path()).expect("ls").count(), 0);
    let (code, ev2) = play(dir.path(), &[]);
    assert_eq!(code, 0, "{ev:#?}");
    assert_eq!(recap(&ev2, "h1"), "ok=4 changed=2 failed=0 skipped=0");
    let r = result_of(&ev2, "file");
    assert_eq!(r["status_code"], 200);
    assert_eq!(r["mode"], "0640");
    assert_eq!(
        result_of(&ev2, "missing")["msg"],
        "Request failed: HTTP Error 404"
    );
    assert!(result_of(&ev2, "bad sum")["msg"]
        .as_str()
        .is_some_and(|m| m.contains("did not match")));
    assert_eq!(
        std::fs::read_to_string(work.path().join("f.txt")).expect("dir form"),
        "served\n"
    );
    let mut left: Vec<String> = std::fs::read_dir(work.path())
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["f.txt", "out.txt"], "no temp files left behind");
    let (code, ev3) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev3, "h1"), "ok=4 changed=0 failed=0 skipped=0");
}

/// Builds `name` in `dir` from a tree holding `a.txt` and `sub/b.txt`, with `tool args`.
fn make_archive(dir: &Path, name: &str, tool: &[&str]) {
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("sub")).expect("mkdir");
    std::fs::write(tree.join("a.txt"), "A\n").expect("write");
    std::fs::write(tree.join("sub/b.txt"), "B\n").expect("write");
    let ok = std::process::Command::new(tool[0])
        .args(&tool[1..])
        .arg(dir.join(name))
        .args(["a.txt", "sub"])
        .current_dir(&tree)
        .status()
        .expect("archiver")
        .success();
    assert!(ok, "building {name}");
}

#[test]
fn unarchive_unpacks_local_and_remote_archives_idempotently() {
    let dir = project("");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).expect("mkdir");
    make_archive(&files, "t.tar.gz", &["tar", "-czf"]);
    make_archive(&files, "t.zip", &["zip", "-qr"]);
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path().display().to_string();
    for d in ["gz", "zip", "remote"] {
        std::fs::create_dir(work.path().join(d)).expect("mkdir");
    }
    make_archive(work.path(), "r.tar.xz", &["tar", "-cJf"]);
    write(
        dir.path(),
        "site.yml",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - unarchive: {{ src: t.tar.gz, dest: "{w}/gz" }}
    - name: zip
      unarchive: {{ src: t.zip, dest: "{w}/zip", list_files: true }}
      register: z
    - unarchive: {{ src: "{w}/r.tar.xz", dest: "{w}/remote", remote_src: true }}
    - unarchive: {{ src: t.tar.gz, dest: "{w}/gz", creates: "{w}/gz/a.txt" }}
    - name: no dest
      unarchive: {{ src: t.tar.gz, dest: "{w}/absent" }}
      ignore_errors: true
"#
        ),
    );
    let (code, ev) = play(dir.path(), &["--check"]);
    assert_eq!(code, 0, "{ev:#?}");
    assert_eq!(recap(&ev, "h1"), "ok=5 changed=4 failed=0 skipped=0");
    assert!(!work.path().join("gz/a.txt").exists());
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=4 changed=3 failed=0 skipped=1");
    for d in ["gz", "zip", "remote"] {
        let b = std::fs::read_to_string(work.path().join(d).join("sub/b.txt")).expect("b");
        assert_eq!(b, "B\n", "{d}");
        let names: Vec<_> = std::fs::read_dir(work.path().join(d))
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "no scratch left in {d}: {names:?}");
    }
    let z = result_of(&ev, "zip");
    assert_eq!(z["handler"], "ZipArchive");
    assert!(z["files"]
        .as_array()
        .is_some_and(|f| f.contains(&"sub/b.txt".into())));
    assert!(result_of(&ev, "no dest")["msg"]
        .as_str()
        .is_some_and(|m| m.contains("must be an existing dir")));
    let (code, ev) = play(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(recap(&ev, "h1"), "ok=4 changed=0 failed=0 skipped=1");
    std::fs::write(work.path().join("zip/a.txt"), "edited\n").expect("edit");
    let (_, ev) = play(dir.path(), &[]);
    assert_eq!(recap(&ev, "h1"), "ok=4 changed=1 failed=0 skipped=1");
    assert_eq!(
        std::fs::read_to_string(work.path().join("zip/a.txt")).expect("a"),
        "A\n"
    );
}
