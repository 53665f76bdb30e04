//! Ansible Vault, compatible with ansible-vault: the `$ANSIBLE_VAULT;1.1;AES256` and `1.2`
//! (vault id) envelopes, AES-256-CTR with PBKDF2-SHA256 keys and an HMAC-SHA256 check, and the
//! passwords that open them (files, executables, prompts, vault ids). Plaintext lives only in
//! memory. Knows nothing of playbooks, inventories or the command line.

mod aes256;
mod envelope;
mod secrets;

pub use envelope::{is_encrypted, Envelope};
pub use secrets::{VaultSecret, VaultSecrets};

/// Why a vault could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The text is not a vault envelope, or its payload is damaged.
    #[error("not a valid vault: {0}")]
    Format(String),
    /// No password matched (wrong password, or the vault id has no secret).
    #[error("Decryption failed (no vault secrets were found that could decrypt)")]
    NoMatch,
    /// A vault was found but no password was given.
    #[error("Attempting to decrypt but no vault secrets found (give --vault-password-file, --vault-id or --ask-vault-pass)")]
    NoSecrets,
    /// A password source could not be read.
    #[error("{0}")]
    Secret(String),
}

static INSTALLED: std::sync::OnceLock<VaultSecrets> = std::sync::OnceLock::new();

/// Makes `secrets` the passwords every loader uses (the command line's, set once at start,
/// as Ansible's loader holds its vault secrets). A second call is ignored.
pub fn install(secrets: VaultSecrets) {
    let _ = INSTALLED.set(secrets);
}

/// The passwords given on the command line (none when nothing was installed).
pub fn installed() -> &'static VaultSecrets {
    static NONE: std::sync::OnceLock<VaultSecrets> = std::sync::OnceLock::new();
    INSTALLED
        .get()
        .unwrap_or_else(|| NONE.get_or_init(VaultSecrets::default))
}

/// Decrypts vault `text` with the first secret that opens it (the one whose id the envelope
/// names first, as ansible-vault does).
pub fn decrypt(text: &[u8], secrets: &VaultSecrets) -> Result<Vec<u8>, VaultError> {
    let env = Envelope::parse(text)?;
    if secrets.is_empty() {
        return Err(VaultError::NoSecrets);
    }
    for s in secrets.in_order_for(env.id.as_deref()) {
        if let Some(plain) = aes256::decrypt(&env.payload, s.password.expose().as_bytes())? {
            return Ok(plain);
        }
    }
    Err(VaultError::NoMatch)
}

/// Encrypts `plain` with `secret`: a 1.1 envelope, or 1.2 when the secret has a vault id
/// other than `default`.
pub fn encrypt(plain: &[u8], secret: &VaultSecret) -> Result<String, VaultError> {
    let payload = aes256::encrypt(plain, secret.password.expose().as_bytes())?;
    let id = secret.id.clone().filter(|i| i != "default");
    Ok(Envelope { id, payload }.format())
}

#[cfg(test)]
mod tests;
