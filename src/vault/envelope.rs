//! The vault envelope: a `$ANSIBLE_VAULT;1.1;AES256` (or `1.2;AES256;ID`) header line, then the
//! payload hex-encoded once more and wrapped at 80 columns. Knows nothing of the cipher.

use super::aes256::{hex, unhex};
use super::VaultError;

const HEADER: &str = "$ANSIBLE_VAULT";

/// A parsed envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The vault id of a 1.2 envelope.
    pub id: Option<String>,
    /// The cipher's payload (`hex(salt)\nhex(hmac)\nhex(ciphertext)`).
    pub payload: Vec<u8>,
}

/// Whether `text` starts with a vault header (leading whitespace allowed).
pub fn is_encrypted(text: &[u8]) -> bool {
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    text[start..].starts_with(HEADER.as_bytes())
}

impl Envelope {
    /// Reads an envelope; its lines may carry indentation (an inline `!vault` value).
    pub fn parse(text: &[u8]) -> Result<Envelope, VaultError> {
        let text = std::str::from_utf8(text)
            .map_err(|_| VaultError::Format("the vault text is not UTF-8".into()))?;
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let header = lines
            .next()
            .ok_or_else(|| VaultError::Format("empty vault text".into()))?;
        let fields: Vec<&str> = header.split(';').map(str::trim).collect();
        if fields.first() != Some(&HEADER) || fields.len() < 3 {
            return Err(VaultError::Format(format!(
                "the first line is not a vault header: {header:.40}"
            )));
        }
        let id = match fields[1] {
            "1.1" | "1.0" => None,
            "1.2" => Some(
                fields
                    .get(3)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        VaultError::Format("a 1.2 vault header needs a vault id".into())
                    })?
                    .to_string(),
            ),
            v => return Err(VaultError::Format(format!("unsupported vault version {v}"))),
        };
        if fields[2] != "AES256" {
            return Err(VaultError::Format(format!(
                "unsupported vault cipher {}",
                fields[2]
            )));
        }
        let body: String = lines.collect();
        let payload = unhex(body.as_bytes())
            .ok_or_else(|| VaultError::Format("the vault body is not hex".into()))?;
        Ok(Envelope { id, payload })
    }

    /// The envelope as ansible-vault writes it, ending with a newline.
    pub fn format(&self) -> String {
        let mut s = match &self.id {
            Some(id) => format!("{HEADER};1.2;AES256;{id}\n"),
            None => format!("{HEADER};1.1;AES256\n"),
        };
        let body = hex(&self.payload);
        for chunk in body.as_bytes().chunks(80) {
            s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            s.push('\n');
        }
        s
    }
}
