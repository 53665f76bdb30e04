//! `package_facts`: the installed packages as the fact `packages`, in the shape of Ansible's
//! module (`{name: [{name, version, ..., source}]}`), read by one probe from the target's own
//! package database: `dpkg-query` (apt: `arch`, `category`, `origin` from the apt lists'
//! Release files), `rpm -qa` (rpm: `release`, `epoch`, `arch`) or `apk info -v` (apk:
//! `release`). Ansible needs python3-apt or the rpm bindings on the target; rsible does not.
//! Changes nothing, so it runs in check mode too. Knows nothing of playbooks.

use crate::modules::framework::args::{de_opt_list, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `package_facts` in the registry.
pub const SPEC: Spec = spec::<PackageFacts>(B, &[]);

/// The `package_facts` module.
pub struct PackageFacts;

/// Arguments of `package_facts` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_list")]
    manager: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    strategy: Option<String>,
}

/// The managers `auto` stands for, in Ansible's order, as its failure message lists them.
const AUTO: &[&str] = &[
    "apk",
    "apt",
    "pacman",
    "pkg",
    "pkg_info",
    "portage",
    "rpm",
    "dnf",
    "dnf5",
    "yum",
    "zypper",
    "pkg5",
    "pkgng",
    "openbsd_pkg",
];

/// The managers rsible reads (names and Ansible's aliases to them).
fn reader(name: &str) -> Option<&'static str> {
    match name {
        "apk" => Some("apk"),
        "apt" => Some("apt"),
        "rpm" | "dnf" | "dnf5" | "yum" | "zypper" => Some("rpm"),
        _ => None,
    }
}

impl Module for PackageFacts {
    const NAME: &'static str = "package_facts";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        for m in a.manager.iter().flatten().filter(|m| !is_template(m)) {
            let m = m.to_ascii_lowercase();
            if m != "auto" && reader(&m).is_none() {
                return Err(if AUTO.contains(&m.as_str()) {
                    format!("manager {m} is not supported by rsible (apk, apt, rpm and its aliases dnf, dnf5, yum, zypper)")
                } else {
                    format!("Unsupported package managers requested: {m}")
                });
            }
        }
        match a.strategy.as_deref() {
            None | Some("first" | "all") => Ok(()),
            Some(s) if is_template(s) => Ok(()),
            Some(s) => Err(format!(
                "value of strategy must be one of: first, all, got: {s}"
            )),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(package_facts(a, ctx))
    }
}

/// The probe: for each reader asked (in order, stopping after the first one the target has
/// unless `all`), its records, tab-separated, each prefixed `NAME\t`.
fn probe(readers: &[&str], all: bool) -> String {
    let mut s = String::from("LC_ALL=C; export LC_ALL\nfound=0\n");
    for r in readers {
        let (test, list) = match *r {
            "apt" => (
                "command -v dpkg-query >/dev/null 2>&1",
                APT_LIST,
            ),
            "rpm" => (
                "command -v rpm >/dev/null 2>&1",
                "rpm -qa --qf 'rpm\\t%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\n' 2>/dev/null\n",
            ),
            _ => (
                "command -v apk >/dev/null 2>&1",
                "apk info -v 2>/dev/null | sed 's/^/apk\\t/'\n",
            ),
        };
        let stop = if all { "" } else { "[ \"$found\" = 1 ] || " };
        s.push_str(&format!("{stop}if {test}; then\nfound=1\n{list}fi\n"));
    }
    s
}

/// The installed dpkg packages (`apt\tNAME\tVERSION\tARCH\tSECTION\tORIGIN`): a foreign
/// architecture's package named `NAME:ARCH` as python3-apt keys it, the origin the `Origin:`
/// of the Release file beside the first apt list that holds the same version.
const APT_LIST: &str = r#"na=$(dpkg --print-architecture 2>/dev/null)
o=$(mktemp) || exit 1
for f in /var/lib/apt/lists/*_Packages; do
  [ -f "$f" ] || continue
  b=${f%_Packages}
  r=''
  while [ -n "$b" ]; do
    for c in "${b}_InRelease" "${b}_Release"; do [ -f "$c" ] && { r=$c; break 2; }; done
    case $b in *_*) b=${b%_*};; *) b='';; esac
  done
  og=''
  [ -n "$r" ] && og=$(sed -n 's/^Origin: *//p' "$r" | head -n 1)
  awk -v og="$og" '/^Package: /{p=$2} /^Version: /{v=$2} /^Architecture: /{a=$2} /^$/{if(p!="")print p"\t"v"\t"a"\t"og; p=""} END{if(p!="")print p"\t"v"\t"a"\t"og}' "$f"
done > "$o"
dpkg-query -W -f '${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${Section}\n' 2>/dev/null |
  awk -F '\t' -v na="$na" -v o="$o" 'BEGIN{while((getline l < o)>0){split(l,x,"\t"); k=x[1]"\t"x[2]"\t"x[3]; if(!(k in og))og[k]=x[4]}}
    $1=="not-installed"||$1=="config-files"{next}
    {n=$2; if($4!=na && $4!="all")n=$2":"$4; print "apt\t"n"\t"$3"\t"$4"\t"$5"\t"og[$2"\t"$3"\t"$4]}'
rm -f "$o"
"#;

/// One record line of the probe as Ansible's package dict.
fn record(line: &str) -> Option<(String, Value)> {
    let f: Vec<&str> = line.split('\t').collect();
    let (name, v) = match f.as_slice() {
        ["apt", name, version, arch, section, origin] => (
            *name,
            json!({"name": name, "version": version, "arch": arch, "category": section,
                   "origin": origin, "source": "apt"}),
        ),
        ["rpm", name, version, release, epoch, arch] => {
            // python's to_text(None) of a package without an epoch.
            let epoch = if *epoch == "(none)" { "None" } else { epoch };
            (
                *name,
                json!({"name": name, "version": version, "release": release, "epoch": epoch,
                       "arch": arch, "source": "rpm"}),
            )
        }
        ["apk", nvr] => {
            let parts: Vec<&str> = nvr.rsplitn(3, '-').collect();
            match parts.as_slice() {
                [release, version, name] => (
                    *name,
                    json!({"name": name, "version": version, "release": release, "source": "apk"}),
                ),
                _ => (
                    *nvr,
                    json!({"name": nvr, "version": "", "release": "", "source": "apk"}),
                ),
            }
        }
        _ => return None,
    };
    Some((name.to_string(), v))
}

/// The python list repr of names, for Ansible's failure message.
fn list_repr(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!("[{}]", q.join(", "))
}

/// `package_facts`: one probe, the fact built here.
async fn package_facts(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let asked: Vec<String> = a
        .manager
        .unwrap_or_else(|| vec!["auto".into()])
        .iter()
        .map(|m| m.to_ascii_lowercase())
        .collect();
    let mut names: Vec<String> = asked.iter().filter(|m| *m != "auto").cloned().collect();
    if asked.iter().any(|m| m == "auto") {
        names.extend(AUTO.iter().map(|s| s.to_string()));
    }
    let mut readers: Vec<&str> = Vec::new();
    for n in &names {
        if let Some(r) = reader(n) {
            if !readers.contains(&r) {
                readers.push(r);
            }
        }
    }
    let all = a.strategy.as_deref() == Some("all");
    let out = ctx
        .probe(probe(&readers, all).into_bytes(), Vec::new())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "package_facts: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut packages = Map::new();
    for (name, v) in text.lines().filter_map(record) {
        match packages.get_mut(&name) {
            Some(Value::Array(list)) => list.push(v),
            _ => {
                packages.insert(name, json!([v]));
            }
        }
    }
    let mut o = Output::default();
    if packages.is_empty() {
        o.failed = true;
        o.msg = Some(format!(
            "Could not detect a supported package manager from the following list: {}, or the required Python library is not installed. Check warnings for details.",
            list_repr(&names)
        ));
        return Ok(o);
    }
    o.fields
        .insert("ansible_facts".into(), json!({"packages": packages}));
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::load_check;

    fn check(v: Value) -> Result<(), String> {
        let a = load_check::parse::<Args>("package_facts", v.as_object().expect("obj"))
            .map_err(|e| e.msg)?;
        a.map_or(Ok(()), |a| PackageFacts::validate(&a))
    }

    #[test]
    fn arguments() {
        assert_eq!(check(json!({})), Ok(()));
        assert_eq!(
            check(json!({"manager": ["apt", "yum"], "strategy": "all"})),
            Ok(())
        );
        assert_eq!(check(json!({"manager": "auto"})), Ok(()));
        assert!(check(json!({"manager": "pacman"}))
            .expect_err("refused")
            .contains("not supported by rsible"));
        assert!(check(json!({"manager": "brew"})).is_err());
        assert!(check(json!({"strategy": "last"})).is_err());
        assert!(check(json!({"managers": "apt"})).is_err());
    }

    #[test]
    fn records_in_ansibles_shape() {
        assert_eq!(
            record("apt\tlibc6:i386\t2.36-9\ti386\tlibs\tDebian"),
            Some((
                "libc6:i386".into(),
                json!({"name": "libc6:i386", "version": "2.36-9", "arch": "i386",
                       "category": "libs", "origin": "Debian", "source": "apt"})
            ))
        );
        assert_eq!(
            record("rpm\tbash\t5.1\t2.el9\t(none)\tx86_64").map(|r| r.1["epoch"].clone()),
            Some(json!("None"))
        );
        assert_eq!(
            record("apk\tmusl-1.2.4-r2").map(|r| r.1),
            Some(json!({"name": "musl", "version": "1.2.4", "release": "r2", "source": "apk"}))
        );
        assert_eq!(record("noise"), None);
    }

    #[test]
    fn the_probe_stops_at_the_first_manager_unless_all() {
        let p = probe(&["apk", "apt", "rpm"], false);
        assert!(
            p.contains("[ \"$found\" = 1 ] || if command -v dpkg-query"),
            "{p}"
        );
        let p = probe(&["apt"], true);
        assert!(!p.contains("[ \"$found\" = 1 ] ||"), "{p}");
        crate::modules::framework::sh_check::assert_parses(&probe(&["apk", "apt", "rpm"], false));
    }
}
