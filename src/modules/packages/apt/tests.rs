//! Unit tests of `apt`'s argument handling, generated program and answer.

use super::*;
use crate::modules::framework::sh_check::{parses, parses_gated};
use crate::modules::framework::spec::check;
use crate::modules::framework::{args as fargs, load_check};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

/// The run-time reading: parse, validate, plan.
fn plan_of(v: Value) -> Result<Plan, String> {
    let a: Args = fargs::parse("apt", &obj(v))?;
    Apt::validate(&a)?;
    Plan::new(a)
}

/// Every name the module accepted before it was typed.
const NAMES: &[&str] = &[
    "name",
    "package",
    "pkg",
    "state",
    "update_cache",
    "update-cache",
    "cache_valid_time",
    "deb",
    "install_recommends",
    "install-recommends",
    "purge",
    "autoremove",
    "autoclean",
    "clean",
    "upgrade",
    "allow_downgrade",
    "allow-downgrade",
    "allow_downgrades",
    "allow-downgrades",
    "allow_unauthenticated",
    "allow-unauthenticated",
    "allow_change_held_packages",
    "only_upgrade",
    "force",
    "force_apt_get",
    "fail_on_autoremove",
    "default_release",
    "default-release",
    "dpkg_options",
    "policy_rc_d",
    "lock_timeout",
    "update_cache_retries",
    "update_cache_retry_max_delay",
];

#[test]
fn every_old_argument_name_is_accepted() {
    for n in NAMES {
        let mut m = Map::new();
        m.insert((*n).into(), json!("{{ v }}"));
        assert!(
            load_check::parse::<Args>("apt", &m).is_ok(),
            "{n} is refused"
        );
    }
}

#[test]
fn arguments_are_checked_at_load() {
    assert_eq!(check::<Apt>(json!({"name": "foo"})), Ok(true));
    assert!(check::<Apt>(json!({"name": "foo", "state": "build-dep"}))
        .unwrap_err()
        .contains("build-dep"));
    assert!(check::<Apt>(json!({"name": "foo", "state": "sideways"})).is_err());
    assert!(check::<Apt>(json!({"name": "foo=1.0", "state": "latest"}))
        .unwrap_err()
        .contains("inconsistent"));
    assert!(check::<Apt>(json!({"name": "foo; reboot"})).is_err());
    assert!(check::<Apt>(json!({"state": "present"}))
        .unwrap_err()
        .contains("one of the following"));
    assert!(check::<Apt>(json!({"name": "foo", "upgrade": "sideways"})).is_err());
    assert!(check::<Apt>(json!({"name": "foo", "nmae": 1})).is_err());
    assert!(check::<Apt>(json!({"name": "foo", "cache_valid_time": "soon"})).is_err());
    // Free form (`update_cache=yes cache_valid_time=600`) gives strings, as Ansible accepts.
    assert_eq!(
        check::<Apt>(json!({"update_cache": "yes", "cache_valid_time": "600"})),
        Ok(true)
    );
    assert!(check::<Apt>(json!({"name": "foo", "purge": "maybe"})).is_err());
    assert!(check::<Apt>(json!({"deb": "/x.deb", "state": "absent"})).is_err());
    // Templates stand for any value; the rules wait for the run when they read one.
    assert_eq!(
        check::<Apt>(json!({"name": "{{ pkgs }}", "purge": "{{ p }}"})),
        Ok(true)
    );
    assert_eq!(
        check::<Apt>(json!({"name": "{{ pkgs }}", "state": "{{ s }}"})),
        Ok(false)
    );
    assert_eq!(check::<Apt>(json!({"update_cache": "{{ u }}"})), Ok(false));
    assert_eq!(check::<Apt>(json!({"upgrade": "{{ u }}"})), Ok(false));
    assert_eq!(
        check::<Apt>(json!({"cache_valid_time": "{{ t }}"})),
        Ok(false)
    );
    assert_eq!(
        check::<Apt>(json!({"deb": "/x.deb", "state": "{{ s }}"})),
        Ok(false)
    );
    assert!(check::<Apt>(json!({"update_cache": "{{ u }}", "bogus": 1})).is_err());
}

#[test]
fn the_plan_reads_specs_and_the_upgrade() {
    let p = plan_of(json!({"pkg": "a, b=1.2*", "upgrade": "dist", "force_apt_get": true}))
        .expect("plan");
    assert_eq!(p.specs.len(), 2);
    assert_eq!(p.upgrade, Some("dist-upgrade"));
    assert_eq!(
        plan_of(json!({"upgrade": true})).unwrap().upgrade,
        Some("upgrade --with-new-pkgs")
    );
    assert_eq!(
        plan_of(json!({"name": "a", "state": "removed"}))
            .unwrap()
            .state,
        State::Absent
    );
}

#[test]
fn the_probe_simulates_and_the_apply_runs_one_transaction() {
    let p = plan_of(json!({"name": ["a", "b=2.0"], "lock_timeout": 7, "allow_downgrade": true}))
        .expect("plan");
    let probe = script::probe(&p);
    let apply = script::apply(&p, None);
    assert!(probe.contains("DEBIAN_FRONTEND=noninteractive"), "{probe}");
    assert!(probe.contains("DPkg::Lock::Timeout=7"), "{probe}");
    assert!(probe.contains("Dpkg::Options::=--force-confdef"), "{probe}");
    assert!(probe.contains("Dpkg::Options::=--force-confold"), "{probe}");
    assert!(probe.contains("--allow-downgrades"), "{probe}");
    assert!(
        probe.contains("want a '' present\n  want b 2.0 present\n"),
        "{probe}"
    );
    assert!(probe.contains("A -s install"), "{probe}");
    assert!(
        !probe.contains("A install") && !probe.contains("apt-get update"),
        "{probe}"
    );
    assert_eq!(apply.matches("A install").count(), 1, "{apply}");
    assert!(!apply.contains("A -s"), "{apply}");
}

#[test]
fn every_variant_of_the_program_parses() {
    for v in [
        json!({"name": "a", "state": "absent", "purge": true, "autoremove": true}),
        json!({"deb": "http://h/x.deb", "policy_rc_d": 101, "update_cache": true,
               "cache_valid_time": 60, "upgrade": "dist", "autoclean": true, "clean": true}),
        json!({"name": ["a", "b=1*"], "state": "fixed", "install_recommends": false,
               "default_release": "bookworm-backports", "only_upgrade": true}),
    ] {
        let p = plan_of(v).expect("plan");
        let probe = script::probe(&p);
        let apply = p.apply();
        assert!(parses(&probe), "{probe}");
        assert!(parses_gated(&probe, &apply), "{apply}");
    }
    let p = plan_of(json!({"name": "a", "policy_rc_d": 101})).expect("plan");
    assert_eq!(p.stdin(), b"#!/bin/sh\nexit 101\n");
    assert!(p.apply().contains("/usr/sbin/policy-rc.d"), "{}", p.apply());
    assert!(!p.probe().contains("policy-rc.d'"));
}

#[test]
fn user_strings_are_quoted() {
    let p = plan_of(json!({"deb": "/tmp/it's.deb"})).expect("plan");
    assert!(script::probe(&p).contains(r"debf0='/tmp/it'\''s.deb'"));
}

#[test]
fn answers_are_read_like_ansible() {
    let p = plan_of(json!({"name": ["x", "y"]})).expect("plan");
    let o = p.answer("@@rsible cache_time 5\n@@rsible missing x y=1*\n", "");
    assert!(o.failed && !o.changed);
    assert_eq!(
        o.msg.as_deref(),
        Some("No package matching 'x', 'y=1*' is available")
    );
    // Check mode: only the probe ran; the simulation is the output and the new versions.
    let o = p.answer(
        "@@rsible before x absent\n@@rsible changed install\n@@rsible sim Inst x (2.0 repo [all])\n",
        "",
    );
    assert!(o.changed);
    assert_eq!(o.diffs[0].before, "x absent\n");
    assert_eq!(o.diffs[0].after, "x 2.0\n");
    assert_eq!(o.fields["stdout"], json!("Inst x (2.0 repo [all])\n"));
    assert_eq!(o.fields["cache_updated"], json!(false));
    // The apply ran: its output, and the versions it read after.
    let o = p.answer(
        "@@rsible before x absent\n@@rsible changed install\n@@rsible sim Inst x (2.0)\n\
         @@rsible applied\nSetting up x (2.0) ...\n@@rsible after x 2.0\n",
        "",
    );
    assert_eq!(o.fields["stdout"], json!("Setting up x (2.0) ...\n"));
    assert_eq!(o.diffs[0].after, "x 2.0\n");
    // A refreshed cache: what the probe said before it is replaced.
    let o = p.answer(
        "@@rsible cache_updated 1\n@@rsible missing x\n@@rsible redo\n@@rsible update_failed\n",
        "E: no network",
    );
    assert!(o.failed);
    assert_eq!(o.fields["cache_updated"], json!(false));
    assert_eq!(
        o.msg.as_deref(),
        Some("Failed to update apt cache: E: no network")
    );
}
