//! The state a playbook left behind, per side: each target's probe output by inventory name,
//! and the controller files the side's delegated tasks wrote (named `<label>-...`, compared
//! without the label). Knows nothing of the tools.

use crate::lab::{Lab, NAMES};
use std::collections::BTreeMap;
use std::path::Path;

/// Probe output per inventory host name, then controller file contents per name.
pub type State = (BTreeMap<String, String>, BTreeMap<String, String>);

/// Probes `addrs` (in `NAMES` order) with tests/compat/probe.sh and reads `label`'s files
/// in `out_dir`.
pub fn collect(lab: &Lab, addrs: &[String], label: &str, out_dir: &Path) -> State {
    let probe = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/probe.sh");
    let hosts = NAMES
        .iter()
        .map(|n| n.to_string())
        .zip(lab.run_script(addrs, &probe))
        .collect();
    let prefix = format!("{label}-");
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(out_dir)
        .expect("read the controller dir")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix(&prefix) {
            let text = std::fs::read_to_string(e.path()).unwrap_or_else(|e| format!("({e})"));
            files.insert(rest.to_string(), text);
        }
    }
    (hosts, files)
}

/// Describes every difference between two states, labelled `a` and `b`; empty when equal.
pub fn differences(a: (&str, &State), b: (&str, &State)) -> Vec<String> {
    let mut out = Vec::new();
    for (what, ma, mb) in [
        ("target", &a.1 .0, &b.1 .0),
        ("controller file", &a.1 .1, &b.1 .1),
    ] {
        let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
        for k in keys {
            let (va, vb) = (ma.get(k), mb.get(k));
            if va != vb {
                let show = |v: Option<&String>| v.map_or("(missing)".to_string(), |s| s.clone());
                out.push(format!(
                    "{what} {k} differs\n--- {}:\n{}\n--- {}:\n{}",
                    a.0,
                    show(va),
                    b.0,
                    show(vb)
                ));
            }
        }
    }
    out
}
