//! `fetch`: copies a target file to the controller under `dest/HOST/SRC` (or `dest` with
//! `flat`). One remote program: it prints the remote sha1 and sends the content only when it
//! differs from the local copy's; it only reads the target (a probe). The controller copy is
//! written by the framework's writer, which writes nothing in check mode. Knows nothing of
//! playbooks; arguments arrive templated.

use super::common::readable::{Unreadable, CHECK_READABLE};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::de_bool;
use crate::modules::framework::args::yes;
use crate::modules::framework::report::{Report, BODY, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, hex};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use sha1::Digest;
use std::path::{Path, PathBuf};

/// `fetch` in the registry.
pub const SPEC: Spec = spec::<Fetch>(B, &[]);

/// The `fetch` module.
pub struct Fetch;

/// Arguments of `fetch` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    src: String,
    dest: String,
    #[serde(default, deserialize_with = "de_bool")]
    flat: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    fail_on_missing: bool,
    #[serde(default = "yes", deserialize_with = "de_bool", alias = "validate_md5")]
    validate_checksum: bool,
}

impl Module for Fetch {
    const NAME: &'static str = "fetch";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(fetch(a, ctx))
    }
}

/// Where `src` of `host` lands on the controller. A relative `dest` is taken from `base`
/// (the playbook's directory).
fn local_dest(dest: &str, src: &str, host: &str, flat: bool, base: Option<&Path>) -> PathBuf {
    let root = match base {
        Some(b) if Path::new(dest).is_relative() => b.join(dest),
        _ => PathBuf::from(dest),
    };
    if flat {
        if dest.ends_with('/') {
            let name = src.rsplit('/').next().unwrap_or(src);
            return root.join(name);
        }
        return root;
    }
    root.join(host).join(src.trim_start_matches('/'))
}

/// `fetch`: returns `dest`, `checksum`, `remote_checksum`, `md5sum`, `file`.
async fn fetch(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let base = ctx.search_paths.last().map(PathBuf::as_path);
    let dest = local_dest(&args.dest, &args.src, ctx.host, args.flat, base);
    if dest.is_dir() {
        return Err(Failure::Failed(format!(
            "dest is an existing directory, use a trailing slash if you want to fetch src into that directory: {}",
            dest.display()
        )));
    }
    let local = std::fs::read(&dest).ok();
    let local_sum = local.as_ref().map(|b| hex(&sha1::Sha1::digest(b)));
    let script = format!(
        "{MARK_FN}p={}\n{CHECK_READABLE}s=$(sha1sum < \"$p\") || exit 1\ns=${{s%% *}}\n\
         m sum \"$s\"\n[ \"$s\" = {} ] && exit 0\nm {BODY}\nexec cat -- \"$p\"\n",
        quote_str(&args.src),
        quote_str(local_sum.as_deref().unwrap_or("none"))
    );
    let out = ctx.probe(script.into_bytes(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "unable to fetch {}: {}",
            args.src,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (r, content) = Report::parse_with_body("fetch", &out.stdout)?;
    let mut o = Output::default();
    o.fields.insert("file".into(), json!(args.src));
    let missing = "the remote file does not exist, not transferring, ignored";
    match r.get("unreadable").map(|v| Unreadable::parse("fetch", v)) {
        None => {}
        Some(Err(e)) => return Err(Failure::Failed(e)),
        Some(Ok(Unreadable::Missing)) if !args.fail_on_missing => {
            o.msg = Some(missing.into());
            return Ok(o);
        }
        Some(Ok(Unreadable::Missing)) => return Err(Failure::Failed(missing.into())),
        Some(Ok(Unreadable::Directory)) => {
            return Err(Failure::Failed(
                "remote file is a directory, fetch cannot work on directories".into(),
            ))
        }
        Some(Ok(why)) => return Err(Failure::Failed(why.message(&args.src))),
    }
    let remote_sum = r.get("sum").map(str::to_string).ok_or_else(|| {
        Failure::Failed(format!(
            "fetch: no checksum from the target for {}",
            args.src
        ))
    })?;
    let dest_text = dest.display().to_string();
    o.fields.insert("dest".into(), json!(dest_text));
    o.fields.insert("remote_checksum".into(), json!(remote_sum));
    o.fields.insert("remote_md5sum".into(), Value::Null);
    if local_sum.as_deref() == Some(remote_sum.as_str()) {
        let bytes = local.unwrap_or_default();
        o.fields.insert("checksum".into(), json!(remote_sum));
        o.fields
            .insert("md5sum".into(), json!(hex(&md5::compute(&bytes).0)));
        return Ok(o);
    }
    let content = content.as_slice();
    let got = hex(&sha1::Sha1::digest(content));
    if args.validate_checksum && got != remote_sum {
        return Err(Failure::Failed(format!(
            "checksum mismatch: the remote file {} changed during the transfer",
            args.src
        )));
    }
    o.changed = true;
    o.fields.insert("checksum".into(), json!(got));
    o.fields
        .insert("md5sum".into(), json!(hex(&md5::compute(content).0)));
    write::to_controller(ctx, &dest, content)
        .map_err(|e| Failure::Failed(format!("cannot write {dest_text}: {e}")))?;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_follow_ansibles_layout() {
        let b = Path::new("/play");
        assert_eq!(
            local_dest("out", "/etc/hosts", "h1", false, Some(b)),
            PathBuf::from("/play/out/h1/etc/hosts")
        );
        assert_eq!(
            local_dest("/o/", "/etc/hosts", "h1", true, Some(b)),
            PathBuf::from("/o/hosts")
        );
        assert_eq!(
            local_dest("/o/x.txt", "/etc/hosts", "h1", true, None),
            PathBuf::from("/o/x.txt")
        );
    }

    #[test]
    fn arguments_are_read() {
        let m = json!({"src": "/a", "dest": "/b", "flat": "yes", "fail_on_missing": false});
        let a: Args = crate::modules::framework::args::parse("fetch", m.as_object().expect("obj"))
            .expect("args");
        assert!(a.flat && !a.fail_on_missing && a.validate_checksum);
        let check = crate::modules::framework::spec::check::<Fetch>;
        assert_eq!(
            check(json!({"src": "{{ s }}", "dest": "/b", "flat": "{{ f }}"})),
            Ok(true)
        );
        assert!(check(json!({"src": "/a"})).is_err());
        assert!(check(json!({"src": "/a", "dest": "/b", "flta": true})).is_err());
        assert!(check(json!({"src": "/a", "dest": "/b", "flat": "perhaps"})).is_err());
    }
}
