//! Vault passwords and where they come from, as ansible-vault reads them: a password file
//! (its content without surrounding whitespace), an executable (its standard output; a
//! `*-client` script is asked `--vault-id LABEL`), or a prompt; each labelled with a vault id
//! (`label@source`, `default` otherwise). Knows nothing of envelopes or ciphers.

use super::VaultError;
use crate::secret::Secret;
use std::path::Path;

/// One password with its vault id.
#[derive(Debug, Clone)]
pub struct VaultSecret {
    /// The vault id label (`default` when none was given).
    pub id: Option<String>,
    /// The password.
    pub password: Secret,
}

/// Every password given on the command line, in order.
#[derive(Debug, Clone, Default)]
pub struct VaultSecrets(Vec<VaultSecret>);

impl VaultSecrets {
    /// No password at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a password.
    pub fn push(&mut self, s: VaultSecret) {
        self.0.push(s);
    }

    /// The first password, or the one labelled `id` (for encrypting).
    pub fn for_encrypt(&self, id: Option<&str>) -> Option<&VaultSecret> {
        match id {
            Some(id) => self.0.iter().find(|s| s.id.as_deref() == Some(id)),
            None => self.0.first(),
        }
    }

    /// The passwords to try for an envelope labelled `id`: that label's first, then the rest.
    pub fn in_order_for<'a>(
        &'a self,
        id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a VaultSecret> {
        let first = self
            .0
            .iter()
            .filter(move |s| id.is_some() && s.id.as_deref() == id);
        let rest = self
            .0
            .iter()
            .filter(move |s| id.is_none() || s.id.as_deref() != id);
        first.chain(rest)
    }

    /// Reads the sources of the command line: `--vault-id [label@]source` values (source a
    /// file, an executable or `prompt`), `--vault-password-file` paths, `--ask-vault-pass`.
    pub fn load(ids: &[String], files: &[String], ask: bool) -> Result<VaultSecrets, VaultError> {
        let mut out = VaultSecrets::default();
        for spec in ids {
            let (label, source) = match spec.split_once('@') {
                Some((l, s)) if !l.is_empty() => (l.to_string(), s),
                _ => ("default".to_string(), spec.as_str()),
            };
            let password = if source == "prompt" {
                prompt(&format!("Vault password ({label}): "))?
            } else {
                from_file(Path::new(source), &label)?
            };
            out.push(VaultSecret {
                id: Some(label),
                password,
            });
        }
        for f in files {
            out.push(VaultSecret {
                id: Some("default".into()),
                password: from_file(Path::new(f), "default")?,
            });
        }
        if ask {
            out.push(VaultSecret {
                id: Some("default".into()),
                password: prompt("Vault password: ")?,
            });
        }
        Ok(out)
    }
}

/// A password from a file, or from the output of an executable file.
pub fn from_file(path: &Path, label: &str) -> Result<Secret, VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| {
        VaultError::Secret(format!(
            "The vault password file {} was not found: {e}",
            path.display()
        ))
    })?;
    let raw = if meta.permissions().mode() & 0o111 != 0 && meta.is_file() {
        // A bare file name is a file here, not a program on $PATH.
        let program = if path.components().count() == 1 && path.is_relative() {
            Path::new(".").join(path)
        } else {
            path.to_path_buf()
        };
        let mut cmd = std::process::Command::new(program);
        let client = path
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.ends_with("-client"));
        if client {
            cmd.args(["--vault-id", label]);
        }
        let out = cmd
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| {
                VaultError::Secret(format!(
                    "Problem running vault password script {}: {e}",
                    path.display()
                ))
            })?;
        if !out.status.success() {
            return Err(VaultError::Secret(format!(
                "Vault password script {} returned non-zero ({})",
                path.display(),
                out.status.code().unwrap_or(-1)
            )));
        }
        out.stdout
    } else {
        std::fs::read(path).map_err(|e| {
            VaultError::Secret(format!(
                "Could not read vault password file {}: {e}",
                path.display()
            ))
        })?
    };
    let text = String::from_utf8(raw).map_err(|_| {
        VaultError::Secret(format!(
            "The vault password in {} is not UTF-8",
            path.display()
        ))
    })?;
    let pw = text.trim();
    if pw.is_empty() {
        return Err(VaultError::Secret(format!(
            "Invalid vault password was provided from file ({})",
            path.display()
        )));
    }
    Ok(Secret::new(pw))
}

fn prompt(text: &str) -> Result<Secret, VaultError> {
    let pw = crate::secret::prompt_password(text)
        .map_err(|e| VaultError::Secret(format!("cannot read the vault password: {e}")))?;
    if pw.is_empty() {
        return Err(VaultError::Secret(
            "Invalid vault password was provided".into(),
        ));
    }
    Ok(Secret::new(pw))
}
