//! `stat`: what a path is on the target (type, mode, owner, times, link target, checksum),
//! in one read-only remote program (a probe). The `stat -c` line it reads is shared with
//! `find` and `tempfile` ([`super::common::stat_fields`]). Knows nothing of playbooks; arguments arrive
//! templated.

use super::common::stat_fields::{parse_stat, sum_command, STAT_FORMAT};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{de_bool, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `stat` in the registry.
pub const SPEC: Spec = spec::<Stat>(B, &[]);

/// The `stat` module.
pub struct Stat;

/// Arguments of `stat` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "name")]
    path: String,
    #[serde(default, deserialize_with = "de_bool")]
    follow: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    get_checksum: bool,
    #[serde(default, alias = "checksum", alias = "checksum_algo")]
    checksum_algorithm: Option<String>,
    /// `mimetype` and `charset`, from the target's `file` command (`unknown` without it).
    #[serde(
        default = "yes",
        deserialize_with = "de_bool",
        alias = "mime",
        alias = "mime_type",
        alias = "mime-type"
    )]
    get_mime: bool,
    /// `version`, `attributes` and `attr_flags`, from the target's `lsattr`.
    #[serde(
        default = "yes",
        deserialize_with = "de_bool",
        alias = "attr",
        alias = "attributes"
    )]
    get_attributes: bool,
}

impl Module for Stat {
    const NAME: &'static str = "stat";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match a.checksum_algorithm.as_deref() {
            Some(algo) if !is_template(algo) => sum_command(algo).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(stat(a, ctx))
    }
}

/// `stat`: reports `stat.exists` and, when it exists, Ansible's fields about the path.
async fn stat(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let algo = args.checksum_algorithm.as_deref().unwrap_or("sha1");
    let sum = sum_command(algo).map_err(Failure::BadArgs)?;
    let l = if args.follow { "-L " } else { "" };
    let exists = if args.follow {
        "[ -e \"$p\" ]"
    } else {
        "{ [ -e \"$p\" ] || [ -L \"$p\" ]; }"
    };
    let regular = if args.follow {
        "[ -f \"$p\" ]"
    } else {
        "[ -f \"$p\" ] && [ ! -L \"$p\" ]"
    };
    let mut script = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}p={}\n{exists} || {{ m absent; exit 0; }}\n\
         s=$(stat {l}-c '{STAT_FORMAT}' -- \"$p\") || exit 1\nm stat \"$s\"\n\
         if [ -L \"$p\" ]; then m target \"$(readlink -- \"$p\")\"; \
         m source \"$(readlink -f -- \"$p\")\"; fi\n\
         a=; [ -r \"$p\" ] && a=${{a}}r; [ -w \"$p\" ] && a=${{a}}w; [ -x \"$p\" ] && a=${{a}}x\n\
         m access \"$a\"\n",
        quote_str(&args.path)
    );
    if args.get_checksum {
        script.push_str(&format!(
            "if {regular} && [ -r \"$p\" ]; then c=$({sum} < \"$p\") && m sum \"${{c%% *}}\"; fi\n"
        ));
    }
    script.push_str(&format!(
        "x=$(stat {l}-c '%b %o %t %T' -- \"$p\" 2>/dev/null) && m blocks \"$x\"; :\n"
    ));
    if args.get_mime {
        script.push_str(super::stat_extra::MIME_SCRIPT);
    }
    if args.get_attributes {
        script.push_str(super::stat_extra::ATTR_SCRIPT);
    }
    let out = ctx.probe(script.into_bytes(), Vec::new()).await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "stat: cannot stat {}: {}",
            args.path,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let r = Report::parse("stat", &String::from_utf8_lossy(&out.stdout))?;
    let mut st = parse_output(&r, &args.path).map_err(Failure::Failed)?;
    if st.get("exists") == Some(&json!(true)) {
        super::stat_extra::fill(&mut st, &r, args.get_mime, args.get_attributes);
    }
    let mut o = Output::default();
    o.fields.insert("stat".into(), Value::Object(st));
    Ok(o)
}

/// Reads the remote program's report into Ansible's `stat` dict; a garbled one fails,
/// naming the module.
fn parse_output(r: &Report, path: &str) -> Result<Map<String, Value>, String> {
    let mut st = Map::new();
    if r.has("absent") {
        st.insert("exists".into(), json!(false));
        return Ok(st);
    }
    for (key, rest) in r.entries() {
        match key {
            "stat" => st.extend(
                parse_stat(rest)
                    .ok_or_else(|| format!("stat: unexpected answer from the target: {rest:?}"))?,
            ),
            "target" => {
                st.insert("lnk_target".into(), json!(rest));
            }
            "source" => {
                st.insert("lnk_source".into(), json!(rest));
            }
            "access" => {
                st.insert("readable".into(), json!(rest.contains('r')));
                st.insert("writeable".into(), json!(rest.contains('w')));
                st.insert("executable".into(), json!(rest.contains('x')));
            }
            "sum" => {
                st.insert("checksum".into(), json!(rest));
            }
            _ => {}
        }
    }
    if !st.contains_key("mode") {
        return Err("stat: the target's answer was cut short".into());
    }
    st.insert("exists".into(), json!(true));
    st.insert("path".into(), json!(path));
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    fn report(out: &str) -> Report {
        Report::parse("stat", out).unwrap()
    }

    #[test]
    fn a_regular_file_is_read_like_ansible() {
        let out = "@@rsible stat 81a4 1000 1000 12 77 1 2049 1700000001 1700000002 1700000003 joe staff\n\
                   @@rsible access rw\n@@rsible sum 3f786850e387550fdab836ed7e6dc881de23001b\n";
        let st = parse_output(&report(out), "/tmp/a").expect("parsed");
        assert_eq!(st["exists"], json!(true));
        assert_eq!(st["mode"], json!("0644"));
        assert_eq!(st["isreg"], json!(true));
        assert_eq!(st["isdir"], json!(false));
        assert_eq!(st["pw_name"], json!("joe"));
        assert_eq!(st["size"], json!(12));
        assert_eq!(st["mtime"], json!(1_700_000_002.0));
        assert_eq!(st["readable"], json!(true));
        assert_eq!(st["executable"], json!(false));
        assert_eq!(
            st["checksum"],
            json!("3f786850e387550fdab836ed7e6dc881de23001b")
        );
    }

    #[test]
    fn links_and_absent_paths() {
        let out = "@@rsible stat a1ff 0 0 4 9 1 2049 1 2 3 root root\n@@rsible target /etc/x\n\
                   @@rsible source /etc/x\n@@rsible access r\n";
        let st = parse_output(&report(out), "/l").expect("parsed");
        assert_eq!(st["islnk"], json!(true));
        assert_eq!(st["lnk_target"], json!("/etc/x"));
        assert_eq!(st["mode"], json!("0777"));
        let st = parse_output(&report("@@rsible absent\n"), "/x").expect("parsed");
        assert_eq!(Value::Object(st), json!({"exists": false}));
        let e = parse_output(&report("garbage\n"), "/x").unwrap_err();
        assert!(e.starts_with("stat: "), "{e}");
        let e = parse_output(&report("@@rsible stat 81a4 1\n"), "/x").unwrap_err();
        assert!(e.starts_with("stat: ") && e.contains("81a4 1"), "{e}");
    }

    #[test]
    fn arguments_and_algorithms() {
        let m = json!({"path": "/a", "follow": "yes", "checksum_algorithm": "sha256"});
        let a: Args = crate::modules::framework::args::parse("stat", m.as_object().expect("obj"))
            .expect("args");
        assert!(a.follow && a.get_checksum);
        assert_eq!(
            check::<Stat>(json!({"dest": "/a", "checksum": "{{ algo }}"})),
            Ok(true)
        );
        assert!(check::<Stat>(json!({"path": "/a", "checksum_algorithm": "crc"})).is_err());
        assert!(check::<Stat>(json!({"path": "/a", "follow": "maybe"})).is_err());
        assert!(check::<Stat>(json!({"path": "/a", "get_md5": true})).is_err());
        assert!(check::<Stat>(json!({"follow": true})).is_err());
    }
}
