//! Unit tests of `apt_repository`'s arguments and program.

use super::*;
use crate::modules::framework::sh_check::{parses, parses_gated};
use crate::modules::framework::spec::check;
use crate::modules::framework::{args, load_check};
use serde_json::Map;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

fn of(v: Value) -> Result<Plan, String> {
    let a: Args = args::parse("apt_repository", &obj(v))?;
    AptRepository::validate(&a)?;
    Plan::new(a)
}

#[test]
fn every_old_argument_name_is_accepted() {
    for n in [
        "state",
        "filename",
        "update_cache",
        "update-cache",
        "update_cache_retries",
        "update_cache_retry_max_delay",
        "mode",
        "validate_certs",
        "install_python_apt",
        "codename",
    ] {
        let m = obj(json!({"repo": "deb http://a b", n: "{{ v }}"}));
        assert!(
            load_check::parse::<Args>("apt_repository", &m).is_ok(),
            "{n}"
        );
    }
}

#[test]
fn repositories_are_checked_and_named() {
    let p = of(json!({"repo": "deb  [trusted=yes] file:/srv/x ./"})).expect("plan");
    assert_eq!(p.file, "/etc/apt/sources.list.d/file_srv_x.list");
    assert_eq!(p.source, "deb [trusted=yes] file:/srv/x ./");
    assert_eq!(p.mode, 0o644);
    let p =
        of(json!({"repo": "deb http://a b", "filename": "mine", "mode": "0600"})).expect("plan");
    assert_eq!(p.file, "/etc/apt/sources.list.d/mine.list");
    assert_eq!(p.mode, 0o600);
    assert!(check::<AptRepository>(json!({"repo": "ppa:x/y"})).is_err());
    assert!(check::<AptRepository>(json!({"repo": "http://a b"})).is_err());
    assert!(check::<AptRepository>(json!({"repo": "deb http://a b", "filename": "../x"})).is_err());
    assert!(check::<AptRepository>(json!({"repo": "deb http://a b", "state": "gone"})).is_err());
    assert!(check::<AptRepository>(json!({"repo": "deb http://a b", "mode": "u+x"})).is_err());
    assert!(
        check::<AptRepository>(json!({"repo": "deb http://a b", "update_cache": "perhaps"}))
            .is_err()
    );
    assert!(check::<AptRepository>(json!({"repo": "deb http://a b", "repos": "x"})).is_err());
    assert!(check::<AptRepository>(json!({"state": "absent"})).is_err());
    assert_eq!(
        check::<AptRepository>(
            json!({"repo": "{{ line }}", "mode": "{{ m }}", "filename": "{{ f }}"})
        ),
        Ok(true)
    );
}

#[test]
fn the_probe_writes_nothing_and_the_apply_uses_the_writer() {
    let p = of(json!({"repo": "deb http://a b"})).expect("plan");
    let probe = probe(&p, true);
    assert!(
        !probe.contains("mv -f") && !probe.contains("apt-get update"),
        "{probe}"
    );
    let apply = apply(&p).expect("apply");
    assert!(apply.contains("apt-get update"), "{apply}");
    assert!(apply.contains("sha256sum"), "the atomic writer: {apply}");
    assert!(parses(&probe));
    assert!(parses_gated(&probe, &apply), "{apply}");
    let quiet = of(json!({"repo": "deb http://a b", "update_cache": false})).expect("plan");
    assert!(!apply_text(&quiet).contains("apt-get update"));
    assert!(parses_gated(
        &super::probe(&quiet, false),
        &apply_text(&quiet)
    ));
}

fn apply_text(p: &Plan) -> String {
    apply(p).expect("apply")
}

/// The probe and apply against a scratch copy of the sources (paths rewritten).
#[test]
fn the_gated_program_edits_and_restores_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    std::fs::create_dir_all(format!("{d}/sources.list.d")).unwrap();
    std::fs::write(
        format!("{d}/sources.list"),
        "#deb  http://a b main\n# keep\n",
    )
    .unwrap();
    let p = of(json!({"repo": "deb http://a b main", "update_cache": false})).expect("plan");
    let fix = |s: String| s.replace("/etc/apt", &d);
    let program = format!(
        "rsible_change=0\n{}\nif [ \"$rsible_change\" = 1 ]; then\n{}\nfi\n",
        fix(probe(&p, false)),
        fix(apply(&p).expect("apply"))
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&program)
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(format!("{d}/sources.list")).unwrap(),
        "deb http://a b main\n# keep\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("@@rsible changed {d}/sources.list\n")),
        "{stdout}"
    );
}
