//! `rpm_key`: a GPG key in the rpm database, as Ansible's module manages it with `rpm` and
//! `gpg` (or `gpg2`) on the target. `key` is a URL (downloaded by the target with curl or
//! wget; `validate_certs: false` skips the certificate check), a key id (8 hex digits at
//! the start, optionally after `0x`) or a key file on the target. The key id is read with
//! gpg and looked for in the `gpg-pubkey` packages' descriptions; `present` imports the file
//! (`rpm --import`) when no key has that id, after checking `fingerprint`; `absent` erases
//! `gpg-pubkey-<last 8 digits>`. One gated program: the probe decides, the apply runs
//! rpm. The result is `changed` only, as Ansible's. Knows nothing of playbooks.

use super::common::{Report, MARK_FN};
use crate::connection::quote::quote_str;
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string, is_template, yes};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;

/// `rpm_key` in the registry.
pub const SPEC: Spec = spec::<RpmKey>(B, &[]);

/// The `rpm_key` module.
pub struct RpmKey;

/// Arguments of `rpm_key`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(deserialize_with = "de_opt_string")]
    key: Option<String>,
    #[serde(default)]
    state: State,
    #[serde(default, deserialize_with = "de_opt_list")]
    fingerprint: Option<Vec<String>>,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    validate_certs: bool,
}

/// Whether the key should be in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    #[default]
    Present,
    Absent,
}

/// What `key` names, in the order Ansible's module tries.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    /// A URL (`://` in it).
    Url,
    /// A key id, already normalized (upper case, no `0X`).
    Id(String),
    /// A path on the target.
    File,
}

impl Source {
    fn of(key: &str) -> Source {
        if key.contains("://") {
            return Source::Url;
        }
        let hex = key
            .strip_prefix("0x")
            .or_else(|| key.strip_prefix("0X"))
            .unwrap_or(key);
        if hex.len() >= 8 && hex.as_bytes()[..8].iter().all(u8::is_ascii_hexdigit) {
            return Source::Id(normalize(key));
        }
        Source::File
    }
}

/// Ansible's key id normalization: trimmed, upper case, without a leading `0X`.
fn normalize(id: &str) -> String {
    let up = id.trim().to_uppercase();
    up.strip_prefix("0X").map(str::to_string).unwrap_or(up)
}

impl Module for RpmKey {
    const NAME: &'static str = "rpm_key";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match a.key.as_deref() {
            None => Err("missing required arguments: key".into()),
            Some(k) if !is_template(k) && k.is_empty() => Err("key must not be empty".into()),
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(run(a, ctx))
    }
}

/// sh that runs a command, stopping with its stderr as the failure (Ansible's
/// `execute_command`); the output is left in `$o`.
const RUN_FN: &str =
    "run() { o=$(\"$@\" 2>\"$td/err\") || { m fail \"$(cat \"$td/err\")\"; exit 0; }; }\n";

/// The probe: finds rpm and gpg, gets the key file and its id, and sets the gate when the
/// key is to be imported or erased (`m change`). Leaves `$kf` and `$id` for the apply.
fn probe(a: &Args, key: &str) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}k={}\n\
         rpm=$(command -v rpm) || {{ m fail \"Failed to find required executable \\\"rpm\\\" in paths: $PATH\"; exit 0; }}\n\
         g=$(command -v gpg || command -v gpg2) || {{ m fail \"Failed to find required executable \\\"gpg2\\\" in paths: $PATH\"; exit 0; }}\n\
         td=$(mktemp -d) || exit 1; trap 'rm -rf \"$td\"' EXIT\n{RUN_FN}kf=''; id=''\n",
        quote_str(key)
    );
    let key_id = "run \"$g\" --no-tty --batch --with-colons --fixed-list-mode \"$kf\"\n\
         id=$(printf '%s\\n' \"$o\" | awk -F: '/^pub:/ { print $5; exit }')\n\
         [ -n \"$id\" ] || { m fail 'Unexpected gpg output'; exit 0; }\n\
         id=$(printf '%s' \"$id\" | tr a-z A-Z); id=${id#0X}\n";
    match Source::of(key) {
        Source::Url => {
            let (curl, wget) = if a.validate_certs {
                ("", "")
            } else {
                ("-k ", "--no-check-certificate ")
            };
            s.push_str(&format!(
                "kf=\"$td/key\"\n\
                 if command -v curl >/dev/null 2>&1; then curl -fsSL {curl}-o \"$kf\" \"$k\" 2>\"$td/err\"; \
                 elif command -v wget >/dev/null 2>&1; then wget -q {wget}-O \"$kf\" \"$k\" 2>\"$td/err\"; \
                 else echo 'neither curl nor wget on the target' > \"$td/err\"; false; fi \
                 || {{ m fail \"failed to fetch key at $k , error was: $(cat \"$td/err\")\"; exit 0; }}\n\
                 grep -q -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' \"$kf\" && \
                 grep -q -- '-----END PGP PUBLIC KEY BLOCK-----' \"$kf\" \
                 || {{ m fail \"Not a public key: $k\"; exit 0; }}\n{key_id}"
            ));
        }
        Source::Id(id) => s.push_str(&format!("id={}\n", quote_str(&id))),
        Source::File => s.push_str(&format!(
            "[ -f \"$k\" ] || {{ m fail \"Not a valid key $k\"; exit 0; }}\nkf=$k\n{key_id}"
        )),
    }
    s.push_str(
        "imp=''\nif \"$rpm\" -q gpg-pubkey >/dev/null 2>&1; then\n  \
         o=$(\"$rpm\" -q gpg-pubkey --qf '%{description}' | \"$g\" --no-tty --batch --with-colons --fixed-list-mode - 2>\"$td/err\") \
         || { m fail \"$(cat \"$td/err\")\"; exit 0; }\n  \
         printf '%s\\n' \"$o\" | awk -F: -v id=\"$id\" 'index($5, id) { f = 1 } END { exit !f }' && imp=1\nfi\n",
    );
    match a.state {
        State::Absent => s.push_str("if [ -n \"$imp\" ]; then m change; rsible_change=1; fi\n"),
        State::Present => {
            s.push_str(
                "if [ -z \"$imp\" ]; then\n  \
                 [ -n \"$kf\" ] || { m fail 'When importing a key, a valid file must be given'; exit 0; }\n",
            );
            if let Some(fps) = a.fingerprint.as_ref().filter(|f| !f.is_empty()) {
                let mut want: Vec<String> = fps
                    .iter()
                    .map(|f| f.replace(' ', "").to_uppercase())
                    .collect();
                want.sort();
                want.dedup();
                s.push_str(&format!(
                    "  run \"$g\" --no-tty --batch --with-colons --fixed-list-mode --import --import-options show-only --dry-run \"$kf\"\n  \
                     have=$(printf '%s\\n' \"$o\" | awk -F: '/^fpr:/ {{ print $10 }}')\n  \
                     [ -n \"$have\" ] || {{ m fail 'Unexpected gpg output'; exit 0; }}\n  \
                     for f in {}; do\n    \
                     printf '%s\\n' \"$have\" | grep -qxF -- \"$f\" || {{ \
                     m fail \"The specified fingerprint, '{}', does not match any key fingerprints in '{{$(printf '%s\\n' \"$have\" | sed \"s/.*/'&'/\" | paste -sd, - | sed 's/,/, /g')}}'\"; exit 0; }}\n  \
                     done\n",
                    want.iter().map(|f| quote_str(f)).collect::<Vec<_>>().join(" "),
                    py_set(&want),
                ));
            }
            s.push_str("  m change; rsible_change=1\nfi\n");
        }
    }
    s
}

/// A set of strings as Python prints it (`{'A', 'B'}`), for Ansible's fingerprint message.
fn py_set(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// The apply: `rpm --import` or `rpm --erase`.
fn apply(state: State) -> &'static str {
    match state {
        State::Present => "run \"$rpm\" --import \"$kf\"\n",
        State::Absent => {
            "l=$(printf '%s' \"$id\" | tr A-Z a-z); l=$(printf '%s' \"$l\" | tail -c 8)\n\
             run \"$rpm\" --erase --allmatches \"gpg-pubkey-$l\"\n"
        }
    }
}

/// `rpm_key`: one gated program (see the file header).
async fn run(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let key = a.key.clone().unwrap_or_default();
    let out = ctx
        .gated(
            probe(&a, &key).as_bytes(),
            apply(a.state).as_bytes(),
            Vec::new(),
        )
        .await?;
    let r = Report::parse(RpmKey::NAME, &String::from_utf8_lossy(&out.stdout))?;
    if let Some(msg) = r.get("fail") {
        return Ok(Output {
            failed: true,
            msg: Some(msg.to_string()),
            ..Output::default()
        });
    }
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "rpm_key: the remote program failed (exit code {}): {}",
            out.status.rc(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(Output {
        changed: r.has("change"),
        ..Output::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::sh_check;
    use crate::modules::framework::spec::check;
    use serde_json::json;

    #[test]
    fn arguments() {
        assert_eq!(check::<RpmKey>(json!({"key": "/k.asc"})), Ok(true));
        let full = json!({"key": "https://x/k", "state": "absent", "fingerprint": "AB CD",
            "validate_certs": false});
        assert_eq!(check::<RpmKey>(full), Ok(true));
        assert!(check::<RpmKey>(json!({})).is_err());
        assert!(check::<RpmKey>(json!({"key": "k", "state": "latest"})).is_err());
    }

    #[test]
    fn keys_are_told_apart_as_ansible_does() {
        assert_eq!(Source::of("https://x/KEY-0123abcd"), Source::Url);
        assert_eq!(Source::of("0xdeadbeef"), Source::Id("DEADBEEF".into()));
        assert_eq!(Source::of("DEADBEEF00"), Source::Id("DEADBEEF00".into()));
        // Eight hex digits at the start make a key id, as Ansible's re.match does.
        assert_eq!(
            Source::of("deadbeef-key.asc"),
            Source::Id("DEADBEEF-KEY.ASC".into())
        );
        assert_eq!(Source::of("/etc/pki/key.asc"), Source::File);
        assert_eq!(py_set(&["A".into(), "B".into()]), "{'A', 'B'}");
    }

    #[test]
    fn the_programs_are_sh() {
        for state in [State::Present, State::Absent] {
            let a = Args {
                key: Some("https://x/k".into()),
                state,
                fingerprint: Some(vec!["ab cd".into()]),
                validate_certs: false,
            };
            let p = probe(&a, "https://x/k");
            assert!(p.contains("curl -fsSL -k "), "{p}");
            sh_check::assert_parses(&sh_check::gated(&p, apply(state)));
        }
        let a = Args {
            key: Some("/k".into()),
            state: State::Present,
            fingerprint: None,
            validate_certs: true,
        };
        assert!(probe(&a, "/k").contains("[ -f \"$k\" ] || { m fail \"Not a valid key $k\""));
    }
}
