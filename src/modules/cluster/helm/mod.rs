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
use crate::modules::{Failure, Output};
use serde_json::{json, Value};

/// The connection arguments of every kubernetes.core Helm module (HELM_AUTH_ARG_SPEC) rsible
/// runs, as each module's `Args` holds them (`binary_path`, `kubeconfig`/`kubeconfig_path`,
/// `context`/`kube_context`). `host`, `api_key`, `ca_cert`/`ssl_ca_cert` and a false
/// `validate_certs`/`verify_ssl` are refused at load (`playbook::unsupported`).
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    /// `binary_path`.
    pub binary_path: Option<&'a str>,
    /// `kubeconfig`: a path on the target (a dict is refused).
    pub kubeconfig: Option<&'a Value>,
    /// `context`.
    pub context: Option<&'a str>,
}

impl Auth<'_> {
    /// The load-time rule: `kubeconfig` a path.
    pub fn validate(&self) -> Result<(), String> {
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
    /// missing one ends the program with a `nohelm` report) and reported as `bin`, the
    /// environment Ansible gives helm (`namespace` as HELM_NAMESPACE), and the runner `h
    /// ARGS...`: helm's output in `$o` (its last newline kept), or on failure `failed RC`,
    /// `cmd` (`$shown` when a step sets it: the command as Ansible shows it, else the words
    /// run) and `out` reported and the program ended (helm's stderr is the program's).
    pub fn prelude(&self, namespace: Option<&str>) -> String {
        let mut s = String::from(MARK_FN);
        match self.binary_path {
            Some(b) => s.push_str(&format!("helm={}\n", quote_str(b))),
            None => s.push_str("helm=$(command -v helm) || { m nohelm \"$PATH\"; exit 0; }\n"),
        }
        s.push_str("mx bin \"$helm\"\nshown=\n");
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
            "h() { o=$(\"$helm\" \"$@\"; r=$?; echo .; exit $r) || { rc=$?; o=${o%.}; m failed $rc; \
             mx cmd \"${shown:-$helm $*}\"; mx out \"$o\"; exit 0; }; o=${o%.}; }\n",
        );
        s
    }
}

/// The binary as Ansible's `command` result shows it: the one the program found (`bin`),
/// else `binary_path`, else `helm`.
pub fn binary<'a>(r: &'a Report, auth: &Auth<'a>) -> &'a str {
    r.get("bin").or(auth.binary_path).unwrap_or("helm")
}

/// sh text that sets `$shown`, the command `h` reports when the next step fails, to
/// `$helm` followed by `tail`.
pub fn shown(tail: &str) -> String {
    format!("shown=\"$helm \"{}\n", quote_str(tail))
}

/// A finished result with `stdout_lines` and `stderr_lines` beside its `stdout` and `stderr`,
/// as Ansible adds them to every module's result.
pub fn with_lines(r: Result<Output, Failure>) -> Result<Output, Failure> {
    r.map(|mut o| {
        for k in ["stdout", "stderr"] {
            if let Some(Value::String(text)) = o.fields.get(k) {
                let lines: Vec<&str> = text.lines().collect();
                let lines = json!(lines);
                o.fields.insert(format!("{k}_lines"), lines);
            }
        }
        o
    })
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
