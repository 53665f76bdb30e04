//! `deb822_repository`: writes `/etc/apt/sources.list.d/<slug>.sources` in deb822 form with
//! Ansible's field names and order (sorted argument names), and a `signed_by` key: a path on
//! the target or key fingerprints are used as given, an ASCII-armored key is embedded in the
//! file, a URL is downloaded by the target (curl or wget) into
//! `/etc/apt/keyrings/<slug>.asc` (`.gpg` when not armored). One gated program: the probe
//! fetches the key and compares key and file with what is there; the apply writes what
//! differs through the atomic writer (or fixes the mode). Like Ansible's, it does not update
//! the apt cache. Knows nothing of playbooks.

use super::common::{split_output, MARK_FN};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_bool, de_opt_list, de_opt_string, is_template};
use crate::modules::framework::mode::Mode;
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `deb822_repository` in the registry.
pub const SPEC: Spec = spec::<Deb822Repository>(B, &[]);

/// The `deb822_repository` module.
pub struct Deb822Repository;

/// Arguments of `deb822_repository`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
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
    #[serde(default)]
    state: State,
    /// Accepted for compatibility: rsible needs no Python on the target.
    #[serde(default, rename = "install_python_debian")]
    _install_python_debian: Option<Value>,
}

/// Whether the repository should be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
}

impl Module for Deb822Repository {
    const NAME: &'static str = "deb822_repository";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if let Some(t) = a
            .types
            .iter()
            .flatten()
            .find(|t| !is_template(t) && *t != "deb" && *t != "deb-src")
        {
            return Err(format!(
                "value of types must be one or more of: deb, deb-src, got: {t}"
            ));
        }
        if !is_template(&a.name) && slug(&a.name).is_empty() {
            return Err(format!("name '{}' gives an empty file name", a.name));
        }
        mode(a).map(|_| ())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// The file's mode (`None` while it is a template).
fn mode(a: &Args) -> Result<Option<u32>, String> {
    match &a.mode {
        None => Ok(Some(0o644)),
        Some(Value::String(s)) if is_template(s) => Ok(None),
        Some(v) => match Mode::parse(v)? {
            Mode::Bits(b) => Ok(Some(b)),
            _ => Err("mode must be an octal mode".into()),
        },
    }
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

impl Plan {
    fn new(args: Args) -> Result<Plan, String> {
        let (text, key) = text(&args);
        Ok(Plan {
            slug: slug(&args.name),
            present: args.state == State::Present,
            text,
            key,
            mode: mode(&args)?.unwrap_or(0o644),
        })
    }
}

/// The file's text (`@@KEYFILE@@` standing for a downloaded key's path) and where its key
/// comes from.
fn text(args: &Args) -> (String, Key) {
    let types = args.types.clone().unwrap_or_else(|| vec!["deb".into()]);
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
    (text, key)
}

/// The probe; the file's text arrives on stdin. Marker lines: `changed WHAT`,
/// `key_filename PATH`, `b LINE`/`a LINE` (diff), `fail MESSAGE`. Leaves `gone` (files to
/// remove), `kc`/`km` (write the key / fix its mode) and `fc`/`fm` (the same for the file)
/// for the apply.
fn probe(p: &Plan, diff: bool) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}slug={}\nf=/etc/apt/sources.list.d/$slug.sources\n\
         td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\nkc=''; km=''; fc=''; fm=''\n",
        quote_str(&p.slug)
    );
    if !p.present {
        s.push_str(
            "gone=''\nfor x in \"$f\" /etc/apt/keyrings/$slug.asc /etc/apt/keyrings/$slug.gpg; do\n  \
             [ -e \"$x\" ] || continue; m changed \"$x\"; gone=1; rsible_change=1\ndone\n",
        );
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
                 if ! cmp -s \"$td/key\" \"$kf\"; then m changed key; kc=1; rsible_change=1\n\
                 elif [ \"$(stat -c %a \"$kf\")\" != 644 ]; then m changed key mode; km=1; rsible_change=1\n\
                 fi\nsed \"s|@@KEYFILE@@|$kf|\" \"$td/src\" > \"$td/s2\" && mv \"$td/s2\" \"$td/src\"\n",
                quote_str(u)
            ));
        }
        Key::Inline => {
            s.push_str(
                "sb=$(sed -n 's/^Signed-By: //p' \"$td/src\"); [ -f \"$sb\" ] && m key_filename \"$sb\"\n",
            );
        }
        Key::None => {}
    }
    s.push_str("if ! cmp -s \"$td/src\" \"$f\"; then\n  m changed file; fc=1; rsible_change=1\n");
    if diff {
        s.push_str(
            "  [ -f \"$f\" ] && while IFS= read -r l; do m b \"$l\"; done < \"$f\"\n  \
             while IFS= read -r l; do m a \"$l\"; done < \"$td/src\"\n",
        );
    }
    s.push_str(&format!(
        "elif [ \"$(stat -c %a \"$f\")\" != {:o} ]; then\n  m changed mode; fm=1; rsible_change=1\nfi\n",
        p.mode
    ));
    s
}

/// The apply: removes the files (absent), or writes the key and the file through the
/// atomic writer (or fixes their modes).
fn apply(p: &Plan) -> Result<String, String> {
    if !p.present {
        return Ok(
            "for x in \"$f\" /etc/apt/keyrings/$slug.asc /etc/apt/keyrings/$slug.gpg; do\n  \
             [ -e \"$x\" ] || continue; rm -f \"$x\" || exit 1\ndone\n"
                .into(),
        );
    }
    let at = |mode: u32| WriteOpts {
        mode: Some(mode),
        ..WriteOpts::default()
    };
    let key = write::inline_target("\"$kf\"", "\"$td/key\"", &at(0o644))?;
    let file = write::inline_target("\"$f\"", "\"$td/src\"", &at(p.mode))?;
    Ok(format!(
        "if [ -n \"$kc\" ]; then\n  [ -d /etc/apt/keyrings ] || mkdir -m 755 -p /etc/apt/keyrings || exit 1\n \
         {} || exit 1\nfi\n\
         if [ -n \"$km\" ]; then chmod 644 \"$kf\" || exit 1; fi\n\
         if [ -n \"$fc\" ]; then\n {} || exit 1\nfi\n\
         if [ -n \"$fm\" ]; then chmod {:o} \"$f\" || exit 1; fi\n",
        String::from_utf8_lossy(&key),
        String::from_utf8_lossy(&file),
        p.mode
    ))
}

/// `deb822_repository`: returns `repo` (the file's text), `dest`, `key_filename`.
async fn run(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let p = Plan::new(args).map_err(Failure::BadArgs)?;
    let dest = format!("/etc/apt/sources.list.d/{}.sources", p.slug);
    let apply = apply(&p).map_err(Failure::Failed)?;
    let out = ctx
        .gated(
            probe(&p, ctx.diff).as_bytes(),
            apply.as_bytes(),
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

/// `deb822_repository` with raw arguments, for the modules composed of it
/// (`container_runtime`, `kubernetes_node`).
pub async fn deb822_repository(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    crate::modules::registry::run(Deb822Repository::NAME, a, ctx).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::{args, load_check};
    use crate::modules::packages::common::{parses, parses_gated};

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    fn check(v: Value) -> Result<bool, String> {
        match load_check::parse::<Args>("deb822_repository", &obj(v)).map_err(|e| e.msg)? {
            Some(a) => Deb822Repository::validate(&a).map(|()| true),
            None => Ok(false),
        }
    }

    fn of(v: Value) -> Result<Plan, String> {
        let a: Args = args::parse("deb822_repository", &obj(v))?;
        Deb822Repository::validate(&a)?;
        Plan::new(a)
    }

    #[test]
    fn every_old_argument_name_is_accepted_and_checked() {
        for n in [
            "allow_downgrade_to_insecure",
            "allow_insecure",
            "allow_weak",
            "architectures",
            "by_hash",
            "check_date",
            "check_valid_until",
            "components",
            "date_max_future",
            "enabled",
            "exclude",
            "include",
            "inrelease_path",
            "languages",
            "pdiffs",
            "signed_by",
            "suites",
            "targets",
            "trusted",
            "types",
            "uris",
            "mode",
            "state",
            "install_python_debian",
        ] {
            assert_eq!(check(json!({"name": "r", n: "{{ v }}"})), Ok(true), "{n}");
        }
        assert!(check(json!({"name": "k", "types": "rpm"})).is_err());
        assert!(check(json!({"name": "k", "state": "gone"})).is_err());
        assert!(check(json!({"name": "k", "trusted": "perhaps"})).is_err());
        assert!(check(json!({"name": "k", "date_max_future": "soon"})).is_err());
        assert!(check(json!({"name": "k", "uri": "x"})).is_err());
        assert!(check(json!({"name": "..."})).is_err());
        assert!(check(json!({"uris": "x"})).is_err());
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
    }

    #[test]
    fn the_probe_writes_nothing_and_the_apply_uses_the_writer() {
        let p = of(json!({"name": "k", "signed_by": "http://h/k", "uris": "x"})).expect("plan");
        let probe = probe(&p, false);
        assert!(
            !probe.contains("mv -f") && !probe.contains("chmod"),
            "{probe}"
        );
        assert!(apply(&p).expect("apply").contains("sha256sum"));
        for v in [
            json!({"name": "k", "signed_by": "http://h/k", "uris": "x"}),
            json!({"name": "k", "signed_by": "/k.asc"}),
            json!({"name": "k", "state": "absent"}),
        ] {
            let p = of(v).expect("plan");
            let apply = apply(&p).expect("apply");
            for diff in [false, true] {
                let probe = super::probe(&p, diff);
                assert!(parses(&probe) && parses_gated(&probe, &apply), "{apply}");
            }
        }
    }
}
