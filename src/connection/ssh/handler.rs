//! The russh client handler: verifies the server's host key against known_hosts under the
//! configured policy, and records why the session ended. Knows nothing of commands or
//! authentication.

use super::known_hosts::{self, HostKeyPolicy, KeyCheck};
use russh::client::DisconnectReason;
use russh::keys::PublicKey;
use russh::keys::PublicKeyOrCertificate;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Errors raised inside the SSH session.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Protocol or network failure.
    #[error("{0}")]
    Ssh(#[from] russh::Error),
    /// The host key was refused; the message says why and what to do.
    #[error("{0}")]
    HostKey(String),
}

/// Checks host keys for one endpoint.
pub struct KeyChecker {
    /// Host name as the user wrote it (ansible_host or the hop's name).
    pub host: String,
    /// Port, for `[host]:port` entries.
    pub port: u16,
    /// Files to look in.
    pub files: Vec<PathBuf>,
    /// What to do with unknown and changed keys.
    pub policy: HostKeyPolicy,
    /// Set when the session ends: why (the server said goodbye, keepalives went unanswered,
    /// the connection was reset). The connection adds it to the error of a command the end
    /// interrupted, which otherwise only sees its channel close.
    pub ended: Arc<Mutex<Option<String>>>,
}

impl KeyChecker {
    fn verify(&self, key: &PublicKey) -> Result<(), HandlerError> {
        let fp = known_hosts::fingerprint(key);
        let algo = key.algorithm().to_string();
        let check = known_hosts::check(&self.files, &self.host, self.port, key);
        // `off` accepts unknown and changed keys, but (as OpenSSH) never a revoked one.
        let check = match (self.policy, check) {
            (HostKeyPolicy::Off, Ok(KeyCheck::Revoked { file, line })) => {
                KeyCheck::Revoked { file, line }
            }
            (HostKeyPolicy::Off, _) => return Ok(()),
            (_, check) => {
                check.map_err(|e| HandlerError::HostKey(format!("cannot read known_hosts: {e}")))?
            }
        };
        let name = if self.port == 22 {
            self.host.clone()
        } else {
            format!("[{}]:{}", self.host, self.port)
        };
        match check {
            KeyCheck::Known => Ok(()),
            KeyCheck::Unknown if self.policy == HostKeyPolicy::AcceptNew => {
                let file = self.files.first().ok_or_else(|| {
                    HandlerError::HostKey("no known_hosts file to record the new key in".into())
                })?;
                known_hosts::record(file, &self.host, self.port, key).map_err(|e| {
                    HandlerError::HostKey(format!(
                        "cannot record the host key of {name} in {}: {e}",
                        file.display()
                    ))
                })?;
                tracing::warn!("permanently added {name} ({algo} {fp}) to {}", file.display());
                Ok(())
            }
            KeyCheck::Unknown => Err(HandlerError::HostKey(format!(
                "host key verification failed: {name} is not in {} (its {algo} key is {fp}). \
                 Hint: check the fingerprint, then add it with `ssh-keyscan -p {} {} >> ~/.ssh/known_hosts`, \
                 or run once with --host-key-checking accept-new",
                display_files(&self.files),
                self.port,
                self.host
            ))),
            KeyCheck::Changed {
                file,
                line,
                expected_fingerprint,
            } => Err(HandlerError::HostKey(format!(
                "REMOTE HOST IDENTIFICATION HAS CHANGED for {name}: it offers {algo} {fp}, \
                 but {}:{line} records {expected_fingerprint}. This may be an attack or a reinstalled host. \
                 Hint: if the change is expected, remove the old entry with `ssh-keygen -R {name}`",
                file.display()
            ))),
            KeyCheck::Revoked { file, line } => Err(HandlerError::HostKey(format!(
                "the host key of {name} ({fp}) is marked @revoked in {}:{line}",
                file.display()
            ))),
        }
    }
}

fn display_files(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    if names.is_empty() {
        "any known_hosts file".into()
    } else {
        names.join(", ")
    }
}

impl russh::client::Handler for KeyChecker {
    type Error = HandlerError;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.verify(key).map(|()| true),
            PublicKeyOrCertificate::Certificate(_) => Err(HandlerError::HostKey(format!(
                "{} presented a host certificate; rsible verifies plain host keys only",
                self.host
            ))),
        }
    }

    async fn disconnected(
        &mut self,
        reason: DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        let why = match &reason {
            DisconnectReason::ReceivedDisconnect(info) => {
                format!("the server disconnected ({})", info.message)
            }
            DisconnectReason::Error(HandlerError::Ssh(russh::Error::KeepaliveTimeout)) => {
                "the host stopped answering (keepalive timeout)".into()
            }
            DisconnectReason::Error(e) => e.to_string(),
        };
        if let Ok(mut slot) = self.ended.lock() {
            slot.get_or_insert(why);
        }
        // russh's default: a goodbye is a clean end, an error stays an error.
        match reason {
            DisconnectReason::ReceivedDisconnect(_) => Ok(()),
            DisconnectReason::Error(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::keys::ssh_key::public::Ed25519PublicKey;

    fn key(seed: u8) -> PublicKey {
        PublicKey::from(Ed25519PublicKey([seed; 32]))
    }

    fn checker(text: &str, policy: HostKeyPolicy) -> (tempfile::TempDir, KeyChecker) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kh");
        std::fs::write(&file, text).unwrap();
        let c = KeyChecker {
            host: "h".into(),
            port: 22,
            files: vec![file],
            policy,
            ended: Default::default(),
        };
        (dir, c)
    }

    #[test]
    fn policy_off_still_refuses_a_revoked_key() {
        let line = key(1).to_openssh().unwrap();
        for policy in [
            HostKeyPolicy::Strict,
            HostKeyPolicy::AcceptNew,
            HostKeyPolicy::Off,
        ] {
            let (_dir, c) = checker(&format!("h {line}\n@revoked * {line}\n"), policy);
            let err = c.verify(&key(1)).unwrap_err().to_string();
            assert!(err.contains("@revoked"), "{policy}: {err}");
        }
    }

    #[test]
    fn policy_off_accepts_changed_and_unknown_keys_and_records_nothing() {
        let text = format!("h {}\n", key(1).to_openssh().unwrap());
        let (_dir, c) = checker(&text, HostKeyPolicy::Off);
        c.verify(&key(2)).unwrap();
        let (_dir2, c2) = checker("", HostKeyPolicy::Off);
        c2.verify(&key(3)).unwrap();
        assert_eq!(std::fs::read_to_string(&c2.files[0]).unwrap(), "");
        let (_dir3, strict) = checker(&text, HostKeyPolicy::AcceptNew);
        assert!(strict
            .verify(&key(2))
            .unwrap_err()
            .to_string()
            .contains("CHANGED"));
    }
}
