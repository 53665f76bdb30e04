//! Replays every committed fuzz input (fuzz/corpus/TARGET/*: the seeds and every input a fuzz
//! run found crashing, hanging or exhausting memory) through the fuzz targets' own entry points
//! on the stable toolchain, so that plain `cargo test` keeps each fix without nightly or
//! libFuzzer. Knows nothing of how the inputs were found.

#[path = "../fuzz/src/lib.rs"]
mod entry;

use std::path::{Path, PathBuf};

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{} holds almost no corpus", dir.display());
    let mut failures = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("read corpus file");
        // rsible loads inventories and playbooks on its main thread (8 MiB of stack), not on a
        // test thread's 2 MiB.
        let worker = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || run(&data))
            .expect("spawn");
        // Panics only: time is the fuzzer's check (5 s per input, release build). A wall-clock
        // limit here failed on a loaded machine, where a debug build needs 30 s for the
        // alias-bomb seeds that rsible refuses.
        if worker.join().is_err() {
            failures.push(format!("{} panicked", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn inventory_ini_corpus() {
    replay("inventory_ini", entry::inventory_ini);
}

#[test]
fn inventory_yaml_corpus() {
    replay("inventory_yaml", entry::inventory_yaml);
}

#[test]
fn playbook_corpus() {
    replay("playbook", entry::playbook);
}

#[test]
fn template_corpus() {
    replay("template", entry::template);
}

#[test]
fn lookups_are_recognised_so_fuzzing_never_runs_commands() {
    assert!(entry::calls_lookups("{{ lookup('pipe', 'id') }}"));
    assert!(entry::calls_lookups(
        "{% set f = q %}{{ f('file', '/etc') }}"
    ));
    assert!(entry::calls_lookups("{{ query('env','HOME') }}"));
    assert!(!entry::calls_lookups("{{ squeeze | quote }}"));
}
