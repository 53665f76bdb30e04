//! The gate of the lab suites. Without the `lab` feature (a plain `cargo test` on a laptop)
//! the suites that need real SSH targets and the reference ansible-core are not built, and
//! this test, ignored, says how to get them. With the feature (scripts/test.sh, CI) it fails
//! loudly when the lab or the reference tools are missing, before any suite does.

use std::path::{Path, PathBuf};

#[test]
#[cfg_attr(
    not(feature = "lab"),
    ignore = "the lab suites were not built: run scripts/test.sh as root (it sets up the lab and \
              runs `cargo test --features lab`), or `cargo test --features lab` with the lab up"
)]
fn the_lab_and_the_reference_tools_are_there() {
    let lab = std::env::var_os("RSIBLE_LAB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-state"));
    for tier in ["tier1", "tier2"] {
        let hosts = lab.join(tier).join("hosts.ini");
        assert!(
            hosts.is_file(),
            "{} is missing: run scripts/lab/{tier}.sh up (scripts/test.sh does it)",
            hosts.display()
        );
    }
    let playbook = std::env::var_os("RSIBLE_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible-playbook"));
    assert!(
        playbook.is_file(),
        "ansible-playbook (the compat suites' reference) is missing at {}: scripts/test.sh \
         installs it",
        playbook.display()
    );
}
