//! `slurp`: a target file's content, base64-encoded, in one remote program (`cat`: the
//! encoding happens on the controller, so the target needs no `base64`). Knows nothing of
//! playbooks; arguments arrive templated.

use crate::connection::quote::quote_str;
use crate::modules::framework::args;
use crate::modules::{Ctx, Failure, Output};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `slurp` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(alias = "path")]
    src: String,
}

/// Shell text that checks `$p` is a readable regular file and exits 3 (missing),
/// 4 (directory) or 5 (unreadable) otherwise.
pub const CHECK_READABLE: &str =
    "[ -e \"$p\" ] || exit 3\n[ -d \"$p\" ] && exit 4\n[ -r \"$p\" ] || exit 5\n";

/// Ansible's message for the exit codes of [`CHECK_READABLE`]; `None` for other codes.
pub fn unreadable_message(rc: i32, path: &str) -> Option<String> {
    match rc {
        3 => Some(format!("File not found: {path}")),
        4 => Some(format!("Source is a directory and must be a file: {path}")),
        5 => Some(format!("File is not readable: {path}")),
        _ => None,
    }
}

/// `slurp`: returns `content` (base64), `encoding` and `source`.
pub async fn slurp(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("slurp", a).map_err(Failure::BadArgs)?;
    let script = format!(
        "p={}\n{CHECK_READABLE}exec cat -- \"$p\"\n",
        quote_str(&args.src)
    );
    let out = ctx.exec(script.into_bytes(), Vec::new()).await?;
    let rc = out.status.rc();
    if rc != 0 {
        let msg = unreadable_message(rc, &args.src).unwrap_or_else(|| {
            format!(
                "unable to slurp file: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
        });
        return Err(Failure::Failed(msg));
    }
    let mut o = Output::default();
    let content = base64::engine::general_purpose::STANDARD.encode(&out.stdout);
    o.fields.insert("content".into(), json!(content));
    o.fields.insert("encoding".into(), json!("base64"));
    o.fields.insert("source".into(), json!(args.src));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_an_alias_and_messages_are_ansibles() {
        let m = json!({"path": "/etc/hosts"});
        let a: Args = args::parse("slurp", m.as_object().expect("obj")).expect("args");
        assert_eq!(a.src, "/etc/hosts");
        assert_eq!(
            unreadable_message(3, "/x").as_deref(),
            Some("File not found: /x")
        );
        assert_eq!(unreadable_message(1, "/x"), None);
    }
}
