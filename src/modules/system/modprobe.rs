//! `modprobe` (community.general): a kernel module loaded or unloaded, and optionally made
//! persistent (`/etc/modules-load.d/NAME.conf` holding `NAME`, `/etc/modprobe.d/NAME.conf`
//! holding one `options NAME key=value` line per parameter) or not persistent (the matching
//! lines of those directories commented out with `#`), as Ansible writes them. One gated
//! program: the probe reads `/proc/modules` (and `modules.builtin`) and the two directories
//! and tries the (un)load with `modprobe -n`; the apply changes only what differs, every
//! file through the atomic writer. The program answers in the report format
//! (`framework::report`). Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::connection::ExecOutput;
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_string, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `modprobe` in the registry.
pub const SPEC: Spec = spec::<Modprobe>(CG, &[]);

/// The `modprobe` module.
pub struct Modprobe;

/// Arguments of `modprobe` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    #[serde(default)]
    state: Option<State>,
    #[serde(default, deserialize_with = "de_opt_string")]
    params: Option<String>,
    #[serde(default)]
    persistent: Option<Persistent>,
}

/// Ansible's `state` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// Loaded (the default).
    Present,
    /// Unloaded.
    Absent,
}

/// Ansible's `persistent` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Persistent {
    /// The files are left alone (the default).
    Disabled,
    /// Loaded at boot, with `params`.
    Present,
    /// Not loaded at boot: the lines commented out.
    Absent,
}

impl Module for Modprobe {
    const NAME: &'static str = "modprobe";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let name = a.name.as_str();
        if name.is_empty() {
            return Err("missing required arguments: name (modprobe)".into());
        }
        // Module names are [A-Za-z0-9_-]: checked here so they are also safe inside the
        // regular expressions of the remote program.
        if !is_template(name)
            && !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!("{name:?} is not a kernel module name"));
        }
        if let Some(p) = a.params.as_deref().filter(|p| !is_template(p)) {
            if p.contains('\n') {
                return Err("params must be on one line".into());
            }
            if shlex::split(p).is_none() {
                return Err(format!("cannot split params {p:?}"));
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(modprobe_run(want(a), ctx))
    }
}

/// The checked request.
#[derive(Debug, PartialEq, Eq)]
struct Want {
    name: String,
    present: bool,
    params: String,
    persistent: Persistent,
}

/// The request from arguments [`Modprobe::validate`] passed.
fn want(a: Args) -> Want {
    Want {
        name: a.name,
        present: a.state != Some(State::Absent),
        params: a.params.unwrap_or_default(),
        persistent: a.persistent.unwrap_or(Persistent::Disabled),
    }
}

/// Ansible's `/etc/modprobe.d/NAME.conf` content for `params`.
fn options_file(name: &str, params: &str) -> String {
    params
        .split_whitespace()
        .map(|p| format!("options {name} {p}\n"))
        .collect()
}

/// The sorted, distinct `key=value` words of `params` (Ansible compares them as a set).
fn param_set(params: &str) -> String {
    let mut v: Vec<&str> = params.split_whitespace().collect();
    v.sort_unstable();
    v.dedup();
    v.join("\n")
}

/// `content | write` of `path` in 0644: the atomic writer fed from the program itself.
fn write_piped(path: &str, content: &str) -> Result<String, String> {
    let opts = WriteOpts {
        mode: Some(0o644),
        ..WriteOpts::default()
    };
    let (write, _) = write::inline(path, content.as_bytes(), &opts)?;
    Ok(format!(
        "printf '%s' {} |{}",
        quote_str(content),
        String::from_utf8_lossy(&write)
    ))
}

/// The probe and the apply. The probe plans `lm` (`load`/`unload`), `wl`/`wo` (write the
/// load and options files), `cl`/`co` (comment out) with a `change WHAT BEFORE AFTER` report
/// line each; either reports `fail` (encoded) on failure.
fn program(w: &Want) -> Result<(String, String), String> {
    let argv: Vec<String> =
        shlex::split(&w.params).ok_or_else(|| format!("cannot split params {:?}", w.params))?;
    let load_args: String = argv.iter().map(|a| format!(" {}", quote_str(a))).collect();
    let n = &w.name;
    // Each file of a directory whose lines match `$2`, rewritten with them commented out.
    let rewrite = String::from_utf8_lossy(&write::inline_at(
        b"\"$x\"",
        b"\"$sum\"",
        &WriteOpts::default(),
    )?)
    .into_owned();
    let mut probe = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}n={}\nwp={}\n",
        quote_str(n),
        quote_str(&param_set(&w.params)),
    );
    probe.push_str(&format!(
        r#"fail() {{ mx fail "$*"; exit 0; }}
ld=/etc/modules-load.d; pd=/etc/modprobe.d
loaded() {{
  m=$(printf '%s' "$n" | tr - _)
  if [ -r /proc/modules ] && grep -q "^$m " /proc/modules; then return 0; fi
  b=/lib/modules/$(uname -r)/modules.builtin
  [ -r "$b" ] && grep -q "/$n\.ko\$" "$b"
}}
files() {{ for x in "$1"/*; do [ -f "$x" ] && printf '%s\n' "$x"; done; }}
mod_re="^ *{n} *([#;].*)?\$"
opt_re="^options {n} [A-Za-z0-9_]+=[^ ]+ *([#;].*)?\$"
pers() {{ files "$ld" | while read -r x; do grep -qE "$mod_re" "$x" && echo y; done | grep -q y; }}
pparams() {{ files "$pd" | while read -r x; do sed -nE "s/^options {n} ([A-Za-z0-9_]+=[^ ]+) *([#;].*)?\$/\1/p" "$x"; done | sort -u; }}
lm=''; wl=0; wo=0; cl=0; co=0
"#
    ));
    let mut apply = format!(
        r#"comment() {{
  for x in "$1"/*; do
    [ -f "$x" ] && grep -qE "$2" "$x" || continue
    sum=$(sed -E "s/($2)/#\1/" "$x" | sha256sum) || return 1
    sum=${{sum%% *}}
    sed -E "s/($2)/#\1/" "$x" |{rewrite} || return 1
  done
}}
"#
    );
    if w.present {
        probe.push_str(&format!(
            r#"if ! loaded; then
  command -v modprobe >/dev/null 2>&1 || fail "cannot load kernel module $n: modprobe is not installed on this host"
  e=$(modprobe -n -- "$n"{load_args} 2>&1) || fail "cannot load kernel module $n: $e"
  lm=load; rsible_change=1
  m change loaded no yes
fi
"#
        ));
        apply.push_str(&format!(
            "if [ \"$lm\" = load ]; then e=$(modprobe -- \"$n\"{load_args} 2>&1) || fail \"cannot load kernel module $n: $e\"; fi\n"
        ));
    } else {
        probe.push_str(
            r#"if loaded; then
  command -v modprobe >/dev/null 2>&1 || fail "cannot unload kernel module $n: modprobe is not installed on this host"
  e=$(modprobe -n -r -- "$n" 2>&1) || fail "cannot unload kernel module $n: $e"
  lm=unload; rsible_change=1
  m change loaded yes no
fi
"#,
        );
        apply.push_str(
            "if [ \"$lm\" = unload ]; then e=$(modprobe -r -- \"$n\" 2>&1) || fail \"cannot unload kernel module $n: $e\"; fi\n",
        );
    }
    match w.persistent {
        Persistent::Present => {
            probe.push_str(
                r#"if ! pers; then wl=1; rsible_change=1; m change "$ld/$n.conf" absent present; fi
if [ "$(pparams)" != "$wp" ]; then wo=1; rsible_change=1; m change "$pd/$n.conf" old new; fi
"#,
            );
            let load_file =
                write_piped(&format!("/etc/modules-load.d/{n}.conf"), &format!("{n}\n"))?;
            let options = write_piped(
                &format!("/etc/modprobe.d/{n}.conf"),
                &options_file(n, &w.params),
            )?;
            apply.push_str(&format!(
                r#"if [ "$wl" = 1 ]; then
  mkdir -p -- "$ld" || fail "cannot create $ld"
  e=$({load_file} 2>&1) || fail "cannot write $ld/$n.conf: $e"
fi
if [ "$wo" = 1 ]; then
  comment "$pd" "$opt_re" || fail "cannot comment out the old options of $n in $pd"
  mkdir -p -- "$pd" || fail "cannot create $pd"
  e=$({options} 2>&1) || fail "cannot write $pd/$n.conf: $e"
fi
"#
            ));
        }
        Persistent::Absent => {
            probe.push_str(
                r#"if pers; then cl=1; rsible_change=1; m change "$ld" present absent; fi
if [ -n "$(pparams)" ]; then co=1; rsible_change=1; m change "$pd" present absent; fi
"#,
            );
            apply.push_str(
                r#"[ "$cl" = 0 ] || comment "$ld" "$mod_re" || fail "cannot comment out $n in $ld"
[ "$co" = 0 ] || comment "$pd" "$opt_re" || fail "cannot comment out the options of $n in $pd"
"#,
            );
        }
        Persistent::Disabled => {}
    }
    Ok((probe, apply))
}

/// `modprobe`: one gated program; returns Ansible's `name`, `params`, `state`.
async fn modprobe_run(w: Want, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let (probe, apply) = program(&w).map_err(Failure::BadArgs)?;
    let out = ctx
        .gated(probe.as_bytes(), apply.as_bytes(), Vec::new())
        .await?;
    result(&w, &out, ctx.diff)
}

/// The module's result from the program's output `out` (with a diff when `diff`). A
/// malformed report is a failure naming the module.
fn result(w: &Want, out: &ExecOutput, diff: bool) -> Result<Output, Failure> {
    let r = Report::parse("modprobe", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    o.fields.insert("name".into(), json!(w.name));
    o.fields.insert("params".into(), json!(w.params));
    o.fields.insert(
        "state".into(),
        json!(if w.present { "present" } else { "absent" }),
    );
    if let Some(f) = r.get("fail") {
        o.failed = true;
        o.msg = Some(f.to_string());
        return Ok(o);
    }
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "modprobe: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let changes = r
        .all("change")
        .map(|c| {
            let mut it = c.rsplitn(3, ' ');
            match (it.next(), it.next(), it.next()) {
                (Some(after), Some(before), Some(what)) => Ok((what, before, after)),
                _ => Err(Failure::Failed(format!(
                    "modprobe: the remote program printed a malformed change: {c:?}"
                ))),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    o.changed = !changes.is_empty();
    if diff && o.changed {
        let side = |after: bool| {
            changes
                .iter()
                .map(|(k, b, a)| format!("{k}: {}\n", if after { a } else { b }))
                .collect::<String>()
        };
        o.diffs.push(Diff {
            before_header: w.name.clone(),
            after_header: w.name.clone(),
            before: side(false),
            after: side(true),
        });
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;
    use serde_json::Value;

    fn parse(v: Value) -> Result<Want, String> {
        let a: Args = args::parse("modprobe", v.as_object().expect("obj"))?;
        Modprobe::validate(&a)?;
        Ok(want(a))
    }

    #[test]
    fn arguments() {
        let w = parse(json!({"name": "dummy", "params": "numdummies=2", "persistent": "present"}))
            .unwrap();
        assert!(w.present);
        assert_eq!(w.persistent, Persistent::Present);
        assert!(parse(json!({"name": "du mmy"})).is_err());
        assert!(parse(json!({"name": "x", "state": "loaded"})).is_err());
        assert!(parse(json!({"name": "x", "persistent": "yes"})).is_err());
        assert!(parse(json!({"state": "present"})).is_err());
        assert!(parse(json!({"name": "x", "params": "a='b"})).is_err());
        assert_eq!(
            check::<Modprobe>(json!({"name": "{{ m }}", "state": "{{ s }}"})),
            Ok(true)
        );
        assert!(check::<Modprobe>(json!({"name": "x", "parms": "a=1"})).is_err());
        assert!(check::<Modprobe>(json!({"name": "x", "persistent": true})).is_err());
    }

    #[test]
    fn files_as_ansible_writes_them() {
        assert_eq!(
            options_file("dummy", "numdummies=2  x=1"),
            "options dummy numdummies=2\noptions dummy x=1\n"
        );
        assert_eq!(param_set("b=2 a=1 b=2"), "a=1\nb=2");
        let w =
            parse(json!({"name": "dummy", "params": "numdummies='2'", "persistent": "present"}))
                .unwrap();
        let (p, a) = program(&w).unwrap();
        assert!(p.contains("modprobe -n -- \"$n\" numdummies=2 2>&1"), "{p}");
        assert!(a.contains("modprobe -- \"$n\" numdummies=2 2>&1"), "{a}");
        assert!(p.contains("n=dummy\n"), "{p}");
        let w = parse(json!({"name": "dummy", "params": "numdummies=2", "persistent": "present"}))
            .unwrap();
        let a = program(&w).unwrap().1;
        assert!(
            a.contains("printf '%s' 'options dummy numdummies=2\n' | ("),
            "{a}"
        );
        assert!(a.contains("p=\"$x\"\nrsible_sum=\"$sum\"\n"), "{a}");
        let w = parse(json!({"name": "dummy", "params": "a='x y'"})).unwrap();
        assert!(program(&w).unwrap().1.contains("\"$n\" 'a=x y' 2>&1"));
    }

    /// Commenting out rewrites each matching file through the atomic writer: content and
    /// mode as `sed -i` would leave them, no temp file left behind.
    #[test]
    fn commenting_out_goes_through_the_writer() {
        use std::os::unix::fs::PermissionsExt;
        let w = parse(json!({"name": "dummy", "state": "absent", "persistent": "absent"})).unwrap();
        let apply = program(&w).unwrap().1;
        let def = &apply[..apply.find("\n}\n").expect("comment()") + 3];
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("other.conf");
        std::fs::write(&f, "options dummy numdummies=5 # x\n# keep\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        std::fs::write(dir.path().join("none.conf"), "options other a=1\n").unwrap();
        let re = "^options dummy [A-Za-z0-9_]+=[^ ]+ *([#;].*)?$";
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{def}comment \"$1\" \"$2\""))
            .args(["sh", dir.path().to_str().unwrap(), re])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "#options dummy numdummies=5 # x\n# keep\n"
        );
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    /// The probe changes nothing; both halves parse as sh, behind the gate.
    #[test]
    fn the_probe_only_reads() {
        for persistent in ["present", "absent"] {
            for state in ["present", "absent"] {
                let w = parse(json!({"name": "dummy", "state": state, "persistent": persistent}))
                    .unwrap();
                let (p, a) = program(&w).unwrap();
                for change in ["sed -i", "mv -f", "modprobe --", "modprobe -r", "mkdir"] {
                    assert!(!p.contains(change), "{change} in the probe: {p}");
                }
                use crate::modules::framework::sh_check::{assert_parses, gated};
                assert_parses(&gated(&p, &a));
            }
        }
    }

    #[test]
    fn the_report_becomes_the_result() {
        let w = parse(json!({"name": "dummy", "persistent": "present"})).unwrap();
        let o = result(
            &w,
            &ExecOutput::exited(
                "@@rsible change loaded no yes\n@@rsible change /etc/modules-load.d/dummy.conf absent present\n",
            ),
            true,
        )
        .unwrap();
        assert!(o.changed);
        assert_eq!(
            o.diffs[0].before,
            "loaded: no\n/etc/modules-load.d/dummy.conf: absent\n"
        );
        assert_eq!(o.fields["state"], "present");
        let o = result(&w, &ExecOutput::exited("modprobe: tool output\n"), true).unwrap();
        assert!(!o.changed && o.diffs.is_empty());
        let o = result(&w, &ExecOutput::exited("@@rsible fail:x 6e6f\n"), false).unwrap();
        assert!(o.failed && o.msg.as_deref() == Some("no"));
        for bad in ["@@rsible fail:x n\n", "@@rsible change loaded\n"] {
            let e = result(&w, &ExecOutput::exited(bad), false).unwrap_err();
            assert!(
                matches!(&e, Failure::Failed(m) if m.starts_with("modprobe: ")),
                "{e:?}"
            );
        }
    }
}
