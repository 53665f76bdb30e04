//! `deb822_repository`: writes `/etc/apt/sources.list.d/<slug>.sources` in deb822 form with
//! Ansible's field names and order (sorted argument names), and a `signed_by` key: a path on
//! the target or key fingerprints are used as given, an ASCII-armored key is embedded in the
//! file, a URL is downloaded by the target (curl or wget) into
//! `/etc/apt/keyrings/<slug>.asc` (`.gpg` when not armored). One gated program: the probe
//! fetches the key and compares key and file with what is there; the apply writes what
//! differs through the atomic writer (or fixes the mode). Like Ansible's, it does not update
//! the apt cache. Knows nothing of playbooks.

use super::common::{file_mode, Report};
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_bool, de_opt_list, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use script::{apply, probe};
use serde::Deserialize;
use serde_json::{json, Value};
use text::{slug, text};

mod script;
mod text;

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
        file_mode(a.mode.as_ref()).map(|_| ())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
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

impl Plan {
    fn new(args: Args) -> Result<Plan, String> {
        let (text, key) = text(&args);
        Ok(Plan {
            slug: slug(&args.name),
            present: args.state == State::Present,
            text,
            key,
            mode: file_mode(args.mode.as_ref())?.unwrap_or(0o644),
        })
    }
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
    let r = Report::parse("deb822_repository", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    let (mut before, mut after) = (String::new(), String::new());
    let mut key_file = Value::Null;
    for (k, v) in r.entries() {
        match k {
            "changed" => o.changed = true,
            "key_filename" => key_file = json!(v),
            "b" => before.push_str(&format!("{v}\n")),
            "a" => after.push_str(&format!("{v}\n")),
            "fail" => {
                o.failed = true;
                o.msg = Some(v.to_string());
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
mod tests;
