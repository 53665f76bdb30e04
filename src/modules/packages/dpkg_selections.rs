//! `dpkg_selections`: reads a package's dpkg selection and sets it (`hold`, `install`,
//! `deinstall`, `purge`) when it differs. One gated program: the probe reads the selection,
//! the apply sets it. Knows nothing of playbooks.

use super::common::{valid_name, Report, MARK_FN};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::is_template;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `dpkg_selections` in the registry.
pub const SPEC: Spec = spec::<DpkgSelections>(B, &[]);

/// The `dpkg_selections` module.
pub struct DpkgSelections;

/// Arguments of `dpkg_selections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    selection: Selection,
}

/// A dpkg selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Selection {
    Install,
    Hold,
    Deinstall,
    Purge,
}

impl Selection {
    fn as_str(self) -> &'static str {
        match self {
            Selection::Install => "install",
            Selection::Hold => "hold",
            Selection::Deinstall => "deinstall",
            Selection::Purge => "purge",
        }
    }
}

impl Module for DpkgSelections {
    const NAME: &'static str = "dpkg_selections";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if !is_template(&a.name) && !valid_name(&a.name) {
            return Err(format!("'{}' is not a valid package name", a.name));
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// The probe: prints `cur SELECTION` (`not present` when dpkg has none), `unknown` when
/// dpkg does not know the package, `changed` when the selection differs.
fn probe(a: &Args) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}n={}; s={}\n\
         out=$(dpkg --get-selections \"$n\" 2>&1) || true\n\
         case $out in *'no packages found matching'*) m unknown; exit 0;; esac\n\
         cur=$(printf '%s\\n' \"$out\" | awk 'NR==1 {{print $2}}')\n\
         m cur \"${{cur:-not present}}\"\n\
         [ \"$cur\" = \"$s\" ] && exit 0\nm changed; rsible_change=1\n",
        quote_str(&a.name),
        a.selection.as_str()
    )
}

/// The apply: sets the selection.
const APPLY: &str = "printf '%s %s\\n' \"$n\" \"$s\" | dpkg --set-selections || exit 1\n";

async fn run(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let selection = args.selection.as_str();
    let out = ctx
        .gated(probe(&args).as_bytes(), APPLY.as_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "dpkg_selections: setting {} to {selection} failed: {}",
            args.name,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse("dpkg_selections", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    let mut before = String::new();
    for (k, v) in r.entries() {
        match k {
            "unknown" => {
                o.failed = true;
                o.msg = Some(format!(
                    "Failed to find package '{}' to perform selection '{selection}'.",
                    args.name
                ));
            }
            "cur" => before = v.to_string(),
            "changed" => o.changed = true,
            _ => {}
        }
    }
    o.fields.insert("before".into(), json!(before));
    o.fields.insert("after".into(), json!(selection));
    if o.changed && ctx.diff {
        o.diffs.push(Diff {
            before_header: "selection".into(),
            after_header: "selection".into(),
            before: format!("{before}\n"),
            after: format!("{selection}\n"),
        });
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;
    use crate::modules::framework::sh_check::{parses, parses_gated};
    use serde_json::Value;

    fn of(v: Value) -> Result<Args, String> {
        let a = load_check::parse::<Args>("dpkg_selections", v.as_object().expect("object"))
            .map_err(|e| e.msg)?
            .expect("no templates");
        DpkgSelections::validate(&a).map(|()| a)
    }

    #[test]
    fn selections_and_names_are_checked() {
        assert!(of(json!({"name": "a", "selection": "hold"})).is_ok());
        assert!(of(json!({"name": "a", "selection": "keep"})).is_err());
        assert!(of(json!({"name": "a b", "selection": "hold"})).is_err());
        assert!(of(json!({"name": "a"})).is_err());
        assert!(of(json!({"name": "a", "selection": "hold", "state": "x"})).is_err());
        assert!(of(json!({"name": "{{ p }}", "selection": "hold"})).is_ok());
    }

    #[test]
    fn the_probe_sets_nothing() {
        let a = of(json!({"name": "a", "selection": "hold"})).expect("args");
        assert!(!probe(&a).contains("--set-selections"));
        assert!(APPLY.contains("--set-selections"));
        assert!(parses(&probe(&a)) && parses_gated(&probe(&a), APPLY));
    }
}
