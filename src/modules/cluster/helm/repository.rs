//! `kubernetes.core.helm_repository`: a chart repository added (`helm repo add`, again
//! with `force_update`) or removed (`helm repo rm`), decided as the Python module decides
//! from `helm repo list`: a repository of that name with another URL fails. One probe, then
//! one apply when something changes. `repo_password` is shown as `******` in `command`.
//! Knows nothing of playbooks.

use super::{binary, failure, with_lines, Auth};
use crate::modules::cluster::common::{object, one_of};
use crate::modules::cluster::helm::release::KUBERNETES_CORE;
use crate::modules::framework::args::{de_opt_bool, de_opt_string};
use crate::modules::framework::report::Report;
use crate::modules::framework::spec::{spec, Module, Spec};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// `kubernetes.core.helm_repository` in the registry.
pub const SPEC: Spec = spec::<HelmRepository>(KUBERNETES_CORE, &[]);

/// The `helm_repository` module.
pub struct HelmRepository;

/// `repo_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Added.
    #[default]
    Present,
    /// Removed.
    Absent,
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "repo_state",
            &[("present", State::Present), ("absent", State::Absent)],
        )
    }
}

/// Arguments of `helm_repository` (kubernetes.core's names and aliases). `host`, `api_key`
/// and `ca_cert` are refused at load (`playbook::unsupported`, which filters them out before
/// these are read); `validate_certs` is accepted only as Ansible's default (true), read here
/// to be ignored as the default is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "name", deserialize_with = "de_req_string")]
    repo_name: String,
    #[serde(default, alias = "url", deserialize_with = "de_opt_string")]
    repo_url: Option<String>,
    #[serde(default, alias = "username", deserialize_with = "de_opt_string")]
    repo_username: Option<String>,
    #[serde(default, alias = "password", deserialize_with = "de_opt_string")]
    repo_password: Option<String>,
    #[serde(default, alias = "state")]
    repo_state: State,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pass_credentials: Option<bool>,
    #[serde(default, alias = "force", deserialize_with = "de_opt_bool")]
    force_update: Option<bool>,
    #[serde(
        default,
        alias = "skip_tls_certs_check",
        deserialize_with = "de_opt_bool"
    )]
    insecure_skip_tls_verify: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    binary_path: Option<String>,
    #[serde(default, alias = "kubeconfig_path")]
    kubeconfig: Option<Value>,
    #[serde(default, alias = "kube_context", deserialize_with = "de_opt_string")]
    context: Option<String>,
    #[serde(default, rename = "validate_certs", alias = "verify_ssl")]
    _validate_certs: Option<Value>,
}

/// A required string argument that YAML may write as a number.
fn de_req_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_opt_string(d).map(Option::unwrap_or_default)
}

impl Args {
    /// The connection arguments.
    fn auth(&self) -> Auth<'_> {
        Auth {
            binary_path: self.binary_path.as_deref(),
            kubeconfig: self.kubeconfig.as_ref(),
            context: self.context.as_deref(),
        }
    }
}

impl Module for HelmRepository {
    const NAME: &'static str = "helm_repository";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        a.auth().validate()?;
        if a.repo_username.is_some() != a.repo_password.is_some() {
            return Err("parameters are required together: repo_username, repo_password".into());
        }
        if a.repo_state == State::Present && a.repo_url.is_none() {
            return Err(
                "repo_state is present but all of the following are missing: repo_url".into(),
            );
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { with_lines(helm_repository(a, ctx).await) })
    }
}

/// The probe: `helm repo list` (no repositories at all is an empty list, as Ansible reads
/// helm's "no repositories to show").
pub fn probe(a: &Args) -> String {
    let mut s = a.auth().prelude(None);
    s.push_str(
        "if o=$(\"$helm\" repo list --output=json 2>/dev/null); then mx list \"$o\"\n\
         else rc=$?; e=$(\"$helm\" repo list --output=json 2>&1)\n\
         case $rc:$e in 1:*'no repositories to show'*) ;;\n\
         *) m failed $rc; mx cmd \"$helm repo list --output=json\"; mx out ''; echo \"$e\" >&2; exit 0;; esac; fi\n",
    );
    s
}

/// The URL of repository `name` in `helm repo list --output=json`, if it is there.
pub fn listed_url(list: &str, name: &str) -> Result<Option<String>, String> {
    let v: Value =
        serde_json::from_str(list).map_err(|e| format!("helm repo list --output=json: {e}"))?;
    Ok(v.as_array().and_then(|l| {
        l.iter()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name))
            .map(|r| {
                r.get("url")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
    }))
}

/// The `repo add` command after the binary (Ansible's order of flags).
pub fn add_args(a: &Args) -> Vec<String> {
    let mut v = vec![
        "repo".to_string(),
        "add".into(),
        a.repo_name.clone(),
        a.repo_url.clone().unwrap_or_default(),
    ];
    if let (Some(u), Some(p)) = (&a.repo_username, &a.repo_password) {
        v.push(format!("--username={u}"));
        v.push(format!("--password={p}"));
    }
    for (on, flag) in [
        (a.pass_credentials, "--pass-credentials"),
        (a.force_update, "--force-update"),
        (a.insecure_skip_tls_verify, "--insecure-skip-tls-verify"),
    ] {
        if on == Some(true) {
            v.push(flag.into());
        }
    }
    v
}

async fn helm_repository(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(probe(&a).into_bytes(), Vec::new()).await?;
    let r = Report::parse("helm_repository", &String::from_utf8_lossy(&out.stdout))?;
    if let Some(f) = failure(&r, &out) {
        return Ok(f);
    }
    let url = match r.get("list") {
        Some(list) => listed_url(list, &a.repo_name).map_err(Failure::Failed)?,
        None => None,
    };
    let words = match (a.repo_state, &url) {
        (State::Absent, Some(_)) => Some(vec!["repo".into(), "rm".into(), a.repo_name.clone()]),
        (State::Absent, None) => None,
        (State::Present, None) => Some(add_args(&a)),
        (State::Present, Some(_)) if a.force_update == Some(true) => Some(add_args(&a)),
        (State::Present, Some(u)) if Some(u) != a.repo_url.as_ref() => {
            return Ok(Output {
                failed: true,
                msg: Some(format!(
                    "Repository already have a repository named {}",
                    a.repo_name
                )),
                ..Output::default()
            })
        }
        (State::Present, Some(_)) => None,
    };
    let Some(words) = words else {
        return Ok(Output {
            fields: object(json!({"repo_name": a.repo_name, "repo_url": a.repo_url})),
            ..Output::default()
        });
    };
    let mut shown = std::iter::once(binary(&r, &a.auth()).to_string())
        .chain(words.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(p) = &a.repo_password {
        shown = shown.replace(p.as_str(), "******");
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| crate::connection::quote::quote_str(w))
        .collect();
    let program = format!(
        "{}h {}; mx stdout \"$o\"\n",
        a.auth().prelude(None),
        quoted.join(" ")
    );
    let mut o = Output {
        changed: true,
        ..Output::default()
    };
    let Some(done) = ctx.apply(program.into_bytes(), Vec::new()).await? else {
        return Ok(o);
    };
    let r = Report::parse("helm_repository", &String::from_utf8_lossy(&done.stdout))?;
    if let Some(mut f) = failure(&r, &done) {
        f.fields = object(json!({"command": shown}));
        return Ok(f);
    }
    o.fields = object(json!({
        "stdout": r.get("stdout").unwrap_or_default(),
        "stderr": String::from_utf8_lossy(&done.stderr),
        "command": shown,
    }));
    Ok(o)
}
