//! `rsible vault` against ansible-vault from PyPI (the venv scripts/test.sh installs), both
//! ways: files and strings encrypted by one are opened by the other, with plain and labelled
//! (1.2) passwords, password files and executables; edit, rekey and wrong passwords.

mod common;

use common::run::Run;
use common::{write, Rsible};
use std::path::{Path, PathBuf};
use std::process::Command;

fn ansible_bin(name: &str) -> PathBuf {
    let p = std::env::var_os("RSIBLE_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/rsible/venv/bin/ansible-playbook"))
        .with_file_name(name);
    assert!(
        p.is_file(),
        "{} not found: run scripts/test.sh, which installs ansible-core",
        p.display()
    );
    p
}

fn ansible_vault(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(ansible_bin("ansible-vault"))
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("ANSIBLE_CONFIG")
        .args(args)
        .output()
        .expect("run ansible-vault")
}

/// The stdout of an `rsible` run that must succeed.
fn ok(out: Run, what: &str) -> String {
    assert!(out.code == 0, "{what} failed: {}{}", out.stdout, out.stderr);
    out.stdout
}

/// The stdout of an ansible-vault run that must succeed.
fn their_ok(out: std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn files_cross_both_ways() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "pw", "s3cret pass\n");
    let text = "db_password: hunter2\nlist:\n  - é ünïcode\n";

    // rsible encrypts, ansible-vault views.
    write(dir, "a.yml", text);
    ok(
        Rsible::new(dir)
            .args(["vault", "encrypt", "a.yml", "--vault-password-file", "pw"])
            .run(),
        "rsible vault encrypt",
    );
    let enc = std::fs::read_to_string(dir.join("a.yml")).unwrap();
    assert!(enc.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"), "{enc}");
    assert!(!enc.contains("hunter2"));
    let seen = their_ok(
        ansible_vault(dir, &["view", "a.yml", "--vault-password-file", "pw"]),
        "ansible-vault view",
    );
    assert_eq!(seen, text);

    // ansible-vault encrypts with a labelled password (1.2); rsible decrypts in place.
    write(dir, "b.yml", text);
    their_ok(
        ansible_vault(
            dir,
            &[
                "encrypt",
                "b.yml",
                "--vault-id",
                "prod@pw",
                "--encrypt-vault-id",
                "prod",
            ],
        ),
        "ansible-vault encrypt",
    );
    assert!(std::fs::read_to_string(dir.join("b.yml"))
        .unwrap()
        .starts_with("$ANSIBLE_VAULT;1.2;AES256;prod"));
    let out = Rsible::new(dir)
        .args(["vault", "view", "b.yml", "--vault-id", "prod@pw"])
        .run();
    assert_eq!(ok(out, "rsible vault view"), text);
    ok(
        Rsible::new(dir)
            .args(["vault", "decrypt", "b.yml", "--vault-id", "prod@pw"])
            .run(),
        "rsible vault decrypt",
    );
    assert_eq!(std::fs::read_to_string(dir.join("b.yml")).unwrap(), text);

    // rsible encrypts with a label; ansible-vault reads it with that label.
    write(dir, "c.yml", text);
    ok(
        Rsible::new(dir)
            .args([
                "vault",
                "encrypt",
                "c.yml",
                "--vault-id",
                "dev@pw",
                "--encrypt-vault-id",
                "dev",
            ])
            .run(),
        "rsible vault encrypt --vault-id",
    );
    assert!(std::fs::read_to_string(dir.join("c.yml"))
        .unwrap()
        .starts_with("$ANSIBLE_VAULT;1.2;AES256;dev\n"));
    let seen = their_ok(
        ansible_vault(dir, &["view", "c.yml", "--vault-id", "dev@pw"]),
        "ansible-vault view 1.2",
    );
    assert_eq!(seen, text);
}

#[test]
fn strings_executables_rekey_edit_and_wrong_passwords() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // An executable password source, as ansible-vault runs it.
    let script = write(dir, "pw.sh", "#!/bin/sh\necho from-a-script\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    write(dir, "pw2", "second\n");

    // encrypt_string by rsible, read back by ansible-vault (the value inside a vars file).
    let out = Rsible::new(dir)
        .args([
            "vault",
            "encrypt_string",
            "--vault-password-file",
            "pw.sh",
            "-n",
            "token",
            "t0k3n value",
        ])
        .run();
    let yaml = ok(out, "rsible vault encrypt_string");
    assert!(
        yaml.starts_with("token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n"),
        "{yaml}"
    );
    let envelope: String = yaml
        .lines()
        .skip(1)
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    write(dir, "s.vault", &envelope);
    let seen = their_ok(
        ansible_vault(dir, &["view", "s.vault", "--vault-password-file", "pw.sh"]),
        "ansible-vault view of the string",
    );
    assert_eq!(
        seen, "t0k3n value\n",
        "ansible-vault view adds the final newline"
    );

    // encrypt_string by ansible-vault, opened by rsible.
    let their = their_ok(
        ansible_vault(
            dir,
            &["encrypt_string", "--vault-password-file", "pw.sh", "theirs"],
        ),
        "ansible-vault encrypt_string",
    );
    let envelope: String = their
        .lines()
        .skip(1)
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    write(dir, "t.vault", &envelope);
    let out = Rsible::new(dir)
        .args(["vault", "view", "t.vault", "--vault-password-file", "pw.sh"])
        .run();
    assert_eq!(ok(out, "rsible vault view of ansible's string"), "theirs\n");

    // rekey, then the old password fails plainly and the new one works in ansible-vault.
    ok(
        Rsible::new(dir)
            .args([
                "vault",
                "rekey",
                "t.vault",
                "--vault-password-file",
                "pw.sh",
                "--new-vault-password-file",
                "pw2",
            ])
            .run(),
        "rsible vault rekey",
    );
    let wrong = Rsible::new(dir)
        .args(["vault", "view", "t.vault", "--vault-password-file", "pw.sh"])
        .run();
    assert_eq!(wrong.code, 1);
    let err = &wrong.stderr;
    assert!(err.contains("Decryption failed"), "{err}");
    assert!(!err.contains("from-a-script"), "the password leaked: {err}");
    let seen = their_ok(
        ansible_vault(dir, &["view", "t.vault", "--vault-password-file", "pw2"]),
        "ansible-vault view after rekey",
    );
    assert_eq!(seen, "theirs\n");

    // edit with a scripted editor: re-encrypted, and ansible-vault sees the change.
    ok(
        Rsible::new(dir)
            .env("EDITOR", "sed -i s/theirs/edited/")
            .args(["vault", "edit", "t.vault", "--vault-password-file", "pw2"])
            .run(),
        "rsible vault edit",
    );
    let seen = their_ok(
        ansible_vault(dir, &["view", "t.vault", "--vault-password-file", "pw2"]),
        "ansible-vault view after edit",
    );
    assert_eq!(seen, "edited\n");
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("rsible-vault-"))
        .collect();
    assert!(leftovers.is_empty(), "edit left {leftovers:?}");
}

/// Encrypts `path` in place with ansible-vault under `id@pw`.
fn ansible_encrypt(dir: &Path, file: &str, id: &str) {
    let label = format!("{id}@pw");
    their_ok(
        ansible_vault(
            dir,
            &[
                "encrypt",
                file,
                "--vault-id",
                &label,
                "--encrypt-vault-id",
                id,
            ],
        ),
        "ansible-vault encrypt",
    );
}

#[test]
fn a_play_reads_files_and_values_ansible_vault_encrypted() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "pw", "play-pass\n");
    std::fs::create_dir_all(dir.join("group_vars")).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    write(dir, "hosts", "[nodes]\nh1 ansible_connection=local\n");
    write(dir, "group_vars/nodes.yml", "from_group_vars: gv-secret\n");
    ansible_encrypt(dir, "group_vars/nodes.yml", "default");
    write(dir, "secrets.yml", "from_vars_file: vf-secret\n");
    ansible_encrypt(dir, "secrets.yml", "prod");
    write(dir, "payload.txt", "copied secret\n");
    ansible_encrypt(dir, "payload.txt", "default");
    write(dir, "page.j2", "{{ from_vars_file }} in a template\n");
    ansible_encrypt(dir, "page.j2", "default");
    let inline = their_ok(
        ansible_vault(
            dir,
            &[
                "encrypt_string",
                "--vault-id",
                "default@pw",
                "inline-secret",
                "--name",
                "inline",
            ],
        ),
        "ansible-vault encrypt_string",
    );
    let inline: String = inline.lines().map(|l| format!("    {l}\n")).collect();
    let out = dir.join("out").display().to_string();
    write(
        dir,
        "site.yml",
        &format!(
            "- hosts: nodes\n  gather_facts: false\n  vars_files: [secrets.yml]\n  vars:\n{inline}\
             \x20 tasks:\n\
             \x20   - copy: {{dest: '{out}/vars', content: '{{{{ from_group_vars }}}} {{{{ from_vars_file }}}} {{{{ inline }}}}'}}\n\
             \x20   - copy: {{src: payload.txt, dest: '{out}/payload'}}\n\
             \x20   - template: {{src: page.j2, dest: '{out}/page'}}\n"
        ),
    );
    let run = |args: &[&str]| {
        Rsible::new(dir)
            .args(["play", "site.yml", "-i", "hosts"])
            .args(args)
            .run()
    };
    let first = run(&["--vault-id", "prod@pw", "--vault-password-file", "pw"]);
    let text = format!("{}{}", first.stdout, first.stderr);
    assert_eq!(first.code, 0, "{text}");
    assert!(
        !text.contains("play-pass"),
        "the vault password leaked: {text}"
    );
    let read = |f: &str| std::fs::read_to_string(dir.join("out").join(f)).unwrap();
    assert_eq!(read("vars"), "gv-secret vf-secret inline-secret");
    assert_eq!(read("payload"), "copied secret\n");
    assert_eq!(read("page"), "vf-secret in a template\n");
    let second = run(&["--vault-id", "prod@pw", "--vault-password-file", "pw"]);
    assert!(second.stdout.contains("changed=0"), "{}", second.stdout);

    // Without a password: a load error naming an encrypted file, exit 4, nothing run (the
    // inline `!vault` value of site.yml is decrypted only when used, as in Ansible, so the
    // whole-file ones are what stop the run).
    let none = run(&[]);
    let err = &none.stderr;
    assert_eq!(none.code, 4, "{err}");
    assert!(
        err.contains("secrets.yml") || err.contains("nodes.yml"),
        "{err}"
    );
    assert!(err.contains("vault"), "{err}");
}
