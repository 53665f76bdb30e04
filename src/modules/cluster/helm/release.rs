//! `kubernetes.core.helm`: a release installed or upgraded (`helm upgrade -i`, or `helm
//! install --replace`) or uninstalled, decided as the Python module decides without the
//! helm diff plugin: not installed, or the chart's name-version, its appVersion or the
//! values (`release_values`, else the merged `values_files`) differ from the release's.
//! One probe (repo update when asked, `helm list`, the release's values, `helm show chart`,
//! `helm plugin list`, the values files), then one apply when something changes (the deploy
//! or uninstall, then the release's status again). `release_values` reach helm on stdin
//! (`-f=-`), nothing is left on the target. Arguments rsible does not run are refused at
//! load (`playbook::unsupported`). Knows nothing of playbooks.

use super::{binary, failure, shown, with_lines, Auth};
use crate::connection::quote::quote_str;
use crate::modules::cluster::common::{de_opt_dict, one_of};
use crate::modules::framework::args::{de_bool, yes};
use crate::modules::framework::args::{de_opt_bool, de_opt_int, de_opt_list, de_opt_string};
use crate::modules::framework::report::Report;
use crate::modules::framework::spec::{spec, Module, Spec};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};

/// `kubernetes.core.helm` in the registry.
pub const SPEC: Spec = spec::<Helm>(KUBERNETES_CORE, &[]);

/// The collection of the Helm modules.
pub const KUBERNETES_CORE: &str = "kubernetes.core";

/// The `helm` module.
pub struct Helm;

/// `release_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// Installed, upgraded when it differs.
    #[default]
    Present,
    /// Uninstalled.
    Absent,
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "release_state",
            &[("present", State::Present), ("absent", State::Absent)],
        )
    }
}

/// Arguments of `helm` (kubernetes.core's names and aliases). The connection settings and
/// options rsible does not run are refused at load (`playbook::unsupported`, which filters
/// them out before these are read); `validate_certs`, `dependency_update`,
/// `reset_then_reuse_values`, `insecure_skip_tls_verify`, `plain_http`, `take_ownership` and
/// `skip_schema_validation` are accepted only with Ansible's default, read here to be ignored
/// as the default is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "name", deserialize_with = "de_req_string")]
    release_name: String,
    #[serde(alias = "namespace", deserialize_with = "de_req_string")]
    release_namespace: String,
    #[serde(default, alias = "state")]
    release_state: State,
    #[serde(default, deserialize_with = "de_opt_string")]
    chart_ref: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    chart_repo_url: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    chart_version: Option<String>,
    #[serde(default, alias = "values", deserialize_with = "de_opt_dict")]
    release_values: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    values_files: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    update_repo_cache: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    disable_hook: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    force: Option<bool>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    purge: bool,
    #[serde(default, deserialize_with = "de_opt_bool")]
    wait: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    wait_timeout: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    timeout: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    atomic: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    create_namespace: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    replace: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    skip_crds: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_int")]
    history_max: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    reuse_values: Option<bool>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    reset_values: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    binary_path: Option<String>,
    #[serde(default, alias = "kubeconfig_path")]
    kubeconfig: Option<Value>,
    #[serde(default, alias = "kube_context", deserialize_with = "de_opt_string")]
    context: Option<String>,
    #[serde(default, rename = "validate_certs", alias = "verify_ssl")]
    _validate_certs: Option<Value>,
    #[serde(default, rename = "dependency_update", alias = "dep_up")]
    _dependency_update: Option<Value>,
    #[serde(default, rename = "reset_then_reuse_values")]
    _reset_then_reuse_values: Option<Value>,
    #[serde(
        default,
        rename = "insecure_skip_tls_verify",
        alias = "skip_tls_certs_check"
    )]
    _insecure_skip_tls_verify: Option<Value>,
    #[serde(default, rename = "plain_http")]
    _plain_http: Option<Value>,
    #[serde(default, rename = "take_ownership")]
    _take_ownership: Option<Value>,
    #[serde(default, rename = "skip_schema_validation")]
    _skip_schema_validation: Option<Value>,
}

/// A required string argument that YAML may write as a number.
fn de_req_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_opt_string(d).map(Option::unwrap_or_default)
}

impl Module for Helm {
    const NAME: &'static str = "helm";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        a.auth().validate()?;
        if a.wait_timeout.is_some() && a.timeout.is_some() {
            return Err("parameters are mutually exclusive: wait_timeout|timeout".into());
        }
        if a.release_state == State::Present && a.chart_ref.is_none() {
            return Err(
                "release_state is present but all of the following are missing: \
                        chart_ref"
                    .into(),
            );
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(async move { with_lines(helm(a, ctx).await) })
    }
}

/// The flags before the subcommand (Ansible's `helm_cmd`): the chart's version and repo.
fn chart_flags(a: &Args) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(ver) = &a.chart_version {
        v.push(format!("--version={ver}"));
    }
    if let Some(url) = &a.chart_repo_url {
        v.push(format!("--repo={url}"));
    }
    v
}

/// The probe: what Ansible's module reads before it decides.
pub fn probe(a: &Args) -> String {
    let name = quote_str(&a.release_name);
    let mut s = a.auth().prelude(Some(&a.release_namespace));
    if a.update_repo_cache == Some(true) {
        s.push_str("h repo update\n");
    }
    let all = if a.release_state == State::Absent {
        " --all"
    } else {
        ""
    };
    s.push_str(&format!(
        "h list --output=json --filter {name}{all}; mx list \"$o\"\nfound=\n"
    ));
    let entry = quote_str(&format!("\"name\":{}", json!(a.release_name)));
    s.push_str(&format!(
        "case $o in *{entry}*) found=1; h get values --output=json {name}; mx values \"$o\";; esac\n"
    ));
    if a.release_state == State::Present {
        let mut show: Vec<String> = chart_flags(a);
        show.extend(["show".into(), "chart".into()]);
        show.push(a.chart_ref.clone().unwrap_or_default());
        let words: Vec<String> = show.iter().map(|w| quote_str(w)).collect();
        s.push_str(&shown(&display(&show, true)));
        s.push_str(&format!("h {}; mx chart \"$o\"\nshown=\n", words.join(" ")));
        s.push_str("if [ -n \"$found\" ]; then h plugin list; mx plugins \"$o\"\n");
        for f in a.values_files.iter().flatten() {
            s.push_str(&format!(
                "vf=$(cat -- {}) || {{ m failed 1; mx cmd 'cat'; mx out ''; exit 0; }}; mx vfile \"$vf\"\n",
                quote_str(f)
            ));
        }
        s.push_str("fi\n");
    }
    s
}

/// What the probe found.
#[derive(Debug, Default)]
pub struct Found {
    /// The release as `helm list` shows it, with its `values`.
    pub release: Option<Map<String, Value>>,
    /// `helm show chart` of the chart.
    pub chart: Map<String, Value>,
    /// Whether the helm diff plugin is installed.
    pub diff_plugin: bool,
    /// The values files' mappings, merged (top-level keys, later files win).
    pub files_values: Map<String, Value>,
}

/// Reads the probe's report.
pub fn found(a: &Args, r: &Report) -> Result<Found, String> {
    let list: Value = serde_json::from_str(r.get("list").unwrap_or("[]"))
        .map_err(|e| format!("helm list --output=json: {e}"))?;
    let mut f = Found {
        release: list.as_array().and_then(|l| {
            l.iter()
                .filter_map(Value::as_object)
                .find(|m| m.get("name").and_then(Value::as_str) == Some(a.release_name.as_str()))
                .map(sorted)
        }),
        ..Found::default()
    };
    if let Some(rel) = f.release.as_mut() {
        let values = yaml_map(r.get("values").unwrap_or("null"))?;
        rel.insert("values".into(), Value::Object(values));
    }
    if let Some(c) = r.get("chart") {
        f.chart = yaml_map(c)?;
    }
    f.diff_plugin = r.get("plugins").is_some_and(|p| {
        p.lines()
            .filter(|l| !l.starts_with("NAME"))
            .any(|l| l.split('\t').next().map(str::trim) == Some("diff"))
    });
    for text in r.all("vfile") {
        f.files_values.extend(yaml_map(text)?);
    }
    Ok(f)
}

/// A release's entry with its keys in the order helm's YAML output has them (sorted), which
/// is the order the module's `status` shows.
fn sorted(m: &Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by_key(|(k, _)| k.as_str());
    entries
        .into_iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A YAML (or JSON) mapping; `null` or a non-mapping is empty, as Ansible reads values.
fn yaml_map(text: &str) -> Result<Map<String, Value>, String> {
    let v: Value = serde_saphyr::from_str(text).map_err(|e| format!("helm output: {e}"))?;
    Ok(match v {
        Value::Object(m) => m,
        _ => Map::new(),
    })
}

/// The module's default idempotency check: whether an installed release would change with
/// values `wanted`.
pub fn would_change(
    wanted: &Map<String, Value>,
    release: &Map<String, Value>,
    chart: &Map<String, Value>,
) -> bool {
    let text =
        |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    let chart_app = text(chart, "appVersion");
    let released_app = text(release, "app_version");
    let app_same =
        chart_app == released_app || (chart_app.is_none() && released_app.as_deref() == Some(""));
    let values = release.get("values");
    let values_same = values == Some(&Value::Object(wanted.clone()));
    let chart_id = format!(
        "{}-{}",
        text(chart, "name").unwrap_or_default(),
        text(chart, "version").unwrap_or_default()
    );
    !values_same || Some(chart_id) != text(release, "chart") || !app_same
}

/// The deploy command after the binary (Ansible's order of flags).
pub fn deploy_args(a: &Args) -> Vec<String> {
    let mut v = chart_flags(a);
    let flag = |v: &mut Vec<String>, on: Option<bool>, f: &str| {
        if on == Some(true) {
            v.push(f.into());
        }
    };
    if a.replace == Some(true) {
        v.push("install".into());
    } else {
        v.extend(["upgrade".into(), "-i".into()]);
        if a.reset_values {
            v.push("--reset-values".into());
        }
    }
    if let Some(r) = a.reuse_values {
        v.push(format!(
            "--reuse-values={}",
            if r { "True" } else { "False" }
        ));
    }
    if a.wait == Some(true) {
        v.push("--wait".into());
        if let Some(t) = &a.wait_timeout {
            v.extend(["--timeout".into(), t.clone()]);
        }
    }
    flag(&mut v, a.atomic, "--atomic");
    if let Some(t) = &a.timeout {
        v.extend(["--timeout".into(), t.clone()]);
    }
    flag(&mut v, a.force, "--force");
    flag(&mut v, a.replace, "--replace");
    flag(&mut v, a.disable_hook, "--no-hooks");
    flag(&mut v, a.create_namespace, "--create-namespace");
    for f in a.values_files.iter().flatten() {
        v.push(format!("--values={f}"));
    }
    if a.release_values.as_ref().is_some_and(|m| !m.is_empty()) {
        v.push("-f=-".into());
    }
    flag(&mut v, a.skip_crds, "--skip-crds");
    if let Some(n) = a.history_max {
        v.push(format!("--history-max={n}"));
    }
    v.push(a.release_name.clone());
    v.push(a.chart_ref.clone().unwrap_or_default());
    v
}

/// The uninstall command after the binary.
pub fn uninstall_args(a: &Args) -> Vec<String> {
    let mut v = vec!["uninstall".to_string()];
    if !a.purge {
        v.push("--keep-history".into());
    }
    if a.disable_hook == Some(true) {
        v.push("--no-hooks".into());
    }
    if a.wait == Some(true) {
        v.push("--wait".into());
    }
    if let Some(t) = &a.wait_timeout {
        v.extend(["--timeout".into(), t.clone()]);
    }
    v.push(a.release_name.clone());
    v
}

/// The apply: the command, its output, then the release's status as the module reads it
/// after a run (`helm list --all` and its values).
pub fn apply(a: &Args, words: &[String]) -> String {
    let name = quote_str(&a.release_name);
    let mut s = a.auth().prelude(Some(&a.release_namespace));
    let quoted: Vec<String> = words.iter().map(|w| quote_str(w)).collect();
    s.push_str(&shown(&display(words, a.release_state == State::Present)));
    s.push_str(&format!(
        "h {}; mx stdout \"$o\"\nshown=\n",
        quoted.join(" ")
    ));
    s.push_str(&format!(
        "h list --output=json --filter {name} --all; mx list \"$o\"\n\
         case $o in *{}*) h get values --output=json {name}; mx values \"$o\";; esac\n",
        quote_str(&format!("\"name\":{}", json!(a.release_name)))
    ));
    s
}

/// The words of a command after the binary as Ansible's `command` result shows them: a
/// chart reference (the last word of `show chart` and of a deploy) in single quotes, and
/// `uninstall` followed by two spaces (the module's own spelling).
pub fn display(words: &[String], chart_last: bool) -> String {
    if let Some(("uninstall", rest)) = words.split_first().map(|(w, r)| (w.as_str(), r)) {
        return format!("uninstall  {}", rest.join(" "));
    }
    match words.split_last() {
        Some((chart, rest)) if chart_last => rest
            .iter()
            .cloned()
            .chain([format!("'{chart}'")])
            .collect::<Vec<_>>()
            .join(" "),
        _ => words.join(" "),
    }
}

/// The `command` result: the binary the probe found, then the words as Ansible shows them.
fn command(bin: &str, a: &Args, words: &[String]) -> String {
    let tail = display(words, a.release_state == State::Present);
    if tail.is_empty() {
        bin.to_string()
    } else {
        format!("{bin} {tail}")
    }
}

const NO_DIFF_WARNING: &str = "The default idempotency check can fail to report changes in \
    certain cases. Install helm diff >= 3.4.1 for better results.";

async fn helm(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(probe(&a).into_bytes(), Vec::new()).await?;
    let r = Report::parse("helm", &String::from_utf8_lossy(&out.stdout))?;
    if let Some(f) = failure(&r, &out) {
        return Ok(f);
    }
    let f = found(&a, &r).map_err(Failure::Failed)?;
    let bin = binary(&r, &a.auth()).to_string();
    let mut warnings = Vec::new();
    let words = match (a.release_state, &f.release) {
        (State::Absent, Some(rel))
            if !rel
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .starts_with("uninstall") =>
        {
            Some(uninstall_args(&a))
        }
        (State::Absent, _) => None,
        (State::Present, None) => Some(deploy_args(&a)),
        (State::Present, Some(rel)) => {
            if f.diff_plugin {
                return Err(Failure::Failed(
                    "helm: the helm diff plugin is installed on this host; rsible's helm \
                     module decides without it (the default check): not supported by rsible"
                        .into(),
                ));
            }
            warnings.push(NO_DIFF_WARNING.to_string());
            let wanted = match &a.values_files {
                Some(files) if !files.is_empty() => f.files_values.clone(),
                _ => a.release_values.clone().unwrap_or_default(),
            };
            (a.force == Some(true) || would_change(&wanted, rel, &f.chart)).then(|| deploy_args(&a))
        }
    };
    let mut o = Output::default();
    if !warnings.is_empty() {
        o.fields.insert("warnings".into(), json!(warnings));
    }
    let status = |rel: &Option<Map<String, Value>>| rel.clone().map_or(Value::Null, Value::Object);
    // In check mode the module shows the release's values and status, changed or not.
    let check_status = json!({"values": {
        "current": f.release.as_ref().and_then(|r| r.get("values")).cloned().unwrap_or(json!({})),
        "declared": status(&f.release).as_object().map_or(json!({}), |m| Value::Object(m.clone()))}});
    let checking = ctx.unless_checking(()).is_none();
    let Some(words) = words else {
        let mut flags = chart_flags(&a);
        flags.retain(|_| a.release_state == State::Present);
        let shown_cmd = std::iter::once(bin.clone())
            .chain(flags)
            .collect::<Vec<_>>()
            .join(" ");
        let shown_status = if checking {
            check_status
        } else {
            status(&f.release)
        };
        o.fields.extend(object(
            json!({"status": shown_status, "stdout": "", "stderr": "", "command": shown_cmd}),
        ));
        return Ok(o);
    };
    o.changed = true;
    let stdin = a
        .release_values
        .as_ref()
        .filter(|m| !m.is_empty())
        .map(|m| Value::Object(m.clone()).to_string().into_bytes())
        .unwrap_or_default();
    let cmd = command(&bin, &a, &words);
    let Some(done) = ctx.apply(apply(&a, &words).into_bytes(), stdin).await? else {
        // Not run (check mode).
        o.fields.extend(object(
            json!({"command": cmd, "status": check_status, "stdout": "", "stderr": ""}),
        ));
        return Ok(o);
    };
    let r = Report::parse("helm", &String::from_utf8_lossy(&done.stdout))?;
    if let Some(f) = failure(&r, &done) {
        return Ok(f);
    }
    let after = found(&a, &r).map_err(Failure::Failed)?;
    o.fields.extend(object(json!({
        "stdout": r.get("stdout").unwrap_or_default(),
        "stderr": String::from_utf8_lossy(&done.stderr),
        "status": status(&after.release),
        "command": cmd,
    })));
    Ok(o)
}

fn object(v: Value) -> Map<String, Value> {
    crate::modules::cluster::common::object(v)
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
