//! `ping`: proves the host can run a program (one `true` on the target, a probe) and answers
//! `ping: pong`, or the `data` given; `data: crash` fails, as Ansible's module does on purpose.
//! Knows nothing of playbooks.

use crate::modules::framework::args::de_opt_string;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;

/// `ping` in the registry.
pub const SPEC: Spec = spec::<Ping>(B, &[]);

/// The `ping` module.
pub struct Ping;

/// Arguments of `ping` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    data: Option<String>,
}

impl Module for Ping {
    const NAME: &'static str = "ping";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(ping(a, ctx))
    }
}

/// `ping`.
async fn ping(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let data = a.data.unwrap_or_else(|| "pong".into());
    if data == "crash" {
        return Err(Failure::Failed("Task failed: Module failed: boom".into()));
    }
    ctx.probe(b"true\n".to_vec(), Vec::new()).await?;
    let mut o = Output::default();
    o.fields.insert("ping".into(), Value::String(data));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use serde_json::json;

    #[test]
    fn arguments() {
        assert_eq!(check::<Ping>(json!({})), Ok(true));
        assert_eq!(check::<Ping>(json!({"data": 3})), Ok(true));
        assert_eq!(check::<Ping>(json!({"data": "{{ x }}"})), Ok(true));
        assert!(check::<Ping>(json!({"dta": "x"}))
            .unwrap_err()
            .contains("dta"));
        assert!(check::<Ping>(json!({"data": {"a": 1}})).is_err());
        assert!(check::<Ping>(json!({"_raw_params": "hello"})).is_err());
    }
}
