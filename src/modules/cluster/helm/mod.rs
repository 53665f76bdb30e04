//! kubernetes.core's Helm modules, run through the target's `helm` (the Python modules run it
//! on the target too): `helm` ([`release`]: install, upgrade, uninstall a release) and
//! `helm_repository` ([`repository`]). What both share lives here: the connection
//! arguments (`binary_path`, `kubeconfig`, `context`), the sh prelude that finds `helm` and
//! sets its environment, the runner `h` whose failure ends the program with Ansible's
//! report, and reading that failure back. Knows nothing of playbooks.

pub mod release;
pub mod repository;
#[cfg(test)]
mod tests;

use crate::connection::quote::quote_str;
use crate::connection::ExecOutput;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::Output;
use serde_json::{json, Value};

/// The connection arguments of every kubernetes.core Helm module (HELM_AUTH_ARG_SPEC), as
/// each module's `Args` holds them (`binary_path`, `kubeconfig`/`kubeconfig_path`,
/// `context`/`kube_context`, and `host`, `api_key`, `validate_certs`/`verify_ssl`,
/// `ca_cert`/`ssl_ca_cert`, which rsible refuses).
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    /// `binary_path`.
    pub binary_path: Option<&'a str>,
    /// `kubeconfig`: a path on the target (a dict is refused).
    pub kubeconfig: Option<&'a Value>,
    /// `context`.
    pub context: Option<&'a str>,
    /// Whether `host`, `api_key`, `validate_certs` and `ca_cert` are given.
    pub refused: [bool; 4],
}

impl Auth<'_> {
    /// The load-time rules: unimplemented arguments refused, `kubeconfig` a path.
    pub fn validate(&self) -> Result<(), String> {
        let [host, api_key, validate_certs, ca_cert] = self.refused;
        refuse(&[
            ("host", host),
            ("api_key", api_key),
            ("validate_certs", validate_certs),
            ("ca_cert", ca_cert),
        ])?;
        match self.kubeconfig {
            None | Some(Value::String(_)) => Ok(()),
            Some(_) => Err(
                "kubeconfig as a dict is not supported by rsible: give the path of \
                            a kubeconfig file on the target"
                    .into(),
            ),
        }
    }

    /// The sh prelude: the report functions, `helm` found (`binary_path`, else `PATH`; a
    /// missing one ends the program with a `nohelm` report), the environment Ansible gives
    /// helm (`namespace` as HELM_NAMESPACE), and the runner `h ARGS...`: helm's output in
    /// `$o`, or on failure `failed RC`, `cmd` and `out` reported and the program ended (helm's
    /// stderr is the program's).
    pub fn prelude(&self, namespace: Option<&str>) -> String {
        let mut s = String::from(MARK_FN);
        match self.binary_path {
            Some(b) => s.push_str(&format!("helm={}\n", quote_str(b))),
            None => s.push_str("helm=$(command -v helm) || { m nohelm \"$PATH\"; exit 0; }\n"),
        }
        let kubeconfig = self.kubeconfig.and_then(Value::as_str);
        for (var, v) in [
            ("HELM_KUBECONTEXT", self.context),
            ("HELM_NAMESPACE", namespace),
            ("KUBECONFIG", kubeconfig),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                s.push_str(&format!("{var}={}; export {var}\n", quote_str(v)));
            }
        }
        s.push_str(
            "h() { o=$(\"$helm\" \"$@\") || { rc=$?; m failed $rc; mx cmd \"$helm $*\"; \
             mx out \"$o\"; exit 0; }; }\n",
        );
        s
    }

    /// The binary as Ansible's `command` result shows it (`binary_path`, else `helm`).
    pub fn binary(&self) -> &str {
        self.binary_path.unwrap_or("helm")
    }
}

/// The first of `given` that is set, refused as not supported.
pub fn refuse(given: &[(&str, bool)]) -> Result<(), String> {
    match given.iter().find(|(_, set)| *set) {
        Some((name, _)) => Err(format!(
            "{name} is not supported by rsible's kubernetes.core Helm modules"
        )),
        None => Ok(()),
    }
}

/// Ansible's failed result when a program stopped at a failing helm command or found no
/// helm; `None` when it did not.
pub fn failure(r: &Report, out: &ExecOutput) -> Option<Output> {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (msg, fields) = if let Some(path) = r.get("nohelm") {
        (
            format!("Failed to find required executable \"helm\" in paths: {path}"),
            json!({}),
        )
    } else {
        let rc = r.get("failed")?;
        let stdout = r.get("out").unwrap_or_default();
        (
            format!("Failure when executing Helm command. Exited {rc}.\nstdout: {stdout}\nstderr: {stderr}"),
            json!({"stdout": stdout, "stderr": stderr, "command": r.get("cmd").unwrap_or_default()}),
        )
    };
    let mut o = Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    };
    if let Value::Object(f) = fields {
        o.fields = f;
    }
    Some(o)
}
