//! `user`'s `generate_ssh_key`: the sh that finds the key file under the account's home,
//! reports the key when it exists, and creates it (owned by the user, in a 0700 directory)
//! when it does not, as Ansible does (an existing key is never overwritten). Knows nothing
//! of the other account attributes.

use crate::connection::quote::quote;
use crate::modules::system::common::Report;
use serde_json::{json, Map};

/// The key to generate.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// Key file, relative to the home directory unless absolute.
    pub file: String,
    /// `ssh-keygen -t`.
    pub ktype: String,
    /// `ssh-keygen -b`, when set.
    pub bits: Option<u32>,
    /// The comment; `None`: `ansible-generated on HOSTNAME`.
    pub comment: Option<String>,
    /// The passphrase (empty: none).
    pub passphrase: String,
}

impl KeySpec {
    /// Sets `$k` to the key's path; needs `$e`, the account's passwd line.
    fn locate(&self) -> Vec<u8> {
        let mut s = b"k=".to_vec();
        s.extend(quote(self.file.as_bytes()));
        s.extend_from_slice(
            b"\ncase $k in /*) ;; *) k=\"$(printf '%s\\n' \"$e\" | cut -d: -f6)/$k\";; esac\n",
        );
        s
    }

    /// Reports `ssh_key_file`, and `ssh_fingerprint`/`ssh_public_key` when the key exists.
    pub fn probe(&self) -> Vec<u8> {
        let mut s = self.locate();
        s.extend_from_slice(
            br#"m ssh_key_file "$k"
if [ -e "$k" ]; then
  m ssh_fingerprint "$(ssh-keygen -l -f "$k.pub" 2>/dev/null)"
  m ssh_public_key "$(cat -- "$k.pub" 2>/dev/null)"
fi
"#,
        );
        s
    }

    /// Creates the key unless it exists; needs `$n` (the user name) and `$e`.
    pub fn create(&self) -> Vec<u8> {
        let mut s = self.locate();
        s.extend_from_slice(
            br#"if [ ! -e "$k" ]; then
  g=$(printf '%s\n' "$e" | cut -d: -f4)
  d=$(dirname -- "$k")
  [ -d "$d" ] || { mkdir -p -- "$d" && chmod 700 "$d" && chown "$n:$g" "$d"; } || exit 1
"#,
        );
        match &self.comment {
            Some(c) => {
                s.extend_from_slice(b"  c=");
                s.extend(quote(c.as_bytes()));
                s.push(b'\n');
            }
            None => s.extend_from_slice(b"  c=\"ansible-generated on $(hostname)\"\n"),
        }
        s.extend_from_slice(b"  ssh-keygen -q -t ");
        s.extend(quote(self.ktype.as_bytes()));
        if let Some(b) = self.bits {
            s.extend_from_slice(format!(" -b {b}").as_bytes());
        }
        s.extend_from_slice(b" -C \"$c\" -N ");
        s.extend(quote(self.passphrase.as_bytes()));
        s.extend_from_slice(
            b" -f \"$k\" </dev/null >/dev/null || { echo \"ssh-keygen failed for $k\" >&2; exit 1; }\n  \
              chown \"$n:$g\" \"$k\" \"$k.pub\" || exit 1\nfi\n",
        );
        s
    }
}

/// Whether the probe found the key.
pub fn exists(out: &Report) -> bool {
    out.has("ssh_public_key")
}

/// The result fields Ansible reports for the key.
pub fn fields(out: &Report, fields: &mut Map<String, serde_json::Value>) {
    for k in ["ssh_key_file", "ssh_fingerprint", "ssh_public_key"] {
        if let Some(v) = out.get(k) {
            fields.insert(k.into(), json!(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::system::common;

    /// The report of the key probe run here for an account whose home is `home`.
    fn probed(k: &KeySpec, home: &std::path::Path) -> Report {
        let mut script = format!("e='u:x:0:0::{}:/bin/sh'\n", home.display()).into_bytes();
        script.extend(k.probe());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(common::program(script)).unwrap())
            .output()
            .expect("sh");
        Report::parse("user", &String::from_utf8_lossy(&out.stdout)).unwrap()
    }

    #[test]
    fn the_probe_reports_the_key_file_and_the_key_when_it_exists() {
        let home = tempfile::tempdir().unwrap();
        let k = KeySpec {
            file: ".ssh/id_ed25519".into(),
            ktype: "ed25519".into(),
            bits: None,
            comment: None,
            passphrase: String::new(),
        };
        let path = home.path().join(".ssh/id_ed25519");
        let r = probed(&k, home.path());
        assert_eq!(
            r.get("ssh_key_file"),
            Some(path.display().to_string().as_str())
        );
        assert!(!exists(&r));
        std::fs::create_dir(home.path().join(".ssh")).unwrap();
        std::fs::write(&path, "private").unwrap();
        std::fs::write(
            home.path().join(".ssh/id_ed25519.pub"),
            "ssh-ed25519 AAAA u@h\n",
        )
        .unwrap();
        let r = probed(&k, home.path());
        assert!(exists(&r));
        let mut f = Map::new();
        fields(&r, &mut f);
        assert_eq!(f["ssh_public_key"], json!("ssh-ed25519 AAAA u@h"));
        assert!(f.contains_key("ssh_fingerprint"));
    }

    #[test]
    fn user_values_are_quoted() {
        let k = KeySpec {
            file: ".ssh/id ed".into(),
            ktype: "ed25519".into(),
            bits: None,
            comment: Some("it's me".into()),
            passphrase: String::new(),
        };
        let s = String::from_utf8(k.create()).unwrap();
        assert!(s.contains("k='.ssh/id ed'"), "{s}");
        assert!(s.contains("c='it'\\''s me'"), "{s}");
        assert!(s.contains("-N ''"), "{s}");
    }
}
