//! The AES256 vault cipher: PBKDF2-HMAC-SHA256 (10,000 rounds, 32-byte salt) derives an AES
//! key, an HMAC key and a counter; the plaintext, PKCS#7-padded, is encrypted with AES-256-CTR
//! and authenticated with HMAC-SHA256 over the ciphertext. The payload is ansible-vault's:
//! `hex(salt) \n hex(hmac) \n hex(ciphertext)`. Knows nothing of envelopes' headers.

use super::VaultError;
use aes::Aes256;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const ROUNDS: u32 = 10_000;

struct Keys {
    cipher: [u8; 32],
    mac: [u8; 32],
    iv: [u8; 16],
}

fn derive(password: &[u8], salt: &[u8]) -> Keys {
    let mut out = [0u8; 80];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, ROUNDS, &mut out);
    let mut k = Keys {
        cipher: [0; 32],
        mac: [0; 32],
        iv: [0; 16],
    };
    k.cipher.copy_from_slice(&out[..32]);
    k.mac.copy_from_slice(&out[32..64]);
    k.iv.copy_from_slice(&out[64..]);
    k
}

fn ctr(keys: &Keys, data: &mut [u8]) -> Result<(), VaultError> {
    let mut c = ctr::Ctr128BE::<Aes256>::new_from_slices(&keys.cipher, &keys.iv)
        .map_err(|e| VaultError::Format(format!("cipher setup: {e}")))?;
    c.apply_keystream(data);
    Ok(())
}

fn mac(keys: &Keys) -> Result<Hmac<Sha256>, VaultError> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(&keys.mac)
        .map_err(|e| VaultError::Format(format!("hmac setup: {e}")))
}

/// Encrypts `plain` under `password` with a fresh random salt; returns the payload bytes.
pub(super) fn encrypt(plain: &[u8], password: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut salt = [0u8; 32];
    random(&mut salt)?;
    encrypt_with_salt(plain, password, &salt)
}

fn encrypt_with_salt(plain: &[u8], password: &[u8], salt: &[u8]) -> Result<Vec<u8>, VaultError> {
    let keys = derive(password, salt);
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    ctr(&keys, &mut data)?;
    let mut m = mac(&keys)?;
    m.update(&data);
    let tag = m.finalize().into_bytes();
    let mut out = Vec::new();
    out.extend(hex(salt).bytes());
    out.push(b'\n');
    out.extend(hex(&tag).bytes());
    out.push(b'\n');
    out.extend(hex(&data).bytes());
    Ok(out)
}

/// Decrypts a payload: `Ok(None)` when the password does not match (the HMAC differs).
pub(super) fn decrypt(payload: &[u8], password: &[u8]) -> Result<Option<Vec<u8>>, VaultError> {
    let mut parts = payload.split(|b| *b == b'\n');
    let mut next = |what: &str| {
        parts
            .next()
            .and_then(unhex)
            .ok_or_else(|| VaultError::Format(format!("the payload's {what} is not hex")))
    };
    let (salt, tag, mut data) = (next("salt")?, next("hmac")?, next("ciphertext")?);
    let keys = derive(password, &salt);
    let mut m = mac(&keys)?;
    m.update(&data);
    if m.verify_slice(&tag).is_err() {
        return Ok(None);
    }
    ctr(&keys, &mut data)?;
    let pad = usize::from(*data.last().unwrap_or(&0));
    if pad == 0 || pad > 16 || pad > data.len() {
        return Err(VaultError::Format("bad padding after decryption".into()));
    }
    data.truncate(data.len() - pad);
    Ok(Some(data))
}

/// Lowercase hex.
pub(super) fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// Hex to bytes (either case); `None` when not hex.
pub(super) fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16);
            Some((d(p[0])? * 16 + d(p[1])?) as u8)
        })
        .collect()
}

fn random(buf: &mut [u8]) -> Result<(), VaultError> {
    crate::random::fill(buf)
        .map_err(|e| VaultError::Secret(format!("cannot read /dev/urandom: {e}")))
}

#[cfg(test)]
pub(super) fn encrypt_fixed(plain: &[u8], password: &[u8], salt: &[u8]) -> Vec<u8> {
    encrypt_with_salt(plain, password, salt).expect("encrypt")
}
