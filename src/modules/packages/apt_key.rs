//! `apt_key` (deprecated upstream: `apt-key` is gone from Debian 13 and Ubuntu 24.04): rsible
//! keeps playbooks that use it working without `apt-key` or gpg on the target by storing the
//! key as a file apt reads: `keyring` when given, else
//! `/etc/apt/trusted.gpg.d/<id>.asc` (`.gpg` when the key is not ASCII-armored; without `id`
//! the name is `rsible-` and a hash of the source). The key comes from `data` (sent over
//! stdin), `file` (a path on the target) or `url` (downloaded by the target). The file is
//! replaced atomically only when its content differs. Every result carries a deprecation
//! warning in its `warnings` field (the engine shows it as a `[WARNING]` line). One remote
//! program. Knows nothing of playbooks.

use super::common::{split_output, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{self, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The warning every `apt_key` result carries.
pub const DEPRECATION: &str = "apt_key is deprecated: apt-key is removed in Debian 13 and \
    Ubuntu 24.04; use deb822_repository with signed_by (or a key file in /etc/apt/keyrings \
    and signed-by= in apt_repository). rsible stores the key as a file in \
    /etc/apt/trusted.gpg.d or the given keyring.";

/// Arguments of `apt_key`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    url: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    data: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    keyring: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    keyserver: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    /// Accepted for compatibility: the target's curl/wget check certificates.
    #[serde(default, rename = "validate_certs")]
    _validate_certs: Option<Value>,
}

/// Where the key comes from.
#[derive(Debug, PartialEq, Eq)]
enum Src {
    Data(String),
    File(String),
    Url(String),
}

/// The checked request.
struct Plan {
    id: Option<String>,
    /// `None` for state=absent.
    src: Option<Src>,
    /// The key file without extension when no keyring is given; the keyring otherwise.
    dest: Dest,
}

#[derive(Debug, PartialEq, Eq)]
enum Dest {
    Keyring(String),
    Stem(String),
}

fn plan(a: &Map<String, Value>) -> Result<Plan, String> {
    let args: Args = args::parse("apt_key", a)?;
    let given = [&args.data, &args.file, &args.keyserver, &args.url]
        .iter()
        .filter(|x| x.is_some())
        .count();
    if given > 1 {
        return Err("apt_key: parameters are mutually exclusive: data|file|keyserver|url".into());
    }
    if args.keyserver.is_some() {
        return Err(
            "apt_key: keyserver is not supported by rsible (it needs gpg on the \
                    target); give the key by url, file or data"
                .into(),
        );
    }
    let id = match &args.id {
        Some(id) => {
            let id = id.trim().trim_start_matches("0x").to_ascii_uppercase();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("apt_key: id '{id}' is not a valid key id"));
            }
            Some(id)
        }
        None => None,
    };
    let present = match args.state.as_deref().unwrap_or("present") {
        "present" => true,
        "absent" => false,
        other => {
            return Err(format!(
                "apt_key: value of state must be one of: absent, present, got: {other}"
            ))
        }
    };
    let src = match (args.data, args.file, args.url) {
        (Some(d), _, _) => Some(Src::Data(d)),
        (_, Some(f), _) => Some(Src::File(f)),
        (_, _, Some(u)) => Some(Src::Url(u)),
        _ => None,
    };
    if present && src.is_none() {
        return Err("apt_key: state=present needs data, file or url".into());
    }
    if !present && id.is_none() && args.keyring.is_none() {
        return Err("apt_key: state=absent needs id (or keyring)".into());
    }
    let dest = match args.keyring {
        Some(k) => Dest::Keyring(k),
        None => Dest::Stem(match (&id, &src) {
            (Some(id), _) => format!("/etc/apt/trusted.gpg.d/{id}"),
            (None, Some(s)) => {
                use sha2::Digest;
                let text = match s {
                    Src::Data(x) | Src::File(x) | Src::Url(x) => x,
                };
                let h = crate::modules::framework::write::hex(&sha2::Sha256::digest(text));
                format!("/etc/apt/trusted.gpg.d/rsible-{}", &h[..16])
            }
            (None, None) => return Err("apt_key: state=absent needs id (or keyring)".into()),
        }),
    };
    Ok(Plan {
        id,
        src: if present { src } else { None },
        dest,
    })
}

/// The remote program. Marker lines: `changed PATH`, `key_file PATH`, `fail MESSAGE`.
fn program(p: &Plan, check: bool) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\n"
    );
    let Some(src) = &p.src else {
        let files = match &p.dest {
            Dest::Keyring(k) => quote_str(k),
            Dest::Stem(st) => format!("{}.asc {}.gpg", quote_str(st), quote_str(st)),
        };
        s.push_str(&format!(
            "for x in {files}; do [ -e \"$x\" ] || continue; m changed \"$x\"{}; done\n",
            if check {
                ""
            } else {
                "; rm -f \"$x\" || exit 1"
            }
        ));
        return s;
    };
    match src {
        Src::Data(_) => s.push_str("cat > \"$td/key\" || exit 1\n"),
        Src::File(f) => s.push_str(&format!(
            "f={}; [ -f \"$f\" ] || {{ m fail \"key file $f does not exist on the target\"; exit 0; }}\n\
             cat \"$f\" > \"$td/key\" || exit 1\n",
            quote_str(f)
        )),
        Src::Url(u) => s.push_str(&format!(
            "u={}\nif command -v curl >/dev/null 2>&1; then curl -fsSL -o \"$td/key\" \"$u\"; \
             elif command -v wget >/dev/null 2>&1; then wget -q -O \"$td/key\" \"$u\"; \
             else m fail the target has neither curl nor wget; exit 0; fi \
             || {{ m fail \"Failed to download key at $u\"; exit 0; }}\n",
            quote_str(u)
        )),
    }
    if let Some(id) = &p.id {
        s.push_str(&format!(
            "if command -v gpg >/dev/null 2>&1; then\n  \
             gpg --show-keys --with-colons \"$td/key\" 2>/dev/null | grep -qi {} \
             || {{ m fail \"the key does not contain key id {id}\"; exit 0; }}\nfi\n",
            quote_str(id)
        ));
    }
    match &p.dest {
        Dest::Keyring(k) => s.push_str(&format!("kf={}\n", quote_str(k))),
        Dest::Stem(st) => s.push_str(&format!(
            "kf={}.gpg; grep -q -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' \"$td/key\" && kf={}.asc\n",
            quote_str(st),
            quote_str(st)
        )),
    }
    s.push_str("m key_file \"$kf\"\ncmp -s \"$td/key\" \"$kf\" && exit 0\nm changed \"$kf\"\n");
    if !check {
        s.push_str(
            "d=$(dirname \"$kf\"); [ -d \"$d\" ] || mkdir -p -m 755 \"$d\" || exit 1\n\
             t=$(mktemp \"$d/.rsible-key.XXXXXX\") || exit 1\n\
             cat \"$td/key\" > \"$t\" && chmod 644 \"$t\" && mv -f \"$t\" \"$kf\" || { rm -f \"$t\"; exit 1; }\n",
        );
    }
    s
}

/// `apt_key`: returns `id`, `key_file` and `warnings` (the deprecation).
pub async fn apt_key(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = plan(a).map_err(Failure::BadArgs)?;
    let stdin = match &p.src {
        Some(Src::Data(d)) => d.clone().into_bytes(),
        _ => Vec::new(),
    };
    let out = ctx.exec(program(&p, ctx.check).into_bytes(), stdin).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "apt_key: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (marks, _) = split_output(&String::from_utf8_lossy(&out.stdout));
    let mut o = Output::default();
    for (k, v) in marks {
        match k.as_str() {
            "changed" => o.changed = true,
            "key_file" => {
                o.fields.insert("key_file".into(), json!(v));
            }
            "fail" => {
                o.failed = true;
                o.msg = Some(v);
            }
            _ => {}
        }
    }
    if o.failed {
        o.changed = false;
    }
    o.fields.insert("id".into(), json!(p.id));
    o.fields.insert("warnings".into(), json!([DEPRECATION]));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: Value) -> Result<Plan, String> {
        plan(v.as_object().expect("object"))
    }

    #[test]
    fn arguments_are_checked() {
        assert!(of(json!({"url": "http://a", "data": "x"})).is_err());
        assert!(of(json!({"keyserver": "k", "id": "AB"})).is_err());
        assert!(of(json!({"state": "absent"})).is_err());
        assert!(of(json!({"id": "zz", "url": "http://a"})).is_err());
        assert!(of(json!({})).is_err());
        let p = of(json!({"id": "0xabcd", "url": "http://a"})).expect("plan");
        assert_eq!(p.dest, Dest::Stem("/etc/apt/trusted.gpg.d/ABCD".into()));
        let p = of(json!({"data": "k", "keyring": "/etc/apt/keyrings/x.asc"})).expect("plan");
        assert_eq!(p.dest, Dest::Keyring("/etc/apt/keyrings/x.asc".into()));
    }

    #[test]
    fn check_mode_writes_nothing() {
        let p = of(json!({"file": "/k", "id": "AB"})).expect("plan");
        assert!(!program(&p, true).contains("mv -f"));
        let p = of(json!({"id": "AB", "state": "absent"})).expect("plan");
        assert!(!program(&p, true).contains("rm -f"));
        assert!(program(&p, false).contains("rm -f"));
        for v in [
            json!({"data": "k", "id": "AB"}),
            json!({"url": "http://h/k", "keyring": "/etc/apt/keyrings/x.gpg"}),
            json!({"file": "/k"}),
            json!({"id": "AB", "state": "absent"}),
        ] {
            let p = of(v).expect("plan");
            for check in [false, true] {
                assert!(super::super::common::parses(&program(&p, check)));
            }
        }
    }
}
