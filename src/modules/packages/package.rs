//! `package`: the generic package module. With `use: auto` (the default) it does not ask the
//! target first: one remote program probes for apt-get, dnf, yum and apk in that order and
//! runs, in the same program, the chosen backend's own program with the task's arguments
//! (minus `use`). With `use: <backend>` it runs that backend. Knows nothing of playbooks.

use super::common::split_output;
use super::{apk, apt, dnf};
use crate::connection::quote::quote_str;
use crate::modules::{Ctx, Failure, Output};
use serde_json::{json, Map, Value};

/// A backend's plan, or why the task's arguments do not suit it.
struct Backends {
    apt: Result<apt::Plan, String>,
    dnf: Result<dnf::Plan, String>,
    yum: Result<dnf::Plan, String>,
    apk: Result<apk::Plan, String>,
}

/// The task's arguments without `use`, and `use`.
fn split_use(a: &Map<String, Value>) -> Result<(Map<String, Value>, String), String> {
    let mut rest = a.clone();
    let backend = match rest.remove("use") {
        None | Some(Value::Null) => "auto".to_string(),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(format!(
                "package: argument 'use' must be a string, got {other}"
            ))
        }
    };
    if !rest.contains_key("name") {
        return Err("package: missing required arguments: name".into());
    }
    if !rest.contains_key("state") {
        return Err("package: missing required arguments: state".into());
    }
    Ok((rest, backend))
}

/// The probing program: one `if`/`elif` branch per backend, each printing `mgr NAME` first.
fn program(b: &Backends, check: bool) -> String {
    let branch = |name: &str, prog: Result<String, &String>| match prog {
        Ok(p) => format!("printf '@@rsible mgr {name}\\n'\n{p}"),
        Err(e) => format!(
            "printf '@@rsible mgr {name}\\n'; printf '@@rsible unsupported %s\\n' {}\n",
            quote_str(e)
        ),
    };
    format!(
        "if command -v apt-get >/dev/null 2>&1; then\n{}\
         elif command -v dnf >/dev/null 2>&1; then\n{}\
         elif command -v yum >/dev/null 2>&1; then\n{}\
         elif command -v apk >/dev/null 2>&1; then\n{}\
         else printf '@@rsible mgr none\\n'\nfi\n",
        branch("apt", b.apt.as_ref().map(|p| apt::program(p, check))),
        branch("dnf", b.dnf.as_ref().map(|p| dnf::program(p, check))),
        branch("yum", b.yum.as_ref().map(|p| dnf::program(p, check))),
        branch("apk", b.apk.as_ref().map(|p| apk::program(p, check))),
    )
}

/// `package`.
pub async fn package(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let (rest, backend) = split_use(a).map_err(Failure::BadArgs)?;
    match backend.as_str() {
        "auto" => {}
        "apt" => return apt::apt(&rest, ctx).await,
        "dnf" | "dnf5" => return dnf::run("dnf", &rest, ctx).await,
        "yum" => return dnf::run("yum", &rest, ctx).await,
        "apk" => return apk::apk(&rest, ctx).await,
        other => {
            return Err(Failure::BadArgs(format!(
                "package: use={other} is not supported by rsible (apt, dnf, yum, apk or auto)"
            )))
        }
    }
    let b = Backends {
        apt: apt::plan(&rest),
        dnf: dnf::plan("dnf", &rest),
        yum: dnf::plan("yum", &rest),
        apk: apk::plan(&rest),
    };
    if let (Err(e), Err(_), Err(_), Err(_)) = (&b.apt, &b.dnf, &b.yum, &b.apk) {
        return Err(Failure::BadArgs(e.replacen("apt:", "package:", 1)));
    }
    let out = ctx
        .exec(program(&b, ctx.check).into_bytes(), Vec::new())
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!("package: {}", stderr.trim())));
    }
    let (marks, _) = split_output(&stdout);
    if let Some((_, msg)) = marks.iter().find(|(k, _)| k == "unsupported") {
        return Err(Failure::Failed(msg.clone()));
    }
    let mgr = marks
        .iter()
        .find(|(k, _)| k == "mgr")
        .map(|(_, v)| v.as_str())
        .unwrap_or("none");
    let mut o = match (mgr, &b) {
        ("apt", Backends { apt: Ok(p), .. }) => apt::answer(p, ctx.check, &stdout, &stderr),
        ("dnf", Backends { dnf: Ok(p), .. }) | ("yum", Backends { yum: Ok(p), .. }) => {
            dnf::answer(p, &stdout, &stderr)
        }
        ("apk", Backends { apk: Ok(_), .. }) => apk::answer(&stdout, &stderr),
        _ => {
            return Err(Failure::Failed(
                "package: the target has none of apt-get, dnf, yum or apk; set `use:`".into(),
            ))
        }
    };
    o.fields.insert("ansible_pkg_mgr".into(), json!(mgr));
    if !ctx.diff {
        o.diffs.clear();
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_state_are_required_and_use_is_taken_out() {
        let m = |v: Value| v.as_object().expect("object").clone();
        assert!(split_use(&m(json!({"name": "a"}))).is_err());
        let (rest, u) =
            split_use(&m(json!({"name": "a", "state": "present", "use": "apt"}))).expect("split");
        assert_eq!(u, "apt");
        assert!(!rest.contains_key("use"));
    }

    #[test]
    fn one_program_probes_and_runs_each_backend() {
        let rest = json!({"name": "curl", "state": "present"});
        let rest = rest.as_object().expect("object");
        let b = Backends {
            apt: apt::plan(rest),
            dnf: dnf::plan("dnf", rest),
            yum: dnf::plan("yum", rest),
            apk: apk::plan(rest),
        };
        let s = program(&b, false);
        for probe in ["apt-get", "dnf", "yum", "apk"] {
            assert!(
                s.contains(&format!("command -v {probe} >/dev/null 2>&1; then")),
                "{s}"
            );
        }
        assert!(s.contains("want curl '' present"), "{s}");
        assert!(s.contains("T() { yum -y"), "{s}");
        let out = std::process::Command::new("sh")
            .arg("-n")
            .arg("-c")
            .arg(&s)
            .status()
            .expect("sh");
        assert!(out.success(), "the program parses");
    }
}
