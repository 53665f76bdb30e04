//! `package`: the generic package module. With `use: auto` (the default) it does not ask the
//! target first: one gated program probes for apt-get, dnf, yum and apk in that order and
//! runs, in the same program, the chosen tool's own probe and apply with the task's
//! arguments (minus `use`). With `use: <tool>` it runs that tool. Its arguments are `name`,
//! `state`, `use` and any argument of a tool, each checked by the tool(s) it may go to.
//! Knows nothing of playbooks.

use super::common::backend::{self, Backend};
use super::common::tools::{self, Tool};
use super::common::Report;
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::load_check;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `package` in the registry.
pub const SPEC: Spec = spec::<Package>(B, &[]);

/// The `package` module.
pub struct Package;

/// Arguments of `package`: `name`, `state`, `use` and the rest for the tool.
#[derive(Debug)]
pub struct Args {
    /// `use`; `None`: auto.
    use_: Option<String>,
    /// Everything else, the tool's arguments (`name` and `state` among them).
    rest: Map<String, Value>,
}

/// How `package`'s arguments arrive: `name` and `state` required, the rest collected.
#[derive(Deserialize)]
struct Raw {
    name: Value,
    state: Value,
    #[serde(default, rename = "use", deserialize_with = "de_opt_string")]
    use_: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Args, D::Error> {
        let raw = Raw::deserialize(d)?;
        let names = tools::arg_names();
        if let Some(k) = raw.rest.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(D::Error::unknown_field(k, names));
        }
        let mut rest = raw.rest;
        rest.insert("name".into(), raw.name);
        rest.insert("state".into(), raw.state);
        Ok(Args {
            use_: raw.use_,
            rest,
        })
    }
}

impl Module for Package {
    const NAME: &'static str = "package";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let rest = unmarked(&a.rest);
        match tool(a)? {
            Some(t) => t.check(&rest).map_err(|e| e.msg),
            None => {
                let mut first = None;
                for t in Tool::ALL {
                    match t.check(&rest) {
                        Ok(()) => return Ok(()),
                        Err(e) => {
                            first.get_or_insert(e.msg);
                        }
                    }
                }
                Err(first.unwrap_or_default())
            }
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// The tool `use` names (`None`: auto, or a template at load).
fn tool(a: &Args) -> Result<Option<Tool>, String> {
    match a.use_.as_deref() {
        None | Some("auto") => Ok(None),
        Some(u) if is_template(u) => Ok(None),
        Some(u) => Tool::from_use(u).map(Some).ok_or_else(|| {
            format!("use={u} is not supported by rsible (apt, dnf, yum, apk or auto)")
        }),
    }
}

/// `m` with the load-time stand-ins of templates written as templates again, so a tool's
/// own check reads them as templates.
fn unmarked(m: &Map<String, Value>) -> Map<String, Value> {
    fn un(v: &Value) -> Value {
        match v {
            Value::String(s) if load_check::is_marker(s) => json!("{{ template }}"),
            Value::Array(a) => Value::Array(a.iter().map(un).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), un(x))).collect()),
            other => other.clone(),
        }
    }
    m.iter().map(|(k, v)| (k.clone(), un(v))).collect()
}

/// Each tool's plan, or why the task's arguments do not suit it.
type Plans = Vec<(Tool, Result<Box<dyn Backend>, String>)>;

/// The probe: one `if`/`elif` branch per tool, each printing `mgr NAME` and setting `mgr`
/// before the tool's own probe.
fn probe(plans: &Plans) -> String {
    let mut s = String::new();
    for (i, (t, plan)) in plans.iter().enumerate() {
        let name = t.name();
        s.push_str(&format!(
            "{} command -v {} >/dev/null 2>&1; then\nprintf '@@rsible mgr {name}\\n'\n",
            if i == 0 { "if" } else { "elif" },
            t.command()
        ));
        match plan {
            Ok(p) => s.push_str(&format!("mgr={name}\n{}\n", p.probe())),
            Err(e) => s.push_str(&format!(
                "printf '@@rsible unsupported %s\\n' {}\n",
                quote_str(e)
            )),
        }
    }
    s.push_str("else printf '@@rsible mgr none\\n'\nfi\n");
    s
}

/// The apply: the chosen tool's.
fn apply(plans: &Plans) -> String {
    let mut s = String::from("case ${mgr:-} in\n");
    for (t, plan) in plans {
        if let Ok(p) = plan {
            s.push_str(&format!("{})\n{}\n;;\n", t.name(), p.apply()));
        }
    }
    s.push_str("esac\n");
    s
}

/// `package`.
async fn run(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    if let Some(t) = tool(&a).map_err(Failure::BadArgs)? {
        let plan = t.plan(&a.rest).map_err(Failure::BadArgs)?;
        return backend::run(plan.as_ref(), ctx).await;
    }
    let plans: Plans = Tool::ALL.iter().map(|t| (*t, t.plan(&a.rest))).collect();
    if plans.iter().all(|(_, p)| p.is_err()) {
        let e = plans[0].1.as_ref().err().cloned().unwrap_or_default();
        return Err(Failure::BadArgs(e.replacen("apt:", "package:", 1)));
    }
    let stdin = plans
        .iter()
        .filter_map(|(_, p)| p.as_ref().ok())
        .map(|p| p.stdin())
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let out = ctx
        .gated(probe(&plans).as_bytes(), apply(&plans).as_bytes(), stdin)
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!("package: {}", stderr.trim())));
    }
    let r = Report::parse("package", &stdout)?;
    if let Some(msg) = r.get("unsupported") {
        return Err(Failure::Failed(msg.to_string()));
    }
    let mgr = r.get("mgr").unwrap_or("none");
    let chosen = plans
        .iter()
        .find(|(t, _)| t.name() == mgr)
        .and_then(|(_, p)| p.as_ref().ok());
    let Some(plan) = chosen else {
        return Err(Failure::Failed(
            "package: the target has none of apt-get, dnf, yum or apk; set `use:`".into(),
        ));
    };
    let mut o = plan.answer(&stdout, &stderr);
    o.fields.insert("ansible_pkg_mgr".into(), json!(mgr));
    if !ctx.diff {
        o.diffs.clear();
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::sh_check::{parses, parses_gated};
    use crate::modules::framework::spec::check;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    #[test]
    fn name_and_state_are_required_and_the_rest_goes_to_a_tool() {
        assert!(check::<Package>(json!({"name": "a"})).is_err());
        assert_eq!(
            check::<Package>(json!({"name": "a", "state": "present"})),
            Ok(true)
        );
        assert_eq!(
            check::<Package>(
                json!({"name": "a", "state": "present", "use": "apt", "update_cache": true})
            ),
            Ok(true)
        );
        assert_eq!(
            check::<Package>(json!({"name": "a", "state": "present", "enablerepo": "epel"})),
            Ok(true),
            "a dnf argument with use: auto"
        );
        let e = load_check::parse::<Args>(
            "package",
            &obj(json!({"name": "a", "state": "present", "updat_cache": true})),
        )
        .unwrap_err();
        assert_eq!(e.arg.as_deref(), Some("updat_cache"));
        assert!(e.expected.contains(&"update_cache".to_string()), "{e:?}");
        assert!(check::<Package>(
            json!({"name": "a", "state": "present", "use": "apt", "enablerepo": "x"})
        )
        .is_err());
        assert!(
            check::<Package>(json!({"name": "a", "state": "present", "use": "pacman"})).is_err()
        );
        assert!(check::<Package>(json!({"name": "a;b", "state": "present"})).is_err());
        assert!(check::<Package>(json!({"name": "a", "state": "sideways"})).is_err());
        assert_eq!(
            check::<Package>(json!({"name": "{{ p }}", "state": "{{ s }}", "use": "{{ u }}"})),
            Ok(true)
        );
    }

    #[test]
    fn one_program_probes_and_runs_each_tool() {
        let a: Args = args::parse("package", &obj(json!({"name": "curl", "state": "present"})))
            .expect("args");
        let plans: Plans = Tool::ALL.iter().map(|t| (*t, t.plan(&a.rest))).collect();
        let p = probe(&plans);
        for cmd in ["apt-get", "dnf", "yum", "apk"] {
            assert!(
                p.contains(&format!("command -v {cmd} >/dev/null 2>&1; then")),
                "{p}"
            );
        }
        assert!(p.contains("want curl '' present"), "{p}");
        assert!(p.contains("T() { yum -y"), "{p}");
        let ap = apply(&plans);
        assert!(ap.contains("apt)\n") && ap.contains("A install"), "{ap}");
        assert!(parses(&p) && parses_gated(&p, &ap), "{ap}");
    }
}
