//! `ping`: proves the host can run a program (one `true` on the target) and answers
//! `ping: pong`, or the `data` given; `data: crash` fails, as Ansible's module does on purpose.
//! Knows nothing of playbooks.

use crate::modules::framework::args::scalar_text;
use crate::modules::{Ctx, Failure, Output};
use serde_json::{Map, Value};

/// `ping`.
pub async fn ping(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    if let Some(k) = a.keys().find(|k| k.as_str() != "data") {
        return Err(Failure::BadArgs(format!(
            "Unsupported parameters for (ping) module: {k}. Supported parameters include: data."
        )));
    }
    let data = a
        .get("data")
        .map(scalar_text)
        .unwrap_or_else(|| "pong".into());
    if data == "crash" {
        return Err(Failure::Failed("Task failed: Module failed: boom".into()));
    }
    ctx.exec(b"true\n".to_vec(), Vec::new()).await?;
    let mut o = Output::default();
    o.fields.insert("ping".into(), Value::String(data));
    Ok(o)
}
