//! `user`: make sure a local account exists with the given attributes, or does not. A probe
//! reads the account (getent passwd/shadow, group membership; its report is read by
//! [`parse_probe`]); when something differs an apply runs useradd/usermod/userdel and chage
//! (shadow's tools) and reads the account again. Round trips: one when nothing changes (or in
//! check mode), two otherwise. The password hash is
//! never printed: results show `NOT_LOGGING_PASSWORD`, as Ansible does. `generate_ssh_key`
//! creates a missing key in the same programs ([`sshkey`]). Knows nothing of playbooks;
//! arguments arrive templated.

mod sshkey;

use crate::connection::quote::{join, quote};
use crate::event::Diff;
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{
    de_bool, de_opt_bool, de_opt_list, de_opt_string, is_template,
};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::system::common::{
    self, choices, date_of_days, de_opt_num, de_text, Report, State,
};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sshkey::KeySpec;

/// `user` in the registry.
pub const SPEC: Spec = spec::<User>(B, &[]);

/// The `user` module.
pub struct User;

/// Arguments of `user` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "user", deserialize_with = "de_text")]
    name: String,
    #[serde(default, deserialize_with = "de_opt_num")]
    uid: Option<u32>,
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
    #[serde(default)]
    update_password: UpdatePassword,
    #[serde(default, deserialize_with = "de_bool")]
    system: bool,
    #[serde(default)]
    state: State,
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
    #[serde(default, deserialize_with = "de_opt_num")]
    password_expire_min: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_num")]
    password_expire_max: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_num")]
    password_expire_warn: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_num")]
    password_expire_account_disable: Option<i64>,
    #[serde(default, deserialize_with = "de_opt_string")]
    skeleton: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    umask: Option<String>,
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

choices! {
    /// `update_password`: when a given password is set.
    #[derive(Default)]
    pub enum UpdatePassword("update_password") {
        /// Whenever it differs.
        #[default]
        Always = "always",
        /// Only when the account is created.
        OnCreate = "on_create",
    }
}

impl Module for User {
    const NAME: &'static str = "user";
    type Args = Args;

    /// What cannot be sent: a name or password hash that would break the passwd line.
    fn validate(a: &Args) -> Result<(), String> {
        let n = &a.name;
        if !is_template(n) && (n.is_empty() || n.contains(['\n', ':'])) {
            return Err(format!("name is not a valid user name: {n:?}"));
        }
        if let Some(p) = a.password.as_deref().filter(|p| !is_template(p)) {
            if p.contains(['\n', ':']) {
                return Err("password must be a crypt hash (no ':' or newline)".into());
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(user(a, ctx))
    }
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
    /// Password aging (shadow's fields, -1 when empty): minimum days between changes.
    pub min: i64,
    /// Maximum days between changes.
    pub max: i64,
    /// Days of warning before the password expires.
    pub warn: i64,
    /// Days after the password expires until the account is disabled.
    pub inactive: i64,
    /// Supplementary groups (the primary group excluded).
    pub groups: Vec<String>,
}

/// The sh program that reads account `name` (and its SSH key when `key`) and checks that
/// `groups` exist; it reports `passwd`, `pgroup` (the primary group's name), `shadow`,
/// `member` (each group listing the account), `nogroup` (each missing group). Fields are cut with parameter expansions and the group list is read by the
/// shell itself: each `cut` or `awk` would cost the target an exec (about 1 ms).
fn probe_script(name: &str, groups: &[String], key: Option<&KeySpec>) -> Vec<u8> {
    let mut s = b"n=".to_vec();
    s.extend(quote(name.as_bytes()));
    s.extend_from_slice(
        br#"
if e=$(getent passwd "$n"); then
  m passwd "$e"
  g=${e#*:*:*:}; g=${g%%:*}
  p=$(getent group "$g"); m pgroup "${p%%:*}"
  m shadow "$(getent shadow "$n" 2>/dev/null)"
  getent group | while IFS=: read -r gn _ _ ms; do case ",$ms," in *",$n,"*) m member "$gn";; esac; done
"#,
    );
    if let Some(k) = key {
        s.extend(k.probe());
    }
    s.extend_from_slice(b"fi\n");
    for g in groups {
        s.extend_from_slice(b"getent group ");
        s.extend(quote(g.as_bytes()));
        s.extend_from_slice(b" >/dev/null || m nogroup ");
        s.extend(quote(g.as_bytes()));
        s.push(b'\n');
    }
    s
}

/// The sh that checks the home directory (`want`, else the account's) and reports `nohome`
/// when it is missing, or with `create` makes it from the skeleton (`skel`, else /etc/skel),
/// owned by the account. It reads
/// the account from `$e`, the passwd line a [`probe_script`] (or the caller) left there, empty
/// when there is no account.
fn home_check(want: Option<&str>, create: bool, skel: Option<&str>) -> Vec<u8> {
    let mut s = b"if [ -n \"$e\" ]; then\n  h=${e#*:*:*:*:*:}; h=${h%%:*}\n".to_vec();
    if let Some(h) = want {
        s.extend_from_slice(b"  h=");
        s.extend(quote(h.as_bytes()));
        s.push(b'\n');
    }
    s.extend_from_slice(b"  if [ -n \"$h\" ] && [ ! -e \"$h\" ]; then\n");
    if create {
        s.extend_from_slice(b"    sk=");
        s.extend(quote(skel.unwrap_or("/etc/skel").as_bytes()));
        s.extend_from_slice(
            br#"
    ids=${e#*:*:}; ids=${ids%:*:*:*}
    { mkdir -p -- "$h" && { [ ! -d "$sk" ] || cp -R "$sk/." "$h"; } && chown -R "$ids" "$h"; } \
      || { echo "could not create the home directory $h" >&2; exit 1; }
"#,
        );
    } else {
        s.extend_from_slice(b"    m nohome\n");
    }
    s.extend_from_slice(b"  fi\nfi\n");
    s
}

/// Reads [`probe_script`]'s report: the account, if it exists.
pub fn parse_probe(out: &Report) -> Option<Account> {
    let pw: Vec<&str> = out.get("passwd")?.split(':').collect();
    if pw.len() < 7 {
        return None;
    }
    let sh: Vec<&str> = out.get("shadow").unwrap_or("").split(':').collect();
    // A shadow number; -1 when empty (as getspnam gives it).
    let num = |i: usize| sh.get(i).and_then(|x| x.parse::<i64>().ok()).unwrap_or(-1);
    let group = out.get("pgroup").unwrap_or("").to_string();
    Some(Account {
        uid: pw[2].into(),
        gid: pw[3].into(),
        comment: pw[4].into(),
        home: pw[5].into(),
        shell: pw[6].into(),
        hash: sh.get(1).copied().unwrap_or("").into(),
        expires: num(7),
        min: num(3),
        max: num(4),
        warn: num(5),
        inactive: num(6),
        groups: out
            .all("member")
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
    if let Some(uid) = args.uid.map(|u| u.to_string()) {
        if uid != cur.uid {
            push("-u", &uid);
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
    // Ansible passes -f whenever it is given, so the account counts as changed every time.
    if let Some(d) = args.password_expire_account_disable {
        cmd.push("-f".into());
        cmd.push(d.to_string());
    }
    let locked = cur.hash.starts_with('!');
    let mut lock: Option<&str> = None;
    if args.password_lock == Some(true) && !locked {
        lock = Some("-L");
    } else if args.password_lock == Some(false) && locked {
        lock = Some("-U");
    }
    let always = args.update_password == UpdatePassword::Always;
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

/// The chage options that bring the password aging of `cur` (`None`: an account about to be
/// created, whose aging is useradd's default) to what `args` ask; empty: nothing to do.
fn chage_opts(args: &Args, cur: Option<&Account>) -> Vec<String> {
    let mut cmd = Vec::new();
    let aging = [
        ("-m", args.password_expire_min, cur.map(|c| c.min)),
        ("-M", args.password_expire_max, cur.map(|c| c.max)),
        ("-W", args.password_expire_warn, cur.map(|c| c.warn)),
    ];
    for (o, want, now) in aging {
        if let Some(w) = want.filter(|w| now != Some(*w)) {
            opt(&mut cmd, o, &w.to_string());
        }
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
    if let Some(uid) = args.uid {
        opt(&mut cmd, "-u", &uid.to_string());
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
    if let Some(d) = args.password_expire_account_disable {
        opt(&mut cmd, "-f", &d.to_string());
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
    if args.create_home {
        cmd.push("-m".into());
        if let Some(k) = &args.skeleton {
            opt(&mut cmd, "-k", k);
        }
        if let Some(u) = &args.umask {
            opt(&mut cmd, "-K", &format!("UMASK={u}"));
        }
    } else {
        cmd.push("-M".into());
    }
    cmd.push("--".into());
    cmd.push(args.name.clone());
    cmd
}

/// A one-line description of an account, for `--diff`.
fn describe(a: Option<&Account>) -> String {
    match a {
        None => "absent\n".into(),
        Some(a) => format!(
            "uid={} group={} groups={} home={} shell={} comment={} expires={} locked={} \
             min={} max={} warn={} inactive={}\n",
            a.uid,
            a.group,
            a.groups.join(","),
            a.home,
            a.shell,
            a.comment,
            a.expires,
            a.hash.starts_with('!'),
            a.min,
            a.max,
            a.warn,
            a.inactive
        ),
    }
}

/// `user`: a probe, then an apply when something differs (see the file header).
async fn user(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let present = args.state == State::Present;
    let mut check_groups: Vec<String> = args.groups.clone().unwrap_or_default();
    if let Some(g) = &args.group {
        check_groups.insert(0, g.clone());
    }
    if !present {
        check_groups.clear();
    }
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
    // The user-named group decides useradd's -N (Ansible's behaviour on Debian): asked only
    // of a missing account.
    probe.extend_from_slice(
        b"[ -n \"$e\" ] || { getent group \"$n\" >/dev/null && echo samegroup=1; }\n",
    );
    if present && args.create_home {
        probe.extend(home_check(args.home.as_deref(), false, None));
    }
    let out = common::probe(ctx, "user", probe, "reading the account").await?;
    if let Some(g) = out.get("nogroup") {
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
        (None, true) => useradd_argv(&args, out.has("samegroup")),
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
    let new_home = cur.is_some() && out.has("nohome");
    let chage = if present {
        chage_opts(&args, cur.as_ref())
    } else {
        Vec::new()
    };
    let changed = !cmd.is_empty() || new_key || new_home || !chage.is_empty();
    // The account after the apply: `None` when nothing was applied (no change, check mode).
    let mut applied: Option<Report> = None;
    if changed {
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
            s.extend(home_check(None, true, args.skeleton.as_deref()));
        }
        if let Some(k) = &key {
            s.extend_from_slice(b"e=$(getent passwd \"$n\") || exit 1\n");
            s.extend(k.create());
        }
        if !chage.is_empty() {
            s.extend_from_slice(b"chage ");
            s.extend(join(&chage));
            s.extend_from_slice(b" -- \"$n\" || exit 1\n");
        }
        s.extend(probe_script(name, &[], key.as_ref()));
        let what = match cmd.first() {
            Some(c) => format!("{c} {name}"),
            None if new_home => format!("creating the home directory of {name}"),
            None if new_key => format!("creating the SSH key of {name}"),
            None => format!("chage {name}"),
        };
        applied = common::apply(ctx, "user", s, Vec::new(), &what).await?;
    }
    let after = match &applied {
        Some(out) => parse_probe(out),
        None => cur.clone(),
    };
    let key_out = applied.as_ref().unwrap_or(&out);
    let mut fields = Map::new();
    // An account to create or remove, and nothing applied (check mode): Ansible's module
    // stops there and reports only `changed`.
    let stopped = changed && applied.is_none() && cur.is_none() == present;
    if !stopped {
        fields.insert("name".into(), json!(name));
        fields.insert("state".into(), json!(args.state.as_str()));
    }
    if present && !stopped {
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
        // As Ansible: a created account reports how it was made, an existing one how usermod
        // was asked to treat it.
        if cur.is_none() {
            fields.insert("system".into(), json!(args.system));
            fields.insert("create_home".into(), json!(args.create_home));
        } else {
            fields.insert("append".into(), json!(args.append));
            fields.insert("move_home".into(), json!(args.move_home));
        }
        if args.password.is_some() {
            fields.insert("password".into(), json!("NOT_LOGGING_PASSWORD"));
        }
        if key.is_some() {
            sshkey::fields(key_out, &mut fields);
        }
    } else if !present && cur.is_some() && !stopped {
        fields.insert("force".into(), json!(args.force));
        fields.insert("remove".into(), json!(args.remove));
    }
    let mut diffs = Vec::new();
    if ctx.diff && changed {
        diffs.push(Diff {
            before_header: format!("user {name}"),
            after_header: format!("user {name}"),
            before: describe(cur.as_ref()),
            after: match applied {
                Some(_) => describe(after.as_ref()),
                None => format!(
                    "{} would run\n",
                    cmd.first()
                        .map_or(if new_key { "ssh-keygen" } else { "chage" }, String::as_str)
                ),
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
    use crate::modules::framework::args;
    use crate::modules::framework::spec::check;
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
            min: 0,
            max: 99999,
            warn: 7,
            inactive: -1,
            groups: vec!["adm".into()],
        }
    }

    /// A report as the target prints it.
    fn report(text: &str) -> Report {
        Report::parse("user", text).unwrap()
    }

    #[test]
    fn probe_answers_are_read() {
        let out = report(
            "@@rsible passwd bob:x:1001:1001:Bob:/home/bob:/bin/sh\n@@rsible pgroup bob\n\
             @@rsible shadow bob:!$6$x:19000:3:60:5:9:20000:\nusermod: no changes\n\
             @@rsible member adm\n@@rsible member bob\n",
        );
        let a = parse_probe(&out).unwrap();
        assert_eq!(a.uid, "1001");
        assert_eq!(a.hash, "!$6$x");
        assert_eq!(a.expires, 20000);
        assert_eq!((a.min, a.max, a.warn, a.inactive), (3, 60, 5, 9));
        assert_eq!(a.groups, vec!["adm"]);
        assert!(parse_probe(&report("")).is_none());
        assert!(parse_probe(&report("@@rsible passwd bob:x:1\n")).is_none());
        // No shadow entry readable: no hash, empty aging fields.
        let a = parse_probe(&report(
            "@@rsible passwd bob:x:1001:1001::/home/bob:/bin/sh\n@@rsible shadow \n",
        ))
        .unwrap();
        assert_eq!((a.hash.as_str(), a.min, a.max, a.expires), ("", -1, -1, -1));
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
    fn aging_runs_chage_for_what_differs_and_every_field_of_a_new_account() {
        let a = args(
            json!({"name": "bob", "password_expire_min": 0, "password_expire_max": "60",
                            "password_expire_warn": 7}),
        );
        assert_eq!(chage_opts(&a, Some(&acc())), vec!["-M", "60"]);
        assert_eq!(chage_opts(&a, None), vec!["-m", "0", "-M", "60", "-W", "7"]);
        let a = args(json!({"name": "bob", "password_expire_max": 99999}));
        assert!(chage_opts(&a, Some(&acc())).is_empty());
        let mut c = acc();
        c.max = -1;
        let a = args(json!({"name": "bob", "password_expire_max": -1}));
        assert!(chage_opts(&a, Some(&c)).is_empty());
        assert!(chage_opts(&args(json!({"name": "bob"})), None).is_empty());
    }

    #[test]
    fn account_disable_is_passed_every_time_as_ansible_does() {
        let mut c = acc();
        c.inactive = 9;
        let a = args(json!({"name": "bob", "password_expire_account_disable": 9}));
        assert_eq!(usermod_opts(&a, &c), vec!["-f", "9"]);
    }

    #[test]
    fn skeleton_and_umask_go_to_useradd_only_with_a_home() {
        let a = args(
            json!({"name": "bob", "skeleton": "/srv/skel", "umask": "077",
                            "password_expire_account_disable": 3}),
        );
        assert_eq!(
            useradd_argv(&a, false),
            vec![
                "useradd",
                "-f",
                "3",
                "-m",
                "-k",
                "/srv/skel",
                "-K",
                "UMASK=077",
                "--",
                "bob"
            ]
        );
        let a = args(
            json!({"name": "bob", "skeleton": "/srv/skel", "umask": "077",
                            "create_home": false}),
        );
        assert_eq!(useradd_argv(&a, false), vec!["useradd", "-M", "--", "bob"]);
        // An existing account: usermod has no skeleton or umask (as in Ansible).
        assert!(usermod_opts(&a, &acc()).is_empty());
    }

    #[test]
    fn bad_arguments_are_refused_at_load() {
        for bad in [
            json!({"name": "bob", "state": "gone"}),
            json!({"name": "bob", "uid": "x"}),
            json!({"name": "bob", "update_password": "never"}),
            json!({"name": "bob", "bogus": 1}),
            json!({"name": "a:b"}),
            json!({"name": "bob", "password": "x:y"}),
            json!({"uid": 1}),
            json!({"name": "bob", "password_expire_min": "soon"}),
            json!({"name": "bob", "password_expire_max": 1.5}),
            json!({"name": "bob", "password_expire_warn": [7]}),
            json!({"name": "bob", "password_expire_account_disable": "x"}),
            json!({"name": "bob", "skeleton": ["/etc/skel"]}),
            json!({"name": "bob", "umask": {"u": 1}}),
            json!({"name": "bob", "password_lock": "maybe"}),
        ] {
            assert!(check::<User>(bad.clone()).is_err(), "{bad}");
        }
        let e = check::<User>(json!({"name": "bob", "state": "gone"})).unwrap_err();
        assert!(e.contains("state must be one of: present, absent"), "{e}");
        for good in [
            json!({"user": "bob", "createhome": "no", "uid": "1001"}),
            json!({"name": "{{ u }}", "uid": "{{ n }}", "state": "{{ s }}", "password": "{{ p }}"}),
        ] {
            assert!(check::<User>(good.clone()).is_ok(), "{good}");
        }
    }
}
