//! Unit tests of `apt`'s argument handling and generated program.

use super::*;

fn plan_of(v: Value) -> Result<Plan, String> {
    plan(v.as_object().expect("object"))
}

#[test]
fn arguments_are_checked_before_anything_is_sent() {
    assert!(plan_of(json!({"name": "foo", "state": "build-dep"}))
        .unwrap_err()
        .contains("build-dep"));
    assert!(plan_of(json!({"name": "foo=1.0", "state": "latest"}))
        .unwrap_err()
        .contains("inconsistent"));
    assert!(plan_of(json!({"name": "foo; reboot"})).is_err());
    assert!(plan_of(json!({"state": "present"}))
        .unwrap_err()
        .contains("one of the following"));
    assert!(plan_of(json!({"name": "foo", "upgrade": "sideways"})).is_err());
    assert!(plan_of(json!({"name": "foo", "bogus": 1}))
        .unwrap_err()
        .contains("bogus"));
    let p = plan_of(json!({"pkg": "a, b=1.2*", "upgrade": "dist", "force_apt_get": true}))
        .expect("plan");
    assert_eq!(p.specs.len(), 2);
    assert_eq!(p.upgrade, Some("dist-upgrade"));
    assert_eq!(
        plan_of(json!({"upgrade": true})).unwrap().upgrade,
        Some("upgrade --with-new-pkgs")
    );
}

#[test]
fn one_transaction_with_the_noninteractive_options() {
    let p = plan_of(json!({"name": ["a", "b=2.0"], "lock_timeout": 7, "allow_downgrade": true}))
        .expect("plan");
    let s = program(&p, false);
    assert!(s.contains("DEBIAN_FRONTEND=noninteractive"), "{s}");
    assert!(s.contains("DPkg::Lock::Timeout=7"), "{s}");
    assert!(s.contains("Dpkg::Options::=--force-confdef"), "{s}");
    assert!(s.contains("Dpkg::Options::=--force-confold"), "{s}");
    assert!(s.contains("--allow-downgrades"), "{s}");
    assert!(s.contains("want a '' present\nwant b 2.0 present\n"), "{s}");
    assert_eq!(s.matches("A install").count(), 1, "{s}");
    let c = program(&p, true);
    assert!(c.contains("A -s install"), "{c}");
    assert!(!c.contains("apt-get update"), "{c}");
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
        for check in [false, true] {
            let s = program(&p, check);
            assert!(super::common::parses(&s), "{s}");
        }
    }
    let p = plan_of(json!({"name": "a", "policy_rc_d": 101})).expect("plan");
    let s = program(&p, false);
    assert!(s.contains("exit %d\\n' 101 > /usr/sbin/policy-rc.d"), "{s}");
    assert!(!program(&p, true).contains("policy-rc.d'"));
}

#[test]
fn user_strings_are_quoted() {
    let p = plan_of(json!({"deb": "/tmp/it's.deb"})).expect("plan");
    assert!(program(&p, false).contains(r"debf='/tmp/it'\''s.deb'"));
}

#[test]
fn answers_are_read_like_ansible() {
    let p = plan_of(json!({"name": ["x", "y"]})).expect("plan");
    let o = answer(
        &p,
        false,
        "@@rsible cache_time 5\n@@rsible missing x y=1*\n",
        "",
    );
    assert!(o.failed && !o.changed);
    assert_eq!(
        o.msg.as_deref(),
        Some("No package matching 'x', 'y=1*' is available")
    );
    let o = answer(
        &p,
        true,
        "@@rsible before x absent\n@@rsible changed install\nInst x (2.0 repo [all])\n",
        "",
    );
    assert!(o.changed);
    assert_eq!(o.diffs[0].before, "x absent\n");
    assert_eq!(o.diffs[0].after, "x 2.0\n");
    assert_eq!(o.fields["stdout"], json!("Inst x (2.0 repo [all])\n"));
    assert_eq!(o.fields["cache_updated"], json!(false));
}
