//! rsible reading a real `ansible.cfg` in its working directory: the inventory, roles path,
//! `gathering` and vault password it names take effect; the command line and the environment
//! override it; settings rsible does not use are listed in one warning; a malformed file stops
//! the run at its line and column; `rsible config dump` shows every value's origin.

mod common;

use common::{write, Rsible};
use std::path::Path;
use std::process::Output;

/// `rsible ARGS` in `dir` with a private HOME and no configuration from the environment
/// (the tests' one builder removes every inherited `ANSIBLE_*` and `RSIBLE_*`).
fn rsible(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let r = env.iter().fold(
        Rsible::new(dir).default_connections().args(args),
        |r, (k, v)| r.env(k, v),
    );
    r.command().output().expect("rsible runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "hosts", "[web]\nlocalhost ansible_connection=local\n");
    write(d, "other", "[db]\ndbhost ansible_connection=local\n");
    std::fs::create_dir_all(d.join("shared/greet/tasks")).unwrap();
    write(
        &d.join("shared/greet/tasks"),
        "main.yml",
        "- debug:\n    msg: \"hello from the roles path\"\n",
    );
    write(
        d,
        "site.yml",
        "- hosts: web\n  roles: [greet]\n  tasks:\n    - debug:\n        msg: \"facts: {{ ansible_system is defined }}\"\n\
         - hosts: web\n  tasks:\n    - debug:\n        msg: second\n",
    );
    dir
}

#[test]
fn the_file_sets_inventory_roles_gathering_and_warns_once() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "ansible.cfg",
        "[defaults]\ninventory = hosts\nroles_path = shared\ngathering = explicit\n\
         callbacks_enabled = timer ; not used by rsible\n[ssh_connection]\npipelining = True\n",
    );
    let out = rsible(d, &["play", "site.yml"], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("hello from the roles path"), "{stdout}");
    assert!(!stdout.contains("Gathering Facts"), "explicit: {stdout}");
    assert!(stdout.contains("facts: False"), "{stdout}");
    assert!(stdout.contains("localhost"), "{stdout}");
    assert_eq!(
        stderr.matches("[WARNING]").count(),
        1,
        "one warning: {stderr}"
    );
    assert!(
        stderr.contains(
            "ansible.cfg: settings rsible does not use: [defaults] callbacks_enabled (timer)\n"
        ),
        "{stderr}"
    );

    // smart: gathered by the first play only.
    write(
        d,
        "ansible.cfg",
        "[defaults]\ninventory = hosts\nroles_path = shared\ngathering = smart\n",
    );
    let out = rsible(d, &["play", "site.yml"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        stdout.matches("TASK [Gathering Facts]").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("facts: True"), "{stdout}");
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

#[test]
fn command_line_and_environment_win_over_the_file() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "ansible.cfg",
        "[defaults]\ninventory = hosts\nforks = 2\n",
    );
    let list = |args: &[&str], env: &[(&str, &str)]| {
        let mut a = vec!["inventory", "--list"];
        a.extend_from_slice(args);
        let out = rsible(d, &a, env);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert!(list(&[], &[]).contains("\"localhost\""));
    let other = list(&[], &[("ANSIBLE_INVENTORY", "other")]);
    assert!(
        other.contains("dbhost") && !other.contains("localhost"),
        "{other}"
    );
    let cli = list(&["-i", "other"], &[("ANSIBLE_INVENTORY", "hosts")]);
    assert!(
        cli.contains("dbhost") && !cli.contains("localhost"),
        "{cli}"
    );

    write(d, "rsible.toml", "[defaults]\nforks = 3\n");
    let dump = |env: &[(&str, &str)]| {
        let out = rsible(d, &["config", "dump", "--only-changed"], env);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let real = std::fs::canonicalize(d).unwrap();
    let cfg = real.join("ansible.cfg").display().to_string();
    let hosts = real.join("hosts").display().to_string();
    let got = dump(&[]);
    assert_eq!(
        got,
        format!(
            "CONFIG_FILE() = {cfg}\nDEFAULT_FORKS(rsible.toml) = 3\n\
             DEFAULT_HOST_LIST({cfg}) = ['{hosts}']\nRSIBLE_CONFIG_FILE() = rsible.toml\n"
        )
    );
    let got = dump(&[("ANSIBLE_FORKS", "4")]);
    assert!(
        got.contains("DEFAULT_FORKS(env: ANSIBLE_FORKS) = 4\n"),
        "{got}"
    );
    let got = dump(&[("ANSIBLE_FORKS", "4"), ("RSIBLE_FORKS", "5")]);
    assert!(
        got.contains("DEFAULT_FORKS(env: RSIBLE_FORKS) = 5\n"),
        "{got}"
    );
}

#[test]
fn the_vault_password_file_is_used() {
    let dir = project();
    let d = dir.path();
    write(d, "pw", "correct horse\n");
    write(d, "secret.yml", "token: s3cret\n");
    write(d, "ansible.cfg", "[defaults]\nvault_password_file = pw\n");
    let out = rsible(d, &["vault", "encrypt", "secret.yml"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let enc = std::fs::read_to_string(d.join("secret.yml")).unwrap();
    assert!(enc.starts_with("$ANSIBLE_VAULT;1.1;AES256"), "{enc}");
    let out = rsible(d, &["vault", "view", "secret.yml"], &[]);
    assert_eq!(
        text(&out.stdout),
        "token: s3cret\n",
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(d.join("ansible.cfg")).unwrap();
    let out = rsible(d, &["vault", "view", "secret.yml"], &[]);
    assert!(!out.status.success(), "no password without the file");
}

#[test]
fn a_malformed_file_stops_the_run_at_its_line() {
    let dir = project();
    let d = dir.path();
    write(
        d,
        "ansible.cfg",
        "[defaults]\nforks = 2\nthis is not a setting\n",
    );
    let out = rsible(d, &["inventory", "-i", "hosts", "--list"], &[]);
    assert_eq!(out.status.code(), Some(4));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("ansible.cfg:3:1: expected 'key = value', found \"this is not a setting\""),
        "{stderr}"
    );
}
