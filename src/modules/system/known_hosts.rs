//! `known_hosts` (ansible.builtin): one host's key line in an ssh `known_hosts` file. Round
//! trips: a probe asks the target's `ssh-keygen -F` whether the key names the host and
//! where the file holds it, and reads the file; an apply only when something changes (the
//! new file through the atomic writer, or `ssh-keygen -R` to remove every key of the host);
//! in check mode the apply is not sent. The decisions are Ansible's: a key of the same type
//! is replaced in place of the old line's, a hashed entry matches a hashed key whatever its
//! salt, the result repeats the arguments and always carries the file's diff. `hash_host`
//! hashes the name on the controller (HMAC-SHA1 with a random salt, as ssh does).
//! Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::framework::args::{de_bool, is_template};
use crate::modules::framework::probe::{self, PathState};
use crate::modules::framework::report::{Report, MARK, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// `known_hosts` in the registry.
pub const SPEC: Spec = spec::<KnownHosts>(B, &[]);

/// The `known_hosts` module.
pub struct KnownHosts;

/// Arguments of `known_hosts` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "host")]
    name: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    hash_host: bool,
    #[serde(default)]
    state: Option<State>,
}

/// Ansible's `state` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// The key (or every key of the host) removed.
    Absent,
    /// The key added (the default).
    Present,
}

/// Ansible's default `path`.
const DEFAULT_PATH: &str = "~/.ssh/known_hosts";

impl Module for KnownHosts {
    const NAME: &'static str = "known_hosts";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        let key = a.key.as_deref().filter(|k| !k.is_empty());
        if key.is_none() && a.state != Some(State::Absent) {
            return Err("No key specified when adding a host".into());
        }
        let path = a.path.as_deref().unwrap_or(DEFAULT_PATH);
        if !is_template(path)
            && ((path.starts_with('~') && path != "~" && !path.starts_with("~/"))
                || path.contains('$'))
        {
            return Err(format!(
                "path {path:?}: ~user and $VARIABLES (expanded on the target by Ansible) are \
                 not supported by rsible; ~ and ~/ are"
            ));
        }
        if let Some(k) = key.filter(|k| !is_template(k)) {
            if comma_list(&a.name) {
                return Err(
                    "Comma separated list of names is not supported. Please pass a \
                     single name to lookup in the known_hosts file."
                        .into(),
                );
            }
            if Entry::parse(k).is_none() {
                return Err(format!(
                    "key {k:?} is not a known_hosts line: [@marker] host keytype key"
                ));
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(known_hosts(a, ctx))
    }
}

/// Ansible's test for a comma-separated list of names (a comma after some text).
fn comma_list(name: &str) -> bool {
    name.find(',')
        .is_some_and(|at| name[..at].trim_end().chars().any(|c| !c.is_whitespace()))
}

/// A known_hosts line's fields as Ansible compares them (a trailing comment dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    marker: Option<String>,
    host: String,
    kind: String,
    key: String,
}

impl Entry {
    fn parse(line: &str) -> Option<Entry> {
        let mut f = line.split_whitespace();
        let first = f.next()?;
        let (marker, host) = if first.starts_with('@') {
            (Some(first.to_string()), f.next()?.to_string())
        } else {
            (None, first.to_string())
        };
        Some(Entry {
            marker,
            host,
            kind: f.next()?.to_string(),
            key: f.next()?.to_string(),
        })
    }
}

/// `key` with its host field replaced by the hashed `host` (`|1|salt|hmac`), fields joined
/// by single spaces, as Ansible's `hash_host` writes it.
fn hashed(host: &str, key: &str, salt: &[u8; 20]) -> String {
    use base64::Engine;
    use hmac::{Hmac, KeyInit, Mac};
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut parts: Vec<String> = key.split_whitespace().map(str::to_string).collect();
    let at = usize::from(parts.first().is_some_and(|p| p.starts_with('@')));
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(salt)
        .expect("HMAC takes a key of any length");
    mac.update(host.as_bytes());
    if let Some(p) = parts.get_mut(at) {
        *p = format!("|1|{}|{}", b64(salt), b64(&mac.finalize().into_bytes()));
    }
    parts.join(" ")
}

/// 20 random bytes for a hash's salt.
fn salt() -> Result<[u8; 20], Failure> {
    let mut b = [0u8; 20];
    crate::random::fill(&mut b)
        .map_err(|e| Failure::Failed(format!("known_hosts: cannot read /dev/urandom: {e}")))?;
    Ok(b)
}

/// What `ssh-keygen -F HOST -f PATH` answered, read as Ansible reads it: whether the host
/// is there, whether the key must be written, and the line of the key it replaces.
#[derive(Debug, PartialEq, Eq)]
struct Search {
    found: bool,
    replace_or_add: bool,
    found_line: Option<usize>,
}

/// Ansible's reading of ssh-keygen's answer for `key` (`None`: no key given); `Err` with
/// Ansible's message when ssh-keygen failed.
fn search(rc: i32, stdout: &str, stderr: &str, key: Option<&str>) -> Result<Search, String> {
    let none = Search {
        found: false,
        replace_or_add: false,
        found_line: None,
    };
    if stdout.is_empty() && stderr.is_empty() && (rc == 0 || rc == 1) {
        return Ok(none);
    }
    if rc != 0 {
        return Err(format!(
            "ssh-keygen failed (rc={rc}, stdout='{stdout}',stderr='{stderr}')"
        ));
    }
    let Some(mut want) = key.and_then(Entry::parse) else {
        return Ok(Search {
            found: true,
            ..none
        });
    };
    let mut found_line = None;
    for l in stdout.split('\n').filter(|l| !l.is_empty()) {
        if l.starts_with('#') {
            let n = l
                .split_once("found: line ")
                .and_then(|(_, r)| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|d| d.parse().ok());
            match n {
                Some(n) => found_line = Some(n),
                None => {
                    return Err(format!(
                        "failed to parse output of ssh-keygen for line number: '{l}'"
                    ))
                }
            }
            continue;
        }
        let Some(got) = Entry::parse(l) else {
            continue;
        };
        let marked = got
            .marker
            .as_deref()
            .is_some_and(|m| m.starts_with("@cert-authority") || m.starts_with("@revoke"));
        if marked {
            if want == got {
                return Ok(Search {
                    found: true,
                    replace_or_add: false,
                    found_line,
                });
            }
            continue;
        }
        if want.host.starts_with("|1|") && got.host.starts_with("|1|") {
            want.host.clone_from(&got.host);
        }
        if want == got {
            return Ok(Search {
                found: true,
                replace_or_add: false,
                found_line,
            });
        }
        if want.kind == got.kind {
            return Ok(Search {
                found: true,
                replace_or_add: true,
                found_line,
            });
        }
    }
    Ok(Search {
        found: true,
        replace_or_add: true,
        found_line: None,
    })
}

/// The file after the change (the diff's `after`, and what is written when something
/// changes): the found line dropped when it is replaced or removed, the key appended when
/// present and not already there.
fn new_content(before: &str, s: &Search, present: bool, key: Option<&str>) -> String {
    let mut out = String::new();
    for (i, l) in before.split_inclusive('\n').enumerate() {
        if s.found_line == Some(i + 1) && (s.replace_or_add || !present) {
            continue;
        }
        out.push_str(l);
    }
    if present && (s.replace_or_add || s.found_line.is_none()) {
        out.push_str(key.unwrap_or_default());
    }
    out
}

/// The probe: `path` (expanded), `sane` when ssh-keygen finds the host in the key alone,
/// then, if the file exists, `exists`, ssh-keygen's `rc`, `out` and `err` for the file and
/// its `content`; last `state` and the path's state. `missing` when the target has no
/// ssh-keygen.
fn probe(host: &str, key: Option<&str>, path: &str) -> Vec<u8> {
    let path = match path.strip_prefix('~') {
        Some(rest) => format!("\"$HOME\"{}", quote_str(rest)),
        None => quote_str(path),
    };
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         command -v ssh-keygen >/dev/null 2>&1 || {{ m missing; exit 0; }}\n\
         h={host}\np={path}\nm path \"$p\"\n\
         t=$(mktemp) || exit 1\ntrap 'rm -f -- \"$t\"' EXIT\n",
        host = quote_str(host),
    );
    if let Some(k) = key {
        s.push_str(&format!(
            "printf '%s' {} >\"$t\"\n\
             [ -n \"$(ssh-keygen -F \"$h\" -f \"$t\" 2>/dev/null)\" ] && m sane\n",
            quote_str(k)
        ));
    }
    s.push_str(
        "if [ -e \"$p\" ]; then m exists\n\
         o=$(ssh-keygen -F \"$h\" -f \"$p\" 2>\"$t\"; r=$?; printf x; exit $r); m rc $?\n\
         mx out \"${o%x}\"; e=$(cat -- \"$t\"; printf x); mx err \"${e%x}\"\n\
         c=$(cat -- \"$p\"; printf x); mx content \"${c%x}\"\nfi\n",
    );
    let mut s = s.into_bytes();
    s.extend(state_part());
    s
}

/// The end of a program: `state`, then the state of the file at `$p`.
fn state_part() -> Vec<u8> {
    let mut s = b"m state\n".to_vec();
    s.extend(probe::script_at(b"\"$p\"", probe::Want::default(), FILE));
    s
}

/// The name of the probe of the known_hosts file.
const FILE: &str = "known_hosts_file";

/// The program's report (before `state`) and the file's state printed after it.
fn read_answer(stdout: &[u8]) -> Result<(Report, PathState), Failure> {
    let marker = format!("{MARK}state\n");
    let at = stdout
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .ok_or_else(|| Failure::Failed("known_hosts: the target's answer was cut short".into()))?;
    let r = Report::parse("known_hosts", &String::from_utf8_lossy(&stdout[..at]))?;
    let file = Report::parse("known_hosts", &String::from_utf8_lossy(&stdout[at..]))?;
    let state = probe::read("known_hosts", &file, FILE).map_err(Failure::Failed)?;
    Ok((r, state))
}

/// A failure with Ansible's message and nothing else.
fn failed(msg: impl Into<String>) -> Output {
    Output {
        failed: true,
        msg: Some(msg.into()),
        ..Output::default()
    }
}

/// `known_hosts`: see the file header for the round trips. Ansible's result has two shapes:
/// in check mode only `changed` and `diff`; otherwise also the arguments and the file's
/// path information after the change.
async fn known_hosts(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let host = a.name.to_lowercase();
    let present = a.state != Some(State::Absent);
    let given = a.key.clone().filter(|k| !k.is_empty());
    let key = match &given {
        Some(k) if a.hash_host => Some(hashed(&host, k, &salt()?)),
        other => other.clone(),
    }
    .map(|k| if k.ends_with('\n') { k } else { k + "\n" });
    let path_arg = a.path.clone().unwrap_or_else(|| DEFAULT_PATH.into());
    let out = ctx
        .probe(probe(&host, key.as_deref(), &path_arg), Vec::new())
        .await?;
    if Report::parse("known_hosts", &String::from_utf8_lossy(&out.stdout))?.has("missing") {
        return Ok(failed(
            "Failed to find required executable \"ssh-keygen\" on the target",
        ));
    }
    let (r, state) = read_answer(&out.stdout)?;
    let path = r.get("path").unwrap_or_default().to_string();
    if key.is_some() && !r.has("sane") {
        return Ok(failed(
            "Host parameter does not match hashed host field in supplied key",
        ));
    }
    let exists = r.has("exists");
    let s = if exists {
        let rc = r.get("rc").and_then(|v| v.parse().ok()).unwrap_or(-1);
        let (stdout, stderr) = (r.get("out").unwrap_or(""), r.get("err").unwrap_or(""));
        match search(rc, stdout, stderr, key.as_deref()) {
            Ok(s) => s,
            Err(msg) => return Ok(failed(msg)),
        }
    } else {
        Search {
            found: false,
            replace_or_add: false,
            found_line: None,
        }
    };
    let before = r.get("content").unwrap_or_default();
    let diff = Diff {
        before_header: if exists {
            path.clone()
        } else {
            "/dev/null".into()
        },
        after_header: path.clone(),
        before: before.into(),
        after: new_content(before, &s, present, key.as_deref()),
    };
    let mut o = Output::default();
    o.fields.insert(
        "diff".into(),
        json!({"before_header": diff.before_header, "after_header": diff.after_header,
               "before": diff.before, "after": diff.after}),
    );
    let content = diff.after.clone();
    let shown = ctx.diff.then_some(diff);
    let mut full = o.clone();
    for (k, v) in [
        ("name", json!(a.name)),
        ("key", json!(a.key)),
        ("path", json!(path)),
        ("hash_host", json!(a.hash_host)),
        ("state", json!(if present { "present" } else { "absent" })),
    ] {
        full.fields.insert(k.into(), v);
    }
    if !present && s.found_line.is_none() && key.is_some() {
        // Ansible returns here in check mode too, with the arguments.
        probe::path_info(&mut full.fields, &state);
        return Ok(full);
    }
    o.changed = s.replace_or_add || present != s.found;
    full.changed = o.changed;
    // Ansible shows a diff only when something changed.
    if let Some(d) = shown.filter(|_| o.changed) {
        o.diffs.push(d.clone());
        full.diffs.push(d);
    }
    let program = if !o.changed {
        None
    } else if s.found && key.is_none() && !present {
        let mut p = format!(
            "LC_ALL=C; export LC_ALL\n{MARK_FN}p={}\n\
             e=$(ssh-keygen -R {} -f \"$p\" 2>&1 >/dev/null) || {{ m rc $?; mx err \"$e\"; }}\n",
            quote_str(&path),
            quote_str(&host),
        )
        .into_bytes();
        p.extend(state_part());
        Some((p, Vec::new()))
    } else {
        let (w, stdin) = write::inline(&path, content.as_bytes(), &WriteOpts::default())
            .map_err(Failure::Failed)?;
        let mut p = format!(
            "LC_ALL=C; export LC_ALL\n{MARK_FN}p={}\ne=$(",
            quote_str(&path)
        )
        .into_bytes();
        p.extend(w);
        p.extend_from_slice(b" 2>&1) || { m rc $?; mx err \"$e\"; }\n");
        p.extend(state_part());
        Some((p, stdin))
    };
    let after = match program {
        // Nothing to change: outside check mode the result still carries the arguments
        // and the path information (nothing is sent either way).
        None => ctx.unless_checking(state),
        Some((program, stdin)) => match ctx.apply(program, stdin).await? {
            None => None,
            Some(out) => {
                let (r, state) = read_answer(&out.stdout)?;
                if r.has("rc") {
                    return Ok(failed(format!(
                        "changing {path} failed: {}",
                        r.get("err").unwrap_or_default().trim()
                    )));
                }
                Some(state)
            }
        },
    };
    Ok(match after {
        Some(state) => {
            probe::path_info(&mut full.fields, &state);
            full
        }
        None => o,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    const K: &str = "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA comment";

    #[test]
    fn short_name_and_fqcn_resolve() {
        use crate::modules::registry::canonical;
        assert_eq!(canonical("known_hosts"), Some("known_hosts"));
        assert_eq!(
            canonical("ansible.builtin.known_hosts"),
            Some("known_hosts")
        );
    }

    #[test]
    fn load_check() {
        assert_eq!(
            check::<KnownHosts>(json!({"host": "example.org", "key": K, "hash_host": "yes"})),
            Ok(true)
        );
        assert_eq!(
            check::<KnownHosts>(json!({"name": "x", "state": "absent"})),
            Ok(true)
        );
        assert!(check::<KnownHosts>(json!({"name": "x"})).is_err());
        assert!(check::<KnownHosts>(json!({"name": "a,b", "key": K})).is_err());
        assert!(check::<KnownHosts>(json!({"name": "x", "key": "x ssh-rsa"})).is_err());
        assert!(check::<KnownHosts>(json!({"name": "x", "key": K, "path": "~bob/k"})).is_err());
        assert!(check::<KnownHosts>(json!({"name": "x", "key": K, "state": "gone"})).is_err());
        assert!(check::<KnownHosts>(json!({"name": "x", "key": K, "hosts": 1})).is_err());
    }

    #[test]
    fn hashing_matches_pythons_hmac() {
        // Python's hmac (Ansible's hash_host) gives this host field for this salt.
        let salt: [u8; 20] = *b"0123456789abcdefghij";
        let h = hashed("example.org", K, &salt);
        assert_eq!(
            h,
            "|1|MDEyMzQ1Njc4OWFiY2RlZmdoaWo=|BgGITaWB75RcUOFKz6LKY6rDxXU= ssh-ed25519 \
             AAAAC3NzaC1lZDI1NTE5AAAAIA comment"
        );
        let m = hashed("example.org", &format!("@cert-authority {K}"), &salt);
        assert!(m.starts_with("@cert-authority |1|"), "{m}");
    }

    #[test]
    fn ssh_keygen_answers_are_read_as_ansible_reads_them() {
        let key = "example.org ssh-ed25519 AAAA\n";
        let none = search(1, "", "", Some(key)).unwrap();
        assert!(!none.found && !none.replace_or_add);
        let same = search(
            0,
            "# Host example.org found: line 3 \nexample.org ssh-ed25519 AAAA\n",
            "",
            Some(key),
        )
        .unwrap();
        assert_eq!(
            same,
            Search {
                found: true,
                replace_or_add: false,
                found_line: Some(3)
            }
        );
        let other = search(
            0,
            "# Host example.org found: line 2 \nexample.org ssh-ed25519 BBBB\n",
            "",
            Some(key),
        )
        .unwrap();
        assert!(other.replace_or_add && other.found_line == Some(2));
        let kind = search(
            0,
            "# Host example.org found: line 2 \nexample.org ssh-rsa BBBB\n",
            "",
            Some(key),
        )
        .unwrap();
        assert!(kind.replace_or_add && kind.found_line.is_none());
        let hashed_key = "|1|new|salt ssh-ed25519 AAAA\n";
        let h = search(
            0,
            "# Host example.org found: line 1 \n|1|old|x ssh-ed25519 AAAA\n",
            "",
            Some(hashed_key),
        )
        .unwrap();
        assert!(!h.replace_or_add);
        assert!(search(255, "", "boom", Some(key))
            .unwrap_err()
            .contains("rc=255"));
        let content = "a ssh-rsa X\nexample.org ssh-ed25519 BBBB\nc ssh-rsa Y\n";
        assert_eq!(
            new_content(content, &other, true, Some(key)),
            "a ssh-rsa X\nc ssh-rsa Y\nexample.org ssh-ed25519 AAAA\n"
        );
        assert_eq!(
            new_content(content, &other, false, Some(key)),
            "a ssh-rsa X\nc ssh-rsa Y\n"
        );
    }

    #[test]
    fn the_probe_expands_home_and_quotes() {
        let p = String::from_utf8(probe("a b", Some("k\n"), "~/.ssh/known_hosts")).unwrap();
        assert!(p.contains("p=\"$HOME\"/.ssh/known_hosts\n"), "{p}");
        assert!(p.contains("h='a b'\n"), "{p}");
        let p = String::from_utf8(probe("h", None, "/x y")).unwrap();
        assert!(p.contains("p='/x y'\n"), "{p}");
        assert!(comma_list("a,b") && comma_list("a , b") && !comma_list(",a"));
    }
}
