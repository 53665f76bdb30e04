//! Unit tests of `git`: arguments, the ssh options, umask, URL comparison, the programs.

use super::*;
use crate::modules::framework::sh_check;
use crate::modules::framework::spec::check;

fn args(v: Value) -> Args {
    serde_json::from_value(v).expect("arguments")
}

#[test]
fn arguments() {
    assert_eq!(
        check::<Git>(json!({"repo": "/srv/r.git", "dest": "/srv/c"})),
        Ok(true)
    );
    assert_eq!(check::<Git>(json!({"name": "x", "clone": false})), Ok(true));
    let both =
        json!({"repo": "x", "dest": "/d", "accept_hostkey": true, "accept_newhostkey": true});
    assert!(check::<Git>(both)
        .unwrap_err()
        .contains("mutually exclusive"));
    for refused in [
        json!({"repo": "x", "dest": "/d", "bare": true}),
        json!({"repo": "x", "dest": "/d", "refspec": "r"}),
        json!({"repo": "x", "dest": "/d", "track_submodules": true}),
        json!({"repo": "x", "dest": "~/d"}),
        json!({"repo": "x", "dest": "rel"}),
        json!({"repo": "~/r", "dest": "/d"}),
    ] {
        assert!(
            check::<Git>(refused.clone())
                .unwrap_err()
                .contains("not supported by rsible"),
            "{refused}"
        );
    }
    assert_eq!(
        check::<Git>(json!({"repo": "x", "dest": "/d", "bare": false})),
        Ok(true)
    );
}

#[test]
fn ssh_options_as_ansible_builds_them() {
    let a = args(json!({"repo": "x"}));
    assert_eq!(ssh_options(&a, None), " -o BatchMode=yes");
    let a = args(json!({"repo": "x", "accept_hostkey": true, "key_file": "/k"}));
    assert_eq!(
        ssh_options(&a, None),
        " -o StrictHostKeyChecking=no -o BatchMode=yes  -i /k -o IdentitiesOnly=yes"
    );
    let a = args(json!({"repo": "x", "ssh_opts": "-p 2222", "accept_newhostkey": true}));
    assert_eq!(
        ssh_options(&a, Some("accept-new")),
        " -p 2222 -o StrictHostKeyChecking=accept-new -o BatchMode=yes"
    );
}

#[test]
fn umask_is_quoted_octal() {
    assert_eq!(umask(&json!("0022")).ok(), Some("0022".into()));
    assert_eq!(umask(&json!("077")).ok(), Some("0077".into()));
    assert_eq!(
        umask(&json!(18)).err().and_then(|o| o.msg),
        Some("umask must be defined as a quoted octal integer".into())
    );
    assert_eq!(
        umask(&json!("9")).err().and_then(|o| o.msg),
        Some("umask must be an octal integer".into())
    );
}

#[test]
fn urls_compare_as_paths() {
    assert_eq!(unfrack("file:///srv//r.git/"), "file:/srv/r.git");
    assert_eq!(unfrack("/srv/./a/../r.git"), "/srv/r.git");
    assert_eq!(
        prepared("a", "b", Some(""), None),
        ">> No visual differences between a and b"
    );
    assert_eq!(prepared("a", "b", Some("x"), None), "x\n");
}

fn plan(depth: Option<u64>) -> Plan<'static> {
    Plan {
        git: None,
        repo: "file:///srv/it's.git",
        dest: Some("/srv/c"),
        version: "v1",
        remote: "origin",
        depth,
        force: true,
        update: true,
        clone: true,
        single_branch: true,
        recursive: true,
        ssh_opts: " -o BatchMode=yes".into(),
        ssh_opts_new: Some(" -o StrictHostKeyChecking=accept-new".into()),
        umask: Some("0022"),
        diff: true,
    }
}

#[test]
fn the_programs_parse_and_quote() {
    for depth in [None, Some(1)] {
        let p = plan(depth);
        let (probe, apply) = (script::probe(&p), script::apply(&p));
        assert!(probe.contains("R='file:///srv/it'\\''s.git'"), "{probe}");
        sh_check::assert_parses(&sh_check::gated(&probe, &apply));
    }
    let mut p = plan(None);
    p.update = false;
    p.clone = false;
    let probe = script::probe(&p);
    assert!(!probe.contains("rsible_change=1"), "{probe}");
    sh_check::assert_parses(&probe);
}

/// Runs the programs' functions with `body` in sh and parses the report.
fn sh(body: &str) -> Report {
    let p = plan(None);
    let probe = script::probe(&p);
    let funcs = &probe[..=probe.find("\nR=").expect("variables")];
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{funcs}{body}"))
        .output()
        .expect("run sh");
    Report::parse("t", &String::from_utf8_lossy(&out.stdout)).expect("report")
}

#[test]
fn the_head_file_is_read_as_ansible_reads_it() {
    let dir = std::env::temp_dir().join(format!("rsible-git-hb-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("refs/remotes/origin")).expect("dir");
    std::fs::write(dir.join("HEAD"), "ref: refs/heads/feature/x\n").expect("HEAD");
    let r = sh(&format!(
        "G=false; RM=origin; gd='{}'; hb; m br \"$br\"",
        dir.display()
    ));
    assert_eq!(r.get("br"), Some("feature/x"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_tag_names_its_commit() {
    let ls = "b4aa\trefs/tags/v1\nfec1\trefs/tags/v1a\nb4ab\trefs/tags/v1a^{}";
    let fake = format!(
        "G=fake; fake() {{ case \"$*\" in *' -h '*) ;; *) printf '%s\\n' '{ls}' ;; esac; }}"
    );
    let r = sh(&format!("{fake}; V=v1a; rhead r 1"));
    assert_eq!(r.get("rh"), Some("b4ab"));
    let r = sh(&format!("{fake}; V=v1; rhead r 1"));
    assert_eq!(r.get("rh"), Some("b4aa"));
}
