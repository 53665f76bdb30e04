//! Unit tests of `dnf`/`yum`'s arguments, program and answer.

use super::*;
use crate::modules::framework::sh_check::{parses, parses_gated};
use crate::modules::framework::spec::check;
use crate::modules::framework::{args, load_check};
use serde_json::Map;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

fn of(v: Value) -> Result<Plan, String> {
    let a: Args = args::parse("dnf", &obj(v))?;
    Dnf::validate(&a)?;
    Ok(Plan::new("dnf", a))
}

#[test]
fn every_old_argument_name_is_accepted() {
    for n in [
        "name",
        "pkg",
        "state",
        "update_cache",
        "expire-cache",
        "disable_gpg_check",
        "enablerepo",
        "disablerepo",
        "exclude",
        "autoremove",
        "allow_downgrade",
        "install_weak_deps",
        "allowerasing",
        "nobest",
        "skip_broken",
        "security",
        "bugfix",
        "update_only",
        "releasever",
        "conf_file",
        "installroot",
        "cacheonly",
        "lock_timeout",
        "validate_certs",
        "use_backend",
    ] {
        let m = obj(json!({ n: "{{ v }}" }));
        assert!(load_check::parse::<Args>("dnf", &m).is_ok(), "{n}");
    }
}

#[test]
fn arguments_are_checked() {
    assert!(check::<Dnf>(json!({"name": "a;b"})).is_err());
    assert!(check::<Dnf>(json!({"name": "a", "state": "gone"})).is_err());
    assert!(check::<Dnf>(json!({})).is_err());
    assert!(check::<Dnf>(json!({"name": "a", "autoremove": true})).is_err());
    assert!(check::<Dnf>(json!({"name": "a", "list": "x"})).is_err());
    assert!(check::<Dnf>(json!({"name": "a", "lock_timeout": "long"})).is_err());
    assert_eq!(
        check::<Dnf>(json!({"name": "{{ p }}", "state": "{{ s }}"})),
        Ok(false)
    );
    assert_eq!(check::<Dnf>(json!({"autoremove": "{{ r }}"})), Ok(false));
    assert_eq!(
        check::<Dnf>(json!({"name": "a", "autoremove": true, "state": "{{ s }}"})),
        Ok(false),
        "the rule waits for the state"
    );
    let p = of(json!({"name": "httpd, nginx >= 1.2", "state": "latest"})).expect("plan");
    assert_eq!(p.names, vec!["httpd", "nginx>=1.2"]);
}

#[test]
fn one_transaction_per_kind_with_quoted_names() {
    let p = of(json!({"name": ["a", "b*"], "enablerepo": "epel", "disable_gpg_check": true}))
        .expect("plan");
    let probe = p.probe();
    assert!(
        probe.contains("T() { dnf -y --enablerepo=epel --nogpgcheck \"$@\"; }"),
        "{probe}"
    );
    assert!(
        probe.contains("have a || { m would a; inst=\"$inst \"a; }"),
        "{probe}"
    );
    assert!(probe.contains("have 'b*' ||"), "{probe}");
    assert!(
        !probe.contains("T install") && probe.contains("m changed check"),
        "{probe}"
    );
    assert_eq!(p.apply().matches("T install").count(), 1);
    let y = Plan::new(
        "yum",
        args::parse("yum", &obj(json!({"name": "a", "state": "absent"}))).expect("args"),
    );
    assert!(y.probe().contains("T() { yum -y \"$@\"; }"));
    assert!(y.apply().contains("T remove $rem"));
    for v in [
        json!({"name": ["a", "b"], "state": "latest", "update_cache": true, "update_only": true}),
        json!({"autoremove": true, "exclude": ["k*"], "install_weak_deps": false}),
        json!({"name": "a", "state": "latest", "allow_downgrade": true}),
    ] {
        let p = of(v).expect("plan");
        assert!(parses(&p.probe()), "{}", p.probe());
        assert!(parses_gated(&p.probe(), &p.apply()), "{}", p.apply());
    }
    let u = of(json!({"name": "a", "update_cache": true})).expect("plan");
    assert!(!u.probe().contains("makecache"));
    assert!(u.apply().starts_with("m redo\nT -q makecache"));
}

#[test]
fn missing_packages_are_named() {
    let p = of(json!({"name": ["a", "nope"]})).expect("plan");
    let o = p.answer(
        "@@rsible changed install\n@@rsible failed install 1\n",
        "No match for argument: nope\nError: Unable to find a match: nope\n",
    );
    assert!(o.failed && !o.changed);
    assert_eq!(
        o.msg.as_deref(),
        Some("No package matching 'nope' is available")
    );
}
