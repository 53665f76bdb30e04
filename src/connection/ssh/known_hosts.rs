//! OpenSSH `known_hosts` files: looking a server's host key up, recording a
//! newly accepted key, and printing fingerprints the way `ssh` does.
//!
//! This module reads and writes files only. It opens no sockets, knows nothing
//! about sessions or inventories, and never prompts: deciding what to do with a
//! [`KeyCheck`] under a [`HostKeyPolicy`] is the caller's job.

use super::wildcard::wildcard_match;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use russh::keys::ssh_encoding::base64::{Base64, Encoding};
use russh::keys::{HashAlg, PublicKey};

/// How strictly unknown and changed host keys are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Only keys already present in a known_hosts file are accepted.
    Strict,
    /// Unknown hosts are accepted and recorded; changed keys are refused.
    AcceptNew,
    /// Unknown and changed keys are accepted and nothing is recorded; a `@revoked` key is
    /// still refused, as by `ssh`.
    Off,
}

/// Error returned when a string names no [`HostKeyPolicy`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid host key policy {0:?} (expected strict, accept-new or off)")]
pub struct ParseHostKeyPolicyError(pub String);

impl FromStr for HostKeyPolicy {
    type Err = ParseHostKeyPolicyError;

    /// Accepts `strict`/`yes`/`true`, `accept-new`, `off`/`no`/`false`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "strict" | "yes" | "true" => Ok(HostKeyPolicy::Strict),
            "accept-new" => Ok(HostKeyPolicy::AcceptNew),
            "off" | "no" | "false" => Ok(HostKeyPolicy::Off),
            _ => Err(ParseHostKeyPolicyError(s.to_string())),
        }
    }
}

impl fmt::Display for HostKeyPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostKeyPolicy::Strict => "strict",
            HostKeyPolicy::AcceptNew => "accept-new",
            HostKeyPolicy::Off => "off",
        })
    }
}

/// Outcome of looking a host key up in known_hosts files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// A matching entry exists.
    Known,
    /// No entry for this host (and key type).
    Unknown,
    /// An entry for this host with the same key algorithm holds another key.
    Changed {
        /// File holding the offending entry.
        file: PathBuf,
        /// 1-based line number of the offending entry.
        line: usize,
        /// Fingerprint of the recorded key (`SHA256:...`).
        expected_fingerprint: String,
    },
    /// A `@revoked` entry for this host holds exactly this key.
    Revoked {
        /// File holding the `@revoked` entry.
        file: PathBuf,
        /// 1-based line number of the `@revoked` entry.
        line: usize,
    },
}

/// The name a host is known under: `host` for port 22, `[host]:port` otherwise.
fn host_port_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Looks the host up in each file in order. The host name is `host` for port
/// 22 and `[host]:port` otherwise (OpenSSH rules). Supports plain entries with
/// comma-separated names and wildcard patterns (`*`, `?`, `!neg`), hashed
/// `|1|salt|hash` entries, `[host]:port`, `@revoked`; `@cert-authority` lines
/// are skipped. Missing files are fine. An entry whose key type differs does
/// not count as Changed (OpenSSH: it is "a different key type" -> treat as
/// Unknown unless some other entry matches).
///
/// As in OpenSSH all files are considered together: a matching key anywhere
/// makes the host [`KeyCheck::Known`] even if another entry holds a different
/// key of the same type, and a matching `@revoked` entry wins over everything.
/// Lines that cannot be parsed are skipped.
pub fn check(files: &[PathBuf], host: &str, port: u16, key: &PublicKey) -> io::Result<KeyCheck> {
    let name = host_port_name(host, port);
    let algorithm = key.algorithm();
    let mut known = false;
    let mut changed: Option<KeyCheck> = None;

    for file in files {
        let bytes = match fs::read(file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("reading {}: {e}", file.display()),
                ))
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        for (index, raw) in text.lines().enumerate() {
            let Some(entry) = parse_line(raw) else {
                continue;
            };
            if entry.marker == Marker::CertAuthority || !hosts_match(entry.hosts, &name) {
                continue;
            }
            let recorded = match russh::keys::parse_public_key_base64(entry.key_base64) {
                Ok(recorded) => recorded,
                Err(e) => {
                    tracing::debug!(
                        "{}:{}: skipping unparsable host key: {e}",
                        file.display(),
                        index + 1
                    );
                    continue;
                }
            };
            if recorded.algorithm().as_str() != entry.key_type {
                tracing::debug!(
                    "{}:{}: skipping entry whose key type does not match its key",
                    file.display(),
                    index + 1
                );
                continue;
            }
            let same_key = recorded.key_data() == key.key_data();
            match entry.marker {
                Marker::Revoked if same_key => {
                    return Ok(KeyCheck::Revoked {
                        file: file.clone(),
                        line: index + 1,
                    })
                }
                Marker::Revoked | Marker::CertAuthority => {}
                Marker::None if same_key => known = true,
                Marker::None if recorded.algorithm() == algorithm && changed.is_none() => {
                    changed = Some(KeyCheck::Changed {
                        file: file.clone(),
                        line: index + 1,
                        expected_fingerprint: fingerprint(&recorded),
                    });
                }
                Marker::None => {}
            }
        }
    }
    if known {
        Ok(KeyCheck::Known)
    } else {
        Ok(changed.unwrap_or(KeyCheck::Unknown))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

/// One syntactically plausible known_hosts line, borrowed from the file text.
#[derive(Debug)]
struct Entry<'a> {
    marker: Marker,
    hosts: &'a str,
    key_type: &'a str,
    key_base64: &'a str,
}

/// Splits a line into marker, host patterns, key type and key; `None` for
/// blank lines, comments, unknown markers and truncated lines.
fn parse_line(line: &str) -> Option<Entry<'_>> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_ascii_whitespace();
    let mut first = fields.next()?;
    let marker = if let Some(name) = first.strip_prefix('@') {
        first = fields.next()?;
        match name.to_ascii_lowercase().as_str() {
            "revoked" => Marker::Revoked,
            "cert-authority" => Marker::CertAuthority,
            _ => return None,
        }
    } else {
        Marker::None
    };
    Some(Entry {
        marker,
        hosts: first,
        key_type: fields.next()?,
        key_base64: fields.next()?,
    })
}

/// OpenSSH `match_hostname`: a comma-separated list of (possibly hashed or
/// negated) patterns matches when some positive pattern matches and no
/// negated one does. `name` is already lowercased.
fn hosts_match(patterns: &str, name: &str) -> bool {
    let mut matched = false;
    for pattern in patterns.split(',') {
        if pattern.starts_with('|') {
            if hashed_match(pattern, name) {
                matched = true;
            }
            continue;
        }
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        if pattern.is_empty() {
            continue;
        }
        if wildcard_match(&pattern.to_ascii_lowercase(), name) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

/// Matches a `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` entry.
fn hashed_match(entry: &str, name: &str) -> bool {
    let Some(rest) = entry.strip_prefix("|1|") else {
        return false;
    };
    let Some((salt, hash)) = rest.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (Base64::decode_vec(salt), Base64::decode_vec(hash)) else {
        return false;
    };
    hash.len() == 20 && hmac_sha1(&salt, name.as_bytes()).as_slice() == hash.as_slice()
}

/// Serialises concurrent [`record`] calls of this process (read-modify-rename
/// would otherwise lose lines).
static RECORD_LOCK: Mutex<()> = Mutex::new(());

/// Appends `name key-type base64` to `file` atomically: write a temp file in
/// the same directory with the old content plus the new line, fsync, rename
/// over; creates the file and parent dir (mode 0700 dir / 0600 file) when
/// missing. Uses the plain `host` or `[host]:port` name (not hashed).
///
/// A symlinked `file` is resolved and its target replaced. When `file` is a
/// character device such as `/dev/null` (`UserKnownHostsFile /dev/null`),
/// nothing is written; other non-regular files are refused. An existing
/// file keeps its permissions. Host names containing whitespace, commas,
/// wildcards or a leading `|`, `@`, `!`, `#` are refused (`InvalidInput`)
/// because they would corrupt the file or change the meaning of the entry.
pub fn record(file: &Path, host: &str, port: u16, key: &PublicKey) -> io::Result<()> {
    validate_host(host)?;
    let mut bare = key.clone();
    bare.set_comment("");
    let key_text = bare
        .to_openssh()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("encoding key: {e}")))?;
    let new_line = format!("{} {}\n", host_port_name(host, port), key_text.trim());

    let _guard = RECORD_LOCK.lock().unwrap_or_else(|e| e.into_inner());

    let target = match fs::symlink_metadata(file) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(file)?,
        _ => file.to_path_buf(),
    };
    if fs::metadata(&target).is_ok_and(|meta| is_char_device(&meta)) {
        return Ok(());
    }

    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir)?;
    // Another rsible process may be recording into the same file: read, write and rename
    // under its directory's lock, or one of the two would drop the other's line.
    let _dir_lock = lock_dir(&dir)?;

    let existing = match fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", target.display()),
        ));
    }

    let mut content = match &existing {
        Some(_) => fs::read(&target)?,
        None => Vec::new(),
    };
    if !content.is_empty() && !content.ends_with(b"\n") {
        content.push(b'\n');
    }
    content.extend_from_slice(new_line.as_bytes());

    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "known_hosts".to_string());
    let (tmp_path, mut tmp) = create_temp(&dir, &file_name)?;
    let result = (|| {
        tmp.write_all(&content)?;
        if let Some(meta) = &existing {
            tmp.set_permissions(meta.permissions())?;
        }
        tmp.sync_all()?;
        drop(tmp);
        fs::rename(&tmp_path, &target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(e);
    }
    // Make the rename itself durable; not every platform can open directories.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn validate_host(host: &str) -> io::Result<()> {
    let bad = host.is_empty()
        || host.starts_with(['|', '@', '!', '#'])
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '*' | '?'));
    if bad {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to record host key for invalid host name {host:?}"),
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn is_char_device(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_char_device()
}

#[cfg(not(unix))]
fn is_char_device(_meta: &fs::Metadata) -> bool {
    false
}

/// Takes an exclusive advisory lock (`flock`) on `dir`, held until the returned handle drops.
/// It serialises [`record`] across processes; the lock is on the directory because the file
/// itself is replaced by each rename.
fn lock_dir(dir: &Path) -> io::Result<fs::File> {
    let handle = fs::File::open(dir)?;
    handle.lock()?;
    Ok(handle)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates a fresh temp file (mode 0600) next to the target.
fn create_temp(dir: &Path, file_name: &str) -> io::Result<(PathBuf, fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let mut last_err = None;
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{file_name}.rsible-{pid}-{n}.tmp"));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("could not create temporary file")))
}

/// The SHA256 fingerprint as OpenSSH prints it: "SHA256:base64nopad".
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The user's default files: ~/.ssh/known_hosts (and ~/.ssh/known_hosts2 if present).
///
/// Empty when the home directory cannot be determined.
pub fn default_files() -> Vec<PathBuf> {
    let Some(home) = dirs::home_dir() else {
        return Vec::new();
    };
    let ssh = home.join(".ssh");
    let mut files = vec![ssh.join("known_hosts")];
    let second = ssh.join("known_hosts2");
    if second.exists() {
        files.push(second);
    }
    files
}

/// HMAC-SHA1 of `data` under `key`: how OpenSSH hashes known_hosts names.
fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, KeyInit, Mac};
    match Hmac::<sha1::Sha1>::new_from_slice(key) {
        Ok(mac) => mac.chain_update(data).finalize().into_bytes().to_vec(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::keys::ssh_key::public::Ed25519PublicKey;

    /// Generated with `ssh-keygen -t ed25519`.
    const ED25519: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIK2ENSrCfn/keZ1ZbGStA6apLwB0vwWXhUCUy9KzXaHf";
    /// Its fingerprint as printed by `ssh-keygen -lf`.
    const ED25519_FP: &str = "SHA256:cyFZAlUtrM/Z/Oq+cOUE+22IG/Vpqfx6aqhlNP7AZhY";
    /// Generated with `ssh-keygen -t ecdsa -b 256`.
    const ECDSA: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKP1FDO09R0HUEHCxPtsY2039QHQhD48Njery7HGLQOakjqtmD21N5ouoPKUAc5gzIov0F0zc1TLJp2i8wcY02g=";

    fn ed25519() -> PublicKey {
        russh::keys::parse_public_key_base64(ED25519).unwrap()
    }

    fn other_ed25519(seed: u8) -> PublicKey {
        PublicKey::from(Ed25519PublicKey([seed; 32]))
    }

    fn ecdsa() -> PublicKey {
        russh::keys::parse_public_key_base64(ECDSA).unwrap()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn line_for(key: &PublicKey) -> String {
        let mut k = key.clone();
        k.set_comment("");
        k.to_openssh().unwrap()
    }

    #[test]
    fn policy_from_str() {
        assert_eq!("STRICT".parse::<HostKeyPolicy>(), Ok(HostKeyPolicy::Strict));
        assert_eq!("yes".parse::<HostKeyPolicy>(), Ok(HostKeyPolicy::Strict));
        assert_eq!("True".parse::<HostKeyPolicy>(), Ok(HostKeyPolicy::Strict));
        assert_eq!(
            "accept-new".parse::<HostKeyPolicy>(),
            Ok(HostKeyPolicy::AcceptNew)
        );
        assert_eq!("Off".parse::<HostKeyPolicy>(), Ok(HostKeyPolicy::Off));
        assert_eq!("no".parse::<HostKeyPolicy>(), Ok(HostKeyPolicy::Off));
        assert_eq!("false".parse::<HostKeyPolicy>(), Ok(HostKeyPolicy::Off));
        assert!("ask".parse::<HostKeyPolicy>().is_err());
        assert_eq!(HostKeyPolicy::AcceptNew.to_string(), "accept-new");
    }

    #[test]
    fn fingerprint_matches_ssh_keygen() {
        assert_eq!(fingerprint(&ed25519()), ED25519_FP);
    }

    #[test]
    fn hmac_matches_rfc_2202() {
        let hex: String = hmac_sha1(b"Jefe", b"what do ya want for nothing?")
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect();
        assert_eq!(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn plain_hit_among_comma_separated_names() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "kh",
            &format!("# comment\n\nother.example {ED25519_LINE}\nweb1,10.0.0.1,Example.COM {ED25519_LINE} comment\n",
                ED25519_LINE = format!("ssh-ed25519 {ED25519}")),
        );
        let files = vec![f];
        assert_eq!(
            check(&files, "example.com", 22, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "10.0.0.1", 22, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "web2", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
    }

    #[test]
    fn wildcard_hit_and_negation() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "kh",
            &format!("*.lan,!bad.lan,db? ssh-ed25519 {ED25519}\n"),
        );
        let files = vec![f];
        assert_eq!(
            check(&files, "web.lan", 22, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "db1", 22, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "db12", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
        assert_eq!(
            check(&files, "bad.lan", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
        assert!(wildcard_match("a*b*c", "aXXbYc"));
        assert!(!wildcard_match("a*b*c", "aXXbY"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn bracketed_port_hit_and_miss_on_port_22() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "kh",
            &format!("[h]:2222 ssh-ed25519 {ED25519}\n"),
        );
        let files = vec![f];
        assert_eq!(
            check(&files, "h", 2222, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "h", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
        assert_eq!(
            check(&files, "h", 2200, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
    }

    #[test]
    fn hashed_hit_built_in_test() {
        let salt = [7u8; 20];
        let hash = hmac_sha1(&salt, b"[secret.example]:2022");
        let entry = format!(
            "|1|{}|{} ssh-ed25519 {ED25519}\n",
            Base64::encode_string(&salt),
            Base64::encode_string(&hash)
        );
        let dir = tempfile::tempdir().unwrap();
        let files = vec![write(dir.path(), "kh", &entry)];
        assert_eq!(
            check(&files, "secret.example", 2022, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "secret.example", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
    }

    #[test]
    fn hashed_entries_from_ssh_keygen() {
        // `ssh-keygen -H` output for "example.com" and "[example.com]:2222".
        let text = format!(
            "|1|hnAaIx7R2RMGI5EGJxAOdyvpVW4=|cAOsQ+NgeQI8vZO4KfgzcRmvAnU= ssh-ed25519 {ED25519}\n\
             |1|DPRhJk7aKgMUiWr1JMcRZ2/Ggsg=|pVaRAt5G69b7yE7BD6gDGEFmTyM= ssh-ed25519 {ED25519}\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let files = vec![write(dir.path(), "kh", &text)];
        assert_eq!(
            check(&files, "example.com", 22, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "example.com", 2222, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(&files, "example.com", 2223, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
        assert_eq!(
            check(&files, "example.org", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
    }

    #[test]
    fn changed_key_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), "first", "unrelated ssh-ed25519 AAAA\n");
        let old = other_ed25519(9);
        let second = write(
            dir.path(),
            "second",
            &format!("# header\nhost1 {}\n", line_for(&old)),
        );
        let files = vec![dir.path().join("missing"), first, second.clone()];
        assert_eq!(
            check(&files, "host1", 22, &ed25519()).unwrap(),
            KeyCheck::Changed {
                file: second,
                line: 2,
                expected_fingerprint: fingerprint(&old),
            }
        );
    }

    #[test]
    fn matching_key_elsewhere_wins_over_changed() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a",
            &format!("host1 {}\n", line_for(&other_ed25519(1))),
        );
        let b = write(dir.path(), "b", &format!("host1 ssh-ed25519 {ED25519}\n"));
        assert_eq!(
            check(&[a, b], "host1", 22, &ed25519()).unwrap(),
            KeyCheck::Known
        );
    }

    #[test]
    fn different_key_type_is_unknown_not_changed() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "kh",
            &format!("host1 ecdsa-sha2-nistp256 {ECDSA}\n"),
        );
        let files = vec![f];
        assert_eq!(
            check(&files, "host1", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
        assert_eq!(
            check(&files, "host1", 22, &ecdsa()).unwrap(),
            KeyCheck::Known
        );
    }

    #[test]
    fn revoked_wins_and_cert_authority_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "kh",
            &format!(
                "@cert-authority * ssh-ed25519 {ED25519}\nhost1 ssh-ed25519 {ED25519}\n@revoked * ssh-ed25519 {ED25519}\n"
            ),
        );
        let files = vec![f.clone()];
        assert_eq!(
            check(&files, "host1", 22, &ed25519()).unwrap(),
            KeyCheck::Revoked { file: f, line: 3 }
        );
        // The CA line alone does not make a host known.
        let g = write(
            dir.path(),
            "ca",
            &format!("@cert-authority * ssh-ed25519 {ED25519}\n"),
        );
        assert_eq!(
            check(&[g], "host2", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "kh",
            &format!("host1\nhost1 ssh-ed25519\nhost1 ssh-ed25519 !!!notbase64\n@weird host1 ssh-ed25519 {ED25519}\n|1|x|y ssh-ed25519 {ED25519}\n"),
        );
        assert_eq!(
            check(&[f], "host1", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
    }

    #[test]
    fn record_then_check_known() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/.ssh/known_hosts");
        record(&file, "Web1", 2222, &ed25519()).unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert_eq!(text, format!("[web1]:2222 ssh-ed25519 {ED25519}\n"));
        assert_eq!(
            check(std::slice::from_ref(&file), "web1", 2222, &ed25519()).unwrap(),
            KeyCheck::Known
        );
        assert_eq!(
            check(std::slice::from_ref(&file), "web1", 22, &ed25519()).unwrap(),
            KeyCheck::Unknown
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dmode = fs::metadata(file.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dmode, 0o700);
        }
    }

    #[test]
    fn record_keeps_old_lines_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "known_hosts", "# keep me\nold ssh-ed25519 AAAA");
        record(&file, "new.example", 22, &ecdsa()).unwrap();
        record(&file, "::1", 2200, &ed25519()).unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert_eq!(
            text,
            format!(
                "# keep me\nold ssh-ed25519 AAAA\nnew.example ecdsa-sha2-nistp256 {ECDSA}\n[::1]:2200 ssh-ed25519 {ED25519}\n"
            )
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "temp files left behind: {names:?}");
        assert_eq!(
            check(&[file], "::1", 2200, &ed25519()).unwrap(),
            KeyCheck::Known
        );
    }

    #[cfg(unix)]
    #[test]
    fn record_through_symlink_and_dev_null() {
        let dir = tempfile::tempdir().unwrap();
        let real = write(dir.path(), "real", "a ssh-ed25519 AAAA\n");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        record(&link, "b", 22, &ed25519()).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::read_to_string(&real)
            .unwrap()
            .ends_with(&format!("b ssh-ed25519 {ED25519}\n")));
        record(Path::new("/dev/null"), "b", 22, &ed25519()).unwrap();
        assert!(Path::new("/dev/null").exists());
    }

    #[test]
    fn record_waits_for_another_process_holding_the_directory_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "kh", "old ssh-ed25519 AAAA\n");
        // A separate open file description conflicts like another process's lock would.
        let held = fs::File::open(dir.path()).unwrap();
        held.lock().unwrap();
        let writer = {
            let file = file.clone();
            std::thread::spawn(move || record(&file, "new", 22, &ed25519()))
        };
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "old ssh-ed25519 AAAA\n",
            "record must wait for the lock"
        );
        held.unlock().unwrap();
        writer.join().unwrap().unwrap();
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            format!("old ssh-ed25519 AAAA\nnew ssh-ed25519 {ED25519}\n")
        );
    }

    #[test]
    fn record_refuses_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kh");
        for bad in ["", "a b", "a,b", "*", "|1|x", "@revoked", "!x", "a\nb"] {
            let err = record(&file, bad, 22, &ed25519()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(!file.exists());
    }

    #[test]
    fn default_files_start_with_known_hosts() {
        if let Some(home) = dirs::home_dir() {
            let files = default_files();
            assert_eq!(files[0], home.join(".ssh").join("known_hosts"));
        }
    }
}
