//! `seboolean` (ansible.posix.seboolean): an SELinux boolean's running value, through
//! `getsebool` and `setsebool`, in one gated program. SELinux disabled fails ("SELinux is
//! disabled on this host.") unless `ignore_selinux_state`, which then changes nothing, as
//! Ansible's module does. A target without SELinux's tools fails as Ansible's module fails
//! without its Python library. `persistent=true` (the policy store, through semanage) is
//! refused at load. Returns `name`, `persistent`, `state`. Knows nothing of playbooks.

use super::common::{selinux_missing, Report, MARK_FN, SELINUX_TOOLS};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::de_bool;
use crate::modules::framework::spec::{spec, Module, Spec, POSIX};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `seboolean` in the registry.
pub const SPEC: Spec = spec::<Seboolean>(POSIX, &[]);

/// The `seboolean` module.
pub struct Seboolean;

/// Arguments of `seboolean` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    #[serde(deserialize_with = "de_bool")]
    state: bool,
    #[serde(default, deserialize_with = "de_bool")]
    persistent: bool,
    #[serde(default, deserialize_with = "de_bool")]
    ignore_selinux_state: bool,
}

impl Module for Seboolean {
    const NAME: &'static str = "seboolean";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.persistent {
            return Err("persistent=true (semanage) is not supported by rsible".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(seboolean(a, ctx))
    }
}

/// The probe: the tools, SELinux's state, the boolean's running value; the gate when it
/// differs from `want`.
fn probe(name: &str, want: bool, ignore: bool) -> String {
    format!(
        r#"{MARK_FN}{SELINUX_TOOLS}n={n}
if ! selinuxenabled; then
  [ {ignore} = 1 ] || m disabled
else
  v=$(getsebool -- "$n" 2>/dev/null) || {{ m noget; exit 0; }}
  case $v in *"--> on"*) cur=1 ;; *) cur=0 ;; esac
  [ "$cur" = {want} ] || {{ m differs; rsible_change=1; }}
fi
"#,
        n = quote_str(name),
        ignore = u8::from(ignore),
        want = u8::from(want),
    )
}

/// The apply: the running value set.
fn apply(want: bool) -> String {
    format!(
        "setsebool -- \"$n\" {} >/dev/null 2>&1 || {{ m setfail; exit 0; }}\n",
        if want { "on" } else { "off" }
    )
}

/// `seboolean`: one gated program (see the file header).
async fn seboolean(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx
        .gated(
            probe(&a.name, a.state, a.ignore_selinux_state).as_bytes(),
            apply(a.state).as_bytes(),
            Vec::new(),
        )
        .await?;
    let r = Report::parse("seboolean", &String::from_utf8_lossy(&out.stdout))?;
    let fail = |msg: String| Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    };
    if let Some(msg) = selinux_missing(&r) {
        return Ok(fail(msg));
    }
    if r.has("disabled") {
        return Ok(fail("SELinux is disabled on this host.".into()));
    }
    if r.has("noget") {
        return Ok(fail(format!(
            "Failed to determine current state for boolean {}",
            a.name
        )));
    }
    if r.has("setfail") {
        return Ok(fail(format!(
            "Failed to set boolean {} to {}",
            a.name,
            u8::from(a.state)
        )));
    }
    let mut o = Output {
        changed: r.has("differs"),
        ..Output::default()
    };
    o.fields.insert("name".into(), json!(a.name));
    o.fields.insert("persistent".into(), json!(a.persistent));
    o.fields.insert("state".into(), json!(a.state));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::sh_check::{assert_parses, gated};
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(
            check::<Seboolean>(json!({"name": "b", "state": true})),
            Ok(true)
        );
        assert_eq!(
            check::<Seboolean>(json!({"name": "b", "state": "no", "ignore_selinux_state": true})),
            Ok(true)
        );
        assert!(check::<Seboolean>(json!({"name": "b"})).is_err());
        assert!(
            check::<Seboolean>(json!({"name": "b", "state": true, "persistent": true})).is_err()
        );
    }

    #[test]
    fn the_program_parses() {
        assert_parses(&gated(&probe("httpd can", true, false), &apply(true)));
    }
}
