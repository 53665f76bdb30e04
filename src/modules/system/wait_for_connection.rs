//! `wait_for_connection`: retries a trivial probe on the connection until it answers. Skipped
//! in check mode, as in Ansible (the framework leaves the whole wait out, delay included).
//! Knows nothing of playbooks or of how the engine connects.

use super::common::de_opt_secs;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// `wait_for_connection` in the registry.
pub const SPEC: Spec = spec::<WaitForConnection>(B, &[]);

/// The `wait_for_connection` module.
pub struct WaitForConnection;

/// Arguments of `wait_for_connection` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_secs")]
    timeout: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    delay: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    sleep: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_secs")]
    connect_timeout: Option<u64>,
}

impl Module for WaitForConnection {
    const NAME: &'static str = "wait_for_connection";
    type Args = Args;

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move {
            Ok(ctx.apply_with(wait(a, ctx)).await.unwrap_or(Output {
                skipped: true,
                ..Output::default()
            }))
        })
    }
}

/// Waits `delay`, then runs `true` on the connection until it succeeds; returns `elapsed`.
async fn wait(args: Args, ctx: &Ctx<'_>) -> Output {
    let timeout = Duration::from_secs(args.timeout.unwrap_or(600));
    let connect = Duration::from_secs(args.connect_timeout.unwrap_or(5).max(1));
    let pause = Duration::from_secs(args.sleep.unwrap_or(1).max(1));
    tokio::time::sleep(Duration::from_secs(args.delay.unwrap_or(0))).await;
    let start = Instant::now();
    loop {
        let last =
            match tokio::time::timeout(connect, ctx.probe(b"true".to_vec(), Vec::new())).await {
                Ok(Ok(out)) if out.status.rc() == 0 => {
                    let mut o = Output::default();
                    o.fields
                        .insert("elapsed".into(), json!(start.elapsed().as_secs()));
                    return o;
                }
                Ok(Ok(out)) => format!("exit code {}", out.status.rc()),
                Ok(Err(e)) => e.to_string(),
                Err(_) => "timed out".into(),
            };
        if start.elapsed() + pause >= timeout {
            let mut o = Output {
                failed: true,
                msg: Some(format!("timed out waiting for ping module test: {last}")),
                ..Output::default()
            };
            o.fields
                .insert("elapsed".into(), json!(start.elapsed().as_secs()));
            return o;
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<WaitForConnection>(json!({"timeout": 5, "delay": "1"})),
            Ok(true)
        );
        assert_eq!(
            check::<WaitForConnection>(json!({"timeout": "{{ t }}"})),
            Ok(false)
        );
        assert!(check::<WaitForConnection>(json!({"timeout": "long"})).is_err());
        assert!(check::<WaitForConnection>(json!({"host": "x"})).is_err());
    }
}
