//! `pam_limits` (community.general.pam_limits): one limit in a limits.conf file. A probe
//! reads the file (or finds it missing and its directory writable); the edit is computed
//! here ([`edit`]); a change is written through the atomic writer (a second round trip),
//! with the old file backed up when `backup` asks. As Ansible's module, `backup` copies the
//! file whether or not it then changes, and the result always carries `diff` (the whole
//! text before and after) and `msg` (the limit's line). Knows nothing of playbooks.

pub mod edit;

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{choice_error, de_bool, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::framework::write::{self, Source, WriteOpts};
use crate::modules::system::common::de_text;
use crate::modules::{Ctx, Failure, Output};
use edit::{check_value, Limit};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `pam_limits` in the registry.
pub const SPEC: Spec = spec::<PamLimits>(CG, &[]);

/// The `pam_limits` module.
pub struct PamLimits;

/// Arguments of `pam_limits` (Ansible's names).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(deserialize_with = "de_text")]
    domain: String,
    #[serde(deserialize_with = "de_text")]
    limit_type: String,
    #[serde(deserialize_with = "de_text")]
    limit_item: String,
    #[serde(deserialize_with = "de_text")]
    value: String,
    #[serde(default, deserialize_with = "de_bool")]
    use_max: bool,
    #[serde(default, deserialize_with = "de_bool")]
    use_min: bool,
    #[serde(default, deserialize_with = "de_bool")]
    backup: bool,
    #[serde(default = "default_dest", deserialize_with = "de_text")]
    dest: String,
    #[serde(default, deserialize_with = "de_text")]
    comment: String,
}

/// The file Ansible's module edits unless `dest` says otherwise.
fn default_dest() -> String {
    "/etc/security/limits.conf".into()
}

/// The limit types Ansible accepts.
const TYPES: &[&str] = &["soft", "hard", "-"];

/// The limit items Ansible accepts.
const ITEMS: &[&str] = &[
    "core",
    "data",
    "fsize",
    "memlock",
    "nofile",
    "rss",
    "stack",
    "cpu",
    "nproc",
    "as",
    "maxlogins",
    "maxsyslogins",
    "priority",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "chroot",
];

impl Module for PamLimits {
    const NAME: &'static str = "pam_limits";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        for (arg, v, choices) in [
            ("limit_type", &a.limit_type, TYPES),
            ("limit_item", &a.limit_item, ITEMS),
        ] {
            if !is_template(v) && !choices.contains(&v.as_str()) {
                return Err(choice_error(arg, choices, v));
            }
        }
        if a.use_max && a.use_min {
            return Err("Cannot use use_min and use_max at the same time.".into());
        }
        if !is_template(&a.limit_item) && !is_template(&a.value) {
            check_value(&a.limit_item, &a.value, "")?;
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(pam_limits(a, ctx))
    }
}

/// The directory Ansible's module checks for a missing `dest` (`os.path.dirname`).
fn dirname(dest: &str) -> &str {
    let Some(i) = dest.rfind('/') else {
        return "";
    };
    let head = &dest[..=i];
    match head.trim_end_matches('/') {
        "" => head,
        trimmed => trimmed,
    }
}

/// The probe: the file's bytes (`content`), or `unwritable`, or for a missing file
/// `absent` when its directory is writable, else `nodir`.
fn probe(dest: &str) -> String {
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}p={}
d={}
if [ -f "$p" ]; then
  [ -w "$p" ] || {{ m unwritable; exit 0; }}
  printf '@@rsible content:x '; od -An -v -tx1 < "$p" | tr -d ' \n'; printf '\n'
elif [ -n "$d" ] && [ -d "$d" ] && [ -w "$d" ]; then m absent
else m nodir
fi
"#,
        quote_str(dest),
        quote_str(dirname(dest)),
    )
}

/// `pam_limits`: the probe, the edit, and the write or backup it calls for.
async fn pam_limits(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(probe(&a.dest).into_bytes(), Vec::new()).await?;
    let r = Report::parse("pam_limits", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    let fail = |mut o: Output, msg: String| {
        o.failed = true;
        o.msg = Some(msg);
        Ok(o)
    };
    if r.has("unwritable") {
        return fail(o, format!("{} is not writable. Use sudo", a.dest));
    }
    if r.has("nodir") {
        return fail(
            o,
            format!(
                "directory {} is not writable (check presence, access rights, use sudo)",
                dirname(&a.dest)
            ),
        );
    }
    let before = match (r.get("content"), r.has("absent")) {
        (Some(text), _) => Some(text),
        (None, true) => None,
        (None, false) => {
            return Err(Failure::Failed(format!(
                "pam_limits: the remote program failed (exit code {}): {}",
                out.status.rc(),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    };
    let limit = Limit {
        domain: &a.domain,
        limit_type: &a.limit_type,
        limit_item: &a.limit_item,
        value: &a.value,
        use_max: a.use_max,
        use_min: a.use_min,
        comment: &a.comment,
    };
    let edited = match edit::edit(before, &limit, &a.dest) {
        Ok(e) => e,
        Err(msg) => return fail(o, msg),
    };
    let opts = WriteOpts {
        backup: a.backup,
        ..WriteOpts::default()
    };
    let backup_file = if edited.changed {
        write::write_from(
            ctx,
            &a.dest,
            Source::Bytes(edited.text.as_bytes()),
            &opts,
            b"",
        )
        .await?
        .map(|w| w.backup_file)
    } else if a.backup {
        match ctx.apply(write::backup_script(&a.dest), Vec::new()).await? {
            Some(out) => Some(write::backup_of(&Report::parse(
                "pam_limits",
                &String::from_utf8_lossy(&out.stdout),
            )?)),
            None => None,
        }
    } else {
        None
    };
    if a.backup {
        if let Some(b) = backup_file {
            o.fields
                .insert("backup_file".into(), json!(b.unwrap_or_default()));
        }
    }
    let before = before.unwrap_or("");
    o.changed = edited.changed;
    o.msg = Some(edited.line);
    o.fields.insert(
        "diff".into(),
        json!({"before": before, "after": edited.text}),
    );
    if ctx.diff {
        o.diffs.push(Diff {
            before_header: String::new(),
            after_header: String::new(),
            before: before.to_string(),
            after: edited.text,
        });
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        let ok = json!({"domain": "*", "limit_type": "-", "limit_item": "nofile", "value": 1024});
        assert_eq!(check::<PamLimits>(ok), Ok(true));
        assert_eq!(
            check::<PamLimits>(json!({"domain": "@a", "limit_type": "hard",
                "limit_item": "nice", "value": "-5", "use_min": "yes", "backup": true,
                "dest": "/tmp/l.conf", "comment": "c"})),
            Ok(true)
        );
        assert_eq!(
            check::<PamLimits>(json!({"domain": "*", "limit_type": "soft",
                "limit_item": "{{ i }}", "value": "{{ v }}"})),
            Ok(true)
        );
        for bad in [
            json!({"domain": "*", "limit_type": "medium", "limit_item": "nofile", "value": 1}),
            json!({"domain": "*", "limit_type": "soft", "limit_item": "files", "value": 1}),
            json!({"domain": "*", "limit_type": "soft", "limit_item": "nofile", "value": "x"}),
            json!({"domain": "*", "limit_type": "soft", "limit_item": "nofile", "value": 1,
                "use_max": true, "use_min": true}),
            json!({"domain": "*", "limit_type": "soft", "limit_item": "nofile", "value": 1,
                "create": true}),
            json!({"limit_type": "soft", "limit_item": "nofile", "value": 1}),
        ] {
            assert!(check::<PamLimits>(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_directory_is_pythons_dirname() {
        assert_eq!(dirname("/etc/security/limits.conf"), "/etc/security");
        assert_eq!(dirname("/limits.conf"), "/");
        assert_eq!(dirname("limits.conf"), "");
    }

    #[test]
    fn the_probe_quotes_and_reads_only() {
        let p = probe("/tmp/a b/limits.conf");
        assert!(
            p.contains("p='/tmp/a b/limits.conf'\nd='/tmp/a b'\n"),
            "{p}"
        );
        assert!(!p.contains("mv ") && !p.contains("cp "), "{p}");
    }
}
