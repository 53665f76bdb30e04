//! `sysctl` (ansible.posix): a kernel parameter persisted in `sysctl_file` and applied.
//! Round trips: a probe reads `/proc/sys` and the file; an apply only when something changes
//! (the new file through the atomic writer, then `sysctl -w` and/or `sysctl -p FILE`); in
//! check mode the apply is not sent. Both answer in the report format (`framework::report`).
//! The file editing follows Ansible's: every `key=value`
//! line is rewritten `key=value`, a key's later duplicates are dropped, comments and blank
//! lines are kept, a new key is appended. Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::connection::ExecOutput;
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_bool, de_opt_string, is_template};
use crate::modules::framework::report::{Report, MARK_FILE_FN, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, POSIX};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `sysctl` in the registry.
pub const SPEC: Spec = spec::<Sysctl>(POSIX, &[]);

/// The `sysctl` module.
pub struct Sysctl;

/// Arguments of `sysctl` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "key")]
    name: String,
    #[serde(default, alias = "val", deserialize_with = "de_opt_string")]
    value: Option<String>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    ignoreerrors: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    reload: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    sysctl_file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    sysctl_set: Option<bool>,
}

/// Ansible's `state` choices. `absent` first: a templated state stands for it at load,
/// where it asks for nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// The key removed from the file.
    Absent,
    /// The key set (the default).
    Present,
}

impl Module for Sysctl {
    const NAME: &'static str = "sysctl";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let name = a.name.trim();
        if name.is_empty() {
            return Err("missing required arguments: name (sysctl)".into());
        }
        if !is_template(name)
            && (name.contains(['=', '\n'])
                || name.split(['.', '/']).any(|p| p.is_empty() || p == ".."))
        {
            return Err(format!("{name:?} is not a valid sysctl key"));
        }
        match (a.state.unwrap_or(State::Present), &a.value) {
            (State::Present, None) => Err("value cannot be None".into()),
            (State::Present, Some(v)) if v.contains('\n') && !is_template(v) => {
                Err("the value must be on one line".into())
            }
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(sysctl(want(a), ctx))
    }
}

/// The checked request.
#[derive(Debug, PartialEq, Eq)]
struct Want {
    name: String,
    /// `None` for `state: absent`.
    value: Option<String>,
    ignoreerrors: bool,
    reload: bool,
    file: String,
    set: bool,
}

/// The request from arguments [`Sysctl::validate`] passed.
fn want(a: Args) -> Want {
    Want {
        name: a.name.trim().to_string(),
        value: match a.state.unwrap_or(State::Present) {
            State::Present => a.value.map(|v| v.trim().to_string()),
            State::Absent => None,
        },
        ignoreerrors: a.ignoreerrors.unwrap_or(false),
        reload: a.reload.unwrap_or(true),
        file: a.sysctl_file.unwrap_or_else(|| "/etc/sysctl.conf".into()),
        set: a.sysctl_set.unwrap_or(false),
    }
}

/// Ansible's comparison: whitespace runs are equal.
fn same(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// `(key, value)` of a setting line, `None` for blanks, comments and other text.
fn setting(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    if t.is_empty() || t.starts_with(['#', ';']) {
        return None;
    }
    t.split_once('=').map(|(k, v)| (k.trim(), v.trim()))
}

/// The file's value of `name` (the last one, as Ansible reads it).
fn file_value<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .rev()
        .filter_map(setting)
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The file rewritten as Ansible's `fix_lines` does.
fn fixed(text: &str, name: &str, value: Option<&str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = String::new();
    for line in text.lines() {
        match setting(line) {
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some((k, _)) if seen.contains(&k) => {}
            Some((k, v)) => {
                seen.push(k);
                let v = if k == name { value } else { Some(v) };
                if let Some(v) = v {
                    out.push_str(&format!("{k}={v}\n"));
                }
            }
        }
    }
    if let (false, Some(v)) = (seen.contains(&name), value) {
        out.push_str(&format!("{name}={v}\n"));
    }
    out
}

/// The probe: reports `proc` (the running value, when the key exists), `exists` when the
/// file does, and `file` (its content, encoded exactly; empty when there is none).
fn query(w: &Want) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}{MARK_FILE_FN}k={}\nf={}\n\
         p=/proc/sys/$(printf '%s' \"$k\" | tr ./ /.)\n\
         if [ -r \"$p\" ]; then m proc \"$(tr '\\t\\n' '  ' <\"$p\")\"; fi\n\
         if [ -f \"$f\" ]; then m exists; mf file \"$f\"; else mx file ''; fi\n",
        quote_str(&w.name),
        quote_str(&w.file)
    )
}

/// What the probe found.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    /// The running value (`None`: no such key).
    proc_value: Option<String>,
    /// Whether the file exists.
    exists: bool,
    /// The file's text (empty when it does not exist).
    text: String,
}

/// Reads the probe's output; a malformed or missing report fails, naming the module.
fn found(w: &Want, out: &ExecOutput) -> Result<Found, Failure> {
    let r = Report::parse("sysctl", &String::from_utf8_lossy(&out.stdout))?;
    let text = r.get("file").ok_or_else(|| {
        Failure::Failed(format!(
            "sysctl: reading {} failed: {}",
            w.file,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    Ok(Found {
        proc_value: r.get("proc").map(|v| v.trim().to_string()),
        exists: r.has("exists"),
        text: text.to_string(),
    })
}

/// The apply: `write` (the atomic writer's part, its content the program's stdin) to the
/// file, `sysctl -w` if `set`, reload the file if `reload`. Reports `fail` (encoded) on
/// failure.
fn apply(w: &Want, write: Option<&[u8]>, set: bool, reload: bool) -> Vec<u8> {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}f={}\nfail() {{ mx fail \"$*\"; exit 0; }}\n",
        quote_str(&w.file)
    )
    .into_bytes();
    if let Some(write) = write {
        s.extend_from_slice(
            b"d=$(dirname -- \"$f\"); mkdir -p -- \"$d\" || fail \"cannot create $d\"\ne=$(",
        );
        s.extend_from_slice(write);
        s.extend_from_slice(b" 2>&1) || fail \"cannot write $f: $e\"\n");
    }
    if set {
        s.extend_from_slice(
            format!(
                "k={}\ne=$(sysctl -w -- {} 2>&1) || fail \"setting $k failed: $e\"\n",
                quote_str(&w.name),
                quote_str(&format!(
                    "{}={}",
                    w.name,
                    w.value.as_deref().unwrap_or_default()
                )),
            )
            .as_bytes(),
        );
    }
    if reload {
        let e = if w.ignoreerrors { " -e" } else { "" };
        s.extend_from_slice(
            format!("e=$(sysctl{e} -p -- \"$f\" 2>&1) || fail \"Failed to reload sysctl: $e\"\n")
                .as_bytes(),
        );
    }
    s
}

/// `sysctl`: see the file header for the round trips.
async fn sysctl(w: Want, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(query(&w).into_bytes(), Vec::new()).await?;
    let Found {
        proc_value,
        exists,
        text,
    } = found(&w, &out)?;
    let proc_value = proc_value.as_deref();
    let text = text.as_str();
    let current = file_value(text, &w.name);
    let mut o = Output::default();
    let write = match (&w.value, current) {
        (Some(v), Some(c)) => !same(v, c),
        (Some(_), None) | (None, Some(_)) => true,
        (None, None) => false,
    };
    let proc_differs = match (&w.value, proc_value) {
        (Some(v), Some(p)) => !same(v, p),
        (Some(_), None) => true,
        (None, _) => false,
    };
    let set = w.set && proc_differs && proc_value.is_some();
    o.changed = write || (w.value.is_some() && (w.reload || w.set) && proc_differs);
    let new_text = fixed(text, &w.name, w.value.as_deref());
    if ctx.diff && write {
        o.diffs.push(Diff {
            before_header: w.file.clone(),
            after_header: w.file.clone(),
            before: text.to_string(),
            after: new_text.clone(),
        });
    }
    if !o.changed {
        return Ok(o);
    }
    // A new file gets 0644; an old one keeps its mode and owner.
    let opts = WriteOpts {
        mode: (!exists).then_some(0o644),
        ..WriteOpts::default()
    };
    let (write_file, stdin) = if write {
        write::inline(&w.file, new_text.as_bytes(), &opts).map_err(Failure::Failed)?
    } else {
        (Vec::new(), Vec::new())
    };
    let program = apply(&w, write.then_some(&write_file[..]), set, w.reload);
    let Some(out) = ctx.apply(program, stdin).await? else {
        return Ok(o);
    };
    if let Some(f) = Report::parse("sysctl", &String::from_utf8_lossy(&out.stdout))?.get("fail") {
        o.failed = true;
        o.msg = Some(f.to_string());
    } else if out.status.rc() != 0 {
        o.failed = true;
        o.msg = Some(format!(
            "sysctl: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    o.fields.insert("name".into(), json!(w.name));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    use crate::modules::framework::args;
    use serde_json::Value;

    fn parse(v: Value) -> Result<Want, String> {
        let a: Args = args::parse("sysctl", v.as_object().expect("obj"))?;
        Sysctl::validate(&a)?;
        Ok(want(a))
    }

    #[test]
    fn load_check() {
        assert_eq!(check::<Sysctl>(json!({"key": "a.b", "val": 1})), Ok(true));
        assert_eq!(
            check::<Sysctl>(json!({"name": "{{ k }}", "value": "{{ v }}"})),
            Ok(true)
        );
        assert_eq!(
            check::<Sysctl>(json!({"name": "a.b", "state": "{{ s }}"})),
            Ok(true)
        );
        assert!(check::<Sysctl>(json!({"name": "a.b", "vlaue": 1})).is_err());
        assert!(check::<Sysctl>(json!({"value": 1})).is_err());
        assert!(check::<Sysctl>(json!({"name": "a.b", "value": 1, "reload": "often"})).is_err());
        assert!(check::<Sysctl>(json!({"name": "a.b", "value": 1, "state": "gone"})).is_err());
    }

    #[test]
    fn arguments() {
        let w = parse(json!({"name": "net.ipv4.ip_forward", "value": 1})).unwrap();
        assert_eq!(w.value.as_deref(), Some("1"));
        assert_eq!(w.file, "/etc/sysctl.conf");
        assert!(w.reload && !w.set);
        assert!(parse(json!({"name": "a.b"})).is_err());
        assert!(parse(json!({"name": "a.b", "state": "absent"})).is_ok());
        assert!(parse(json!({"key": "a.b", "val": "1", "sysctl_set": "yes"})).is_ok());
        assert!(parse(json!({"name": "a..b", "value": 1})).is_err());
        assert!(parse(json!({"name": "a=b", "value": 1})).is_err());
        assert!(parse(json!({"value": 1})).is_err());
        assert!(parse(json!({"name": "a", "value": 1, "state": "gone"})).is_err());
    }

    #[test]
    fn file_editing_like_ansible() {
        let text = "# comment\nnet.a = 1\n\nnet.b=2\nnet.a=3\nkernel.x =  4 5\n";
        assert_eq!(file_value(text, "net.a"), Some("3"));
        assert_eq!(
            fixed(text, "net.a", Some("9")),
            "# comment\nnet.a=9\n\nnet.b=2\nkernel.x=4 5\n"
        );
        assert_eq!(
            fixed(text, "net.a", None),
            "# comment\n\nnet.b=2\nkernel.x=4 5\n"
        );
        assert_eq!(fixed("", "net.c", Some("1")), "net.c=1\n");
        assert!(same("32768\t60999", "32768 60999"));
    }

    #[test]
    fn programs_quote() {
        let w = parse(json!({"name": "net.x", "value": "1; reboot", "sysctl_file": "/etc/a b"}))
            .unwrap();
        let q = query(&w);
        assert!(q.contains("f='/etc/a b'"), "{q}");
        let a = String::from_utf8(apply(&w, Some(b" (w)"), true, true)).unwrap();
        assert!(a.contains("e=$( (w) 2>&1) || fail"), "{a}");
        assert!(a.contains("sysctl -w -- 'net.x=1; reboot'"), "{a}");
        assert!(a.contains("sysctl -p -- \"$f\""), "{a}");
    }

    /// The probe, run by sh here on a real key and file, reports what the parser reads: the
    /// file byte for byte (its final blank line kept).
    #[test]
    fn the_probe_reports_in_the_one_format() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.conf");
        std::fs::write(&f, "# c\nkernel.ostype = x\n\n").unwrap();
        let w = parse(json!({"name": "kernel.ostype", "value": "x", "sysctl_file": f})).unwrap();
        let out = std::process::Command::new("sh")
            .args(["-c", &query(&w)])
            .output()
            .expect("sh");
        let got = found(&w, &ExecOutput::exited(&out.stdout)).unwrap();
        assert_eq!(got.proc_value.as_deref(), Some("Linux"));
        assert!(got.exists);
        assert_eq!(got.text, "# c\nkernel.ostype = x\n\n");
        let w =
            parse(json!({"name": "no.such.key", "value": "1", "sysctl_file": "/nonexistent/f"}))
                .unwrap();
        let out = std::process::Command::new("sh")
            .args(["-c", &query(&w)])
            .output()
            .expect("sh");
        let got = found(&w, &ExecOutput::exited(&out.stdout)).unwrap();
        assert_eq!(
            got,
            Found {
                proc_value: None,
                exists: false,
                text: String::new()
            }
        );
    }

    #[test]
    fn a_malformed_or_missing_report_names_the_module() {
        let w = parse(json!({"name": "a.b", "value": 1})).unwrap();
        for bad in [&b"@@rsible file:x 0g\n"[..], b"@@rsible proc 1\n"] {
            let e = found(&w, &ExecOutput::exited(bad)).unwrap_err();
            assert!(
                matches!(&e, Failure::Failed(m) if m.starts_with("sysctl: ")),
                "{e:?}"
            );
        }
        let got = found(
            &w,
            &ExecOutput::exited(b"@@rsible proc  1 \n@@rsible file:x 613d310a\n"),
        )
        .unwrap();
        assert_eq!(got.proc_value.as_deref(), Some("1"));
        assert_eq!((got.exists, got.text.as_str()), (false, "a=1\n"));
    }
}
