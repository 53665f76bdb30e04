//! `yum_repository`: one section of `REPOSDIR/FILE.repo` (FILE defaults to the repository
//! id `name`), edited as Ansible's module edits it: the file is read and parsed as Python's
//! configparser reads it ([`ini`]), the section is removed and, for `state: present`,
//! added again at the end with the given options sorted by name (booleans as `1`/`0`,
//! `baseurl`/`gpgkey` one per line, `exclude`/`includepkgs` space-separated, `description`
//! as `name`). It changed when Ansible's sorted dump of the file differs; then the file is
//! written back whole through the line editors' writer (or removed when no section is
//! left), and `mode`/`owner`/`group` are set on the file when it exists. Two round trips
//! when something changes (the read, then the write), one otherwise. Options Ansible
//! deprecates as having no effect with dnf are refused at load. Knows nothing of playbooks.

mod ini;
#[cfg(test)]
mod tests;

use super::common::edit::{self, de_opt_mode, Attrs, Edit};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{de_opt_bool, de_opt_list, de_opt_string, is_template};
use crate::modules::framework::mode::Mode;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use ini::Ini;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// `yum_repository` in the registry.
pub const SPEC: Spec = spec::<YumRepository>(B, &[]);

/// The `yum_repository` module.
pub struct YumRepository;

/// Arguments of `yum_repository` (Ansible's names and aliases). The repository options are
/// kept as text under their option names by [`Args::options`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    reposdir: Option<String>,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_opt_list")]
    baseurl: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    gpgkey: Option<Vec<String>>,
    #[serde(default, alias = "excludepkgs", deserialize_with = "de_opt_list")]
    exclude: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_list")]
    includepkgs: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    countme: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    enablegroups: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    gpgcheck: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    module_hotfixes: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    repo_gpgcheck: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    s3_enabled: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    skip_if_unavailable: Option<bool>,
    #[serde(default, alias = "validate_certs", deserialize_with = "de_opt_bool")]
    sslverify: Option<bool>,
    #[serde(default, deserialize_with = "de_opt_string")]
    bandwidth: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    cost: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    deltarpm_percentage: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    failovermethod: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    include: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    ip_resolve: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    metadata_expire: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    metalink: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    mirrorlist: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    priority: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    proxy: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    proxy_password: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    proxy_username: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    retries: Option<String>,
    #[serde(default, alias = "ca_cert", deserialize_with = "de_opt_string")]
    sslcacert: Option<String>,
    #[serde(default, alias = "client_cert", deserialize_with = "de_opt_string")]
    sslclientcert: Option<String>,
    #[serde(default, alias = "client_key", deserialize_with = "de_opt_string")]
    sslclientkey: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    throttle: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    timeout: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de_opt_mode")]
    mode: Option<Mode>,
    #[serde(default, deserialize_with = "de_opt_string")]
    owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    group: Option<String>,
}

/// Whether the repository's section should be in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Absent => "absent",
        }
    }
}

/// The options with a fixed set of values, and those values.
const CHOICES: &[(&str, &[&str])] = &[
    ("failovermethod", &["roundrobin", "priority"]),
    ("ip_resolve", &["4", "6", "IPv4", "IPv6", "whatever"]),
];

/// The directory Ansible's module writes to by default.
const REPOSDIR: &str = "/etc/yum.repos.d";

impl Args {
    /// The section's options as Ansible writes them, sorted by name: booleans as `1`/`0`,
    /// URL and key lists one per line, package lists space-separated, the description as
    /// `name`.
    fn options(&self) -> Vec<(String, String)> {
        let mut o: BTreeMap<&str, String> = BTreeMap::new();
        let lines = |v: &Option<Vec<String>>| v.as_ref().map(|l| l.join("\n"));
        let words = |v: &Option<Vec<String>>| v.as_ref().map(|l| l.join(" "));
        let flag = |b: Option<bool>| b.map(|b| u8::from(b).to_string());
        let text: Vec<(&str, Option<String>)> = vec![
            ("name", self.description.clone()),
            ("baseurl", lines(&self.baseurl)),
            ("gpgkey", lines(&self.gpgkey)),
            ("exclude", words(&self.exclude)),
            ("includepkgs", words(&self.includepkgs)),
            ("countme", flag(self.countme)),
            ("enabled", flag(self.enabled)),
            ("enablegroups", flag(self.enablegroups)),
            ("gpgcheck", flag(self.gpgcheck)),
            ("module_hotfixes", flag(self.module_hotfixes)),
            ("repo_gpgcheck", flag(self.repo_gpgcheck)),
            ("s3_enabled", flag(self.s3_enabled)),
            ("skip_if_unavailable", flag(self.skip_if_unavailable)),
            ("sslverify", flag(self.sslverify)),
            ("bandwidth", self.bandwidth.clone()),
            ("cost", self.cost.clone()),
            ("deltarpm_percentage", self.deltarpm_percentage.clone()),
            ("failovermethod", self.failovermethod.clone()),
            ("include", self.include.clone()),
            ("ip_resolve", self.ip_resolve.clone()),
            ("metadata_expire", self.metadata_expire.clone()),
            ("metalink", self.metalink.clone()),
            ("mirrorlist", self.mirrorlist.clone()),
            ("password", self.password.clone()),
            ("priority", self.priority.clone()),
            ("proxy", self.proxy.clone()),
            ("proxy_password", self.proxy_password.clone()),
            ("proxy_username", self.proxy_username.clone()),
            ("retries", self.retries.clone()),
            ("sslcacert", self.sslcacert.clone()),
            ("sslclientcert", self.sslclientcert.clone()),
            ("sslclientkey", self.sslclientkey.clone()),
            ("throttle", self.throttle.clone()),
            ("timeout", self.timeout.clone()),
            ("username", self.username.clone()),
        ];
        for (k, v) in text {
            if let Some(v) = v {
                o.insert(k, v);
            }
        }
        o.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// The value of the option named `key`, for the choice checks.
    fn choice(&self, key: &str) -> Option<&str> {
        match key {
            "failovermethod" => self.failovermethod.as_deref(),
            _ => self.ip_resolve.as_deref(),
        }
    }

    /// The repository file's path.
    fn dest(&self) -> String {
        format!(
            "{}/{}.repo",
            self.reposdir.as_deref().unwrap_or(REPOSDIR),
            self.file.as_deref().unwrap_or(&self.name)
        )
    }

    /// The values Ansible hides in its result (`no_log` options).
    fn secrets(&self) -> Vec<&str> {
        [&self.password, &self.proxy_password]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

impl Module for YumRepository {
    const NAME: &'static str = "yum_repository";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        for (key, allowed) in CHOICES {
            if let Some(v) = a.choice(key) {
                if !is_template(v) && !allowed.contains(&v) {
                    return Err(format!(
                        "value of {key} must be one of: {}, got: {v}",
                        allowed.join(", ")
                    ));
                }
            }
        }
        if let Some(d) = &a.reposdir {
            if !is_template(d) && (d.starts_with('~') || d.contains('$')) {
                return Err(format!(
                    "reposdir={d}: expanding ~ and $VARS in reposdir is not supported by rsible; \
                     give the directory's absolute path"
                ));
            }
        }
        if a.state == State::Present {
            if a.baseurl.is_none() && a.mirrorlist.is_none() && a.metalink.is_none() {
                return Err("state is present but any of the following are missing: \
                            baseurl, mirrorlist, metalink"
                    .into());
            }
            if a.description.is_none() {
                return Err(
                    "state is present but all of the following are missing: description".into(),
                );
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// The read: `nodir` when the repository directory is missing, else the file's real path,
/// state and content ([`edit::read_script`]).
fn read_script(reposdir: &str, dest: &str) -> Vec<u8> {
    let mut s = format!(
        "{MARK_FN}[ -d {} ] || {{ m nodir; exit 0; }}\n",
        quote_str(reposdir)
    )
    .into_bytes();
    s.extend(edit::read_script(dest));
    s
}

/// Each of `secrets` replaced by eight stars in `s`, as Ansible hides `no_log` values.
fn hide(s: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .fold(s.to_string(), |s, x| s.replace(x, "********"))
}

/// `yum_repository`: see the file header. Returns `repo`, `state` and `diff`.
async fn run(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let dest = a.dest();
    let reposdir = a.reposdir.as_deref().unwrap_or(REPOSDIR);
    let out = ctx.probe(read_script(reposdir, &dest), Vec::new()).await?;
    let (r, _) = Report::parse_with_body(YumRepository::NAME, &out.stdout)?;
    if r.has("nodir") {
        return Ok(Output {
            failed: true,
            msg: Some(format!("Repo directory '{reposdir}' does not exist.")),
            ..Output::default()
        });
    }
    let cur = edit::parse_read(YumRepository::NAME, &out.stdout).map_err(Failure::Failed)?;
    let is_file = cur.state.kind == crate::modules::framework::probe::Kind::File;
    let before_text = if is_file {
        String::from_utf8_lossy(&cur.content).into_owned()
    } else {
        String::new()
    };
    let mut ini = Ini::parse(&before_text)
        .map_err(|e| Failure::Failed(format!("yum_repository: {dest}: {e}")))?;
    let before = ini.dump();
    match a.state {
        State::Present => ini.add(&a.name, a.options()),
        State::Absent => ini.remove(&a.name),
    }
    let after = ini.dump();
    let changed = before != after;
    let attrs = Attrs {
        mode: a.mode.clone(),
        owner: a.owner.clone(),
        group: a.group.clone(),
    };
    let mut o = Output {
        changed,
        ..Output::default()
    };
    if changed && ini.is_empty() {
        let rm = format!("rm -f -- {}\n", quote_str(&cur.real_path));
        if let Some(out) = ctx.apply(rm.into_bytes(), Vec::new()).await? {
            if out.status.rc() != 0 {
                return Ok(Output {
                    failed: true,
                    msg: Some(format!("Cannot remove empty repo file {dest}.")),
                    ..Output::default()
                });
            }
        }
    } else if changed || is_file {
        let new = if changed {
            ini.write().into_bytes()
        } else {
            cur.content.clone()
        };
        let applied = edit::apply(
            ctx,
            Edit {
                path: &dest,
                real_path: &cur.real_path,
                state: &cur.state,
                before: &cur.content,
                after: &new,
                msg: String::new(),
                attrs: &attrs,
                backup: false,
                validate: None,
                diff_header: dest.clone(),
            },
        )
        .await?;
        o.changed = applied.changed;
    }
    let secrets = a.secrets();
    let (before, after) = (hide(&before, &secrets), hide(&after, &secrets));
    if ctx.diff && before != after {
        o.diffs.push(Diff {
            before_header: dest.clone(),
            after_header: dest.clone(),
            before: before.clone(),
            after: after.clone(),
        });
    }
    o.fields
        .insert("repo".into(), json!(hide(&a.name, &secrets)));
    o.fields.insert("state".into(), json!(a.state.word()));
    o.fields.insert(
        "diff".into(),
        json!({"before_header": dest, "before": before, "after_header": dest, "after": after}),
    );
    Ok(o)
}
