//! Unit tests of `deb822_repository`'s arguments, text and program.

use super::script::{apply, probe};
use super::text::slug;
use super::*;
use crate::modules::framework::args;
use crate::modules::framework::sh_check::{parses, parses_gated};
use crate::modules::framework::spec::check;
use serde_json::Map;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

fn of(v: Value) -> Result<Plan, String> {
    let a: Args = args::parse("deb822_repository", &obj(v))?;
    Deb822Repository::validate(&a)?;
    Plan::new(a)
}

#[test]
fn every_old_argument_name_is_accepted_and_checked() {
    for n in [
        "allow_downgrade_to_insecure",
        "allow_insecure",
        "allow_weak",
        "architectures",
        "by_hash",
        "check_date",
        "check_valid_until",
        "components",
        "date_max_future",
        "enabled",
        "exclude",
        "include",
        "inrelease_path",
        "languages",
        "pdiffs",
        "signed_by",
        "suites",
        "targets",
        "trusted",
        "types",
        "uris",
        "mode",
        "state",
        "install_python_debian",
    ] {
        assert_eq!(
            check::<Deb822Repository>(json!({"name": "r", n: "{{ v }}"})),
            Ok(true),
            "{n}"
        );
    }
    assert!(check::<Deb822Repository>(json!({"name": "k", "types": "rpm"})).is_err());
    assert!(check::<Deb822Repository>(json!({"name": "k", "state": "gone"})).is_err());
    assert!(check::<Deb822Repository>(json!({"name": "k", "trusted": "perhaps"})).is_err());
    assert!(check::<Deb822Repository>(json!({"name": "k", "date_max_future": "soon"})).is_err());
    assert!(check::<Deb822Repository>(json!({"name": "k", "uri": "x"})).is_err());
    assert!(check::<Deb822Repository>(json!({"name": "..."})).is_err());
    assert!(check::<Deb822Repository>(json!({"uris": "x"})).is_err());
}

#[test]
fn slugs_are_ansibles() {
    assert_eq!(slug("My Repo_x"), "my-repo-x");
    assert_eq!(slug("rstp.signed"), "rstpsigned");
}

#[test]
fn the_file_has_ansibles_fields_in_ansibles_order() {
    let p = of(json!({
        "name": "rstp", "uris": "file:/srv/repo/rstp-signed", "suites": "./",
        "signed_by": "/etc/apt/keyrings/k.asc", "enabled": true, "architectures": ["amd64"]
    }))
    .expect("plan");
    assert_eq!(
        p.text,
        "Architectures: amd64\nEnabled: yes\nX-Repolib-Name: rstp\n\
         Signed-By: /etc/apt/keyrings/k.asc\nSuites: ./\nTypes: deb\n\
         URIs: file:/srv/repo/rstp-signed\n"
    );
    assert_eq!(p.key, Key::Inline);
    let p =
        of(json!({"name": "k", "signed_by": "-----BEGIN PGP\n\nabc\n-----END\n"})).expect("plan");
    assert!(
        p.text
            .contains("Signed-By:\n    -----BEGIN PGP\n    .\n    abc\n    -----END\n"),
        "{}",
        p.text
    );
    let p = of(json!({"name": "k", "signed_by": "http://10.0.0.1:8000/k.asc"})).expect("plan");
    assert_eq!(p.key, Key::Url("http://10.0.0.1:8000/k.asc".into()));
    assert!(p.text.contains("Signed-By: @@KEYFILE@@\n"));
}

#[test]
fn the_probe_writes_nothing_and_the_apply_uses_the_writer() {
    let p = of(json!({"name": "k", "signed_by": "http://h/k", "uris": "x"})).expect("plan");
    let probe = probe(&p, false);
    assert!(
        !probe.contains("mv -f") && !probe.contains("chmod"),
        "{probe}"
    );
    assert!(apply(&p).expect("apply").contains("sha256sum"));
    for v in [
        json!({"name": "k", "signed_by": "http://h/k", "uris": "x"}),
        json!({"name": "k", "signed_by": "/k.asc"}),
        json!({"name": "k", "state": "absent"}),
    ] {
        let p = of(v).expect("plan");
        let apply = apply(&p).expect("apply");
        for diff in [false, true] {
            let probe = super::probe(&p, diff);
            assert!(parses(&probe) && parses_gated(&probe, &apply), "{apply}");
        }
    }
}
