//! `slurp`: a target file's content, base64-encoded, in one remote program (`cat`: the
//! encoding happens on the controller, so the target needs no `base64`). Read-only: a probe.
//! Knows nothing of playbooks; arguments arrive templated.

use super::common::readable::{Unreadable, CHECK_READABLE};
use crate::connection::quote::quote_str;
use crate::modules::framework::report::{Report, BODY, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use base64::Engine as _;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `slurp` in the registry.
pub const SPEC: Spec = spec::<Slurp>(B, &[]);

/// The `slurp` module.
pub struct Slurp;

/// Arguments of `slurp` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "path")]
    src: String,
}

impl Module for Slurp {
    const NAME: &'static str = "slurp";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(slurp(a, ctx))
    }
}

/// `slurp`: returns `content` (base64), `encoding` and `source`.
async fn slurp(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let script = format!(
        "{MARK_FN}p={}\n{CHECK_READABLE}m {BODY}\nexec cat -- \"$p\"\n",
        quote_str(&args.src)
    );
    let out = ctx.probe(script.into_bytes(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "unable to slurp file: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (r, body) = Report::parse_with_body("slurp", &out.stdout)?;
    if let Some(why) = r.get("unreadable") {
        let why = Unreadable::parse("slurp", why).map_err(Failure::Failed)?;
        return Err(Failure::Failed(why.message(&args.src)));
    }
    let mut o = Output::default();
    let content = base64::engine::general_purpose::STANDARD.encode(&body);
    o.fields.insert("content".into(), json!(content));
    o.fields.insert("encoding".into(), json!("base64"));
    o.fields.insert("source".into(), json!(args.src));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<Slurp>(json!({"path": "/etc/hosts"})), Ok(true));
        assert_eq!(check::<Slurp>(json!({"src": "{{ f }}"})), Ok(true));
        assert!(check::<Slurp>(json!({})).is_err());
        assert!(check::<Slurp>(json!({"src": "/a", "scr": "/b"})).is_err());
        assert!(check::<Slurp>(json!({"src": ["/a"]})).is_err());
    }
}
