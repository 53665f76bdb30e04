//! `modprobe` (community.general): a kernel module loaded or unloaded, and optionally made
//! persistent (`/etc/modules-load.d/NAME.conf` holding `NAME`, `/etc/modprobe.d/NAME.conf`
//! holding one `options NAME key=value` line per parameter) or not persistent (the matching
//! lines of those directories commented out with `#`), as Ansible writes them. One remote
//! program probes `/proc/modules` (and `modules.builtin`) and the two directories and changes
//! only what differs; check mode reports without changing. Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{self, de_opt_string};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `modprobe` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    params: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    persistent: Option<String>,
}

/// The checked request.
#[derive(Debug, PartialEq, Eq)]
struct Want {
    name: String,
    present: bool,
    params: String,
    /// `disabled`, `present` or `absent`.
    persistent: String,
}

fn want(a: Args) -> Result<Want, String> {
    let name = a
        .name
        .filter(|n| !n.is_empty())
        .ok_or("missing required arguments: name (modprobe)")?;
    // Module names are [A-Za-z0-9_-]: checked here so they are also safe inside the regular
    // expressions of the remote program.
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!("modprobe: {name:?} is not a kernel module name"));
    }
    let present = match a.state.as_deref().unwrap_or("present") {
        "present" => true,
        "absent" => false,
        o => {
            return Err(format!(
                "value of state must be one of: absent, present, got: {o}"
            ))
        }
    };
    let persistent = a.persistent.unwrap_or_else(|| "disabled".into());
    if !["disabled", "present", "absent"].contains(&persistent.as_str()) {
        return Err(format!(
            "value of persistent must be one of: disabled, present, absent, got: {persistent}"
        ));
    }
    let params = a.params.unwrap_or_default();
    if params.contains('\n') {
        return Err("modprobe: params must be on one line".into());
    }
    Ok(Want {
        name,
        present,
        params,
        persistent,
    })
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

/// The program. Prints `C what before after` per change and `F message` on failure.
fn program(w: &Want, check: bool) -> Result<String, String> {
    let argv: Vec<String> = shlex::split(&w.params)
        .ok_or_else(|| format!("modprobe: cannot split params {:?}", w.params))?;
    let load_args: String = argv.iter().map(|a| format!(" {}", quote_str(a))).collect();
    let n = &w.name;
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\nn={}\nck={}\nwp={}\nof={}\n",
        quote_str(n),
        if check { 1 } else { 0 },
        quote_str(&param_set(&w.params)),
        quote_str(&options_file(n, &w.params)),
    );
    s.push_str(&format!(
        r#"fail() {{ printf 'F %s\n' "$*"; exit 0; }}
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
comment() {{ files "$1" | while read -r x; do if grep -qE "$2" "$x"; then sed -i -E "s/($2)/#\1/" "$x" || exit 1; fi; done; }}
wr() {{ mkdir -p -- "$(dirname -- "$1")" && t=$(mktemp "$1.XXXXXX") && printf '%s' "$2" >"$t" && chmod 644 "$t" && mv -f -- "$t" "$1"; }}
"#
    ));
    if w.present {
        s.push_str(&format!(
            r#"if ! loaded; then
  command -v modprobe >/dev/null 2>&1 || fail "cannot load kernel module $n: modprobe is not installed on this host"
  if [ "$ck" = 1 ]; then e=$(modprobe -n -- "$n"{load_args} 2>&1); else e=$(modprobe -- "$n"{load_args} 2>&1); fi || fail "cannot load kernel module $n: $e"
  printf 'C loaded no yes\n'
fi
"#
        ));
    } else {
        s.push_str(
            r#"if loaded; then
  command -v modprobe >/dev/null 2>&1 || fail "cannot unload kernel module $n: modprobe is not installed on this host"
  if [ "$ck" = 1 ]; then e=$(modprobe -n -r -- "$n" 2>&1); else e=$(modprobe -r -- "$n" 2>&1); fi || fail "cannot unload kernel module $n: $e"
  printf 'C loaded yes no\n'
fi
"#,
        );
    }
    match w.persistent.as_str() {
        "present" => s.push_str(
            r#"if ! pers; then
  [ "$ck" = 1 ] || wr "$ld/$n.conf" "$n
" || fail "cannot write $ld/$n.conf"
  printf 'C %s absent present\n' "$ld/$n.conf"
fi
if [ "$(pparams)" != "$wp" ]; then
  if [ "$ck" = 0 ]; then
    comment "$pd" "$opt_re" || fail "cannot comment out the old options of $n in $pd"
    wr "$pd/$n.conf" "$of" || fail "cannot write $pd/$n.conf"
  fi
  printf 'C %s old new\n' "$pd/$n.conf"
fi
"#,
        ),
        "absent" => s.push_str(
            r#"if pers; then
  [ "$ck" = 1 ] || comment "$ld" "$mod_re" || fail "cannot comment out $n in $ld"
  printf 'C %s present absent\n' "$ld"
fi
if [ -n "$(pparams)" ]; then
  [ "$ck" = 1 ] || comment "$pd" "$opt_re" || fail "cannot comment out the options of $n in $pd"
  printf 'C %s present absent\n' "$pd"
fi
"#,
        ),
        _ => {}
    }
    Ok(s)
}

/// `modprobe`: one remote program; returns Ansible's `name`, `params`, `state`.
pub async fn modprobe(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("modprobe", a).map_err(Failure::BadArgs)?;
    let w = want(args).map_err(Failure::BadArgs)?;
    let prog = program(&w, ctx.check).map_err(Failure::BadArgs)?;
    let out = ctx.exec(prog.into_bytes(), Vec::new()).await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut o = Output::default();
    o.fields.insert("name".into(), json!(w.name));
    o.fields.insert("params".into(), json!(w.params));
    o.fields.insert(
        "state".into(),
        json!(if w.present { "present" } else { "absent" }),
    );
    if let Some(f) = stdout.lines().find_map(|l| l.strip_prefix("F ")) {
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
    let changes: Vec<(&str, &str, &str)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("C "))
        .filter_map(|c| {
            let mut it = c.rsplitn(3, ' ');
            let after = it.next()?;
            let before = it.next()?;
            Some((it.next()?, before, after))
        })
        .collect();
    o.changed = !changes.is_empty();
    if ctx.diff && o.changed {
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

    fn parse(v: Value) -> Result<Want, String> {
        want(args::parse("modprobe", v.as_object().expect("obj"))?)
    }

    #[test]
    fn arguments() {
        let w = parse(json!({"name": "dummy", "params": "numdummies=2", "persistent": "present"}))
            .unwrap();
        assert!(w.present);
        assert!(parse(json!({"name": "du mmy"})).is_err());
        assert!(parse(json!({"name": "x", "state": "loaded"})).is_err());
        assert!(parse(json!({"name": "x", "persistent": "yes"})).is_err());
        assert!(parse(json!({"state": "present"})).is_err());
    }

    #[test]
    fn files_as_ansible_writes_them() {
        assert_eq!(
            options_file("dummy", "numdummies=2  x=1"),
            "options dummy numdummies=2\noptions dummy x=1\n"
        );
        assert_eq!(param_set("b=2 a=1 b=2"), "a=1\nb=2");
        let w = parse(json!({"name": "dummy", "params": "numdummies='2'"})).unwrap();
        let p = program(&w, false).unwrap();
        assert!(p.contains("modprobe -- \"$n\" numdummies=2 2>&1"), "{p}");
        assert!(p.contains("n=dummy\n"), "{p}");
        let w = parse(json!({"name": "dummy", "params": "a='x y'"})).unwrap();
        assert!(program(&w, false).unwrap().contains("\"$n\" 'a=x y' 2>&1"));
    }
}
