//! `dpkg_selections`: reads a package's dpkg selection and sets it (`hold`, `install`,
//! `deinstall`, `purge`) when it differs. One remote program. Knows nothing of playbooks.

use super::common::{split_output, valid_name, MARK_FN};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args;
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `dpkg_selections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    name: String,
    selection: String,
}

/// Reads and checks the arguments.
fn parse(a: &Map<String, Value>) -> Result<Args, String> {
    let args: Args = args::parse("dpkg_selections", a)?;
    if !valid_name(&args.name) {
        return Err(format!(
            "dpkg_selections: '{}' is not a valid package name",
            args.name
        ));
    }
    if !matches!(
        args.selection.as_str(),
        "install" | "hold" | "deinstall" | "purge"
    ) {
        return Err(format!(
            "dpkg_selections: value of selection must be one of: install, hold, deinstall, \
             purge, got: {}",
            args.selection
        ));
    }
    Ok(args)
}

/// The remote program: prints `cur SELECTION` (`not present` when dpkg has none), `unknown`
/// when dpkg does not know the package, `changed` when it set the selection.
fn program(a: &Args, check: bool) -> String {
    let set = if check {
        String::new()
    } else {
        "printf '%s %s\\n' \"$n\" \"$s\" | dpkg --set-selections || exit 1\n".into()
    };
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}n={}; s={}\n\
         out=$(dpkg --get-selections \"$n\" 2>&1) || true\n\
         case $out in *'no packages found matching'*) m unknown; exit 0;; esac\n\
         cur=$(printf '%s\\n' \"$out\" | awk 'NR==1 {{print $2}}')\n\
         m cur \"${{cur:-not present}}\"\n\
         [ \"$cur\" = \"$s\" ] && exit 0\n{set}m changed\n",
        quote_str(&a.name),
        quote_str(&a.selection)
    )
}

/// `dpkg_selections`: `changed` when the selection was set; diff of the selection.
pub async fn dpkg_selections(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args = parse(a).map_err(Failure::BadArgs)?;
    let out = ctx
        .exec(program(&args, ctx.check).into_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "dpkg_selections: setting {} to {} failed: {}",
            args.name,
            args.selection,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (marks, _) = split_output(&String::from_utf8_lossy(&out.stdout));
    let mut o = Output::default();
    let mut before = String::new();
    for (k, v) in marks {
        match k.as_str() {
            "unknown" => {
                o.failed = true;
                o.msg = Some(format!(
                    "Failed to find package '{}' to perform selection '{}'.",
                    args.name, args.selection
                ));
            }
            "cur" => before = v,
            "changed" => o.changed = true,
            _ => {}
        }
    }
    o.fields.insert("before".into(), json!(before));
    o.fields.insert("after".into(), json!(args.selection));
    if o.changed && ctx.diff {
        o.diffs.push(Diff {
            before_header: "selection".into(),
            after_header: "selection".into(),
            before: format!("{before}\n"),
            after: format!("{}\n", args.selection),
        });
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: Value) -> Result<Args, String> {
        parse(v.as_object().expect("object"))
    }

    #[test]
    fn selections_and_names_are_checked() {
        assert!(of(json!({"name": "a", "selection": "hold"})).is_ok());
        assert!(of(json!({"name": "a", "selection": "keep"})).is_err());
        assert!(of(json!({"name": "a b", "selection": "hold"})).is_err());
        assert!(of(json!({"name": "a"})).is_err());
    }

    #[test]
    fn check_mode_sets_nothing() {
        let a = of(json!({"name": "a", "selection": "hold"})).expect("args");
        assert!(!program(&a, true).contains("--set-selections"));
        assert!(program(&a, false).contains("--set-selections"));
        assert!(super::super::common::parses(&program(&a, false)));
    }
}
