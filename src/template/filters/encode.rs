//! Encoding filters: base64, hashes, JSON and YAML in both directions. Knows nothing of
//! scopes.

use base64::Engine;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};
use sha1::Digest;

use super::json_dump::{self, Dump};
use super::yaml_dump::{self, Layout};
use super::{defined, fail, json, value};
use crate::template::pyrepr;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("hash", hash);
    env.add_filter("checksum", |v: &Value| hash(v, Some("sha1")));
    env.add_filter("sha1", |v: &Value| hash(v, Some("sha1")));
    env.add_filter("md5", |v: &Value| hash(v, Some("md5")));
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("to_uuid", to_uuid);
}

fn text(v: &Value) -> Result<String, Error> {
    defined(v)?;
    Ok(pyrepr::to_str(v))
}

fn b64encode(v: &Value) -> Result<String, Error> {
    Ok(base64::engine::general_purpose::STANDARD.encode(text(v)?))
}

fn b64decode(v: &Value) -> Result<String, Error> {
    let s = text(v)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| fail(format!("b64decode: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(v: &Value, algo: Option<&str>) -> Result<String, Error> {
    let data = text(v)?;
    let data = data.as_bytes();
    Ok(match algo.unwrap_or("sha1") {
        "sha1" => hex(&sha1::Sha1::digest(data)),
        "md5" => hex(&md5::compute(data).0),
        "sha224" => hex(&sha2::Sha224::digest(data)),
        "sha256" => hex(&sha2::Sha256::digest(data)),
        "sha384" => hex(&sha2::Sha384::digest(data)),
        "sha512" => hex(&sha2::Sha512::digest(data)),
        other => return Err(fail(format!("unsupported hash type '{other}'"))),
    })
}

fn dump_opts(kwargs: &Kwargs, mut opts: Dump) -> Result<Dump, Error> {
    if let Some(indent) = kwargs.get::<Option<usize>>("indent")? {
        opts.indent = Some(indent);
        opts.item_sep = ",".into();
    }
    if let Some(sort) = kwargs.get::<Option<bool>>("sort_keys")? {
        opts.sort_keys = sort;
    }
    if let Some(ascii) = kwargs.get::<Option<bool>>("ensure_ascii")? {
        opts.ensure_ascii = ascii;
    }
    if let Some(seps) = kwargs.get::<Option<Vec<String>>>("separators")? {
        if let [item, key] = seps.as_slice() {
            opts.item_sep = item.clone();
            opts.key_sep = key.clone();
        }
    }
    kwargs.assert_all_used()?;
    Ok(opts)
}

fn to_json(v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let opts = dump_opts(&kwargs, Dump::new(None))?;
    Ok(json_dump::dumps(&json(v)?, &opts))
}

fn to_nice_json(v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let mut opts = Dump::new(Some(4));
    opts.sort_keys = true;
    let opts = dump_opts(&kwargs, opts)?;
    Ok(json_dump::dumps(&json(v)?, &opts))
}

fn from_json(v: &Value) -> Result<Value, Error> {
    let s = text(v)?;
    let parsed: serde_json::Value =
        serde_json::from_str(&s).map_err(|e| fail(format!("from_json: {e}")))?;
    Ok(value(&parsed))
}

fn layout(kwargs: &Kwargs, indent: usize, flow_leaves: bool) -> Result<Layout, Error> {
    let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(indent);
    let flow_leaves = match kwargs.get::<Option<bool>>("default_flow_style")? {
        Some(flow) => flow,
        None => flow_leaves,
    };
    kwargs.assert_all_used()?;
    Ok(Layout {
        indent: indent.max(2),
        flow_leaves,
    })
}

fn to_yaml(v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let layout = layout(&kwargs, 2, true)?;
    Ok(yaml_dump::dump(&json(v)?, &layout))
}

fn to_nice_yaml(v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let layout = layout(&kwargs, 4, false)?;
    Ok(yaml_dump::dump(&json(v)?, &layout))
}

fn from_yaml(v: &Value) -> Result<Value, Error> {
    let s = text(v)?;
    let parsed: serde_json::Value =
        serde_saphyr::from_str(&s).map_err(|e| fail(format!("from_yaml: {e}")))?;
    Ok(value(&parsed))
}

/// ansible-core's namespace for `to_uuid`.
const ANSIBLE_UUID_NAMESPACE: [u8; 16] = [
    0x36, 0x1e, 0x6d, 0x51, 0xfa, 0xec, 0x44, 0x4a, 0x90, 0x79, 0x34, 0x13, 0x86, 0xda, 0x8e, 0x2e,
];

/// A UUID as Python's `uuid.UUID(text)` reads it (braces, `urn:uuid:` and hyphens allowed).
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let t = text.trim_start_matches("urn:").trim_start_matches("uuid:");
    let t = t.trim_matches(|c| c == '{' || c == '}').replace('-', "");
    if t.len() != 32 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// `to_uuid`: the name-based (version 5, SHA-1) UUID of the text in `namespace`.
fn to_uuid(v: &Value, namespace: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let name = text(v)?;
    let namespace = match namespace {
        Some(n) => Some(n),
        None => kwargs.get::<Option<String>>("namespace")?,
    };
    kwargs.assert_all_used()?;
    let ns = match namespace.as_deref() {
        None => ANSIBLE_UUID_NAMESPACE,
        Some(n) => parse_uuid(n).ok_or_else(|| {
            fail(format!(
                "Invalid value '{n}' for 'namespace': badly formed hexadecimal UUID string"
            ))
        })?,
    };
    let digest = sha1::Sha1::new()
        .chain_update(ns)
        .chain_update(name.as_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}
