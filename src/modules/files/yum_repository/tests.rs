//! Tests of `yum_repository`: the argument rules, the options as Ansible writes them, and
//! the file read and written as Python's configparser does (expected texts taken from
//! Python 3's `RawConfigParser`).

use super::ini::Ini;
use super::*;
use crate::modules::framework::spec::check;
use serde_json::{json, Value};

fn args(v: Value) -> Args {
    serde_json::from_value(v).expect("arguments")
}

#[test]
fn arguments() {
    let ok = json!({"name": "epel", "description": "EPEL", "baseurl": "http://x/"});
    assert_eq!(check::<YumRepository>(ok), Ok(true));
    assert_eq!(
        check::<YumRepository>(json!({"name": "epel", "state": "absent"})),
        Ok(true)
    );
    let e = check::<YumRepository>(json!({"name": "epel", "description": "E"})).unwrap_err();
    assert!(e.contains("baseurl, mirrorlist, metalink"), "{e}");
    let e = check::<YumRepository>(json!({"name": "epel", "metalink": "http://m"})).unwrap_err();
    assert!(e.contains("description"), "{e}");
    let bad = json!({"name": "e", "description": "E", "mirrorlist": "m", "ip_resolve": "7"});
    assert!(check::<YumRepository>(bad).is_err());
    let home = json!({"name": "e", "state": "absent", "reposdir": "~/repos"});
    assert!(check::<YumRepository>(home)
        .unwrap_err()
        .contains("not supported by rsible"));
    let deprecated = json!({"name": "e", "state": "absent", "keepcache": "1"});
    assert!(check::<YumRepository>(deprecated).is_err());
    let aliases = json!({"name": "e", "description": "E", "baseurl": "u",
        "validate_certs": false, "ca_cert": "/c", "excludepkgs": ["a", "b"]});
    assert_eq!(check::<YumRepository>(aliases), Ok(true));
}

#[test]
fn options_are_sorted_and_written_as_ansible_writes_them() {
    let a = args(json!({
        "name": "epel", "description": "EPEL 9", "baseurl": ["http://a/", "http://b/"],
        "gpgcheck": true, "enabled": "no", "exclude": "k1,k2", "priority": 10,
        "validate_certs": false, "file": "ext", "reposdir": "/tmp/r"
    }));
    let names: Vec<String> = a.options().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "baseurl",
            "enabled",
            "exclude",
            "gpgcheck",
            "name",
            "priority",
            "sslverify"
        ]
    );
    assert_eq!(a.dest(), "/tmp/r/ext.repo");
    let mut ini = Ini::default();
    ini.add("epel", a.options());
    assert_eq!(
        ini.write(),
        "[epel]\nbaseurl = http://a/\n\thttp://b/\nenabled = 0\nexclude = k1 k2\n\
         gpgcheck = 1\nname = EPEL 9\npriority = 10\nsslverify = 0\n\n"
    );
    let plain = args(json!({"name": "r", "state": "absent"}));
    assert_eq!(plain.dest(), "/etc/yum.repos.d/r.repo");
}

#[test]
fn the_file_is_read_and_rewritten_as_configparser_does() {
    let text = "# comment\n[base]\nName = Base\nbaseurl = http://a/\n  http://b/\n\n; c\n\
                enabled:1\n[DEFAULT]\nx = 1\n[other] trailing\ngpgcheck = 0\n";
    let mut ini = Ini::parse(text).unwrap();
    assert_eq!(
        ini.dump(),
        "[base]\nbaseurl = http://a/\nhttp://b/\nenabled = 1\nname = Base\nx = 1\n\n\
         [other]\ngpgcheck = 0\nx = 1\n\n"
    );
    ini.add(
        "base",
        vec![
            ("name".into(), "New".into()),
            ("baseurl".into(), "u1\nu2".into()),
        ],
    );
    assert_eq!(
        ini.write(),
        "[DEFAULT]\nx = 1\n\n[other]\ngpgcheck = 0\n\n[base]\nname = New\nbaseurl = u1\n\tu2\n\n"
    );
    ini.remove("base");
    ini.remove("other");
    assert!(ini.is_empty());
    assert_eq!(Ini::parse("").unwrap().dump(), "");
}

#[test]
fn what_configparser_refuses_is_an_error() {
    assert!(Ini::parse("x = 1\n").is_err());
    assert!(Ini::parse("[a]\nx = 1\n[a]\n").is_err());
    assert!(Ini::parse("[a]\nx = 1\nX = 2\n").is_err());
    assert!(Ini::parse("[a]\njust words\n").is_err());
}

#[test]
fn secrets_are_hidden_and_the_read_is_quoted() {
    let a = args(json!({"name": "r", "state": "absent", "password": "s3cret"}));
    assert_eq!(
        hide("password = s3cret\n", &a.secrets()),
        "password = ********\n"
    );
    let s = String::from_utf8(read_script("/tmp/a b", "/tmp/a b/r.repo")).unwrap();
    assert!(
        s.contains("[ -d '/tmp/a b' ] || { m nodir; exit 0; }"),
        "{s}"
    );
}
