//! `apt`: installs, upgrades, removes and purges Debian packages with apt-get, updates the
//! cache, installs a `.deb` (a path on the target or a URL the target downloads) and runs
//! `upgrade`/`autoremove`. One gated program per task: the probe queries dpkg-query and
//! apt-cache, decides what differs and simulates each transaction (`apt-get -s`, what check
//! mode reports); the apply runs one apt-get transaction for all packages to install and
//! one for those to remove (so a missing package fails the task before anything is
//! installed). Knows nothing of playbooks.

mod answer;
mod args;
mod script;

pub use args::Args;
use args::State;

use super::common::backend::{self, Backend};
use super::common::{parse_spec, Spec as PkgSpec};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};

/// `apt` in the registry.
pub const SPEC: Spec = spec::<Apt>(B, &[]);

/// The `apt` module.
pub struct Apt;

impl Module for Apt {
    const NAME: &'static str = "apt";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        args::validate(a)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move {
            let p = Plan::new(a).map_err(Failure::BadArgs)?;
            backend::run(&p, ctx).await
        })
    }
}

/// The checked request: what the program is built from.
#[derive(Debug)]
pub struct Plan {
    state: State,
    specs: Vec<PkgSpec>,
    upgrade: Option<&'static str>,
    args: Args,
    /// The atomic write of a temporary policy-rc.d (its program, its content on stdin).
    policy: Option<(Vec<u8>, Vec<u8>)>,
}

impl Plan {
    /// The plan of checked arguments.
    pub fn new(args: Args) -> Result<Plan, String> {
        let specs = args
            .name
            .iter()
            .flatten()
            .map(|s| parse_spec(s))
            .collect::<Result<Vec<_>, _>>()?;
        let policy = match args.policy_rc_d {
            Some(code) => Some(write::inline(
                script::POLICY_RC_D,
                format!("#!/bin/sh\nexit {code}\n").as_bytes(),
                &WriteOpts {
                    mode: Some(0o755),
                    ..WriteOpts::default()
                },
            )?),
            None => None,
        };
        Ok(Plan {
            state: args.state,
            specs,
            upgrade: args.upgrade.command(),
            args,
            policy,
        })
    }
}

impl Backend for Plan {
    fn tool(&self) -> &'static str {
        "apt"
    }

    fn probe(&self) -> String {
        script::probe(self)
    }

    fn apply(&self) -> String {
        script::apply(self, self.policy.as_ref().map(|(w, _)| w.as_slice()))
    }

    fn stdin(&self) -> Vec<u8> {
        self.policy
            .as_ref()
            .map(|(_, content)| content.clone())
            .unwrap_or_default()
    }

    fn answer(&self, stdout: &str, stderr: &str) -> Output {
        answer::answer(self, stdout, stderr)
    }
}

/// `apt` with raw arguments, for the modules composed of it (`container_runtime`,
/// `kubernetes_node`): when a package is not found and the cache was not just refreshed (a
/// fresh host, or a version published since the last update), once more with
/// `update_cache`. One extra round trip, only then.
pub async fn apt_refreshing(mut a: Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = crate::modules::registry::run(Apt::NAME, &a, ctx).await?;
    let missing = out.failed
        && out
            .msg
            .as_deref()
            .is_some_and(|m| m.starts_with("No package matching"));
    if !missing || a.get("update_cache") == Some(&json!(true)) {
        return Ok(out);
    }
    a.remove("cache_valid_time");
    a.insert("update_cache".into(), json!(true));
    crate::modules::registry::run(Apt::NAME, &a, ctx).await
}

#[cfg(test)]
mod tests;
