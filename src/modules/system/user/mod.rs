//! `user`: make sure a local account exists with the given attributes, or does not. The
//! account is read (getent passwd/shadow, group membership) in one program; when something
//! differs a second program runs useradd/usermod/userdel (shadow's tools) and reads the
//! account again. Round trips: one when nothing changes (or in check mode), two otherwise.
//! The password hash is never printed: results show `NOT_LOGGING_PASSWORD`, as Ansible does.
//! `generate_ssh_key` creates a missing key in the same programs ([`sshkey`]).
//! Knows nothing of playbooks; arguments arrive templated.

mod sshkey;

use crate::connection::quote::{join, quote};
use crate::event::Diff;
use crate::modules::framework::args::{self, de_bool, de_opt_bool, de_opt_list, de_opt_string};
use crate::modules::system::common::{self, date_of_days};
use crate::modules::{Ctx, Failure, Output};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sshkey::KeySpec;

/// Arguments of `user` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(alias = "user", deserialize_with = "de_string")]
    name: String,
    #[serde(default, deserialize_with = "de_opt_string")]
    uid: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    group: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_bool")]
    append: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    shell: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    home: Option<String>,
    #[serde(default = "yes", alias = "createhome", deserialize_with = "de_bool")]
    create_home: bool,
    #[serde(default, deserialize_with = "de_bool")]
    move_home: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    update_password: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    system: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    remove: bool,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    #[serde(default, deserialize_with = "de_opt_num")]
    expires: Option<f64>,
    #[serde(default, deserialize_with = "de_opt_string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    password_lock: Option<bool>,
    #[serde(default, deserialize_with = "de_bool")]
    non_unique: bool,
    #[serde(default, deserialize_with = "de_bool")]
    generate_ssh_key: bool,
    #[serde(default, deserialize_with = "de_opt_num")]
    ssh_key_bits: Option<u32>,
    #[serde(default, deserialize_with = "de_opt_string")]
    ssh_key_type: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    ssh_key_file: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    ssh_key_comment: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    ssh_key_passphrase: Option<String>,
}

fn yes() -> bool {
    true
}

/// A number written as a number or as text (a templated value).
fn de_opt_num<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    use serde::de::Error;
    match de_opt_string(d)? {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("'{s}' is not a number"))),
    }
}

/// A required string written as a string or number.
fn de_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::de::Error;
    de_opt_string(d)?.ok_or_else(|| D::Error::custom("name must be a string"))
}

/// An account as the target reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    /// uid.
    pub uid: String,
    /// Primary gid.
    pub gid: String,
    /// Primary group's name.
    pub group: String,
    /// GECOS field.
    pub comment: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
    /// The shadow hash (empty when unreadable).
    pub hash: String,
    /// Account expiry in days since the epoch; -1 when none.
    pub expires: i64,
    /// Supplementary groups (the primary group excluded).
    pub groups: Vec<String>,
}

/// The sh program that reads account `name` (and its SSH key when `key`) and checks that
/// `groups` exist. Fields are cut with parameter expansions and the group list is read by the
/// shell itself: each `cut` or `awk` would cost the target an exec (about 1 ms).
fn probe_script(name: &str, groups: &[String], key: Option<&KeySpec>) -> Vec<u8> {
    let mut s = b"n=".to_vec();
    s.extend(quote(name.as_bytes()));
    s.extend_from_slice(
        br#"
if e=$(getent passwd "$n"); then
  printf 'passwd=%s\n' "$e"
  g=${e#*:*:*:}; g=${g%%:*}
  p=$(getent group "$g"); printf 'pgroup=%s\n' "${p%%:*}"
  printf 'shadow=%s\n' "$(getent shadow "$n" 2>/dev/null)"
  getent group | while IFS=: read -r gn _ _ m; do case ",$m," in *",$n,"*) printf 'member=%s\n' "$gn";; esac; done
"#,
    );
    if let Some(k) = key {
        s.extend(k.probe());
    }
    s.extend_from_slice(b"fi\n");
    for g in groups {
        s.extend_from_slice(b"getent group ");
        s.extend(quote(g.as_bytes()));
        s.extend_from_slice(b" >/dev/null || printf 'nogroup=%s\\n' ");
        s.extend(quote(g.as_bytes()));
        s.push(b'\n');
    }
    s
}

/// The sh that checks the home directory (`want`, else the account's) and prints `nohome=1`
/// when it is missing, or with `create` makes it from /etc/skel, owned by the account. It reads
/// the account from `$e`, the passwd line a [`probe_script`] (or the caller) left there, empty
/// when there is no account.
fn home_check(want: Option<&str>, create: bool) -> Vec<u8> {
    let mut s = b"if [ -n \"$e\" ]; then\n  h=${e#*:*:*:*:*:}; h=${h%%:*}\n".to_vec();
    if let Some(h) = want {
        s.extend_from_slice(b"  h=");
        s.extend(quote(h.as_bytes()));
        s.push(b'\n');
    }
    s.extend_from_slice(b"  if [ -n \"$h\" ] && [ ! -e \"$h\" ]; then\n");
    if create {
        s.extend_from_slice(
            br#"    ids=${e#*:*:}; ids=${ids%:*:*:*}
    { mkdir -p -- "$h" && { [ ! -d /etc/skel ] || cp -R /etc/skel/. "$h"; } && chown -R "$ids" "$h"; } \
      || { echo "could not create the home directory $h" >&2; exit 1; }
"#,
        );
    } else {
        s.extend_from_slice(b"    echo nohome=1\n");
    }
    s.extend_from_slice(b"  fi\nfi\n");
    s
}

/// Reads [`probe_script`]'s answer: the account, if it exists.
pub fn parse_probe(out: &str) -> Option<Account> {
    let pw: Vec<&str> = common::value(out, "passwd")?.split(':').collect();
    if pw.len() < 7 {
        return None;
    }
    let sh: Vec<&str> = common::value(out, "shadow")
        .unwrap_or("")
        .split(':')
        .collect();
    let group = common::value(out, "pgroup").unwrap_or("").to_string();
    Some(Account {
        uid: pw[2].into(),
        gid: pw[3].into(),
        comment: pw[4].into(),
        home: pw[5].into(),
        shell: pw[6].into(),
        hash: sh.get(1).copied().unwrap_or("").into(),
        expires: sh.get(7).and_then(|x| x.parse::<i64>().ok()).unwrap_or(-1),
        groups: common::values(out, "member")
            .into_iter()
            .filter(|g| *g != group)
            .map(str::to_string)
            .collect(),
        group,
    })
}

/// Whether the wanted primary group `want` (name or gid) is the account's.
fn same_group(a: &Account, want: &str) -> bool {
    want == a.group || want == a.gid
}

/// The usermod options that bring `cur` to what `args` ask (empty: nothing to do).
fn usermod_opts(args: &Args, cur: &Account) -> Vec<String> {
    let mut cmd: Vec<String> = Vec::new();
    let mut push = |o: &str, v: &str| {
        cmd.push(o.into());
        cmd.push(v.into());
    };
    if let Some(uid) = &args.uid {
        if *uid != cur.uid {
            push("-u", uid);
        }
    }
    if let Some(g) = &args.group {
        if !same_group(cur, g) {
            push("-g", g);
        }
    }
    if let Some(c) = &args.comment {
        if *c != cur.comment {
            push("-c", c);
        }
    }
    if let Some(h) = &args.home {
        if *h != cur.home {
            push("-d", h);
        }
    }
    if let Some(s) = &args.shell {
        if *s != cur.shell {
            push("-s", s);
        }
    }
    if let Some(e) = args.expires {
        if e < 0.0 {
            if cur.expires >= 0 {
                push("-e", "");
            }
        } else {
            let days = (e / 86_400.0).floor() as i64;
            if cur.expires < 0 || cur.expires != days {
                push("-e", &date_of_days(days));
            }
        }
    }
    if let Some(want) = &args.groups {
        let want: Vec<&String> = want
            .iter()
            .filter(|g| args.group.as_deref().is_none_or(|p| p != g.as_str()))
            .collect();
        let missing = want.iter().any(|g| !cur.groups.contains(g));
        let extra = cur.groups.iter().any(|g| !want.contains(&g));
        let list = want
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(",");
        if args.append {
            if missing {
                cmd.push("-a".into());
                cmd.push("-G".into());
                cmd.push(list);
            }
        } else if missing || extra {
            cmd.push("-G".into());
            cmd.push(list);
        }
    }
    let locked = cur.hash.starts_with('!');
    let mut lock: Option<&str> = None;
    if args.password_lock == Some(true) && !locked {
        lock = Some("-L");
    } else if args.password_lock == Some(false) && locked {
        lock = Some("-U");
    }
    let always = args.update_password.as_deref() != Some("on_create");
    match &args.password {
        Some(p) if always && cur.hash.trim_start_matches('!') != p.trim_start_matches('!') => {
            cmd.push("-p".into());
            cmd.push(if args.password_lock == Some(true) {
                format!("!{p}")
            } else {
                p.clone()
            });
        }
        _ => {
            if let Some(l) = lock {
                cmd.push(l.into());
            }
        }
    }
    if !cmd.is_empty() && args.move_home && cmd.iter().any(|o| o == "-d") {
        cmd.push("-m".into());
    }
    if !cmd.is_empty() && args.non_unique && cmd.iter().any(|o| o == "-u") {
        cmd.push("-o".into());
    }
    cmd
}

/// Appends option `o` with value `v`.
fn opt(cmd: &mut Vec<String>, o: &str, v: &str) {
    cmd.push(o.into());
    cmd.push(v.into());
}

/// The useradd command line for a new account.
fn useradd_argv(args: &Args, group_named_like_user: bool) -> Vec<String> {
    let mut cmd: Vec<String> = vec!["useradd".into()];
    if let Some(uid) = &args.uid {
        opt(&mut cmd, "-u", uid);
    }
    match &args.group {
        Some(g) => opt(&mut cmd, "-g", g),
        None if group_named_like_user => cmd.push("-N".into()),
        None => {}
    }
    if let Some(gs) = &args.groups {
        let gs: Vec<&str> = gs.iter().map(String::as_str).collect();
        if !gs.is_empty() {
            opt(&mut cmd, "-G", &gs.join(","));
        }
    }
    if let Some(c) = &args.comment {
        opt(&mut cmd, "-c", c);
    }
    if let Some(h) = &args.home {
        opt(&mut cmd, "-d", h);
    }
    if let Some(s) = &args.shell {
        opt(&mut cmd, "-s", s);
    }
    if let Some(e) = args.expires {
        if e >= 0.0 {
            opt(&mut cmd, "-e", &date_of_days((e / 86_400.0).floor() as i64));
        }
    }
    if let Some(p) = &args.password {
        let p = if args.password_lock == Some(true) {
            format!("!{p}")
        } else {
            p.clone()
        };
        opt(&mut cmd, "-p", &p);
    }
    if args.non_unique {
        cmd.push("-o".into());
    }
    if args.system {
        cmd.push("-r".into());
    }
    cmd.push(if args.create_home { "-m" } else { "-M" }.into());
    cmd.push("--".into());
    cmd.push(args.name.clone());
    cmd
}

/// Checks what cannot be sent: states, update_password, numbers.
fn validate(args: &Args) -> Result<bool, Failure> {
    let bad = |m: String| Err(Failure::BadArgs(m));
    if args.name.is_empty() || args.name.contains(['\n', ':']) {
        return bad(format!(
            "user: name is not a valid user name: {:?}",
            args.name
        ));
    }
    if let Some(u) = &args.uid {
        if u.parse::<u32>().is_err() {
            return bad(format!("user: uid must be a number, got '{u}'"));
        }
    }
    match args.update_password.as_deref() {
        None | Some("always" | "on_create") => {}
        Some(o) => {
            return bad(format!(
                "user: update_password must be one of always, on_create, got '{o}'"
            ))
        }
    }
    if let Some(p) = &args.password {
        if p.contains(['\n', ':']) {
            return bad("user: password must be a crypt hash (no ':' or newline)".into());
        }
    }
    match args.state.as_deref() {
        None | Some("present") => Ok(true),
        Some("absent") => Ok(false),
        Some(o) => bad(format!(
            "user: state must be one of present, absent, got '{o}'"
        )),
    }
}

/// A one-line description of an account, for `--diff`.
fn describe(a: Option<&Account>) -> String {
    match a {
        None => "absent\n".into(),
        Some(a) => format!(
            "uid={} group={} groups={} home={} shell={} comment={} expires={} locked={}\n",
            a.uid,
            a.group,
            a.groups.join(","),
            a.home,
            a.shell,
            a.comment,
            a.expires,
            a.hash.starts_with('!')
        ),
    }
}

/// `user`.
pub async fn user(a: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let args: Args = args::parse("user", a).map_err(Failure::BadArgs)?;
    let present = validate(&args)?;
    let mut check_groups: Vec<String> = args.groups.clone().unwrap_or_default();
    if let Some(g) = &args.group {
        check_groups.insert(0, g.clone());
    }
    if !present {
        check_groups.clear();
    }
    // The user-named group decides useradd's -N (Ansible's behaviour on Debian).
    let key = (present && args.generate_ssh_key).then(|| KeySpec {
        ktype: args.ssh_key_type.clone().unwrap_or_else(|| "rsa".into()),
        file: args.ssh_key_file.clone().unwrap_or_else(|| {
            format!(".ssh/id_{}", args.ssh_key_type.as_deref().unwrap_or("rsa"))
        }),
        bits: args.ssh_key_bits.filter(|b| *b > 0),
        comment: args.ssh_key_comment.clone(),
        passphrase: args.ssh_key_passphrase.clone().unwrap_or_default(),
    });
    let mut probe = probe_script(&args.name, &check_groups, key.as_ref());
    // Whether useradd may make a group of the user's name: asked only of a missing account.
    probe.extend_from_slice(
        b"[ -n \"$e\" ] || { getent group \"$n\" >/dev/null && echo samegroup=1; }\n",
    );
    if present && args.create_home {
        probe.extend(home_check(args.home.as_deref(), false));
    }
    let out = common::run(ctx, probe, Vec::new(), "reading the account").await?;
    let missing = common::values(&out, "nogroup");
    if let Some(g) = missing.first() {
        return Err(Failure::Failed(format!("Group {g} does not exist")));
    }
    let cur = parse_probe(&out);
    let name = args.name.as_str();
    let cmd: Vec<String> = match (&cur, present) {
        (None, false) => Vec::new(),
        (Some(_), false) => {
            let mut c = vec!["userdel".to_string()];
            if args.force {
                c.push("-f".into());
            }
            if args.remove {
                c.push("-r".into());
            }
            c.extend(["--".into(), name.into()]);
            c
        }
        (None, true) => useradd_argv(&args, common::value(&out, "samegroup").is_some()),
        (Some(c), true) => {
            let opts = usermod_opts(&args, c);
            if opts.is_empty() {
                Vec::new()
            } else {
                let mut v = vec!["usermod".to_string()];
                v.extend(opts);
                v.extend(["--".into(), name.into()]);
                v
            }
        }
    };
    let new_key = key.is_some() && !sshkey::exists(&out);
    // An existing account whose home is missing gets one, as in Ansible.
    let new_home = cur.is_some() && common::value(&out, "nohome").is_some();
    let changed = !cmd.is_empty() || new_key || new_home;
    let mut after = cur.clone();
    let mut key_out = out.clone();
    if changed && !ctx.check {
        let mut s = b"n=".to_vec();
        s.extend(quote(name.as_bytes()));
        s.push(b'\n');
        if !cmd.is_empty() {
            s.extend(join(&cmd));
            s.extend_from_slice(b" || exit 1\n");
        }
        if cur.is_none() && args.password_lock == Some(true) && args.password.is_none() {
            s.extend_from_slice(b"usermod -L -- ");
            s.extend(quote(name.as_bytes()));
            s.extend_from_slice(b" || exit 1\n");
        }
        if new_home || (cur.is_some() && present && args.create_home && !cmd.is_empty()) {
            // The account as it is now, after useradd or usermod.
            s.extend_from_slice(b"e=$(getent passwd \"$n\")\n");
            s.extend(home_check(None, true));
        }
        if let Some(k) = &key {
            s.extend_from_slice(b"e=$(getent passwd \"$n\") || exit 1\n");
            s.extend(k.create());
        }
        s.extend(probe_script(name, &[], key.as_ref()));
        let what = match cmd.first() {
            Some(c) => format!("{c} {name}"),
            None if new_home => format!("creating the home directory of {name}"),
            None => format!("creating the SSH key of {name}"),
        };
        let out = common::run(ctx, s, Vec::new(), &what).await?;
        after = parse_probe(&out);
        key_out = out;
    }
    let mut fields = Map::new();
    fields.insert("name".into(), json!(name));
    fields.insert(
        "state".into(),
        json!(if present { "present" } else { "absent" }),
    );
    if present {
        let acc = after.clone().unwrap_or_default();
        let num = |s: &str| s.parse::<u64>().map(Value::from).unwrap_or(json!(s));
        fields.insert("uid".into(), num(&acc.uid));
        fields.insert("group".into(), num(&acc.gid));
        fields.insert("home".into(), json!(acc.home));
        fields.insert("shell".into(), json!(acc.shell));
        fields.insert("comment".into(), json!(acc.comment));
        if let Some(g) = &args.groups {
            fields.insert("groups".into(), json!(g.join(",")));
        }
        fields.insert("system".into(), json!(args.system));
        fields.insert("create_home".into(), json!(args.create_home));
        fields.insert("move_home".into(), json!(args.move_home));
        fields.insert("append".into(), json!(args.append));
        if args.password.is_some() {
            fields.insert("password".into(), json!("NOT_LOGGING_PASSWORD"));
        }
        if key.is_some() {
            sshkey::fields(&key_out, &mut fields);
        }
    } else {
        fields.insert("force".into(), json!(args.force));
        fields.insert("remove".into(), json!(args.remove));
    }
    let mut diffs = Vec::new();
    if ctx.diff && changed {
        diffs.push(Diff {
            before_header: format!("user {name}"),
            after_header: format!("user {name}"),
            before: describe(cur.as_ref()),
            after: if ctx.check {
                format!(
                    "{} would run\n",
                    cmd.first().map_or("ssh-keygen", String::as_str)
                )
            } else {
                describe(after.as_ref())
            },
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
    use serde_json::json;

    fn args(v: Value) -> Args {
        args::parse("user", v.as_object().unwrap()).unwrap()
    }

    fn acc() -> Account {
        Account {
            uid: "1001".into(),
            gid: "1001".into(),
            group: "bob".into(),
            comment: String::new(),
            home: "/home/bob".into(),
            shell: "/bin/sh".into(),
            hash: "$6$a$b".into(),
            expires: -1,
            groups: vec!["adm".into()],
        }
    }

    #[test]
    fn probe_answers_are_read() {
        let out = "passwd=bob:x:1001:1001:Bob:/home/bob:/bin/sh\npgroup=bob\n\
                   shadow=bob:!$6$x:19000:0:99999:7::20000:\nmember=adm\nmember=bob\n";
        let a = parse_probe(out).unwrap();
        assert_eq!(a.uid, "1001");
        assert_eq!(a.hash, "!$6$x");
        assert_eq!(a.expires, 20000);
        assert_eq!(a.groups, vec!["adm"]);
        assert!(parse_probe("").is_none());
    }

    #[test]
    fn nothing_differs_means_no_usermod() {
        let a = args(
            json!({"name": "bob", "uid": 1001, "groups": "adm", "shell": "/bin/sh",
                            "password": "$6$a$b", "expires": -1}),
        );
        assert!(usermod_opts(&a, &acc()).is_empty());
    }

    #[test]
    fn append_adds_only_missing_groups_and_replace_sets_the_list() {
        let a = args(json!({"name": "bob", "groups": ["adm", "staff"], "append": true}));
        assert_eq!(usermod_opts(&a, &acc()), vec!["-a", "-G", "adm,staff"]);
        let a = args(json!({"name": "bob", "groups": ["adm"], "append": true}));
        assert!(usermod_opts(&a, &acc()).is_empty());
        let a = args(json!({"name": "bob", "groups": "", "append": false}));
        assert_eq!(usermod_opts(&a, &acc()), vec!["-G", ""]);
    }

    #[test]
    fn password_on_create_is_not_reset_and_lock_is_folded_into_the_hash() {
        let a = args(json!({"name": "bob", "password": "$6$new", "update_password": "on_create"}));
        assert!(usermod_opts(&a, &acc()).is_empty());
        let a = args(json!({"name": "bob", "password": "$6$new", "password_lock": true}));
        assert_eq!(usermod_opts(&a, &acc()), vec!["-p", "!$6$new"]);
        let a = args(json!({"name": "bob", "password_lock": true}));
        assert_eq!(usermod_opts(&a, &acc()), vec!["-L"]);
    }

    #[test]
    fn numbers_may_arrive_as_text() {
        let a = args(json!({"name": "bob", "expires": "1704067200", "ssh_key_bits": "4096"}));
        assert_eq!(a.expires, Some(1_704_067_200.0));
        assert_eq!(a.ssh_key_bits, Some(4096));
        let m = json!({"name": "bob", "expires": "soon"});
        assert!(args::parse::<Args>("user", m.as_object().unwrap()).is_err());
    }

    #[test]
    fn expiry_is_a_date_and_minus_one_clears_it() {
        let a = args(json!({"name": "bob", "expires": 1704067200.0}));
        assert_eq!(usermod_opts(&a, &acc()), vec!["-e", "2024-01-01"]);
        let mut c = acc();
        c.expires = 19723;
        assert!(usermod_opts(&a, &c).is_empty());
        let a = args(json!({"name": "bob", "expires": -1}));
        assert_eq!(usermod_opts(&a, &c), vec!["-e", ""]);
    }

    #[test]
    fn useradd_gets_ansibles_options() {
        let a = args(
            json!({"name": "svc", "system": true, "create_home": false, "shell": "/usr/sbin/nologin"}),
        );
        assert_eq!(
            useradd_argv(&a, true),
            vec![
                "useradd",
                "-N",
                "-s",
                "/usr/sbin/nologin",
                "-r",
                "-M",
                "--",
                "svc"
            ]
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        let m = json!({"name": "bob", "state": "gone"});
        assert!(validate(&args(m)).is_err());
        let m = json!({"name": "bob", "uid": "x"});
        assert!(validate(&args(m)).is_err());
        let m = json!({"name": "bob", "bogus": 1});
        assert!(args::parse::<Args>("user", m.as_object().unwrap()).is_err());
    }
}
