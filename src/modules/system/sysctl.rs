//! `sysctl` (ansible.posix): a kernel parameter persisted in `sysctl_file` and applied.
//! Round trips: one to read `/proc/sys` and the file; a second only when something changes
//! (the new file streamed to a temp file beside the old one and moved into place, then
//! `sysctl -w` and/or `sysctl -p FILE`). Check mode stops after the first. The file editing
//! follows Ansible's: every `key=value` line is rewritten `key=value`, a key's later
//! duplicates are dropped, comments and blank lines are kept, a new key is appended.
//! Knows nothing of playbooks; arguments arrive templated.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{self, de_opt_bool, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `sysctl` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default, alias = "key", deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, alias = "val", deserialize_with = "de_opt_string")]
    value: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    ignoreerrors: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    reload: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    sysctl_file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    sysctl_set: Option<bool>,
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

fn want(a: Args) -> Result<Want, String> {
    let name = a
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or("missing required arguments: name (sysctl)")?;
    let present = match a.state.as_deref().unwrap_or("present") {
        "present" => true,
        "absent" => false,
        other => {
            return Err(format!(
                "value of state must be one of: present, absent, got: {other}"
            ))
        }
    };
    if name.contains(['=', '\n']) || name.split(['.', '/']).any(|p| p.is_empty() || p == "..") {
        return Err(format!("sysctl: {name:?} is not a valid sysctl key"));
    }
    let value = match (present, a.value) {
        (true, None) => return Err("value cannot be None".into()),
        (true, Some(v)) if v.contains('\n') => {
            return Err("sysctl: the value must be on one line".into())
        }
        (true, Some(v)) => Some(v.trim().to_string()),
        (false, _) => None,
    };
    Ok(Want {
        name,
        value,
        ignoreerrors: a.ignoreerrors.unwrap_or(false),
        reload: a.reload.unwrap_or(true),
        file: a.sysctl_file.unwrap_or_else(|| "/etc/sysctl.conf".into()),
        set: a.sysctl_set.unwrap_or(false),
    })
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

/// The query: `P value` (or `P-` when the key does not exist), then the file after `--file--`.
fn query(w: &Want) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\nk={}\nf={}\n\
         p=/proc/sys/$(printf '%s' \"$k\" | tr ./ /.)\n\
         if [ -r \"$p\" ]; then printf 'P %s\\n' \"$(tr '\\t\\n' '  ' <\"$p\")\"; else echo P-; fi\n\
         echo --file--\nif [ -f \"$f\" ]; then cat -- \"$f\"; fi\n",
        quote_str(&w.name),
        quote_str(&w.file)
    )
}

/// The apply program: write the file (from stdin) if `write`, `sysctl -w` if `set`, reload
/// the file if `reload`. Prints `F message` on failure.
fn apply(w: &Want, write: bool, set: bool, reload: bool) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nf={}\nfail() {{ printf 'F %s\\n' \"$*\"; exit 0; }}\n",
        quote_str(&w.file)
    );
    if write {
        s.push_str(
            "d=$(dirname -- \"$f\"); mkdir -p -- \"$d\" || fail \"cannot create $d\"\n\
             t=$(mktemp \"$d/.rsible-sysctl.XXXXXX\") || fail \"cannot create a temp file in $d\"\n\
             cat >\"$t\" || { rm -f \"$t\"; fail \"cannot write $t\"; }\n\
             if [ -e \"$f\" ]; then chmod \"$(stat -c %a -- \"$f\")\" \"$t\"; chown \"$(stat -c %u:%g -- \"$f\")\" \"$t\"; \
             else chmod 644 \"$t\"; fi\n\
             mv -f -- \"$t\" \"$f\" || { rm -f \"$t\"; fail \"cannot replace $f\"; }\n",
        );
    }
    if set {
        s.push_str(&format!(
            "k={}\ne=$(sysctl -w -- {} 2>&1) || fail \"setting $k failed: $e\"\n",
            quote_str(&w.name),
            quote_str(&format!(
                "{}={}",
                w.name,
                w.value.as_deref().unwrap_or_default()
            )),
        ));
    }
    if reload {
        let e = if w.ignoreerrors { " -e" } else { "" };
        s.push_str(&format!(
            "e=$(sysctl{e} -p -- \"$f\" 2>&1) || fail \"Failed to reload sysctl: $e\"\n"
        ));
    }
    s
}

/// `sysctl`: see the file header for the round trips.
pub async fn sysctl(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("sysctl", a).map_err(Failure::BadArgs)?;
    let w = want(args).map_err(Failure::BadArgs)?;
    let out = ctx.exec(query(&w).into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (head, text) = stdout.split_once("--file--\n").ok_or_else(|| {
        Failure::Failed(format!(
            "sysctl: reading {} failed: {}",
            w.file,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    let proc_value = head
        .lines()
        .find_map(|l| l.strip_prefix("P "))
        .map(str::trim);
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
    if !o.changed || ctx.check {
        return Ok(o);
    }
    let reload = w.reload;
    let stdin = if write {
        new_text.into_bytes()
    } else {
        Vec::new()
    };
    let out = ctx
        .exec(apply(&w, write, set, reload).into_bytes(), stdin)
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(f) = stdout.lines().find_map(|l| l.strip_prefix("F ")) {
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

    fn parse(v: Value) -> Result<Want, String> {
        want(args::parse("sysctl", v.as_object().expect("obj"))?)
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
        let a = apply(&w, true, true, true);
        assert!(a.contains("sysctl -w -- 'net.x=1; reboot'"), "{a}");
        assert!(a.contains("sysctl -p -- \"$f\""), "{a}");
    }
}
