//! `kubeadm`: one action per task.
//! - `init`: `kubeadm init` on the first control-plane node, skipped when
//!   `/etc/kubernetes/admin.conf` exists (one round trip; a second when `fetch_kubeconfig`
//!   copies admin.conf to the controller with the `fetch` module).
//! - `join_command`: `kubeadm token create --print-join-command` and, with `upload_certs`
//!   (default), `kubeadm init phase upload-certs --upload-certs`; returns `join_command`,
//!   `certificate_key` and `control_plane_join_command` (one round trip). It reports
//!   changed=false: a bootstrap token is a short-lived credential, not node configuration,
//!   and it runs in check mode too so that a checked play can pass the command on (skipped
//!   in check mode when the node is not initialised yet).
//! - `join`: `kubeadm join` with a command from `join_command` (or endpoint, token and CA
//!   hash), skipped when `/etc/kubernetes/kubelet.conf` exists (one round trip).
//! - `reset`: `kubeadm reset -f` when the node holds kubeadm's files (one round trip).
//!
//! Every argument reaches the target quoted. Each action is one gated program: the probe
//! finds whether there is anything to do (and `join_command` prints the commands, in check
//! mode too), the framework adds kubeadm's run only outside check mode. `fetch_kubeconfig`
//! runs the `fetch` module through the registry. Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::cluster::common::{one_of, run_module, Report, MARK_FN};
use crate::modules::framework::args::{
    de_opt_bool, de_opt_list, de_opt_string, is_template, to_bool,
};
use crate::modules::framework::spec::{spec, Module, Spec, RSIBLE};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// `kubeadm` in the registry.
pub const SPEC: Spec = spec::<Kubeadm>(RSIBLE, &[]);

/// The `kubeadm` module.
pub struct Kubeadm;

impl Module for Kubeadm {
    const NAME: &'static str = "kubeadm";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        plan(a).map(drop)
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(kubeadm(a, ctx))
    }
}

/// `action`: what this task does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `kubeadm init`.
    Init,
    /// `kubeadm join`.
    Join,
    /// The join commands of an initialised control plane.
    JoinCommand,
    /// `kubeadm reset -f`.
    Reset,
}

/// The actions with their words, in Ansible's order of the choices.
const ACTIONS: [(&str, Action); 4] = [
    ("init", Action::Init),
    ("join", Action::Join),
    ("join_command", Action::JoinCommand),
    ("reset", Action::Reset),
];

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(d, "action", &ACTIONS)
    }
}

impl Action {
    /// The word the task writes.
    fn word(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(w, _)| w)
    }
}

/// Arguments of `kubeadm` (rsible's own module).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    action: Action,
    #[serde(default, deserialize_with = "de_opt_string")]
    pod_network_cidr: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    service_cidr: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    control_plane_endpoint: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    apiserver_advertise_address: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    cri_socket: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    kubernetes_version: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    upload_certs: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    config: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    ignore_preflight_errors: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    fetch_kubeconfig: Option<String>,
    #[serde(default, alias = "join_command", deserialize_with = "de_opt_string")]
    command: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    api_server_endpoint: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    token: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    discovery_token_ca_cert_hash: Option<String>,
    #[serde(default, deserialize_with = "de_control_plane")]
    control_plane: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    certificate_key: Option<String>,
}

/// `control_plane`, a boolean; a template (at load) reads as `true`, the reading that
/// refuses nothing (`certificate_key` needs it).
fn de_control_plane<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Value::deserialize(d)?;
    if v.as_str().is_some_and(is_template) {
        return Ok(Some(true));
    }
    match v {
        Value::Null => Ok(None),
        v => to_bool(&v)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{v} is not a valid boolean"))),
    }
}

impl Args {
    /// The names of the arguments given (besides `action`).
    fn given(&self) -> Vec<&'static str> {
        [
            ("pod_network_cidr", self.pod_network_cidr.is_some()),
            ("service_cidr", self.service_cidr.is_some()),
            (
                "control_plane_endpoint",
                self.control_plane_endpoint.is_some(),
            ),
            (
                "apiserver_advertise_address",
                self.apiserver_advertise_address.is_some(),
            ),
            ("cri_socket", self.cri_socket.is_some()),
            ("kubernetes_version", self.kubernetes_version.is_some()),
            ("upload_certs", self.upload_certs.is_some()),
            ("config", self.config.is_some()),
            (
                "ignore_preflight_errors",
                self.ignore_preflight_errors.is_some(),
            ),
            ("fetch_kubeconfig", self.fetch_kubeconfig.is_some()),
            ("command", self.command.is_some()),
            ("api_server_endpoint", self.api_server_endpoint.is_some()),
            ("token", self.token.is_some()),
            (
                "discovery_token_ca_cert_hash",
                self.discovery_token_ca_cert_hash.is_some(),
            ),
            ("control_plane", self.control_plane.is_some()),
            ("certificate_key", self.certificate_key.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

/// The checked request.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// `kubeadm init ARGV`, then admin.conf fetched to this controller path.
    Init {
        argv: Vec<String>,
        config: Option<String>,
        fetch: Option<String>,
    },
    /// Join commands, with the certificate key when `upload_certs`.
    JoinCommand { upload_certs: bool },
    /// `kubeadm join ARGV`.
    Join { argv: Vec<String> },
    /// `kubeadm reset -f ARGV`.
    Reset { argv: Vec<String> },
}

/// The arguments each action accepts (besides `action`).
fn accepted(action: Action) -> &'static [&'static str] {
    match action {
        Action::Init => &[
            "pod_network_cidr",
            "service_cidr",
            "control_plane_endpoint",
            "apiserver_advertise_address",
            "cri_socket",
            "kubernetes_version",
            "upload_certs",
            "config",
            "ignore_preflight_errors",
            "fetch_kubeconfig",
        ],
        Action::JoinCommand => &["upload_certs"],
        Action::Join => &[
            "command",
            "api_server_endpoint",
            "token",
            "discovery_token_ca_cert_hash",
            "control_plane",
            "certificate_key",
            "cri_socket",
            "ignore_preflight_errors",
        ],
        Action::Reset => &["cri_socket"],
    }
}

/// `--flag value` when `v` is set; refuses values that are empty or span lines.
fn flag(argv: &mut Vec<String>, name: &str, v: &Option<String>) -> Result<(), String> {
    if let Some(v) = v {
        if v.trim().is_empty() || v.contains('\n') {
            return Err(format!("the value of {name} must be one line of text"));
        }
        argv.push(format!("--{name}={}", v.trim()));
    }
    Ok(())
}

fn preflight(argv: &mut Vec<String>, v: &Option<Vec<String>>) {
    if let Some(l) = v.as_ref().filter(|l| !l.is_empty()) {
        argv.push(format!("--ignore-preflight-errors={}", l.join(",")));
    }
}

/// The checked request of `args`. At load a templated string still holds its template: a
/// templated `command` is not read (nor are the checks that need its words).
fn plan(args: &Args) -> Result<Plan, String> {
    let action = args.action;
    let ok = accepted(action);
    let given = args.given();
    if let Some(k) = given.iter().find(|k| !ok.contains(k)) {
        return Err(format!(
            "argument '{k}' is not used by action {}",
            action.word()
        ));
    }
    let mut argv = Vec::new();
    match action {
        Action::Init => {
            if args.config.is_some() {
                let mixed = [
                    "pod_network_cidr",
                    "service_cidr",
                    "control_plane_endpoint",
                    "apiserver_advertise_address",
                    "cri_socket",
                    "kubernetes_version",
                ]
                .into_iter()
                .find(|k| given.contains(k));
                if let Some(k) = mixed {
                    return Err(format!(
                        "parameters are mutually exclusive: config|{k} (kubeadm refuses \
                         --config with that flag: put it in the config file)"
                    ));
                }
                flag(&mut argv, "config", &args.config)?;
            }
            flag(&mut argv, "pod-network-cidr", &args.pod_network_cidr)?;
            flag(&mut argv, "service-cidr", &args.service_cidr)?;
            flag(
                &mut argv,
                "control-plane-endpoint",
                &args.control_plane_endpoint,
            )?;
            flag(
                &mut argv,
                "apiserver-advertise-address",
                &args.apiserver_advertise_address,
            )?;
            flag(&mut argv, "cri-socket", &args.cri_socket)?;
            flag(&mut argv, "kubernetes-version", &args.kubernetes_version)?;
            if args.upload_certs.unwrap_or(false) {
                argv.push("--upload-certs".into());
            }
            preflight(&mut argv, &args.ignore_preflight_errors);
            if args
                .fetch_kubeconfig
                .as_deref()
                .is_some_and(|f| f.trim().is_empty())
            {
                return Err("fetch_kubeconfig must be a path on the controller".into());
            }
            Ok(Plan::Init {
                argv,
                config: args.config.clone(),
                fetch: args.fetch_kubeconfig.clone(),
            })
        }
        Action::JoinCommand => Ok(Plan::JoinCommand {
            upload_certs: args.upload_certs.unwrap_or(true),
        }),
        Action::Join => {
            let mut unknown = false;
            match (&args.command, &args.api_server_endpoint) {
                (Some(c), None) if is_template(c) => unknown = true,
                (Some(c), None) => {
                    let words = shlex::split(c)
                        .filter(|w| w.len() >= 2 && w[0] == "kubeadm" && w[1] == "join")
                        .ok_or_else(|| {
                            format!("command must be a `kubeadm join ...` command line, got: '{c}'")
                        })?;
                    argv.extend(words.into_iter().skip(2));
                }
                (None, Some(endpoint)) => {
                    if args.token.is_none() || args.discovery_token_ca_cert_hash.is_none() {
                        return Err("action join with api_server_endpoint needs token and \
                                    discovery_token_ca_cert_hash"
                            .into());
                    }
                    argv.push(endpoint.clone());
                    flag(&mut argv, "token", &args.token)?;
                    flag(
                        &mut argv,
                        "discovery-token-ca-cert-hash",
                        &args.discovery_token_ca_cert_hash,
                    )?;
                }
                (Some(_), Some(_)) => {
                    return Err(
                        "parameters are mutually exclusive: command|api_server_endpoint".into(),
                    )
                }
                (None, None) => {
                    return Err("action join needs command (from action join_command) or \
                                api_server_endpoint, token and discovery_token_ca_cert_hash"
                        .into())
                }
            }
            if args.control_plane == Some(true) && !has(&argv, "--control-plane") {
                argv.push("--control-plane".into());
            }
            if args.certificate_key.is_some() && !has(&argv, "--certificate-key") {
                flag(&mut argv, "certificate-key", &args.certificate_key)?;
            }
            if has(&argv, "--certificate-key") && !has(&argv, "--control-plane") && !unknown {
                return Err("certificate_key is only used with control_plane: true".into());
            }
            flag(&mut argv, "cri-socket", &args.cri_socket)?;
            preflight(&mut argv, &args.ignore_preflight_errors);
            Ok(Plan::Join { argv })
        }
        Action::Reset => {
            argv.push("-f".into());
            flag(&mut argv, "cri-socket", &args.cri_socket)?;
            Ok(Plan::Reset { argv })
        }
    }
}

/// Whether `argv` holds flag `f` (alone or as `f=value`).
fn has(argv: &[String], f: &str) -> bool {
    argv.iter()
        .any(|w| w == f || w.starts_with(&format!("{f}=")))
}

fn words(argv: &[String]) -> String {
    argv.iter().map(|w| format!(" {}", quote_str(w))).collect()
}

/// The configuration files `kubeadm reset` removes: their presence means there is
/// something to reset.
const RESET_FILES: &str = "/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf \
    /etc/kubernetes/super-admin.conf /etc/kubernetes/controller-manager.conf \
    /etc/kubernetes/scheduler.conf /etc/kubernetes/bootstrap-kubelet.conf";

/// The one remote program as its probe and its apply. Markers: `skip` (nothing to do),
/// `would` (kubeadm is to run: a change), `rc N` (kubeadm ran), `fail MSG`, `join CMD`,
/// `key K`, `noinit` (join_command on a node that is not initialised: in check mode the
/// init that would come first did not run; outside it the apply fails); everything else is
/// kubeadm's own output.
fn program(p: &Plan) -> (String, String) {
    let mut s = format!("LC_ALL=C; export LC_ALL\n{MARK_FN}fail() {{ mx fail \"$*\"; exit 0; }}\n");
    let need =
        "command -v kubeadm >/dev/null 2>&1 || fail 'kubeadm is not installed on this host'\n";
    let run =
        |verb: &str, argv: &[String]| format!("kubeadm {verb}{} 2>&1; m rc $?\n", words(argv));
    let would = "m would; rsible_change=1\n";
    let apply = match p {
        Plan::Init { argv, config, .. } => {
            s.push_str("[ -f /etc/kubernetes/admin.conf ] && { m skip; exit 0; }\n");
            s.push_str(need);
            if let Some(c) = config {
                s.push_str(&format!(
                    "c={}; [ -f \"$c\" ] || fail \"the kubeadm config file $c does not exist on this host\"\n",
                    quote_str(c)
                ));
            }
            s.push_str(would);
            run("init", argv)
        }
        Plan::JoinCommand { upload_certs } => {
            s.push_str(need);
            s.push_str(
                "if [ -f /etc/kubernetes/admin.conf ]; then\n\
                 j=$(kubeadm token create --print-join-command 2>&1) || fail \"kubeadm token create failed: $j\"\n\
                 m join \"$(printf '%s\\n' \"$j\" | grep '^kubeadm join ' | tail -n 1)\"\n",
            );
            if *upload_certs {
                s.push_str(
                    "k=$(kubeadm init phase upload-certs --upload-certs 2>&1) || fail \"kubeadm init phase upload-certs failed: $k\"\n\
                     m key \"$(printf '%s\\n' \"$k\" | grep -E '^[0-9a-f]{64}$' | tail -n 1)\"\n",
                );
            }
            s.push_str("else m noinit; rsible_change=1; fi\n");
            "fail 'this host is not an initialised control-plane node (no \
             /etc/kubernetes/admin.conf): run action init on it first'\n"
                .to_string()
        }
        Plan::Join { argv } => {
            s.push_str("[ -f /etc/kubernetes/kubelet.conf ] && { m skip; exit 0; }\n");
            s.push_str(need);
            s.push_str(would);
            run("join", argv)
        }
        Plan::Reset { argv } => {
            s.push_str(&format!(
                "found=\nfor f in {RESET_FILES}; do [ -e \"$f\" ] && found=1; done\n\
                 for d in /etc/kubernetes/manifests /etc/kubernetes/pki; do \
                 [ -n \"$(ls -A \"$d\" 2>/dev/null)\" ] && found=1; done\n\
                 [ -z \"$found\" ] && {{ m skip; exit 0; }}\n{need}{would}"
            ));
            run("reset", argv)
        }
    };
    (s, apply)
}

/// The command line shown as `cmd`.
fn cmd(p: &Plan) -> String {
    let (verb, argv) = match p {
        Plan::Init { argv, .. } => ("init", argv),
        Plan::Join { argv } => ("join", argv),
        Plan::Reset { argv } => ("reset", argv),
        Plan::JoinCommand { .. } => return "kubeadm token create --print-join-command".into(),
    };
    format!("kubeadm {verb}{}", words(argv))
}

/// `kubeadm`: see the file header. Returns `cmd`, `rc`, `stdout`, `stdout_lines` when kubeadm
/// ran; `join_command`, `certificate_key`, `control_plane_join_command` for `join_command`;
/// `kubeconfig` when admin.conf was fetched.
async fn kubeadm(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = plan(&a).map_err(Failure::BadArgs)?;
    let (probe, apply) = program(&p);
    let out = ctx
        .gated(probe.as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "kubeadm: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse("kubeadm", &stdout)?;
    let text = r.rest();
    let mut o = Output::default();
    o.fields.insert("cmd".into(), json!(cmd(&p)));
    let (mut join, mut key, mut would, mut rc, mut noinit) = (None, None, false, None, false);
    for (k, v) in r.entries() {
        match k {
            "fail" => {
                o.failed = true;
                o.msg = Some(v.to_string());
            }
            "skip" => o.msg = Some(skip_message(&p).into()),
            "would" => would = true,
            "noinit" => noinit = true,
            "rc" => rc = Some(v.trim().parse::<i64>().unwrap_or(1)),
            "join" => join = Some(v.trim().to_string()),
            "key" => key = Some(v.trim().to_string()),
            _ => {}
        }
    }
    if noinit && !o.failed {
        o.skipped = true;
        o.msg = Some(
            "check mode: this node is not initialised yet, so there is no join command".into(),
        );
    }
    // kubeadm ran: its exit code decides; it is still to run (check mode): a change.
    o.changed = rc.map_or(would, |rc| rc == 0);
    if let Some(rc) = rc {
        o.fields.insert("rc".into(), json!(rc));
        if rc != 0 {
            o.failed = true;
            o.msg = Some(format!(
                "{} failed (rc {rc}): {}",
                cmd(&p),
                last_lines(text)
            ));
        }
        o.fields.insert("stdout".into(), json!(text));
        let lines: Vec<&str> = text.lines().collect();
        o.fields.insert("stdout_lines".into(), json!(lines));
    }
    if o.changed && ctx.diff {
        o.diffs.push(state_diff(&p));
    }
    if let Plan::JoinCommand { upload_certs } = &p {
        if !o.failed && !o.skipped {
            let join = join.filter(|j| !j.is_empty()).ok_or_else(|| {
                Failure::Failed(
                    "kubeadm: `kubeadm token create --print-join-command` printed no join command"
                        .into(),
                )
            })?;
            o.fields.insert("join_command".into(), json!(join));
            if *upload_certs {
                let key = key.filter(|k| !k.is_empty()).ok_or_else(|| {
                    Failure::Failed("kubeadm: `kubeadm init phase upload-certs --upload-certs` printed no certificate key".into())
                })?;
                o.fields.insert(
                    "control_plane_join_command".into(),
                    json!(format!("{join} --control-plane --certificate-key {key}")),
                );
                o.fields.insert("certificate_key".into(), json!(key));
            }
        }
    }
    if let Plan::Init {
        fetch: Some(dest), ..
    } = &p
    {
        // While init is still to run (check mode) there is no admin.conf to fetch yet.
        if !(o.failed || would && rc.is_none()) {
            let f = run_module(
                "fetch",
                json!({"src": "/etc/kubernetes/admin.conf", "dest": dest, "flat": true}),
                ctx,
            )
            .await?;
            o.changed |= f.changed;
            o.fields.insert(
                "kubeconfig".into(),
                f.fields.get("dest").cloned().unwrap_or(Value::Null),
            );
        }
    }
    Ok(o)
}

/// The node's kubeadm state before and after the action, for `--diff`.
fn state_diff(p: &Plan) -> Diff {
    let (file, before, after) = match p {
        Plan::Init { .. } => ("/etc/kubernetes/admin.conf", "absent", "present"),
        Plan::Join { .. } => ("/etc/kubernetes/kubelet.conf", "absent", "present"),
        _ => ("/etc/kubernetes", "present", "absent"),
    };
    Diff {
        before_header: file.into(),
        after_header: file.into(),
        before: format!("{file}: {before}\n"),
        after: format!("{file}: {after}\n"),
    }
}

fn skip_message(p: &Plan) -> &'static str {
    match p {
        Plan::Init { .. } => "/etc/kubernetes/admin.conf exists: this node is already initialised",
        Plan::Join { .. } => "/etc/kubernetes/kubelet.conf exists: this node has already joined",
        _ => "nothing to reset: this node holds no kubeadm configuration",
    }
}

/// The last lines of kubeadm's output, for a failure message.
fn last_lines(text: &str) -> String {
    let l: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    l[l.len().saturating_sub(5)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::cluster::common::tests::parses;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;

    /// The run-time reading: parse, validate, plan.
    fn of(v: Value) -> Result<Plan, String> {
        let a: Args = args::parse("kubeadm", v.as_object().expect("obj"))?;
        Kubeadm::validate(&a)?;
        plan(&a)
    }

    #[test]
    fn init_arguments() {
        let p = of(json!({"action": "init", "pod_network_cidr": "10.244.0.0/16", "upload_certs": true, "control_plane_endpoint": "cp:6443"})).unwrap();
        assert_eq!(
            cmd(&p),
            "kubeadm init --pod-network-cidr=10.244.0.0/16 --control-plane-endpoint=cp:6443 --upload-certs"
        );
        assert!(
            of(json!({"action": "init", "config": "/k.yaml", "pod_network_cidr": "x"})).is_err()
        );
        assert!(of(json!({"action": "init", "config": "/k.yaml", "upload_certs": true})).is_ok());
        assert!(of(json!({"action": "init", "token": "x"})).is_err());
        assert!(of(json!({"action": "start"})).is_err());
        assert!(of(json!({})).is_err());
        assert!(of(json!({"action": "init", "service_cidr": "a\nb"})).is_err());
    }

    #[test]
    fn join_arguments() {
        let c =
            "kubeadm join 10.0.0.1:6443 --token abc.def --discovery-token-ca-cert-hash sha256:00";
        let p = of(json!({"action": "join", "command": c, "cri_socket": "unix:///run/x.sock"}))
            .unwrap();
        assert_eq!(
            p,
            Plan::Join {
                argv: vec![
                    "10.0.0.1:6443".into(),
                    "--token".into(),
                    "abc.def".into(),
                    "--discovery-token-ca-cert-hash".into(),
                    "sha256:00".into(),
                    "--cri-socket=unix:///run/x.sock".into()
                ]
            }
        );
        let cp = format!("{c} --control-plane --certificate-key ff");
        let Plan::Join { argv } =
            of(json!({"action": "join", "command": cp, "control_plane": true})).unwrap()
        else {
            panic!()
        };
        assert_eq!(argv.iter().filter(|w| *w == "--control-plane").count(), 1);
        assert!(of(json!({"action": "join", "command": "rm -rf /"})).is_err());
        assert!(of(json!({"action": "join"})).is_err());
        assert!(of(json!({"action": "join", "api_server_endpoint": "a:6443"})).is_err());
        assert!(of(json!({"action": "join", "command": c, "certificate_key": "k"})).is_err());
        assert!(of(json!({"action": "join", "api_server_endpoint": "a:6443", "token": "t", "discovery_token_ca_cert_hash": "h"})).is_ok());
        assert!(of(json!({"action": "reset", "command": c})).is_err());
        assert!(of(json!({"action": "join", "join_command": c})).is_ok());
    }

    #[test]
    fn load_time_check() {
        let from_hostvars = "{{ hostvars[groups['control_plane'][0]].k8s_join.join_command }}";
        assert_eq!(
            check::<Kubeadm>(json!({"action": "join", "command": from_hostvars})),
            Ok(true)
        );
        assert_eq!(
            check::<Kubeadm>(
                json!({"action": "join", "command": "{{ c }}", "certificate_key": "{{ k }}"})
            ),
            Ok(true)
        );
        assert_eq!(
            check::<Kubeadm>(
                json!({"action": "join", "api_server_endpoint": "a:6443", "token": "t",
                        "discovery_token_ca_cert_hash": "h", "control_plane": "{{ cp }}",
                        "certificate_key": "{{ k }}"})
            ),
            Ok(true)
        );
        assert_eq!(
            check::<Kubeadm>(
                json!({"action": "init", "upload_certs": "{{ groups['cp'] | length > 1 }}",
                        "control_plane_endpoint": "{{ e if e else omit }}"})
            ),
            Ok(true)
        );
        assert_eq!(check::<Kubeadm>(json!({"action": "{{ a }}"})), Ok(false));
        let e = check::<Kubeadm>(json!({"action": "start"})).unwrap_err();
        assert!(
            e.contains(
                "value of action must be one of: init, join, join_command, reset, got: start"
            ),
            "{e}"
        );
        let e = check::<Kubeadm>(json!({"pod_network_cidr": "x"})).unwrap_err();
        assert!(e.contains("missing required arguments: action"), "{e}");
        let e = check::<Kubeadm>(json!({"action": "init", "pod_network_cidrr": "x"})).unwrap_err();
        assert!(e.contains("pod_network_cidrr"), "{e}");
        let e =
            check::<Kubeadm>(json!({"action": "init", "upload_certs": "sometimes"})).unwrap_err();
        assert!(e.contains("upload_certs"), "{e}");
        assert!(check::<Kubeadm>(json!({"action": "join", "command": "rm -rf /"})).is_err());
    }

    #[test]
    fn programs_quote_parse_and_keep_kubeadm_behind_the_gate() {
        let c = "kubeadm join 'a;b' --token x";
        let p = of(json!({"action": "join", "command": c})).unwrap();
        let (probe, apply) = program(&p);
        assert!(
            apply.contains("kubeadm join 'a;b' --token x 2>&1"),
            "{apply}"
        );
        assert!(!probe.contains("kubeadm join"), "{probe}");
        for a in ["init", "reset", "join_command"] {
            let (probe, apply) = program(&of(json!({"action": a})).unwrap());
            assert!(parses(probe.as_bytes()), "{probe}");
            assert!(parses(format!("{probe}{apply}").as_bytes()), "{apply}");
            assert!(probe.contains("rsible_change=1"), "{probe}");
        }
        assert!(parses(format!("{probe}{apply}").as_bytes()));
    }
}
