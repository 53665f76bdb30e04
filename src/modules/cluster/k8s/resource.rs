//! `k8s` (kubernetes.core.k8s, a subset): Kubernetes objects made present or absent through
//! the target's `kubectl`, as kubernetes.core's module does through the Python client on the
//! target. The objects come from `resource_definition` (rendered and parsed on the
//! controller, sent as JSON on stdin) or from `src` (a file on the target, or a URL kubectl
//! fetches), as Ansible reads `src` over SSH. One gated program (see [`super::kubectl`]):
//! the probe reads the objects (`kubectl get`), decides with `kubectl diff` and asks the
//! server what an apply would give (`--dry-run=server`); the apply is `kubectl apply` (or
//! `delete`) and, with `wait`, `kubectl rollout status`/`wait`. Every argument of Ansible's
//! rsible does not implement is refused at load. Knows nothing of playbooks.

use super::kubectl::{self, Mode, Plan, Source};
use super::manifest::{self, Defaults};
use crate::event::Diff;
use crate::modules::cluster::common::{one_of, Report};
use crate::modules::framework::ansible_diff::structured_text;
use crate::modules::framework::args::{de_opt_bool, de_opt_int, de_opt_string, is_template};
use crate::modules::framework::load_check::is_marker;
use crate::modules::framework::spec::{spec, Module, Spec};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// `k8s` in the registry.
pub const SPEC: Spec = spec::<K8s>("kubernetes.core", &[]);

/// The `k8s` module.
pub struct K8s;

/// `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Created or brought up to date.
    #[default]
    Present,
    /// Deleted.
    Absent,
    /// Patched when it exists (refused: not supported by rsible).
    Patched,
}

fn de_state<'de, D: Deserializer<'de>>(d: D) -> Result<State, D::Error> {
    one_of(
        d,
        "state",
        &[
            ("present", State::Present),
            ("absent", State::Absent),
            ("patched", State::Patched),
        ],
    )
}

/// `server_side_apply`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSideApply {
    /// The manager owning the applied fields.
    field_manager: String,
    /// Take fields other managers own.
    #[serde(default, deserialize_with = "de_opt_bool")]
    force_conflicts: Option<bool>,
}

/// Arguments of `k8s` (Ansible's names and aliases). The `Option<Value>` ones after `wait_timeout`
/// are Ansible's arguments rsible refuses (see [`UNSUPPORTED`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_state")]
    state: State,
    #[serde(default, alias = "definition", alias = "inline")]
    resource_definition: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    src: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    namespace: Option<String>,
    #[serde(
        default,
        alias = "api",
        alias = "version",
        deserialize_with = "de_opt_string"
    )]
    api_version: Option<String>,
    #[serde(default)]
    kubeconfig: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    context: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    apply: Option<bool>,
    #[serde(default)]
    server_side_apply: Option<ServerSideApply>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    force: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    wait: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_int")]
    wait_timeout: Option<i64>,
    #[serde(default)]
    template: Option<Value>,
    #[serde(default)]
    host: Option<Value>,
    #[serde(default)]
    api_key: Option<Value>,
    #[serde(default)]
    username: Option<Value>,
    #[serde(default)]
    password: Option<Value>,
    #[serde(default, alias = "verify_ssl")]
    validate_certs: Option<Value>,
    #[serde(default, alias = "ssl_ca_cert")]
    ca_cert: Option<Value>,
    #[serde(default, alias = "cert_file")]
    client_cert: Option<Value>,
    #[serde(default, alias = "key_file")]
    client_key: Option<Value>,
    #[serde(default)]
    proxy: Option<Value>,
    #[serde(default)]
    no_proxy: Option<Value>,
    #[serde(default)]
    proxy_headers: Option<Value>,
    #[serde(default)]
    persist_config: Option<Value>,
    #[serde(default)]
    impersonate_user: Option<Value>,
    #[serde(default)]
    impersonate_groups: Option<Value>,
    #[serde(default)]
    merge_type: Option<Value>,
    #[serde(default)]
    validate: Option<Value>,
    #[serde(default)]
    append_hash: Option<Value>,
    #[serde(default)]
    delete_options: Option<Value>,
    #[serde(default)]
    continue_on_error: Option<Value>,
    #[serde(default)]
    label_selectors: Option<Value>,
    #[serde(default)]
    generate_name: Option<Value>,
    #[serde(default)]
    wait_sleep: Option<Value>,
    #[serde(default)]
    wait_condition: Option<Value>,
}

/// Ansible's arguments rsible does not implement, with what to do instead.
pub const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "template",
        "render it into resource_definition: \"{{ lookup('template', 'FILE') }}\"",
    ),
    ("host", "connect through kubeconfig"),
    ("api_key", "connect through kubeconfig"),
    ("username", "connect through kubeconfig"),
    ("password", "connect through kubeconfig"),
    ("validate_certs", "connect through kubeconfig"),
    ("ca_cert", "connect through kubeconfig"),
    ("client_cert", "connect through kubeconfig"),
    ("client_key", "connect through kubeconfig"),
    ("proxy", "connect through kubeconfig"),
    ("no_proxy", "connect through kubeconfig"),
    ("proxy_headers", "connect through kubeconfig"),
    ("persist_config", "connect through kubeconfig"),
    ("impersonate_user", "connect through kubeconfig"),
    ("impersonate_groups", "connect through kubeconfig"),
    ("merge_type", "rsible applies with kubectl"),
    ("validate", "rsible applies with kubectl"),
    ("append_hash", "name the object yourself"),
    ("delete_options", "rsible deletes with kubectl's defaults"),
    ("continue_on_error", "rsible stops at the first error"),
    ("label_selectors", "select the objects in the definition"),
    ("generate_name", "name the object yourself"),
    ("wait_sleep", "kubectl watches instead of polling"),
    (
        "wait_condition",
        "rsible waits for rollouts and pod readiness",
    ),
];

impl Args {
    /// The refused Ansible arguments this task gives, in [`UNSUPPORTED`]'s order.
    fn unsupported(&self) -> Vec<&'static str> {
        let given = [
            &self.template,
            &self.host,
            &self.api_key,
            &self.username,
            &self.password,
            &self.validate_certs,
            &self.ca_cert,
            &self.client_cert,
            &self.client_key,
            &self.proxy,
            &self.no_proxy,
            &self.proxy_headers,
            &self.persist_config,
            &self.impersonate_user,
            &self.impersonate_groups,
            &self.merge_type,
            &self.validate,
            &self.append_hash,
            &self.delete_options,
            &self.continue_on_error,
            &self.label_selectors,
            &self.generate_name,
            &self.wait_sleep,
            &self.wait_condition,
        ];
        UNSUPPORTED
            .iter()
            .zip(given)
            .filter(|(_, v)| v.as_ref().is_some_and(|v| !v.is_null()))
            .map(|((name, _), _)| *name)
            .collect()
    }

    /// The values completing every object of the definition.
    fn defaults(&self) -> Defaults {
        Defaults {
            kind: self.kind.clone(),
            api_version: self.api_version.clone().unwrap_or_else(|| "v1".into()),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        }
    }

    /// How kubectl applies.
    fn mode(&self) -> Mode {
        match (&self.apply, &self.server_side_apply) {
            (Some(true), Some(s)) => Mode::ServerSide {
                field_manager: s.field_manager.clone(),
                force_conflicts: s.force_conflicts.unwrap_or(false),
            },
            (Some(true), None) => Mode::ClientSide,
            _ => Mode::ServerSide {
                field_manager: kubectl::DEFAULT_MANAGER.into(),
                force_conflicts: true,
            },
        }
    }
}

impl Module for K8s {
    const NAME: &'static str = "k8s";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if let Some(name) = a.unsupported().first() {
            let hint = UNSUPPORTED
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |h| h.1);
            return Err(format!("{name} is not supported by rsible ({hint})"));
        }
        if a.state == State::Patched {
            return Err("state=patched is not supported by rsible (use state=present)".into());
        }
        if a.force == Some(true) {
            return Err("force=true (replace) is not supported by rsible".into());
        }
        if a.server_side_apply.is_some() && a.apply != Some(true) {
            return Err(
                "server_side_apply without apply=true is not supported by rsible (Ansible \
                 ignores it)"
                    .into(),
            );
        }
        if a.resource_definition.is_some() && a.src.is_some() {
            return Err("parameters are mutually exclusive: resource_definition|src".into());
        }
        match &a.kubeconfig {
            None | Some(Value::Null | Value::String(_)) => {}
            Some(_) => {
                return Err(
                    "kubeconfig as a dict is not supported by rsible (give a path on the target)"
                        .into(),
                )
            }
        }
        if a.src.is_some() && (a.kind.is_some() || a.name.is_some() || a.api_version.is_some()) {
            return Err(
                "kind, name and api_version with src are not supported by rsible (kubectl \
                 reads the file on the target as it is)"
                    .into(),
            );
        }
        if a.src.is_none()
            && a.resource_definition.is_none()
            && (a.kind.is_none() || a.name.is_none())
        {
            return Err("one of resource_definition, src, or kind and name is required".into());
        }
        match &a.resource_definition {
            Some(d) if !templated(d) => manifest::objects(Some(d), &a.defaults()).map(drop),
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(k8s(a, ctx))
    }
}

/// Whether a string in `v` is a template or its load-time stand-in (checked once rendered).
fn templated(v: &Value) -> bool {
    match v {
        Value::String(s) => is_template(s) || is_marker(s),
        Value::Array(items) => items.iter().any(templated),
        Value::Object(m) => m.values().any(templated),
        _ => false,
    }
}

/// `k8s`: one gated program (see the file header).
async fn k8s(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let (source, sent) = match &a.src {
        Some(src) => (Source::Target(src.clone()), None),
        None => {
            let objs = manifest::objects(a.resource_definition.as_ref(), &a.defaults())
                .map_err(Failure::Failed)?;
            (Source::Stdin, Some(objs))
        }
    };
    if sent.as_ref().is_some_and(Vec::is_empty) {
        let mut o = Output::default();
        o.fields.insert("result".into(), json!({"results": []}));
        return Ok(o);
    }
    let plan = Plan {
        source,
        namespace: a.src.as_ref().and(a.namespace.clone()),
        kubeconfig: a
            .kubeconfig
            .as_ref()
            .and_then(Value::as_str)
            .map(String::from),
        context: a.context.clone(),
        mode: a.mode(),
        wait: a.wait.unwrap_or(false),
        wait_timeout: a.wait_timeout.unwrap_or(120),
    };
    let stdin = sent
        .as_deref()
        .map(manifest::manifest)
        .unwrap_or_default()
        .into_bytes();
    let (probe, apply) = match a.state {
        State::Absent => (plan.absent_probe(), plan.absent_apply()),
        _ => (plan.present_probe(), plan.present_apply()),
    };
    let out = ctx.gated(probe.as_bytes(), apply.as_bytes(), stdin).await?;
    let r = Report::parse("k8s", &String::from_utf8_lossy(&out.stdout))?;
    if r.has("nokubectl") {
        return Err(Failure::Failed(
            "k8s: the target has no kubectl (rsible's k8s runs kubectl on the target)".into(),
        ));
    }
    let read = |key: &str| manifest::printed(r.get(key).unwrap_or("")).map_err(Failure::Failed);
    let before = read("before")?;
    let mut o = Output::default();
    if let Some(step) = r.get("failed") {
        o.failed = true;
        let stderr = r.get("stderr").unwrap_or("").trim_end();
        o.msg = Some(match step {
            "timeout" => format!("Resource {} timed out: {stderr}", verb(&a, &before)),
            _ => format!("kubectl {step} failed: {stderr}"),
        });
        o.fields.insert(
            "rc".into(),
            json!(r.get("rc").and_then(|c| c.parse::<i64>().ok()).unwrap_or(1)),
        );
        return Ok(o);
    }
    if out.status.rc() != 0 || !r.has("probed") {
        return Err(Failure::Failed(format!(
            "k8s: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    o.changed = r.has("changed");
    if a.wait == Some(true) {
        // kubernetes.core reports the seconds it waited whenever it waits (not in check mode).
        let waited = r.get("duration").and_then(|s| s.trim().parse::<i64>().ok());
        if let Some(d) = ctx.unless_checking(waited.unwrap_or(0)) {
            o.fields.insert("duration".into(), json!(d));
        }
    }
    if let Some(e) = r.get("differr") {
        o.fields.insert(
            "warnings".into(),
            json!([format!(
                "kubectl diff could not compare ({}); the objects are applied to find out",
                e.trim()
            )]),
        );
    }
    let after = match a.state {
        State::Absent => Vec::new(),
        _ if r.has("after") => read("after")?,
        _ if r.has("planned") => read("planned")?,
        _ if o.changed => sent.clone().unwrap_or_default(),
        _ => before.clone(),
    };
    let shown = if a.state == State::Absent {
        &before
    } else {
        &after
    };
    let method = |obj: &Value| match a.state {
        State::Absent => "delete",
        _ if a.apply == Some(true) => "apply",
        _ if manifest::holds(&before, obj) => "update",
        _ => "create",
    };
    let requested = sent.as_ref().map_or(shown.len(), Vec::len);
    // kubernetes.core returns `diff` (in diff mode) for an object it updated or applied:
    // the fields that differ between the object before and after, `{}` when none do.
    let diff_of = |obj: &Value| {
        let m = method(obj);
        (ctx.diff && (m == "update" || m == "apply")).then(|| {
            let old = before
                .iter()
                .find(|b| manifest::holds(std::slice::from_ref(*b), obj));
            manifest::changes(old.unwrap_or(&json!({})), obj)
        })
    };
    if requested <= 1 {
        let obj = shown.first().cloned().unwrap_or_else(|| json!({}));
        o.fields.insert("method".into(), json!(method(&obj)));
        if let Some(d) = diff_of(&obj) {
            if let (Some(b), Some(af)) = (d.get("before"), d.get("after")) {
                o.diffs.push(Diff {
                    before_header: String::new(),
                    after_header: String::new(),
                    before: structured_text(b),
                    after: structured_text(af),
                });
            }
            o.fields.insert("diff".into(), d);
        }
        let result = if a.state == State::Absent {
            json!({})
        } else {
            obj
        };
        o.fields.insert("result".into(), result);
    } else {
        let results: Vec<Value> = shown
            .iter()
            .map(|obj| {
                let result = if a.state == State::Absent {
                    json!({})
                } else {
                    obj.clone()
                };
                // One object of several changed when it is new or the server's copy moved
                // (an unchanged object comes back as it was, resourceVersion and all).
                let moved = a.state == State::Absent
                    || before
                        .iter()
                        .find(|b| manifest::holds(std::slice::from_ref(*b), obj))
                        .is_none_or(|b| b != obj);
                let mut item =
                    json!({"changed": o.changed && moved, "method": method(obj), "result": result});
                if let Some(d) = diff_of(obj) {
                    item["diff"] = d;
                }
                item
            })
            .collect();
        o.fields
            .insert("result".into(), json!({ "results": results }));
    }
    Ok(o)
}

/// Ansible's word for the change in its timeout message.
fn verb(a: &Args, before: &[Value]) -> &'static str {
    match a.state {
        State::Absent => "deletion",
        _ if a.apply == Some(true) => "apply",
        _ if before.is_empty() => "creation",
        _ => "update",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        assert_eq!(check::<K8s>(json!({"definition": cm})), Ok(true));
        assert_eq!(
            check::<K8s>(json!({"src": "/m.yaml", "namespace": "x"})),
            Ok(true)
        );
        assert_eq!(
            check::<K8s>(json!({"state": "absent", "kind": "Namespace", "name": "t"})),
            Ok(true)
        );
        assert_eq!(
            check::<K8s>(json!({"inline": "kind: A\n", "apply": true,
                "server_side_apply": {"field_manager": "me", "force_conflicts": true},
                "wait": true, "wait_timeout": 30, "kubeconfig": "/k", "context": "c"})),
            Ok(true)
        );
        assert!(check::<K8s>(json!({"definition": "{{ lookup('template', 'a.j2') }}"})).is_ok());
        for bad in [
            json!({}),
            json!({"kind": "Namespace"}),
            json!({"src": "/a", "definition": cm}),
            json!({"src": "/a", "kind": "ConfigMap"}),
            json!({"definition": cm, "state": "patched"}),
            json!({"definition": cm, "force": true}),
            json!({"definition": cm, "server_side_apply": {"field_manager": "me"}}),
            json!({"definition": cm, "apply": true, "server_side_apply": {}}),
            json!({"definition": cm, "kubeconfig": {"clusters": []}}),
            json!({"definition": "a: ["}),
            json!({"definition": cm, "state": "gone"}),
            json!({"definition": cm, "flag": 1}),
        ] {
            assert!(check::<K8s>(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_unsupported_argument_is_refused_by_name() {
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "a"}});
        for (name, _) in UNSUPPORTED {
            let mut args = json!({"definition": cm});
            args[*name] = json!("x");
            let err = check::<K8s>(args).unwrap_err();
            assert!(
                err.contains(&format!("{name} is not supported by rsible")),
                "{name}: {err}"
            );
        }
        let err = check::<K8s>(json!({"definition": cm, "verify_ssl": false})).unwrap_err();
        assert!(err.contains("validate_certs is not supported"), "{err}");
    }

    #[test]
    fn apply_modes() {
        let a = |v: Value| {
            crate::modules::framework::args::parse::<Args>("k8s", v.as_object().unwrap()).unwrap()
        };
        assert_eq!(a(json!({"apply": true})).mode(), Mode::ClientSide);
        assert_eq!(
            a(json!({"apply": true, "server_side_apply": {"field_manager": "x"}})).mode(),
            Mode::ServerSide {
                field_manager: "x".into(),
                force_conflicts: false
            }
        );
        assert_eq!(
            a(json!({})).mode(),
            Mode::ServerSide {
                field_manager: kubectl::DEFAULT_MANAGER.into(),
                force_conflicts: true
            }
        );
    }
}
