//! `cron`: manage named jobs (`#Ansible: NAME` marker lines, compatible with files Ansible
//! wrote) and environment lines in a user's crontab or in an `/etc/cron.d` file. A probe
//! reads the crontab (`crontab -u USER -l`) or the file; [`table::Table`] edits it on the
//! controller as Ansible does; an apply installs it (`crontab -u USER -` from stdin, or the
//! cron.d file through the atomic writer). Round trips: one when nothing changes (or in
//! check mode), two otherwise. Knows nothing of playbooks; arguments arrive templated.

pub mod table;

use crate::connection::quote::quote;
use crate::event::Diff;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::system::common::{self, choices, State};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map};
use table::Table;

/// `cron` in the registry.
pub const SPEC: Spec = spec::<Cron>(B, &[]);

/// The `cron` module.
pub struct Cron;

/// Arguments of `cron` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    user: Option<String>,
    #[serde(default, alias = "value", deserialize_with = "de_opt_string")]
    job: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    cron_file: Option<String>,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_bool")]
    backup: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    minute: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    hour: Option<String>,
    #[serde(default, alias = "dom", deserialize_with = "de_opt_string")]
    day: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    month: Option<String>,
    #[serde(default, alias = "dow", deserialize_with = "de_opt_string")]
    weekday: Option<String>,
    #[serde(default)]
    special_time: Option<Special>,
    #[serde(default, deserialize_with = "de_bool")]
    disabled: bool,
    #[serde(default, deserialize_with = "de_bool")]
    env: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    insertafter: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    insertbefore: Option<String>,
}

choices! {
    /// The special times cron knows (`@reboot`, ...).
    pub enum Special("special_time") {
        /// `@annually`.
        Annually = "annually",
        /// `@daily`.
        Daily = "daily",
        /// `@hourly`.
        Hourly = "hourly",
        /// `@monthly`.
        Monthly = "monthly",
        /// `@reboot`.
        Reboot = "reboot",
        /// `@weekly`.
        Weekly = "weekly",
        /// `@yearly`.
        Yearly = "yearly",
    }
}

impl Module for Cron {
    const NAME: &'static str = "cron";
    type Args = Args;

    /// Ansible's rules between the arguments; values only known when the task runs are
    /// checked then.
    fn validate(a: &Args) -> Result<(), String> {
        let present = a.state == State::Present;
        if a.name.is_none() && (present || a.cron_file.is_none()) {
            return Err("name is required".into());
        }
        if a.special_time.is_some() {
            let fields = [&a.minute, &a.hour, &a.day, &a.month, &a.weekday];
            if fields
                .into_iter()
                .any(|f| known(f).is_some_and(|v| v != "*"))
            {
                return Err("You must specify time and date fields or special time.".into());
            }
        }
        if a.cron_file.is_some() && present && a.user.is_none() {
            return Err("To use cron_file=... parameter you must specify user=... as well".into());
        }
        if a.job.is_none() && present {
            return Err("You must specify 'job' to install a new cron job or variable".into());
        }
        if (a.insertafter.is_some() || a.insertbefore.is_some()) && !a.env && present {
            return Err(
                "Insertafter and insertbefore parameters are valid only with env=yes".into(),
            );
        }
        if a.insertafter.is_some() && a.insertbefore.is_some() {
            return Err("parameters are mutually exclusive: insertafter|insertbefore".into());
        }
        if a.env && known(&a.name).is_some_and(|n| n.contains(' ')) {
            return Err("Invalid name for environment variable".into());
        }
        if known(&a.job).is_some_and(|j| j.trim_matches(['\r', '\n']).contains('\n')) {
            return Err("job must be one line".into());
        }
        if known(&a.cron_file).is_some() {
            place(a)?;
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(cron(a, ctx))
    }
}

/// The value of an argument when it is known at load (given and not a template).
fn known(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !is_template(v))
}

/// Where the crontab lives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// A user's crontab (`None`: the user the task runs as).
    User(Option<String>),
    /// A file in /etc/cron.d (or an absolute path).
    File(String),
}

/// The job line Ansible's `get_cron_job` builds.
fn job_line(a: &Args, file_user: Option<&str>) -> String {
    let job = a.job.as_deref().unwrap_or("").trim_matches(['\r', '\n']);
    let prefix = if a.disabled { "#" } else { "" };
    let user = file_user.map(|u| format!("{u} ")).unwrap_or_default();
    match a.special_time {
        Some(s) => format!("{prefix}@{} {user}{job}", s.as_str()),
        None => {
            let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".into());
            format!(
                "{prefix}{} {} {} {} {} {user}{job}",
                f(&a.minute),
                f(&a.hour),
                f(&a.day),
                f(&a.month),
                f(&a.weekday)
            )
        }
    }
}

/// Where the crontab of `a` lives.
fn place(a: &Args) -> Result<Place, String> {
    Ok(match &a.cron_file {
        Some(f) if f.starts_with('/') => Place::File(f.clone()),
        Some(f) if !f.is_empty() && !f.contains('/') => Place::File(format!("/etc/cron.d/{f}")),
        Some(f) => {
            return Err(format!(
                "cron_file must be a file name or an absolute path, got '{f}'"
            ))
        }
        None => Place::User(a.user.clone()),
    })
}

/// Edits `t` as the arguments ask; returns whether it changed and whether the whole
/// cron_file goes (state=absent without a name).
fn edit(
    a: &Args,
    present: bool,
    file_user: Option<&str>,
    t: &mut Table,
) -> Result<(bool, bool), String> {
    let Some(name) = a.name.as_deref() else {
        // cron_file with state=absent and no name: the whole file goes.
        return Ok((true, true));
    };
    let mut changed = false;
    if a.env {
        let decl = format!("{name}={}", a.job.as_deref().unwrap_or(""));
        match (present, t.find_env(name)) {
            (true, None) => {
                t.add_env(&decl, a.insertafter.as_deref(), a.insertbefore.as_deref())?;
                changed = true;
            }
            (true, Some((_, old))) if old != decl => {
                t.update_env(name, Some(&decl));
                changed = true;
            }
            (false, Some(_)) => {
                t.update_env(name, None);
                changed = true;
            }
            _ => {}
        }
        return Ok((changed, false));
    }
    let job = job_line(a, file_user);
    let found = t.find_job(name, a.job.as_ref().map(|_| job.as_str()));
    if present {
        match found {
            None => {
                t.add_job(name, &job);
                changed = true;
            }
            Some(f) if f.job != job || f.marker_added => {
                t.update_job(name, Some(&job));
                changed = true;
            }
            Some(_) => {}
        }
        Ok((changed, false))
    } else if found.is_some() {
        t.update_job(name, None);
        Ok((true, false))
    } else {
        Ok((false, false))
    }
}

/// The sh program that reports the current crontab (`content`, as [`common::content`] reads
/// it; none when there is none).
fn read_script(place: &Place) -> Vec<u8> {
    let mut s = Vec::new();
    match place {
        Place::User(u) => {
            s.extend_from_slice(
                b"command -v crontab >/dev/null 2>&1 || { echo 'crontab is not installed' >&2; exit 3; }\n",
            );
            s.extend_from_slice(b"o=$(crontab ");
            if let Some(u) = u {
                s.extend_from_slice(b"-u ");
                s.extend(quote(u.as_bytes()));
            }
            s.extend_from_slice(
                b" -l 2>/dev/null); rc=$?\n[ $rc -le 1 ] || { echo 'Unable to read crontab' >&2; exit 4; }\n\
                  [ $rc -eq 0 ] || o=\n[ -z \"$o\" ] || mx content \"$o\n.\"\n",
            );
        }
        Place::File(f) => {
            s.extend_from_slice(b"f=");
            s.extend(quote(f.as_bytes()));
            s.extend_from_slice(b"\ncontent \"$f\"\n");
        }
    }
    s
}

/// The apply program that installs `content` (`crontab -u USER -`, or the cron.d file
/// through the atomic writer) or removes the file, with its stdin.
fn write_script(
    place: &Place,
    content: &str,
    backup: bool,
    remove_file: bool,
) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let mut s = Vec::new();
    let user_opt = |s: &mut Vec<u8>, u: &Option<String>| {
        if let Some(u) = u {
            s.extend_from_slice(b"-u ");
            s.extend(quote(u.as_bytes()));
            s.push(b' ');
        }
    };
    if backup {
        // Ansible's backup: a copy in a temp file, whose path the result gives.
        s.extend_from_slice(b"b=$(mktemp /tmp/crontabXXXXXXXX) || exit 4\n");
        match place {
            Place::User(u) => {
                s.extend_from_slice(b"crontab ");
                user_opt(&mut s, u);
                s.extend_from_slice(b"-l >\"$b\" 2>/dev/null\n");
            }
            Place::File(f) => {
                s.extend_from_slice(b"[ ! -f ");
                s.extend(quote(f.as_bytes()));
                s.extend_from_slice(b" ] || cat -- ");
                s.extend(quote(f.as_bytes()));
                s.extend_from_slice(b" >\"$b\" || exit 4\n");
            }
        }
        s.extend_from_slice(b"m backup \"$b\"\n");
    }
    let stdin = match place {
        Place::User(u) => {
            s.extend_from_slice(b"crontab ");
            user_opt(&mut s, u);
            s.extend_from_slice(b"- || exit 6\n");
            content.as_bytes().to_vec()
        }
        Place::File(f) if remove_file => {
            s.extend_from_slice(b"rm -f -- ");
            s.extend(quote(f.as_bytes()));
            s.push(b'\n');
            Vec::new()
        }
        Place::File(f) => {
            let (w, stdin) = write::inline(f, content.as_bytes(), &WriteOpts::default())
                .map_err(Failure::Failed)?;
            s.extend(w);
            s.extend_from_slice(b" || exit 5\n");
            stdin
        }
    };
    Ok((s, stdin))
}

/// `cron`: a probe, then an apply when the crontab changes (see the file header).
async fn cron(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let present = args.state == State::Present;
    let place = place(&args).map_err(|e| Failure::BadArgs(format!("cron: {e}")))?;
    let found = common::probe(ctx, "cron", read_script(&place), "reading the crontab").await?;
    let text = common::content(&found).unwrap_or("");
    let mut t = Table::read(text);
    let before = t.render();
    let file_user = match place {
        Place::File(_) => args.user.as_deref(),
        Place::User(_) => None,
    };
    let (mut changed, mut remove_file) =
        edit(&args, present, file_user, &mut t).map_err(Failure::Failed)?;
    // A cron.d file left without lines goes, as Ansible removes it.
    if matches!(place, Place::File(_)) && !present && changed && t.is_empty() {
        remove_file = true;
    }
    let exists = !text.trim().is_empty();
    if remove_file && args.name.is_none() {
        changed = exists;
    }
    let after = if remove_file {
        String::new()
    } else {
        t.render()
    };
    let mut fields = Map::new();
    if changed {
        let (s, stdin) = write_script(&place, &after, args.backup, remove_file)?;
        let done = common::apply(ctx, "cron", s, stdin, "installing the crontab").await?;
        if let Some(b) = done.as_ref().and_then(|r| r.get("backup")) {
            fields.insert("backup_file".into(), json!(b));
        }
    }
    fields.insert("jobs".into(), json!(t.job_names()));
    fields.insert("envs".into(), json!(t.env_names()));
    if let Place::File(f) = &place {
        fields.insert("cron_file".into(), json!(f));
    }
    let mut diffs = Vec::new();
    if ctx.diff && changed {
        let header = match &place {
            Place::File(f) => f.clone(),
            Place::User(u) => format!("crontab of {}", u.as_deref().unwrap_or("the remote user")),
        };
        diffs.push(Diff {
            before_header: header.clone(),
            after_header: if remove_file {
                "/dev/null".into()
            } else {
                header
            },
            before,
            after,
        });
    }
    Ok(Output {
        changed,
        fields,
        diffs,
        ..Output::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;
    use serde_json::Value;

    fn args(v: Value) -> Args {
        args::parse("cron", v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn job_lines_are_ansibles() {
        let a = args(serde_json::json!({"name": "x", "job": "true\n", "minute": 5, "hour": "2"}));
        assert_eq!(job_line(&a, None), "5 2 * * * true");
        assert_eq!(job_line(&a, Some("root")), "5 2 * * * root true");
        let a = args(
            serde_json::json!({"name": "x", "job": "t", "special_time": "reboot", "disabled": true}),
        );
        assert_eq!(job_line(&a, None), "#@reboot t");
    }

    #[test]
    fn bad_arguments_are_refused() {
        for v in [
            serde_json::json!({"job": "t"}),
            serde_json::json!({"name": "x"}),
            serde_json::json!({"name": "x", "job": "t", "special_time": "daily", "hour": "1"}),
            serde_json::json!({"name": "x", "job": "t", "cron_file": "f"}),
            serde_json::json!({"name": "x", "job": "t", "insertafter": "A"}),
            serde_json::json!({"name": "x", "job": "t", "special_time": "often"}),
            serde_json::json!({"name": "x", "job": "t", "cron_file": "a/b", "user": "root"}),
            serde_json::json!({"name": "x", "job": "t", "disabled": "maybe"}),
            serde_json::json!({"name": "x", "job": "t", "minutes": "1"}),
        ] {
            assert!(check::<Cron>(v.clone()).is_err(), "{v}");
        }
        for v in [
            serde_json::json!({"name": "x", "value": "t", "dom": "1", "dow": "2"}),
            serde_json::json!({"name": "x", "job": "t", "special_time": "daily", "hour": "{{ h }}"}),
            serde_json::json!({"name": "x", "job": "{{ j }}", "cron_file": "{{ f }}", "user": "u"}),
            serde_json::json!({"cron_file": "f", "state": "absent"}),
        ] {
            assert_eq!(check::<Cron>(v.clone()), Ok(true), "{v}");
        }
    }

    /// The report of the read program for `place`, run here with `crontab` stubbed to print
    /// `table` (and exit 1, "no crontab", when it is empty).
    fn read(place: &Place, table: &str) -> common::Report {
        let dir = tempfile::tempdir().unwrap();
        let stub = dir.path().join("crontab");
        std::fs::write(
            &stub,
            format!("#!/bin/sh\n[ -n '{table}' ] || exit 1\nprintf '%s' '{table}'\n"),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}",
            dir.path().display(),
            std::env::var("PATH").unwrap()
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(String::from_utf8(common::program(read_script(place))).unwrap())
            .env("PATH", path)
            .output()
            .expect("sh");
        assert!(out.status.success(), "{out:?}");
        common::Report::parse("cron", &String::from_utf8_lossy(&out.stdout)).unwrap()
    }

    #[test]
    fn the_crontab_is_reported_with_one_final_newline_and_a_file_exactly() {
        let user = Place::User(Some("bob".into()));
        let r = read(&user, "#Ansible: a\n* * * * * x\n\n");
        assert_eq!(common::content(&r), Some("#Ansible: a\n* * * * * x\n"));
        assert_eq!(common::content(&read(&user, "")), None);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("job");
        let file = Place::File(f.display().to_string());
        assert_eq!(common::content(&read(&file, "")), None);
        std::fs::write(&f, "A=1\n\n").unwrap();
        assert_eq!(common::content(&read(&file, "")), Some("A=1\n\n"));
    }

    #[test]
    fn present_twice_changes_once_and_absent_removes() {
        let a = args(serde_json::json!({"name": "x", "job": "true", "minute": "*/5"}));
        let mut t = Table::default();
        assert_eq!(edit(&a, true, None, &mut t).unwrap(), (true, false));
        assert_eq!(edit(&a, true, None, &mut t).unwrap(), (false, false));
        assert_eq!(t.render(), "#Ansible: x\n*/5 * * * * true\n");
        let gone = args(serde_json::json!({"name": "x", "state": "absent"}));
        assert_eq!(
            edit(&gone, false, Some("root"), &mut t).unwrap(),
            (true, false)
        );
        assert!(t.is_empty());
    }

    #[test]
    fn env_lines_are_name_equals_value() {
        let a = args(serde_json::json!({"name": "PATH", "job": "/opt/bin", "env": true}));
        let mut t = Table::read("#Ansible: x\n* * * * * true\n");
        assert_eq!(edit(&a, true, None, &mut t).unwrap(), (true, false));
        assert_eq!(t.lines[0], "PATH=/opt/bin");
        assert_eq!(edit(&a, true, None, &mut t).unwrap(), (false, false));
    }
}
