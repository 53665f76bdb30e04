//! `rsible vault`: ansible-vault's actions over files and strings. Files are rewritten
//! atomically (a temp file beside them, same mode, renamed); `edit` and `create` decrypt into a
//! private temp directory that is removed afterwards. Knows nothing of playbooks.

use super::args::{
    VaultAction, VaultArgs, VaultFileArgs, VaultRekeyArgs, VaultSources, VaultStringArgs,
};
use super::fail;
use crate::exit::Exit;
use crate::vault::{self, VaultSecret, VaultSecrets};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Runs one vault action.
pub fn run(a: VaultArgs) -> Exit {
    let r = match a.action {
        VaultAction::Create(f) => create(&f),
        VaultAction::Encrypt(f) => encrypt_files(&f),
        VaultAction::Decrypt(f) => decrypt_files(&f),
        VaultAction::View(f) => view(&f),
        VaultAction::Edit(f) => edit(&f),
        VaultAction::Rekey(f) => rekey(&f),
        VaultAction::EncryptString(s) => encrypt_string(&s),
    };
    match r {
        Ok(()) => Exit::Ok,
        Err(msg) => fail(Exit::Error, &msg),
    }
}

/// The passwords `s` names, with the configuration's: its `vault_identity_list` before the
/// `--vault-id`s, its `vault_password_file` after the `--vault-password-file`s, and its
/// `ask_vault_pass` as `--ask-vault-pass` (as Ansible).
pub(super) fn load_secrets(s: &VaultSources) -> Result<VaultSecrets, String> {
    let cfg =
        super::select::config().map_err(|_| "the configuration cannot be read".to_string())?;
    let ids: Vec<String> = cfg
        .vault_identity_list
        .iter()
        .chain(&s.ids)
        .cloned()
        .collect();
    let files: Vec<String> = s
        .password_files
        .iter()
        .cloned()
        .chain(
            cfg.vault_password_file
                .iter()
                .map(|p| p.to_string_lossy().into_owned()),
        )
        .collect();
    let ask = s.ask || cfg.ask_vault_pass == Some(true);
    VaultSecrets::load(&ids, &files, ask).map_err(|e| e.to_string())
}

fn secrets(s: &VaultSources) -> Result<VaultSecrets, String> {
    let v = load_secrets(s)?;
    if v.is_empty() {
        return Err(
            "A vault password is required: give --vault-password-file, --vault-id or --ask-vault-pass"
                .into(),
        );
    }
    Ok(v)
}

fn encrypt_secret(v: &VaultSecrets, id: Option<&str>) -> Result<VaultSecret, String> {
    v.for_encrypt(id).cloned().ok_or_else(|| {
        format!(
            "Did not find a match for --encrypt-vault-id={}",
            id.unwrap_or("")
        )
    })
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("reading standard input: {e}"))?;
        return Ok(b);
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes `data` to `path` atomically (or to stdout for `-`), keeping an existing file's mode.
fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    if path == Path::new("-") {
        return std::io::stdout()
            .write_all(data)
            .map_err(|e| format!("writing standard output: {e}"));
    }
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rsible-vault.{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", path.display())
    })
}

fn targets(f: &VaultFileArgs) -> Result<Vec<PathBuf>, String> {
    if f.files.is_empty() {
        return Ok(vec![PathBuf::from("-")]);
    }
    if f.output.is_some() && f.files.len() > 1 {
        return Err("--output takes a single input file".into());
    }
    Ok(f.files.clone())
}

fn encrypt_files(f: &VaultFileArgs) -> Result<(), String> {
    let v = secrets(&f.secrets)?;
    let s = encrypt_secret(&v, f.encrypt_vault_id.as_deref())?;
    for path in targets(f)? {
        let plain = read(&path)?;
        if vault::is_encrypted(&plain) {
            return Err(format!("input is already encrypted: {}", path.display()));
        }
        let text = vault::encrypt(&plain, &s).map_err(|e| e.to_string())?;
        write(f.output.as_deref().unwrap_or(&path), text.as_bytes())?;
        if f.output.is_none() && path != Path::new("-") {
            super::out::errln("Encryption successful");
        }
    }
    Ok(())
}

fn open(path: &Path, v: &VaultSecrets) -> Result<Vec<u8>, String> {
    let text = read(path)?;
    if !vault::is_encrypted(&text) {
        return Err(format!(
            "input is not vault encrypted data: {}",
            path.display()
        ));
    }
    vault::decrypt(&text, v).map_err(|e| format!("{}: {e}", path.display()))
}

fn decrypt_files(f: &VaultFileArgs) -> Result<(), String> {
    let v = secrets(&f.secrets)?;
    for path in targets(f)? {
        let plain = open(&path, &v)?;
        write(f.output.as_deref().unwrap_or(&path), &plain)?;
        if f.output.is_none() && path != Path::new("-") {
            super::out::errln("Decryption successful");
        }
    }
    Ok(())
}

fn view(f: &VaultFileArgs) -> Result<(), String> {
    let v = secrets(&f.secrets)?;
    for path in targets(f)? {
        let mut plain = open(&path, &v)?;
        // As ansible-vault's pager: a missing final newline is added.
        if !plain.ends_with(b"\n") {
            plain.push(b'\n');
        }
        write(Path::new("-"), &plain)?;
    }
    Ok(())
}

fn one_file(f: &VaultFileArgs) -> Result<&Path, String> {
    match f.files.as_slice() {
        [p] => Ok(p),
        _ => Err("give exactly one file".into()),
    }
}

/// Runs $EDITOR (default vi) on `plain` in a private temp directory; returns what was saved.
fn edit_in_editor(plain: &[u8]) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempdir()?;
    let file = dir.0.join("vault-edit");
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .map_err(|e| e.to_string())?;
        f.write_all(plain).map_err(|e| e.to_string())?;
        drop(f);
        let editor = std::env::var("EDITOR").unwrap_or_else(|_| "vi".into());
        let mut words = shlex::split(&editor).unwrap_or_else(|| vec![editor.clone()]);
        if words.is_empty() {
            words.push("vi".into());
        }
        let st = std::process::Command::new(&words[0])
            .args(&words[1..])
            .arg(&file)
            .status()
            .map_err(|e| format!("cannot run the editor {editor}: {e}"))?;
        if !st.success() {
            return Err(format!("the editor {editor} exited with {st}"));
        }
        std::fs::read(&file).map_err(|e| e.to_string())
    })();
    res
}

/// A 0700 directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TempDir, String> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    for n in 0..100u32 {
        let p = base.join(format!("rsible-vault-{}-{n}", std::process::id()));
        if std::fs::DirBuilder::new().mode(0o700).create(&p).is_ok() {
            return Ok(TempDir(p));
        }
    }
    Err(format!(
        "cannot create a private directory in {}",
        base.display()
    ))
}

fn create(f: &VaultFileArgs) -> Result<(), String> {
    let path = one_file(f)?;
    if path.exists() {
        return Err(format!(
            "{} exists, please use 'edit' instead",
            path.display()
        ));
    }
    let v = secrets(&f.secrets)?;
    let s = encrypt_secret(&v, f.encrypt_vault_id.as_deref())?;
    let plain = edit_in_editor(b"")?;
    let text = vault::encrypt(&plain, &s).map_err(|e| e.to_string())?;
    write(path, text.as_bytes())
}

fn edit(f: &VaultFileArgs) -> Result<(), String> {
    let path = one_file(f)?;
    let v = secrets(&f.secrets)?;
    let plain = open(path, &v)?;
    let edited = edit_in_editor(&plain)?;
    if edited == plain {
        return Ok(());
    }
    let s = encrypt_secret(&v, f.encrypt_vault_id.as_deref())?;
    let text = vault::encrypt(&edited, &s).map_err(|e| e.to_string())?;
    write(path, text.as_bytes())
}

fn rekey(f: &VaultRekeyArgs) -> Result<(), String> {
    let v = secrets(&f.secrets)?;
    let new = match (&f.new_vault_id, &f.new_password_file) {
        (Some(id), _) => VaultSecrets::load(std::slice::from_ref(id), &[], false),
        (None, Some(file)) => VaultSecrets::load(&[], std::slice::from_ref(file), false),
        (None, None) => VaultSecrets::load(&[], &[], true),
    }
    .map_err(|e| e.to_string())?;
    let s = encrypt_secret(&new, None)?;
    for path in &f.files {
        let plain = open(path, &v)?;
        let text = vault::encrypt(&plain, &s).map_err(|e| e.to_string())?;
        write(path, text.as_bytes())?;
    }
    super::out::errln("Rekey successful");
    Ok(())
}

fn encrypt_string(a: &VaultStringArgs) -> Result<(), String> {
    let v = secrets(&a.secrets)?;
    let s = encrypt_secret(&v, a.encrypt_vault_id.as_deref())?;
    let mut items: Vec<(Option<String>, Vec<u8>)> = Vec::new();
    if let Some(name) = &a.stdin_name {
        items.push((Some(name.clone()), read(Path::new("-"))?));
    }
    for (i, text) in a.strings.iter().enumerate() {
        items.push((a.names.get(i).cloned(), text.clone().into_bytes()));
    }
    if items.is_empty() {
        items.push((a.names.first().cloned(), read(Path::new("-"))?));
    }
    let mut out = String::new();
    for (name, plain) in items {
        let text = vault::encrypt(&plain, &s).map_err(|e| e.to_string())?;
        match name {
            Some(n) => out.push_str(&format!("{n}: !vault |\n")),
            None => out.push_str("!vault |\n"),
        }
        for line in text.lines() {
            out.push_str("          ");
            out.push_str(line);
            out.push('\n');
        }
    }
    write(Path::new("-"), out.as_bytes())
}
