//! `deb822_repository`: writes `/etc/apt/sources.list.d/<slug>.sources` in deb822 form with
//! Ansible's field names and order (sorted argument names), and a `signed_by` key: a path on
//! the target or key fingerprints are used as given, an ASCII-armored key is embedded in the
//! file, a URL is downloaded by the target (curl or wget) into
//! `/etc/apt/keyrings/<slug>.asc` (`.gpg` when not armored). The file and key are replaced
//! atomically only when their content differs. Like Ansible's, it does not update the apt
//! cache. One remote program. Knows nothing of playbooks.

use super::common::{split_output, MARK_FN};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{self, de_opt_bool, de_opt_list, de_opt_string};
use crate::modules::framework::mode::Mode;
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Arguments of `deb822_repository`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    name: String,
    #[serde(default, deserialize_with = "de_opt_bool")]
    allow_downgrade_to_insecure: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    allow_insecure: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    allow_weak: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_list")]
    architectures: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    by_hash: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    check_date: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    check_valid_until: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_list")]
    components: Option<Vec<String>>,
    #[serde(default)]
    date_max_future: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_list")]
    exclude: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    include: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    inrelease_path: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pdiffs: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    signed_by: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    suites: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    targets: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    trusted: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_list")]
    types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    uris: Option<Vec<String>>,
    #[serde(default)]
    mode: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    /// Accepted for compatibility: rsible needs no Python on the target.
    #[serde(default, rename = "install_python_debian")]
    _install_python_debian: Option<Value>,
}

/// Where the key of `signed_by` comes from.
#[derive(Debug, PartialEq, Eq)]
enum Key {
    /// No `signed_by`.
    None,
    /// A path on the target, fingerprints or an embedded key: written into the file as is.
    Inline,
    /// A URL the target downloads into /etc/apt/keyrings.
    Url(String),
}

/// The checked request.
struct Plan {
    slug: String,
    present: bool,
    /// The file's text; `@@KEYFILE@@` stands for the downloaded key's path.
    text: String,
    key: Key,
    mode: u32,
}

/// Ansible's file-name slug of a repository name.
fn slug(name: &str) -> String {
    let mut dashed = String::new();
    let mut in_run = false;
    for c in name.to_lowercase().chars() {
        if c == '_' || c.is_whitespace() {
            if !in_run {
                dashed.push('-');
            }
            in_run = true;
        } else {
            dashed.push(c);
            in_run = false;
        }
    }
    dashed
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// Ansible's multi-line field value: each line indented, empty lines as `.`.
fn multiline(v: &str) -> String {
    let mut s = String::from("\n");
    let lines: Vec<String> = v
        .trim()
        .lines()
        .map(|l| {
            let l = l.trim();
            format!("    {}", if l.is_empty() { "." } else { l })
        })
        .collect();
    s.push_str(&lines.join("\n"));
    s
}

fn has_scheme(v: &str) -> bool {
    match v.split_once("://") {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        }
        None => false,
    }
}

fn plan(a: &Map<String, Value>) -> Result<Plan, String> {
    let args: Args = args::parse("deb822_repository", a)?;
    let present = match args.state.as_deref().unwrap_or("present") {
        "present" => true,
        "absent" => false,
        other => {
            return Err(format!(
                "deb822_repository: value of state must be one of: absent, present, got: {other}"
            ))
        }
    };
    let types = args.types.clone().unwrap_or_else(|| vec!["deb".into()]);
    if let Some(t) = types.iter().find(|t| *t != "deb" && *t != "deb-src") {
        return Err(format!(
            "deb822_repository: value of types must be one or more of: deb, deb-src, got: {t}"
        ));
    }
    let slug = slug(&args.name);
    if slug.is_empty() {
        return Err(format!(
            "deb822_repository: name '{}' gives an empty file name",
            args.name
        ));
    }
    let mode = match &args.mode {
        None => 0o644,
        Some(v) => match Mode::parse(v).map_err(|e| format!("deb822_repository: {e}"))? {
            Mode::Bits(b) => b,
            _ => return Err("deb822_repository: mode must be an octal mode".into()),
        },
    };
    let list = |v: &Option<Vec<String>>| v.as_ref().map(|l| l.join(" "));
    let flag = |v: Option<bool>| v.map(yes_no);
    let mut key = Key::None;
    let signed = args.signed_by.as_ref().map(|s| {
        if has_scheme(s) {
            key = Key::Url(s.clone());
            "@@KEYFILE@@".to_string()
        } else {
            key = Key::Inline;
            s.clone()
        }
    });
    // Sorted by argument name, as Ansible writes them.
    let fields: Vec<(&str, Option<String>)> = vec![
        (
            "Allow-Downgrade-To-Insecure",
            flag(args.allow_downgrade_to_insecure),
        ),
        ("Allow-Insecure", flag(args.allow_insecure)),
        ("Allow-Weak", flag(args.allow_weak)),
        ("Architectures", list(&args.architectures)),
        ("By-Hash", flag(args.by_hash)),
        ("Check-Date", flag(args.check_date)),
        ("Check-Valid-Until", flag(args.check_valid_until)),
        ("Components", list(&args.components)),
        (
            "Date-Max-Future",
            args.date_max_future.map(|d| d.to_string()),
        ),
        ("Enabled", flag(args.enabled)),
        ("Exclude", list(&args.exclude)),
        ("Include", list(&args.include)),
        ("Inrelease-Path", args.inrelease_path.clone()),
        ("Languages", list(&args.languages)),
        ("X-Repolib-Name", Some(args.name.clone())),
        ("Pdiffs", flag(args.pdiffs)),
        ("Signed-By", signed),
        ("Suites", list(&args.suites)),
        ("Targets", list(&args.targets)),
        ("Trusted", flag(args.trusted)),
        ("Types", Some(types.join(" "))),
        ("URIs", list(&args.uris)),
    ];
    let mut text = String::new();
    for (k, v) in fields {
        let Some(v) = v else { continue };
        if v.contains('\n') {
            text.push_str(&format!("{k}:{}\n", multiline(&v)));
        } else {
            text.push_str(&format!("{k}: {v}\n"));
        }
    }
    Ok(Plan {
        slug,
        present,
        text,
        key,
        mode,
    })
}

/// The remote program; the file's text arrives on stdin. Marker lines: `changed WHAT`,
/// `key_filename PATH`, `b LINE`/`a LINE` (diff), `fail MESSAGE`.
fn program(p: &Plan, check: bool, diff: bool) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}slug={}\nf=/etc/apt/sources.list.d/$slug.sources\n\
         td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\n\
         put() {{ t=$(mktemp \"$(dirname \"$2\")/.rsible-apt.XXXXXX\") || exit 1; \
         cat \"$1\" > \"$t\" && chmod \"$3\" \"$t\" && mv -f \"$t\" \"$2\" || exit 1; }}\n",
        quote_str(&p.slug)
    );
    if !p.present {
        s.push_str("for x in \"$f\" /etc/apt/keyrings/$slug.asc /etc/apt/keyrings/$slug.gpg; do\n  [ -e \"$x\" ] || continue; m changed \"$x\"\n");
        if !check {
            s.push_str("  rm -f \"$x\" || exit 1\n");
        }
        s.push_str("done\n");
        return s;
    }
    s.push_str("cat > \"$td/src\" || exit 1\n");
    match &p.key {
        Key::Url(u) => {
            s.push_str(&format!(
                "u={}\n\
                 if command -v curl >/dev/null 2>&1; then curl -fsSL -o \"$td/key\" \"$u\"; \
                 elif command -v wget >/dev/null 2>&1; then wget -q -O \"$td/key\" \"$u\"; \
                 else m fail Could not fetch signed_by key: the target has neither curl nor wget; exit 0; fi \
                 || {{ m fail \"Could not fetch signed_by key: $u could not be downloaded\"; exit 0; }}\n\
                 ext=gpg; grep -q -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' \"$td/key\" && ext=asc\n\
                 kf=/etc/apt/keyrings/$slug.$ext; m key_filename \"$kf\"\n\
                 if ! cmp -s \"$td/key\" \"$kf\"; then m changed key\n",
                quote_str(u)
            ));
            if !check {
                s.push_str(
                    "  [ -d /etc/apt/keyrings ] || mkdir -m 755 -p /etc/apt/keyrings || exit 1\n  \
                     put \"$td/key\" \"$kf\" 644\n",
                );
            }
            s.push_str("elif [ \"$(stat -c %a \"$kf\")\" != 644 ]; then m changed key mode\n");
            if !check {
                s.push_str("  chmod 644 \"$kf\" || exit 1\n");
            }
            s.push_str(
                "fi\nsed \"s|@@KEYFILE@@|$kf|\" \"$td/src\" > \"$td/s2\" && mv \"$td/s2\" \"$td/src\"\n",
            );
        }
        Key::Inline => {
            s.push_str(
                "sb=$(sed -n 's/^Signed-By: //p' \"$td/src\"); [ -f \"$sb\" ] && m key_filename \"$sb\"\n",
            );
        }
        Key::None => {}
    }
    s.push_str("if ! cmp -s \"$td/src\" \"$f\"; then\n  m changed file\n");
    if diff {
        s.push_str(
            "  [ -f \"$f\" ] && while IFS= read -r l; do m b \"$l\"; done < \"$f\"\n  \
             while IFS= read -r l; do m a \"$l\"; done < \"$td/src\"\n",
        );
    }
    if !check {
        s.push_str(&format!("  put \"$td/src\" \"$f\" {:o}\n", p.mode));
    }
    s.push_str(&format!(
        "elif [ \"$(stat -c %a \"$f\")\" != {:o} ]; then\n  m changed mode\n",
        p.mode
    ));
    if !check {
        s.push_str(&format!("  chmod {:o} \"$f\" || exit 1\n", p.mode));
    }
    s.push_str("fi\n");
    s
}

/// `deb822_repository`: returns `repo` (the file's text), `dest`, `key_filename`.
pub async fn deb822_repository(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = plan(a).map_err(Failure::BadArgs)?;
    let dest = format!("/etc/apt/sources.list.d/{}.sources", p.slug);
    let out = ctx
        .exec(
            program(&p, ctx.check, ctx.diff).into_bytes(),
            p.text.clone().into_bytes(),
        )
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "deb822_repository: writing {dest} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (marks, _) = split_output(&String::from_utf8_lossy(&out.stdout));
    let mut o = Output::default();
    let (mut before, mut after) = (String::new(), String::new());
    let mut key_file = Value::Null;
    for (k, v) in marks {
        match k.as_str() {
            "changed" => o.changed = true,
            "key_filename" => key_file = json!(v),
            "b" => before.push_str(&format!("{v}\n")),
            "a" => after.push_str(&format!("{v}\n")),
            "fail" => {
                o.failed = true;
                o.msg = Some(v);
            }
            _ => {}
        }
    }
    if o.failed {
        o.changed = false;
    }
    let repo = match (&key_file, p.present) {
        (_, false) => Value::Null,
        (Value::String(kf), true) => json!(p.text.replace("@@KEYFILE@@", kf)),
        _ => json!(p.text),
    };
    o.fields.insert("repo".into(), repo);
    o.fields.insert("dest".into(), json!(dest));
    o.fields.insert("key_filename".into(), key_file);
    if ctx.diff && o.changed && !after.is_empty() {
        o.diffs.push(Diff {
            before_header: if before.is_empty() {
                "/dev/null".into()
            } else {
                dest.clone()
            },
            after_header: dest,
            before,
            after,
        });
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(v: Value) -> Result<Plan, String> {
        plan(v.as_object().expect("object"))
    }

    #[test]
    fn slugs_are_ansibles() {
        assert_eq!(slug("My Repo_x"), "my-repo-x");
        assert_eq!(slug("rstp.signed"), "rstpsigned");
    }

    #[test]
    fn the_file_has_ansibles_fields_in_ansibles_order() {
        let p = of(json!({
            "name": "rstp", "uris": "file:/srv/repo/rstp-signed", "suites": "./",
            "signed_by": "/etc/apt/keyrings/k.asc", "enabled": true, "architectures": ["amd64"]
        }))
        .expect("plan");
        assert_eq!(
            p.text,
            "Architectures: amd64\nEnabled: yes\nX-Repolib-Name: rstp\n\
             Signed-By: /etc/apt/keyrings/k.asc\nSuites: ./\nTypes: deb\n\
             URIs: file:/srv/repo/rstp-signed\n"
        );
        assert_eq!(p.key, Key::Inline);
        let p = of(json!({"name": "k", "signed_by": "-----BEGIN PGP\n\nabc\n-----END\n"}))
            .expect("plan");
        assert!(
            p.text
                .contains("Signed-By:\n    -----BEGIN PGP\n    .\n    abc\n    -----END\n"),
            "{}",
            p.text
        );
        let p = of(json!({"name": "k", "signed_by": "http://10.0.0.1:8000/k.asc"})).expect("plan");
        assert_eq!(p.key, Key::Url("http://10.0.0.1:8000/k.asc".into()));
        assert!(p.text.contains("Signed-By: @@KEYFILE@@\n"));
        assert!(of(json!({"name": "k", "types": "rpm"})).is_err());
        assert!(of(json!({"name": "k", "state": "gone"})).is_err());
    }

    #[test]
    fn check_mode_writes_nothing() {
        let p = of(json!({"name": "k", "signed_by": "http://h/k", "uris": "x"})).expect("plan");
        let s = program(&p, true, false);
        assert!(!s.contains("put \"$td"), "{s}");
        for v in [
            json!({"name": "k", "signed_by": "http://h/k", "uris": "x"}),
            json!({"name": "k", "signed_by": "/k.asc"}),
            json!({"name": "k", "state": "absent"}),
        ] {
            let p = of(v).expect("plan");
            for (check, diff) in [(false, false), (false, true), (true, true)] {
                let s = program(&p, check, diff);
                assert!(super::super::common::parses(&s), "{s}");
            }
        }
    }
}
