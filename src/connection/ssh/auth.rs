//! SSH user authentication: ssh-agent, key files (with a passphrase prompt for encrypted keys,
//! asked once per file for all hosts), the default keys in ~/.ssh, then password. Knows
//! nothing of commands or host keys.

use super::handler::KeyChecker;
use super::target::SshTarget;
use crate::connection::ConnectionError;
use russh::client::Handle;
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Private keys read (and decrypted) once per run, shared by every connection.
#[derive(Default)]
pub struct KeyStore {
    keys: Mutex<HashMap<PathBuf, Option<Arc<PrivateKey>>>>,
}

impl KeyStore {
    /// The key in `path`, asking for its passphrase on the terminal when it is encrypted.
    /// `None` when the file does not exist or cannot be used (reason logged once).
    async fn load(&self, path: &Path) -> Option<Arc<PrivateKey>> {
        // Held across the prompt on purpose: 20 hosts must not ask 20 times.
        let mut keys = self.keys.lock().await;
        if let Some(k) = keys.get(path) {
            return k.clone();
        }
        // The prompt and the key derivation block: keep them off the async workers.
        let owned = path.to_path_buf();
        let key = tokio::task::spawn_blocking(move || read_key(&owned))
            .await
            .ok()
            .flatten()
            .map(Arc::new);
        keys.insert(path.to_path_buf(), key.clone());
        key
    }
}

fn read_key(path: &Path) -> Option<PrivateKey> {
    if !path.exists() {
        return None;
    }
    match russh::keys::load_secret_key(path, None) {
        Ok(k) => Some(k),
        Err(russh::keys::Error::KeyIsEncrypted) => {
            let prompt = format!("Enter passphrase for key '{}': ", path.display());
            let pass = match crate::secret::prompt_password(&prompt) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(
                        "{} is encrypted and no terminal can ask for its passphrase: {e}",
                        path.display()
                    );
                    return None;
                }
            };
            match russh::keys::load_secret_key(path, Some(&pass)) {
                Ok(k) => Some(k),
                Err(e) => {
                    tracing::warn!("cannot decrypt {}: {e}", path.display());
                    None
                }
            }
        }
        Err(e) => {
            tracing::warn!("cannot read private key {}: {e}", path.display());
            None
        }
    }
}

/// The keys OpenSSH tries when none is configured.
fn default_identity_files() -> Vec<PathBuf> {
    let Some(home) = dirs::home_dir() else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .collect()
}

/// The key files offered for `target`, in order: configured ones, then OpenSSH's defaults.
fn candidate_files(target: &SshTarget) -> Vec<PathBuf> {
    let mut files = target.identity_files.clone();
    if !target.identities_only || files.is_empty() {
        files.extend(default_identity_files());
    }
    files
}

/// Reads (and, asking on the terminal, decrypts) every key `target` and its jump hosts may
/// offer. Called before the connect timeout starts: a passphrase typed slowly must not make
/// every host time out.
pub async fn preload(keys: &KeyStore, target: &SshTarget) {
    let jumps = target.jumps.iter().map(|j| SshTarget {
        identity_files: j.identity_files.clone(),
        ..target.clone()
    });
    for t in std::iter::once(target.clone()).chain(jumps) {
        for file in candidate_files(&t) {
            keys.load(&file).await;
        }
    }
}

/// Logs in on an established session; tries each method until one succeeds.
pub async fn authenticate(
    handle: &mut Handle<KeyChecker>,
    target: &SshTarget,
    keys: &KeyStore,
) -> Result<(), ConnectionError> {
    let user = target.endpoint.user.clone();
    let err = |e: russh::Error| ConnectionError::Unreachable(format!("during authentication: {e}"));
    let rsa_hash = handle
        .best_supported_rsa_hash()
        .await
        .map_err(err)?
        .flatten();
    let mut tried = Vec::new();

    if !target.identities_only {
        if let Ok(mut agent) = AgentClient::connect_env().await {
            if let Ok(ids) = agent.request_identities().await {
                for id in ids {
                    let key = id.public_key().into_owned();
                    let hash = if key.algorithm().is_rsa() {
                        rsa_hash
                    } else {
                        None
                    };
                    if let Ok(r) = handle
                        .authenticate_publickey_with(&user, key, hash, &mut agent)
                        .await
                    {
                        if r.success() {
                            return Ok(());
                        }
                    }
                }
                tried.push("ssh-agent");
            }
        }
    }

    for file in &candidate_files(target) {
        let Some(key) = keys.load(file).await else {
            continue;
        };
        let key = PrivateKeyWithHashAlg::new(key, rsa_hash);
        let r = handle
            .authenticate_publickey(&user, key)
            .await
            .map_err(err)?;
        if r.success() {
            return Ok(());
        }
        tried.push("publickey");
    }

    if let Some(pw) = &target.password {
        let r = handle
            .authenticate_password(&user, pw.expose())
            .await
            .map_err(err)?;
        if r.success() {
            return Ok(());
        }
        tried.push("password");
    }

    tried.dedup();
    Err(ConnectionError::Auth(format!(
        "permission denied for {user}@{} (tried: {}). Hint: check ansible_user, \
         ansible_ssh_private_key_file (or --private-key), or pass -k to use a password",
        target.endpoint.host,
        if tried.is_empty() {
            "no usable key or password".to_string()
        } else {
            tried.join(", ")
        }
    )))
}
