//! `apt_key` (deprecated upstream: `apt-key` is gone from Debian 13 and Ubuntu 24.04): rsible
//! keeps playbooks that use it working without `apt-key` or gpg on the target by storing the
//! key as a file apt reads: `keyring` when given, else
//! `/etc/apt/trusted.gpg.d/<id>.asc` (`.gpg` when the key is not ASCII-armored; without `id`
//! the name is `rsible-` and a hash of the source). The key comes from `data` (sent over
//! stdin), `file` (a path on the target) or `url` (downloaded by the target). One gated
//! program: the probe fetches the key and compares it with the file; the apply writes the
//! file through the atomic writer only when its content differs. Every result carries a
//! deprecation warning in its `warnings` field (the engine shows it as a `[WARNING]` line).
//! Knows nothing of playbooks.

use super::common::{de_known, Report, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

/// `apt_key` in the registry.
pub const SPEC: Spec = spec::<AptKey>(B, &[]);

/// The `apt_key` module.
pub struct AptKey;

/// The warning every `apt_key` result carries.
pub const DEPRECATION: &str = "apt_key is deprecated: apt-key is removed in Debian 13 and \
    Ubuntu 24.04; use deb822_repository with signed_by (or a key file in /etc/apt/keyrings \
    and signed-by= in apt_repository). rsible stores the key as a file in \
    /etc/apt/trusted.gpg.d or the given keyring.";

/// Arguments of `apt_key`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
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
    #[serde(default, deserialize_with = "de_known")]
    state: State,
    /// Accepted for compatibility: the target's curl/wget check certificates.
    #[serde(default, rename = "validate_certs")]
    _validate_certs: Option<Value>,
}

/// Whether the key should be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
}

impl Module for AptKey {
    const NAME: &'static str = "apt_key";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let given = [&a.data, &a.file, &a.keyserver, &a.url]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if given > 1 {
            return Err("parameters are mutually exclusive: data|file|keyserver|url".into());
        }
        if a.keyserver.is_some() {
            return Err(
                "keyserver is not supported by rsible (it needs gpg on the target); \
                        give the key by url, file or data"
                    .into(),
            );
        }
        if let Some(id) = a.id.as_deref().filter(|id| !is_template(id)) {
            key_id(id)?;
        }
        let present = a.state == State::Present;
        if present && given == 0 {
            return Err("state=present needs data, file or url".into());
        }
        if !present && a.id.is_none() && a.keyring.is_none() {
            return Err("state=absent needs id (or keyring)".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// A key id as apt-key prints it (no `0x`, upper case), or why it is not one.
fn key_id(id: &str) -> Result<String, String> {
    let id = id.trim().trim_start_matches("0x").to_ascii_uppercase();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("id '{id}' is not a valid key id"));
    }
    Ok(id)
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

impl Plan {
    fn new(args: Args) -> Result<Plan, String> {
        let id = args.id.as_deref().map(key_id).transpose()?;
        let src = match (args.data, args.file, args.url) {
            (Some(d), _, _) => Some(Src::Data(d)),
            (_, Some(f), _) => Some(Src::File(f)),
            (_, _, Some(u)) => Some(Src::Url(u)),
            _ => None,
        };
        let dest = match args.keyring {
            Some(k) => Dest::Keyring(k),
            None => Dest::Stem(match (&id, &src) {
                (Some(id), _) => format!("/etc/apt/trusted.gpg.d/{id}"),
                (None, Some(s)) => {
                    use sha2::Digest;
                    let text = match s {
                        Src::Data(x) | Src::File(x) | Src::Url(x) => x,
                    };
                    let h = write::hex(&sha2::Sha256::digest(text));
                    format!("/etc/apt/trusted.gpg.d/rsible-{}", &h[..16])
                }
                (None, None) => return Err("state=absent needs id (or keyring)".into()),
            }),
        };
        Ok(Plan {
            id,
            src: if args.state == State::Present {
                src
            } else {
                None
            },
            dest,
        })
    }
}

/// The probe. Marker lines: `changed PATH`, `key_file PATH`, `fail MESSAGE`; sets
/// `rsible_change=1` when a file is to be removed or the key written.
fn probe(p: &Plan) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\n"
    );
    let Some(src) = &p.src else {
        s.push_str(&format!(
            "for x in {}; do [ -e \"$x\" ] || continue; m changed \"$x\"; rsible_change=1; done\n",
            removed(p)
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
    s.push_str("m key_file \"$kf\"\ncmp -s \"$td/key\" \"$kf\" && exit 0\nm changed \"$kf\"; rsible_change=1\n");
    s
}

/// The files state=absent removes, as sh words.
fn removed(p: &Plan) -> String {
    match &p.dest {
        Dest::Keyring(k) => quote_str(k),
        Dest::Stem(st) => format!("{}.asc {}.gpg", quote_str(st), quote_str(st)),
    }
}

/// The apply: removes the files, or writes the key through the atomic writer.
fn apply(p: &Plan) -> Result<String, String> {
    if p.src.is_none() {
        return Ok(format!(
            "for x in {}; do [ -e \"$x\" ] || continue; rm -f \"$x\" || exit 1; done\n",
            removed(p)
        ));
    }
    let write = write::inline_target(
        "\"$kf\"",
        "\"$td/key\"",
        &WriteOpts {
            mode: Some(0o644),
            ..WriteOpts::default()
        },
    )?;
    Ok(format!(
        "d=$(dirname \"$kf\"); [ -d \"$d\" ] || mkdir -p -m 755 \"$d\" || exit 1\n{} || exit 1\n",
        String::from_utf8_lossy(&write)
    ))
}

/// `apt_key`: returns `id`, `key_file` and `warnings` (the deprecation).
async fn run(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = Plan::new(args).map_err(Failure::BadArgs)?;
    let stdin = match &p.src {
        Some(Src::Data(d)) => d.clone().into_bytes(),
        _ => Vec::new(),
    };
    let apply = apply(&p).map_err(Failure::Failed)?;
    let out = ctx
        .gated(probe(&p).as_bytes(), apply.as_bytes(), stdin)
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "apt_key: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse("apt_key", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    for (k, v) in r.entries() {
        match k {
            "changed" => o.changed = true,
            "key_file" => {
                o.fields.insert("key_file".into(), json!(v));
            }
            "fail" => {
                o.failed = true;
                o.msg = Some(v.to_string());
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
    use crate::modules::framework::sh_check::{parses, parses_gated};
    use crate::modules::framework::spec::check;
    use crate::modules::framework::{args, load_check};
    use serde_json::Map;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    fn of(v: Value) -> Result<Plan, String> {
        let a: Args = args::parse("apt_key", &obj(v))?;
        AptKey::validate(&a)?;
        Plan::new(a)
    }

    #[test]
    fn arguments_are_checked() {
        for n in [
            "id",
            "url",
            "data",
            "file",
            "keyring",
            "state",
            "validate_certs",
        ] {
            let m = obj(json!({ n: "{{ v }}" }));
            assert!(load_check::parse::<Args>("apt_key", &m).is_ok(), "{n}");
        }
        assert!(check::<AptKey>(json!({"url": "http://a", "data": "x"})).is_err());
        assert!(check::<AptKey>(json!({"keyserver": "k", "id": "AB"})).is_err());
        assert!(check::<AptKey>(json!({"state": "absent"})).is_err());
        assert!(check::<AptKey>(json!({"id": "zz", "url": "http://a"})).is_err());
        assert!(check::<AptKey>(json!({"id": "AB", "url": "http://a", "state": "gone"})).is_err());
        assert!(check::<AptKey>(json!({"id": "AB", "uri": "http://a"})).is_err());
        assert!(check::<AptKey>(json!({})).is_err());
        assert_eq!(
            check::<AptKey>(json!({"id": "{{ k }}", "url": "{{ u }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<AptKey>(json!({"id": "AB", "state": "{{ s }}"})),
            Ok(false)
        );
        let p = of(json!({"id": "0xabcd", "url": "http://a"})).expect("plan");
        assert_eq!(p.dest, Dest::Stem("/etc/apt/trusted.gpg.d/ABCD".into()));
        let p = of(json!({"data": "k", "keyring": "/etc/apt/keyrings/x.asc"})).expect("plan");
        assert_eq!(p.dest, Dest::Keyring("/etc/apt/keyrings/x.asc".into()));
    }

    #[test]
    fn the_probe_writes_nothing_and_the_apply_uses_the_writer() {
        let p = of(json!({"file": "/k", "id": "AB"})).expect("plan");
        assert!(!probe(&p).contains("mv -f"));
        assert!(apply(&p).expect("apply").contains("sha256sum"));
        let p = of(json!({"id": "AB", "state": "absent"})).expect("plan");
        assert!(!probe(&p).contains("rm -f"));
        assert!(apply(&p).expect("apply").contains("rm -f"));
        for v in [
            json!({"data": "k", "id": "AB"}),
            json!({"url": "http://h/k", "keyring": "/etc/apt/keyrings/x.gpg"}),
            json!({"file": "/k"}),
            json!({"id": "AB", "state": "absent"}),
        ] {
            let p = of(v).expect("plan");
            let (probe, apply) = (probe(&p), apply(&p).expect("apply"));
            assert!(parses(&probe) && parses_gated(&probe, &apply), "{apply}");
        }
    }
}
