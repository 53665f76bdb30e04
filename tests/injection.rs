//! Injection property tests: generated hostile strings (quotes, `$()`, backticks, `;`, `&&`,
//! newlines, globs, `~`, leading dashes, spaces, unicode, and `touch CANARY` commands) travel
//! every channel a playbook has to a target, through extra vars (`-e @file`) and `set_fact`:
//! argv (`argv:` and the free form with `| quote`, `shell` with `| quote`), file paths (`copy`,
//! `template`, `lineinfile`, `file`, in a directory whose own name is hostile) and file
//! contents (`copy content:` with NUL bytes, `copy src:` with arbitrary bytes, `template`,
//! `lineinfile line:`). Every value must arrive byte for byte (argv echoed to files with
//! `printf '%s\0'`, files read back), nothing else may appear, and the canary that an
//! injected `touch` would create must never exist. A NUL byte where a shell command would
//! carry it must be refused with a clear error, never cut short. Two `command` tasks turn off
//! `expand_argument_vars` (Ansible's `$VAR`/`~` expansion of each word on the target) to check
//! byte-for-byte arrival; a third keeps the default expansion, where a value naming `$VAR` or
//! starting with `~` may rightly arrive expanded but must never run anything.
//!
//! One playbook run per batch of cases: 64 cases on the local connection, 32 over SSH to the
//! tier-1 lab host t1-81 (which shares this machine's filesystem). Knows nothing of where or
//! how rsible quotes.

mod common;

use common::{write, Lab, Rsible};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One generated case: a value for argv, paths and lines, the content for files (the value
/// with NUL bytes mixed in) and raw bytes for `copy src:`.
#[derive(Debug, Clone)]
struct Case {
    value: String,
    content: String,
    bytes: Vec<u8>,
}

/// Words and characters that mean something to a shell (or a terminal).
const SPECIALS: &[&str] = &[
    "'",
    "\"",
    "$(",
    ")",
    "`",
    ";",
    "&&",
    "||",
    "|",
    "\n",
    "*",
    "?",
    "[a]",
    "~",
    "~root",
    "-",
    "--",
    "-n",
    " ",
    "  ",
    "\\",
    "$HOME",
    "${IFS}",
    "#",
    "!",
    ">",
    "<",
    "&",
    "\t",
    "%s",
    "%",
    "é",
    "☃",
    "\r",
    "{",
    "}",
    "=",
    ",",
    "$'\\n'",
    "\u{1b}[31m",
    "\u{202e}",
];

/// Pieces that mean something to a shell, plus any character but NUL.
fn hostile(canary: &str) -> impl Strategy<Value = String> {
    let touch = format!("touch {canary}");
    let piece = prop_oneof![
        4 => any::<char>().prop_filter("NUL is tested apart", |c| *c != '\0').prop_map(String::from),
        4 => prop::sample::select(SPECIALS).prop_map(String::from),
        1 => Just(format!("$({touch})")),
        1 => Just(format!("`{touch}`")),
        1 => Just(format!(";{touch};")),
        1 => Just(format!("';{touch};'")),
        1 => Just(format!("\" && {touch} && \"")),
        1 => Just(format!("\n{touch}\n")),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|v| no_jinja(&v.concat()))
}

/// Breaks up `{{`, `{%` and `{#`: a variable holding Jinja markup is rendered, as in Ansible.
fn no_jinja(s: &str) -> String {
    let mut s = s.to_string();
    while s.contains("{{") || s.contains("{%") || s.contains("{#") {
        s = s
            .replace("{{", "{ {")
            .replace("{%", "{ %")
            .replace("{#", "{ #");
    }
    s
}

fn case(canary: &str) -> impl Strategy<Value = Case> {
    (
        hostile(canary),
        prop::collection::vec(0usize..4, 0..3),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(value, nuls, bytes)| {
            let mut content = value.clone();
            for n in nuls {
                let at = content
                    .char_indices()
                    .nth(n)
                    .map_or(content.len(), |(i, _)| i);
                content.insert(at, '\0');
            }
            Case {
                value,
                content,
                bytes,
            }
        })
}

fn generate(canary: &str, n: usize) -> Vec<Case> {
    let mut runner = TestRunner::default();
    let strategy = case(canary);
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate a case")
                .current()
        })
        .collect()
}

/// A YAML double-quoted scalar holding exactly `s`: everything but printable ASCII escaped,
/// so that no character is read as YAML syntax or rejected as unprintable.
fn yaml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A file name made from `value`: `/` would make directories and names are at most 255
/// bytes; the index keeps names apart. Newlines stay: they are refused, tested apart.
fn file_name(i: usize, value: &str) -> String {
    let mut name = format!("{i}-");
    for c in value.chars() {
        if name.len() + c.len_utf8() > 120 {
            break;
        }
        name.push(match c {
            '/' => '_',
            '\n' | '\r' => ' ',
            c => c,
        });
    }
    name
}

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: the cases go through set_fact
      set_fact:
        cases: "{{ input }}"
    - name: argv
      command:
        argv: ["{{ helper }}", "{{ out }}/argv-{{ item.i }}", "{{ item.value }}", "-{{ item.value }}"]
        expand_argument_vars: false
      loop: "{{ cases }}"
    - name: free form quoted
      command: "{{ helper | quote }} {{ (out ~ '/free-' ~ item.i) | quote }} {{ item.value | quote }}"
      args:
        expand_argument_vars: false
      loop: "{{ cases }}"
    - name: argv with the default expansion of $VARS and ~
      command:
        argv: ["{{ helper }}", "{{ out }}/expanded-{{ item.i }}", "{{ item.value }}"]
      loop: "{{ cases }}"
    - name: shell quoted
      shell: "printf '%s\\0' {{ item.value | quote }} > {{ (out ~ '/shell-' ~ item.i) | quote }}"
      loop: "{{ cases }}"
    - name: copy content
      copy:
        content: "{{ item.content }}"
        dest: "{{ out }}/{{ item.name }}.copy"
      loop: "{{ cases }}"
    - name: copy bytes
      copy:
        src: "{{ bytes_dir }}/{{ item.i }}"
        dest: "{{ out }}/bytes-{{ item.i }}"
      loop: "{{ cases }}"
    - name: template
      template:
        src: "{{ tpl }}"
        dest: "{{ out }}/{{ item.name }}.tpl"
      loop: "{{ cases }}"
    - name: lineinfile
      lineinfile:
        path: "{{ out }}/{{ item.name }}.line"
        line: "{{ item.value }}"
        create: true
      loop: "{{ cases }}"
    - name: file
      file:
        path: "{{ out }}/{{ item.name }}.touched"
        state: touch
      loop: "{{ cases }}"
"#;

/// The scratch project of one batch.
struct Batch {
    dir: tempfile::TempDir,
    out: PathBuf,
    canary: PathBuf,
}

impl Batch {
    fn new() -> Batch {
        let dir = tempfile::tempdir().expect("tempdir");
        let canary = dir.path().join("canary");
        // The output directory's own name is hostile too.
        let out = dir.path().join("o ut'$(touch canary)`x`;*");
        std::fs::create_dir(&out).expect("mkdir out");
        Batch { dir, out, canary }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the helper, the template, the byte files and the extra-vars file.
    fn prepare(&self, cases: &[Case]) {
        let helper = write(
            self.path(),
            "echo-argv",
            "#!/bin/sh\nout=$1; shift\nprintf '%s\\0' \"$@\" > \"$out\"\n",
        );
        set_mode(&helper, 0o755);
        write(self.path(), "t.j2", "{{ item.content }}");
        let bytes_dir = self.path().join("bytes");
        std::fs::create_dir(&bytes_dir).expect("mkdir bytes");
        let mut vars = format!(
            "helper: {}\nout: {}\ntpl: {}\nbytes_dir: {}\ninput:\n",
            yaml_str(&helper.to_string_lossy()),
            yaml_str(&self.out.to_string_lossy()),
            yaml_str(&self.path().join("t.j2").to_string_lossy()),
            yaml_str(&bytes_dir.to_string_lossy()),
        );
        for (i, c) in cases.iter().enumerate() {
            std::fs::write(bytes_dir.join(i.to_string()), &c.bytes).expect("write bytes");
            vars.push_str(&format!(
                "  - {{i: {i}, value: {}, content: {}, name: {}}}\n",
                yaml_str(&c.value),
                yaml_str(&c.content),
                yaml_str(&file_name(i, &c.value)),
            ));
        }
        write(self.path(), "vars.yml", &vars);
        write(self.path(), "site.yml", PLAYBOOK);
    }

    /// Runs the playbook; returns the JSON events, failing loudly on a non-zero exit.
    fn play(&self, extra: &[&str]) -> Vec<Value> {
        let out = Rsible::new(self.path())
            .play("site.yml")
            .inventory(Path::new("hosts"))
            .json()
            .args(["-e", "@vars.yml"])
            .args(extra)
            .run();
        let events = out.events;
        let failed: Vec<&Value> = events
            .iter()
            .filter(|e| {
                e["event"] == "host_result"
                    && (e["status"] == "failed" || e["status"] == "unreachable")
                    && e["ignored"] != true
            })
            .collect();
        assert!(
            out.code == 0 && failed.is_empty(),
            "rsible failed (exit {:?}): {failed:#?}\nstderr: {}",
            out.code,
            out.stderr
        );
        events
    }

    /// Compares every file that arrived with what was sent, and that nothing else did.
    fn check(&self, cases: &[Case]) {
        let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let v = c.value.as_bytes();
            let name = file_name(i, &c.value);
            let dashed = format!("-{}", c.value);
            expected.push((format!("argv-{i}"), nul_after(&[v, dashed.as_bytes()])));
            expected.push((format!("free-{i}"), nul_after(&[v])));
            // With expansion on, a value naming `$VAR` or starting with `~` may arrive
            // expanded (as in Ansible); every other value arrives byte for byte.
            let expands = c.value.contains('$') || c.value.starts_with('~');
            expected.push((
                format!("expanded-{i}"),
                if expands { Vec::new() } else { nul_after(&[v]) },
            ));
            expected.push((format!("shell-{i}"), nul_after(&[v])));
            expected.push((format!("{name}.copy"), c.content.as_bytes().to_vec()));
            expected.push((format!("bytes-{i}"), c.bytes.clone()));
            expected.push((format!("{name}.tpl"), c.content.as_bytes().to_vec()));
            expected.push((
                format!("{name}.line"),
                format!("{}\n", c.value).into_bytes(),
            ));
            expected.push((format!("{name}.touched"), Vec::new()));
        }
        let mut problems = Vec::new();
        for (name, want) in &expected {
            match std::fs::read(self.out.join(name)) {
                Ok(got) if &got == want => {}
                // An expanded value: it must have arrived, whatever it expanded to.
                Ok(_) if name.starts_with("expanded-") && want.is_empty() => {}
                Ok(got) => problems.push(format!(
                    "{name:?}: wrote {:?}, read back {:?}",
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&got)
                )),
                Err(e) => problems.push(format!("{name:?}: {e}")),
            }
        }
        let mut extra: Vec<String> = std::fs::read_dir(&self.out)
            .expect("read out")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| !expected.iter().any(|(e, _)| e == n))
            .collect();
        extra.sort();
        assert!(
            problems.is_empty() && extra.is_empty(),
            "{} of {} files differ:\n{}\nunexpected files: {extra:?}",
            problems.len(),
            expected.len(),
            problems.join("\n")
        );
        assert!(
            !self.canary.exists(),
            "an injected command ran: {} exists",
            self.canary.display()
        );
    }
}

/// What `printf '%s\0' ARGS...` writes.
fn nul_after(args: &[&[u8]]) -> Vec<u8> {
    args.iter()
        .flat_map(|a| a.iter().copied().chain([0]))
        .collect()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn hostile_values_arrive_literally_over_the_local_connection() {
    for _ in 0..2 {
        let b = Batch::new();
        let cases = generate(&b.canary.to_string_lossy(), 32);
        b.prepare(&cases);
        write(b.path(), "hosts", "target ansible_connection=local\n");
        b.play(&[]);
        b.check(&cases);
    }
}

#[test]
fn hostile_values_arrive_literally_over_ssh() {
    let lab = Lab::tier1();
    let b = Batch::new();
    let cases = generate(&b.canary.to_string_lossy(), 32);
    b.prepare(&cases);
    write(
        b.path(),
        "hosts",
        &format!(
            "t1-81 ansible_host={} {}\n",
            Lab::addr(81),
            lab.root_login()
        ),
    );
    let known_hosts = lab.known_hosts();
    b.play(&["--known-hosts", &known_hosts.to_string_lossy()]);
    b.check(&cases);
}

const NUL_PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - set_fact:
        via_fact: "{{ nul }}"
    - name: argv
      command:
        argv: ["{{ helper }}", "{{ out }}/argv", "{{ nul }}"]
      ignore_errors: true
    - name: argv through set_fact
      command:
        argv: ["{{ helper }}", "{{ out }}/fact", "{{ via_fact }}"]
      ignore_errors: true
    - name: free form
      command: "{{ helper | quote }} {{ (out ~ '/free') | quote }} {{ nul | quote }}"
      ignore_errors: true
    - name: shell
      shell: "printf '%s\\0' {{ nul | quote }} > {{ (out ~ '/shell') | quote }}"
      ignore_errors: true
    - name: copy dest
      copy:
        content: "x"
        dest: "{{ out }}/{{ nul }}"
      ignore_errors: true
    - name: template dest
      template:
        src: "{{ tpl }}"
        dest: "{{ out }}/{{ nul }}"
      ignore_errors: true
    - name: lineinfile path
      lineinfile:
        path: "{{ out }}/{{ nul }}"
        line: "x"
        create: true
      ignore_errors: true
    - name: file path
      file:
        path: "{{ out }}/{{ nul }}"
        state: touch
      ignore_errors: true
"#;

#[test]
fn a_nul_byte_in_an_argument_or_path_is_refused_with_a_clear_error() {
    let b = Batch::new();
    b.prepare(&[]);
    write(b.path(), "site.yml", NUL_PLAYBOOK);
    write(b.path(), "t.j2", "x");
    write(b.path(), "hosts", "target ansible_connection=local\n");
    // "a" is what a NUL would leave of the value if it were cut short.
    let vars = std::fs::read_to_string(b.path().join("vars.yml")).expect("vars");
    write(
        b.path(),
        "vars.yml",
        &format!("{vars}nul: \"a\\x00;touch canary\"\n"),
    );
    let events = b.play(&[]);
    let mut task = String::new();
    let mut refused = Vec::new();
    for e in &events {
        match e["event"].as_str() {
            Some("task_start") => task = e["name"].as_str().unwrap_or_default().to_string(),
            Some("host_result") if e["status"] == "failed" && e["ignored"] == true => {
                let msg = e["result"]["msg"].as_str().unwrap_or_default();
                assert!(
                    msg.contains("NUL byte"),
                    "task {task:?}: unclear error {msg:?}"
                );
                refused.push(task.clone());
            }
            Some("host_result") if !task.is_empty() && task != "set_fact" => {
                panic!("task {task:?} was not refused: {e}")
            }
            _ => {}
        }
    }
    assert_eq!(refused.len(), 8, "refused: {refused:?}");
    let left: Vec<_> = std::fs::read_dir(&b.out).expect("out").collect();
    assert!(left.is_empty(), "files appeared: {left:?}");
    assert!(!b.canary.exists(), "an injected command ran");
}
