//! `locale_gen` (community.general.locale_gen): locales generated or removed through
//! `/etc/locale.gen` and `locale-gen`, Ansible's `glibc` mechanism. A probe reads which of
//! the names `/usr/share/i18n/SUPPORTED` lists, `locale -a` and `/etc/locale.gen`; the
//! requested state holds when every name is in `locale -a` (`present`) or not all are
//! (`absent`), as Ansible's module decides it. Otherwise one apply writes locale.gen through
//! the atomic writer, runs `locale-gen` and lists the locales again; `changed` compares the
//! state before and after, so check mode reports no change, as Ansible's module does. Hosts
//! with only Ubuntu's old `/var/lib/locales/supported.d` are refused. Knows nothing of
//! playbooks.

pub mod names;

use crate::connection::quote::quote_str;
use crate::modules::framework::args::de_opt_list;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

/// `locale_gen` in the registry.
pub const SPEC: Spec = spec::<LocaleGen>(CG, &[]);

/// The `locale_gen` module.
pub struct LocaleGen;

/// Arguments of `locale_gen` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_list")]
    name: Option<Vec<String>>,
    #[serde(default)]
    state: State,
}

/// Whether the locales are wanted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// Generated.
    #[default]
    Present,
    /// Removed.
    Absent,
}

impl Module for LocaleGen {
    const NAME: &'static str = "locale_gen";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match a.name {
            None => Err("missing required arguments: name".into()),
            Some(_) => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(locale_gen(a, ctx))
    }
}

/// The file the glibc mechanism edits.
const LOCALE_GEN: &str = "/etc/locale.gen";

/// The probe: `legacy` or `nolocales` without locale.gen; else the SUPPORTED lines that
/// mention a name (`supported`), `locale -a` (`have`) and locale.gen's bytes (`gen`).
fn probe(names: &[String]) -> String {
    let mut grep = String::from("grep -F");
    for n in names {
        grep.push_str(" -e ");
        grep.push_str(&quote_str(n));
    }
    if names.is_empty() {
        grep = "false".into();
    }
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}if [ ! -e {LOCALE_GEN} ]; then
  if [ -e /var/lib/locales/supported.d ]; then m legacy; else m nolocales; fi
  exit 0
fi
mx supported "$({grep} /usr/share/i18n/SUPPORTED 2>/dev/null)"
a=$(locale -a 2>&1) || {{ c=$?; m rc "$c"; mx stderr "$a"; exit 0; }}
mx have "$a"
printf '@@rsible gen:x '; od -An -v -tx1 < {LOCALE_GEN} | tr -d ' \n'; printf '\n'
"#
    )
}

/// The apply: locale.gen written by `write_file` (its content on stdin), `locale-gen`, and
/// `locale -a` again (`after`).
fn apply(write_file: &[u8]) -> Vec<u8> {
    let mut s = format!("LC_ALL=C; export LC_ALL\n{MARK_FN}e=$(").into_bytes();
    s.extend_from_slice(write_file);
    s.extend_from_slice(
        br#" 2>&1) || { m rc 1; mx stderr "$e"; exit 0; }
o=$(locale-gen 2>&1) || { c=$?; m rc "$c"; mx stderr "$o"; m cmd locale-gen; exit 0; }
a=$(locale -a 2>&1) || { c=$?; m rc "$c"; mx stderr "$a"; m cmd "locale -a"; exit 0; }
mx after "$a"
"#,
    );
    s
}

/// The result fields every answer of Ansible's module carries (`diff`, empty, with --diff).
fn common(o: &mut Output, names: &[String], diff: bool) {
    if diff {
        o.fields
            .insert("diff".into(), Value::Object(Default::default()));
    }
    o.fields.insert("name".into(), json!(names));
    o.fields.insert("mechanism".into(), json!("glibc"));
    o.fields.insert("ubuntu_mode".into(), json!(false));
}

/// A failure as Ansible's module helper reports one (its variables echoed).
fn failed(mut o: Output, msg: String, names: &[String]) -> Output {
    let vars = json!({"mechanism": "glibc", "name": names, "ubuntu_mode": false});
    o.fields.insert("output".into(), vars.clone());
    o.fields.insert("vars".into(), vars);
    o.failed = true;
    o.msg = Some(msg);
    o
}

/// A command's failure in the report `r`, if any: its message, `rc`, `stderr` and `cmd`.
fn command_failure(r: &Report, o: &mut Output) -> bool {
    let Some(rc) = r.get("rc") else {
        return false;
    };
    let stderr = r.get("stderr").unwrap_or("");
    o.failed = true;
    o.msg = Some(stderr.trim_end().to_string());
    o.fields
        .insert("rc".into(), json!(rc.parse::<i64>().unwrap_or(1)));
    o.fields.insert("stderr".into(), json!(stderr));
    if let Some(cmd) = r.get("cmd") {
        o.fields.insert("cmd".into(), json!(cmd));
    }
    true
}

/// `locale_gen`: the probe, and the apply when the state differs (see the file header).
async fn locale_gen(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let names = a.name.unwrap_or_default();
    let out = ctx.probe(probe(&names).into_bytes(), Vec::new()).await?;
    let r = Report::parse("locale_gen", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    if r.has("legacy") {
        o.failed = true;
        o.msg = Some(
            "locale_gen: this host has /var/lib/locales/supported.d but no /etc/locale.gen; \
             the deprecated ubuntu_legacy mechanism is not supported by rsible"
                .into(),
        );
        return Ok(o);
    }
    common(&mut o, &names, ctx.diff);
    if r.has("nolocales") {
        let msg = format!(
            "/var/lib/locales/supported.d and {LOCALE_GEN} are missing. Is the package \"locales\" installed?"
        );
        return Ok(failed(o, msg, &names));
    }
    if command_failure(&r, &mut o) {
        return Ok(o);
    }
    let (Some(have), Some(gen)) = (r.get("have"), r.get("gen")) else {
        return Err(Failure::Failed(format!(
            "locale_gen: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    let unavailable = names::unavailable(&names, r.get("supported").unwrap_or(""), have);
    if !unavailable.is_empty() {
        let msg = format!(
            "The following locales you have entered are not available on your system: {}",
            unavailable.join(", ")
        );
        return Ok(failed(o, msg, &names));
    }
    let present = names::missing(&names, have).is_empty();
    if present == (a.state == State::Present) {
        return Ok(o);
    }
    let text = names::set(gen, &names, a.state == State::Present);
    let (write_file, stdin) = write::inline(LOCALE_GEN, text.as_bytes(), &WriteOpts::default())
        .map_err(Failure::Failed)?;
    let Some(done) = ctx.apply(apply(&write_file), stdin).await? else {
        return Ok(o);
    };
    let r = Report::parse("locale_gen", &String::from_utf8_lossy(&done.stdout))?;
    if command_failure(&r, &mut o) {
        return Ok(o);
    }
    let after = r.get("after").ok_or_else(|| {
        Failure::Failed(format!(
            "locale_gen: the remote program failed (exit code {}): {}",
            done.status.rc(),
            String::from_utf8_lossy(&done.stderr).trim()
        ))
    })?;
    o.changed = names::missing(&names, after).is_empty() != present;
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<LocaleGen>(json!({"name": "de_CH.UTF-8"})), Ok(true));
        assert_eq!(
            check::<LocaleGen>(json!({"name": ["a", "b"], "state": "absent"})),
            Ok(true)
        );
        assert!(check::<LocaleGen>(json!({"state": "present"})).is_err());
        assert!(check::<LocaleGen>(json!({"name": "a", "state": "gone"})).is_err());
        assert!(check::<LocaleGen>(json!({"name": "a", "names": "b"})).is_err());
    }

    #[test]
    fn the_probe_reads_only_what_it_needs() {
        let p = probe(&["de_CH.UTF-8".into(), "a b".into()]);
        assert!(
            p.contains("grep -F -e de_CH.UTF-8 -e 'a b' /usr/share/i18n/SUPPORTED"),
            "{p}"
        );
        assert!(!p.contains("locale-gen"), "the probe changes nothing: {p}");
        assert!(probe(&[]).contains("$(false /usr/share"));
    }
}
