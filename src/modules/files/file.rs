//! `file`: a path's type (file, directory, link, hard link, touched, absent) and attributes.
//! One gated remote program: the probe prints the path's state before (and, for a hard link
//! or a recursive change, what the prediction needs) and always opens the gate; the apply
//! changes, reports each change it makes (`did ...`) and the state after, all in
//! `framework::report` lines.
//! `changed` comes from the apply's marks when it ran, and is predicted from the probe when
//! it did not (check mode). Knows nothing of playbooks.

use super::common::attrs::{fill_state, mode_arg, same_id, value_diff};
use super::common::chattr::{self, Attributes};
use super::common::selinux;
use crate::connection::quote::quote;
use crate::modules::framework::args::yes;
use crate::modules::framework::args::{de_bool, de_opt_string, is_template};
use crate::modules::framework::mode::{self, Mode};
use crate::modules::framework::prefetch::Read;
use crate::modules::framework::probe::{self, Kind, PathState, Want};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, B};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `file` in the registry.
pub const SPEC: Spec = spec::<File>(B, &[]);

/// The `file` module.
pub struct File;

/// Arguments of `file` (Ansible's names). `path` is required (a null one is refused too).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "name", deserialize_with = "de_opt_string")]
    path: Option<String>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default)]
    mode: Option<Value>,
    #[serde(default, deserialize_with = "de_opt_string")]
    owner: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    group: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    recurse: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    src: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    #[serde(default = "yes", deserialize_with = "de_bool")]
    follow: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    access_time: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    modification_time: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    access_time_format: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    modification_time_format: Option<String>,
    /// ext2-style flags: see [`chattr`].
    #[serde(default, alias = "attr", deserialize_with = "de_opt_string")]
    attributes: Option<String>,
    /// SELinux contexts: see [`selinux`].
    #[serde(default, deserialize_with = "de_opt_string")]
    seuser: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    serole: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    setype: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    selevel: Option<String>,
    /// Accepted for compatibility: changes are made in place.
    #[serde(default, rename = "unsafe_writes")]
    _unsafe_writes: Option<Value>,
}

/// The state asked for. `Directory` comes first: the load-time check reads a templated
/// state as the first choice, and no other argument rules a directory out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// A directory (made with its parents).
    Directory,
    /// An existing file (only attributes change).
    File,
    /// A symbolic link to `src`.
    Link,
    /// A hard link to `src`.
    Hard,
    /// Created if missing, times updated.
    Touch,
    /// Removed.
    Absent,
}

/// A time argument: `now`, `preserve`, or a `YYYYMMDDHHMM.SS` stamp for `touch -t`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Time {
    Now,
    Preserve,
    At(String),
}

impl Time {
    fn parse(v: Option<&str>, format: Option<&str>, default: Time) -> Result<Time, String> {
        if let Some(f) = format.filter(|f| *f != "%Y%m%d%H%M.%S") {
            return Err(format!(
                "time format {f:?} is not supported; use %Y%m%d%H%M.%S"
            ));
        }
        match v {
            None => Ok(default),
            Some("now") => Ok(Time::Now),
            Some("preserve") => Ok(Time::Preserve),
            Some(t) => {
                let ok = t.len() == 15
                    && t.char_indices().all(|(i, c)| {
                        if i == 12 {
                            c == '.'
                        } else {
                            c.is_ascii_digit()
                        }
                    });
                if ok {
                    Ok(Time::At(t.to_string()))
                } else {
                    Err(format!(
                        "{t:?} is not a time in the format %Y%m%d%H%M.%S, 'now' or 'preserve'"
                    ))
                }
            }
        }
    }

    /// The `touch` options setting this time (`-a` or `-m`), or nothing for `preserve`.
    fn touch_args(&self, flag: &str) -> Option<String> {
        match self {
            Time::Now => Some(flag.to_string()),
            Time::Preserve => None,
            Time::At(t) => Some(format!("{flag} -t {t}")),
        }
    }
}

/// Everything decided from the arguments.
#[derive(Clone)]
struct Plan {
    path: String,
    state: State,
    mode: Option<Mode>,
    owner: Option<String>,
    group: Option<String>,
    recurse: bool,
    src: Option<String>,
    force: bool,
    follow: bool,
    atime: Time,
    mtime: Time,
    attributes: Option<Attributes>,
}

impl Module for File {
    const NAME: &'static str = "file";
    type Args = Args;
    const READS_AHEAD: bool = true;

    fn reads(a: &Args) -> Vec<Read> {
        a.path.iter().map(|p| Read::state(p)).collect()
    }

    fn validate(a: &Args) -> Result<(), String> {
        if a.path.as_deref().is_none_or(str::is_empty) {
            return Err("missing required arguments: path".into());
        }
        if a.recurse && a.state.is_some_and(|s| s != State::Directory) {
            return Err("recurse option requires state to be 'directory'".into());
        }
        if let Some(s @ (State::Link | State::Hard)) = a.state {
            if a.src.is_none() {
                return Err(format!("src is required for state '{}'", wanted_state(s)));
            }
        }
        if a.attributes.is_some()
            && (a.recurse || matches!(a.state, Some(State::Link | State::Hard)))
        {
            return Err(
                "attributes with recurse or with state=link or hard is not supported by rsible \
                        (only on the path of a file, directory or touched file)"
                    .into(),
            );
        }
        if mode_arg(a.mode.as_ref())? == Some(Mode::Preserve) {
            return Err("mode 'preserve' is only valid for copy and template".into());
        }
        for (v, f) in [
            (&a.access_time, &a.access_time_format),
            (&a.modification_time, &a.modification_time_format),
        ] {
            if f.as_deref().is_none_or(|f| !is_template(f)) {
                let v = v.as_deref().filter(|s| !is_template(s));
                Time::parse(v, f.as_deref(), Time::Now)?;
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(file(a, ctx))
    }
}

impl Plan {
    /// The plan for `a` (checked by [`File::validate`]); `current` is what is at the path,
    /// read when no argument says which state is wanted.
    fn new(a: Args, current: Option<Kind>) -> Result<Plan, String> {
        let path = a.path.unwrap_or_default();
        let state = match a.state {
            Some(s) => s,
            None if a.recurse => State::Directory,
            None if a.src.is_some() => State::Link,
            None => match current {
                Some(Kind::Directory) => State::Directory,
                Some(Kind::Link) if !a.follow => State::Link,
                _ => State::File,
            },
        };
        let default = if state == State::Touch {
            Time::Now
        } else {
            Time::Preserve
        };
        let mode = a.mode.as_ref().map(Mode::parse).transpose()?;
        Ok(Plan {
            atime: Time::parse(
                a.access_time.as_deref(),
                a.access_time_format.as_deref(),
                default.clone(),
            )?,
            mtime: Time::parse(
                a.modification_time.as_deref(),
                a.modification_time_format.as_deref(),
                default,
            )?,
            path,
            state,
            mode,
            owner: a.owner,
            group: a.group,
            recurse: a.recurse,
            src: a.src,
            force: a.force,
            follow: a.follow,
            attributes: a.attributes.as_deref().and_then(Attributes::parse),
        })
    }

    /// Whether the program resolves a symlink at the path to its target first.
    fn resolves_link(&self) -> bool {
        self.follow && matches!(self.state, State::File | State::Directory | State::Touch)
    }

    /// The `touch` options for the requested times, if any.
    fn touch(&self) -> Option<String> {
        let parts: Vec<String> = [self.atime.touch_args("-a"), self.mtime.touch_args("-m")]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Appends the probe of `$p` reported under `name` (in a subshell: absent is fine).
fn probe_section(s: &mut Vec<u8>, name: &str) {
    s.extend_from_slice(b"(\n");
    s.extend(probe::script_at(b"\"$p\"", Want::default(), name));
    s.extend_from_slice(b")\n");
}

/// `fail MESSAGE`: a shell function the programs use to stop with a message.
const PRELUDE: &[u8] = b"fail() { printf '%s\\n' \"$*\" >&2; exit 1; }\n";

/// The start of every program: `$p` (resolved when following), `$s` (src), the state before.
fn head(plan: &Plan) -> Vec<u8> {
    let mut s = MARK_FN.as_bytes().to_vec();
    s.extend_from_slice(PRELUDE);
    s.extend_from_slice(b"p=");
    s.extend(quote(plan.path.as_bytes()));
    s.push(b'\n');
    if plan.resolves_link() {
        s.extend_from_slice(
            b"if [ -L \"$p\" ] && [ -e \"$p\" ]; then p=$(readlink -f -- \"$p\"); fi\n",
        );
    }
    if let Some(src) = &plan.src {
        s.extend_from_slice(b"s=");
        s.extend(quote(src.as_bytes()));
        s.push(b'\n');
    }
    probe_section(&mut s, BEFORE);
    s
}

/// The recursive listing digest of `$p` (mode, owner, group of everything below).
const TREE: &str = "find \"$p\" -exec stat -c '%a %u %g' {} + 2>/dev/null | cksum";

/// The apply, after [`probe_script`] in the same program: brings the path to the plan's
/// state, prints what it did and the state after.
fn apply_script(plan: &Plan, diff: bool) -> Vec<u8> {
    let mut s = Vec::new();
    // Everything that may change the path sets `rsible_touched`; without it the state after
    // is the state before, and is not read again (a `stat`, about a millisecond).
    let did = |what: &str| format!("{{ m did {what}; rsible_touched=1; }}");
    let body = match plan.state {
        State::Absent => format!(
            "if [ -e \"$p\" ] || [ -L \"$p\" ]; then rm -rf -- \"$p\" || exit 1; {}; fi\n",
            did("remove")
        ),
        State::File => "if [ -L \"$p\" ] || ! [ -e \"$p\" ]; then fail \"file ($p) is absent, cannot continue\"; fi\n\
             [ -d \"$p\" ] && fail \"file ($p) is directory, cannot continue\"\n"
            .to_string(),
        State::Directory => make_dirs(plan, &did("mkdir"), diff),
        State::Touch => {
            let t = plan.touch();
            let create = format!(
                "if ! [ -e \"$p\" ]; then (set -C; : > \"$p\") || exit 1; {}; fi\n",
                did("create")
            );
            match t {
                Some(t) => format!("{create}touch {t} -- \"$p\" || exit 1\n{}\n", did("touch")),
                None => create,
            }
        }
        State::Link => {
            let force = if plan.force { "1" } else { "" };
            format!(
                "if [ -L \"$p\" ] && [ \"$(readlink -- \"$p\")\" = \"$s\" ]; then :\n\
                 else\n\
                 if [ -d \"$p\" ] && ! [ -L \"$p\" ]; then fail \"refusing to convert from directory to symlink for $p\"; fi\n\
                 if [ -e \"$p\" ] && ! [ -L \"$p\" ] && [ -z '{force}' ]; then fail \"refusing to convert from file to symlink for $p\"; fi\n\
                 case \"$s\" in /*) t=\"$s\";; *) t=\"$(dirname -- \"$p\")/$s\";; esac\n\
                 if ! [ -e \"$t\" ] && [ -z '{force}' ]; then fail \"src file does not exist, use \\\"force=yes\\\" if you really want to create the link: $t\"; fi\n\
                 ln -sfn -- \"$s\" \"$p\" || exit 1; {}\n\
                 fi\n",
                did("link")
            )
        }
        State::Hard => {
            let force = if plan.force { "1" } else { "" };
            format!(
                "if [ \"$p\" -ef \"$s\" ]; then :\n\
                 else\n\
                 [ -e \"$s\" ] || fail \"src file does not exist: $s\"\n\
                 if [ -d \"$p\" ] && ! [ -L \"$p\" ]; then fail \"refusing to convert from directory to hard link for $p\"; fi\n\
                 if [ -e \"$p\" ] && [ -z '{force}' ]; then fail \"refusing to convert from file to hard link for $p\"; fi\n\
                 ln -f -- \"$s\" \"$p\" || exit 1; {}\n\
                 fi\n",
                did("hard")
            )
        }
    };
    s.extend_from_slice(b"rsible_touched=\n");
    if plan.recurse {
        s.extend_from_slice(format!("m tree.before \"$({TREE})\"\nrsible_touched=1\n").as_bytes());
    }
    s.extend_from_slice(body.as_bytes());
    if plan.state == State::Directory && !plan.recurse {
        // A directory made just now already has them (see [`make_dirs`]).
        s.extend_from_slice(b"if [ -z \"$rsible_made\" ]; then :\n");
        attrs(&mut s, plan);
        s.extend_from_slice(b"fi\n");
    } else if plan.state != State::Absent {
        attrs(&mut s, plan);
    }
    if plan.state != State::Absent {
        if let Some(a) = &plan.attributes {
            s.extend_from_slice(a.apply_sh("\"$p\"", ATTR).as_bytes());
            s.extend_from_slice(b"rsible_touched=1\n");
        }
        if plan.state != State::Touch {
            if let Some(t) = plan.touch() {
                s.extend_from_slice(
                    format!("a=$(stat -c '%X %Y' -- \"$p\")\ntouch {t} -- \"$p\" || exit 1\n")
                        .as_bytes(),
                );
                let changed_if = if plan.atime == Time::Now || plan.mtime == Time::Now {
                    "true".to_string()
                } else {
                    "[ \"$a\" != \"$(stat -c '%X %Y' -- \"$p\")\" ]".to_string()
                };
                s.extend_from_slice(format!("{changed_if} && {}\n", did("times")).as_bytes());
            }
        }
    }
    if plan.recurse {
        s.extend_from_slice(format!("m tree.after \"$({TREE})\"\n").as_bytes());
    }
    s.extend_from_slice(b"if [ -n \"$rsible_touched\" ]; then\n");
    probe_section(&mut s, AFTER);
    s.extend_from_slice(format!("else m {SAME} 1\nfi\n").as_bytes());
    s
}

/// The directory program: each missing directory of the path is made in turn, from the top,
/// and given the mode, owner and group asked for (as Ansible does; `mkdir -p` would leave the
/// parents at the umask's mode); `$rsible_made` is set when the path itself was made. A path that is
/// something else fails with Ansible's words. A numeric mode is given by `mkdir -m` (each
/// `stat` and `chmod` is an exec, about a millisecond of the target's CPU), except with
/// `--diff`, which shows the mode `mkdir` gave before the task's.
fn make_dirs(plan: &Plan, did: &str, diff: bool) -> String {
    let bits = match &plan.mode {
        Some(Mode::Bits(b)) if !diff => Some(*b),
        _ => None,
    };
    let mut each = Vec::new();
    attrs(
        &mut each,
        &Plan {
            recurse: false,
            mode: if bits.is_some() {
                None
            } else {
                plan.mode.clone()
            },
            ..plan.clone()
        },
    );
    let each = match String::from_utf8_lossy(&each).into_owned() {
        e if e.is_empty() => e,
        e => format!("(p=$c\n{e}) || exit 1\n"),
    };
    let make = match bits {
        Some(b) => format!(
            "if mkdir -m {b:o} -- \"$c\" 2>/dev/null; then :; elif [ -d \"$c\" ]; then chmod {b:o} -- \"$c\" || exit 1; \
             else fail \"There was an issue creating $c as requested\"; fi\n"
        ),
        None => "mkdir -- \"$c\" 2>/dev/null || [ -d \"$c\" ] || fail \"There was an issue creating $c as requested\"\n"
            .to_string(),
    };
    let made = if diff {
        "m made \"$(stat -c %a -- \"$c\")\"\n"
    } else {
        ""
    };
    format!(
        "rsible_made=\n\
         if ! [ -e \"$p\" ] && ! [ -L \"$p\" ]; then\n\
         case \"$p\" in /*) c=/;; *) c=;; esac\n\
         o=$IFS; IFS=/; set -f; set -- $p; IFS=$o; set +f\n\
         for d in \"$@\"; do\n\
         [ -n \"$d\" ] || continue\n\
         if [ -z \"$c\" ]; then c=$d; else c=\"${{c%/}}/$d\"; fi\n\
         if ! [ -e \"$c\" ]; then {make}{made}{each}\
         fi\n\
         done\n\
         rsible_made=1; {did}\n\
         elif ! [ -d \"$p\" ]; then\n\
         if [ -L \"$p\" ]; then k=link; elif [ \"$(stat -c %h -- \"$p\")\" -gt 1 ]; then k=hard; else k=file; fi\n\
         fail \"$p already exists as a $k\"\n\
         fi\n"
    )
}

/// Appends the mode/owner/group changes (recursive for `recurse`), each only when it differs.
fn attrs(s: &mut Vec<u8>, plan: &Plan) {
    let is_link = plan.state == State::Link;
    if let Some(m) = &plan.mode {
        let cmd = match m {
            Mode::Bits(b) if plan.recurse => {
                format!("find \"$p\" ! -perm {b:o} -exec chmod {b:o} {{}} + || exit 1\nrsible_touched=1\n")
            }
            Mode::Bits(b) if !is_link => format!(
                "[ \"$(stat -c %a -- \"$p\")\" = {b:o} ] || {{ chmod {b:o} -- \"$p\" || exit 1; rsible_touched=1; }}\n"
            ),
            Mode::Symbolic(spec) if !is_link => {
                let r = if plan.recurse { "-R " } else { "" };
                let spec =
                    String::from_utf8_lossy(&quote(explicit_who(spec).as_bytes())).into_owned();
                format!("chmod {r}{spec} -- \"$p\" || exit 1\nrsible_touched=1\n")
            }
            _ => String::new(),
        };
        s.extend_from_slice(cmd.as_bytes());
    }
    for (value, name_fmt, id_fmt, cmd, find_test) in [
        (&plan.owner, "%U", "%u", "chown", "-user"),
        (&plan.group, "%G", "%g", "chgrp", "-group"),
    ] {
        let Some(v) = value else { continue };
        s.extend_from_slice(b"v=");
        s.extend(quote(v.as_bytes()));
        s.push(b'\n');
        let line = if plan.recurse {
            format!("find \"$p\" ! {find_test} \"$v\" -exec {cmd} -h -- \"$v\" {{}} + || exit 1\nrsible_touched=1\n")
        } else {
            format!(
                "[ \"$(stat -c {name_fmt} -- \"$p\")\" = \"$v\" ] || [ \"$(stat -c {id_fmt} -- \"$p\")\" = \"$v\" ] || {{ {cmd} -h -- \"$v\" \"$p\" || exit 1; rsible_touched=1; }}\n"
            )
        };
        s.extend_from_slice(line.as_bytes());
    }
}

/// Ansible reads a symbolic clause without `u`/`g`/`o`/`a` as `a` (no umask): say so to chmod.
fn explicit_who(spec: &str) -> String {
    spec.split(',')
        .map(|c| {
            if c.starts_with(['=', '+', '-']) {
                format!("a{c}")
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The probe: the state before, whether a hard link is already in place and whether
/// anything below a directory has other attributes (what [`predict`] needs when the apply
/// does not run). The apply checks each step itself, so the gate is always opened.
fn probe_script(plan: &Plan) -> Vec<u8> {
    let mut s = head(plan);
    if plan.attributes.is_some() && plan.state != State::Absent {
        s.extend_from_slice(chattr::probe_sh("\"$p\"", ATTR).as_bytes());
    }
    if plan.state == State::Hard {
        s.extend_from_slice(b"[ \"$p\" -ef \"$s\" ] && m same_inode\n");
    }
    if plan.recurse {
        let mut tests = Vec::new();
        if let Some(Mode::Bits(b)) = &plan.mode {
            tests.push(format!("! -perm {b:o}"));
        }
        for (v, t) in [(&plan.owner, "-user"), (&plan.group, "-group")] {
            if let Some(v) = v {
                tests.push(format!(
                    "! {t} {}",
                    String::from_utf8_lossy(&quote(v.as_bytes()))
                ));
            }
        }
        if !tests.is_empty() {
            s.extend_from_slice(
                format!(
                    "[ -d \"$p\" ] && [ -n \"$(find \"$p\" \\( {} \\) -print 2>/dev/null | head -n 1)\" ] && m tree_differs\n",
                    tests.join(" -o ")
                )
                .as_bytes(),
            );
        }
    }
    s.extend_from_slice(b"rsible_change=1\n");
    s
}

/// The names of the probes of the path before and after the apply.
const BEFORE: &str = "before";
const AFTER: &str = "after";
/// Printed instead of the probe after the apply when the apply changed nothing.
const SAME: &str = "after_same";
/// The name of the flags' probe and apply.
const ATTR: &str = "attr";

/// Whether anything would change, predicted from the probe (when the apply did not run).
fn predict(plan: &Plan, before: &PathState, r: &Report) -> Result<bool, String> {
    let exists = before.exists();
    let p = &plan.path;
    let type_change = match plan.state {
        State::Absent => exists,
        State::File if !exists || before.kind == Kind::Link => {
            return Err(format!("file ({p}) is absent, cannot continue"))
        }
        State::File if before.kind == Kind::Directory => {
            return Err(format!("file ({p}) is directory, cannot continue"))
        }
        State::File => false,
        State::Directory if exists && before.kind != Kind::Directory => {
            return Err(format!("{p} already exists as a {}", before.kind.state()))
        }
        State::Directory => !exists,
        State::Touch => !exists || plan.touch().is_some(),
        State::Link => {
            if before.kind == Kind::Directory {
                return Err(format!(
                    "refusing to convert from directory to symlink for {p}"
                ));
            }
            if before.kind == Kind::File && !plan.force {
                return Err(format!("refusing to convert from file to symlink for {p}"));
            }
            before.link_target.as_deref() != plan.src.as_deref()
        }
        State::Hard => !r.has("same_inode"),
    };
    if type_change || plan.state == State::Absent || !exists {
        return Ok(type_change || (!exists && plan.state != State::Absent));
    }
    let mode_change = match &plan.mode {
        Some(m) if before.kind != Kind::Link => m
            .resolve(before.mode, before.kind == Kind::Directory)?
            .is_some_and(|b| b != before.mode),
        _ => false,
    };
    let owner_change = plan
        .owner
        .as_deref()
        .is_some_and(|o| !same_id(o, &before.owner, before.uid));
    let group_change = plan
        .group
        .as_deref()
        .is_some_and(|g| !same_id(g, &before.group, before.gid));
    let tree_change = r.has("tree_differs");
    let attr_change = attr_change(plan, r, false).is_some();
    Ok(mode_change
        || owner_change
        || group_change
        || tree_change
        || attr_change
        || plan.touch().is_some())
}

/// The flags before when `chattr` ran (`applied`) or would run: from the apply's or the
/// probe's report.
fn attr_change(plan: &Plan, r: &Report, applied: bool) -> Option<String> {
    let a = plan.attributes.as_ref()?;
    if applied {
        chattr::applied(r, ATTR)
    } else {
        a.change(r, ATTR)
    }
}

/// Whether the applying program changed anything.
fn applied_changes(before: &PathState, after: &PathState, r: &Report) -> bool {
    r.has("did")
        || r.has("attr.was")
        || r.get("tree.before") != r.get("tree.after")
        || before.kind != after.kind
        || before.mode != after.mode
        || before.uid != after.uid
        || before.gid != after.gid
        || before.link_target != after.link_target
}

/// `file`: the current kind when the state is not given (a probe), then one gated program.
async fn file(args: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let se = [&args.seuser, &args.serole, &args.setype, &args.selevel].map(Option::is_some);
    selinux::check(ctx, "file", se).await?;
    let needs_current = args.state.is_none() && !args.recurse && args.src.is_none();
    let current = if needs_current {
        let path = args.path.clone().unwrap_or_default();
        let want = Want {
            follow: false,
            ..Want::default()
        };
        Some(probe::probe(ctx, "file", &path, want).await?.0.kind)
    } else {
        None
    };
    let plan = Plan::new(args, current).map_err(Failure::BadArgs)?;
    if let Some(o) = unchanged_as_read_ahead(&plan, ctx) {
        return Ok(o);
    }
    let out = ctx
        .gated(
            &probe_script(&plan),
            &apply_script(&plan, ctx.diff),
            Vec::new(),
        )
        .await?;
    let bad = |e: String| Failure::Failed(format!("{}: {e}", plan.path));
    let r = Report::parse("file", &String::from_utf8_lossy(&out.stdout))?;
    if out.status.rc() != 0 {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        let msg = if err.is_empty() {
            format!(
                "{}: the program failed with status {}",
                plan.path,
                out.status.rc()
            )
        } else {
            err
        };
        let before = probe::read("file", &r, BEFORE).map_err(bad)?;
        if r.has("chattr_failed") {
            let mut o = failed(&plan, &before, "chattr failed".into());
            let details = r.get("chattr_details").unwrap_or_default();
            o.fields.insert("details".into(), json!(details));
            return Ok(o);
        }
        return Ok(failed(&plan, &before, msg));
    }
    let before = probe::read("file", &r, BEFORE).map_err(bad)?;
    let applied = r.has(AFTER) || r.has(SAME);
    let (after, changed) = if applied {
        let after = if r.has(SAME) {
            before.clone()
        } else {
            probe::read("file", &r, AFTER).map_err(bad)?
        };
        let changed = applied_changes(&before, &after, &r);
        (after, changed)
    } else {
        match predict(&plan, &before, &r) {
            Ok(changed) => (before.clone(), changed),
            Err(msg) => return Ok(failed(&plan, &before, msg)),
        }
    };
    let mut o = Output {
        changed,
        ..state_output(&plan, &after)
    };
    if !applied {
        let predicted = match plan.state {
            State::Absent => "absent",
            State::Directory => "directory",
            State::Link => "link",
            State::Hard | State::File | State::Touch => "file",
        };
        o.fields.insert("state".into(), json!(predicted));
    }
    if ctx.diff {
        let mut diff = result_diff(&plan, &before, &after, applied, &r);
        if let (Some(was), Some(a)) = (attr_change(&plan, &r, applied), &plan.attributes) {
            diff["before"]["attributes"] = json!(was);
            diff["after"]["attributes"] = json!(a.arg());
        }
        o.fields.insert("diff".into(), diff);
    }
    if ctx.diff && changed {
        let state_after = o.fields.get("state").and_then(Value::as_str).unwrap_or("");
        o.diffs
            .push(value_diff("state", before.kind.state(), state_after));
        if before.exists() && after.exists() && before.mode != after.mode {
            o.diffs.push(value_diff(
                "mode",
                &mode::octal(before.mode),
                &mode::octal(after.mode),
            ));
        }
        if let (Some(was), Some(a)) = (attr_change(&plan, &r, applied), &plan.attributes) {
            o.diffs.push(value_diff("attributes", &was, &a.arg()));
        }
    }
    Ok(o)
}

/// The result when the path was read ahead and [`predict`] finds nothing to change: what the
/// program would have reported (its apply changes nothing then, so the state after is the
/// state before). `None` (the program runs) for what the read-ahead does not cover: flags,
/// a tree, times, hard links, a link to resolve first, or a change.
fn unchanged_as_read_ahead(plan: &Plan, ctx: &Ctx<'_>) -> Option<Output> {
    let simple = plan.attributes.is_none()
        && !plan.recurse
        && plan.touch().is_none()
        && !matches!(plan.state, State::Hard | State::Touch);
    let e = ctx.read_ahead(&plan.path).filter(|_| simple)?;
    if plan.resolves_link() && e.state.kind == Kind::Link {
        return None;
    }
    let before = PathState {
        sha256: None,
        ..e.state.clone()
    };
    if predict(plan, &before, &Report::default()) != Ok(false) {
        return None;
    }
    Some(state_output(plan, &before))
}

/// An unchanged result for the path in the state `after`: the path under Ansible's key, the
/// state's fields (or `state: absent`) and the link's `src`.
fn state_output(plan: &Plan, after: &PathState) -> Output {
    let mut o = Output::default();
    o.fields
        .insert(path_key(plan.state).into(), json!(plan.path));
    if after.exists() {
        fill_state(&mut o.fields, after);
    } else {
        o.fields.insert("state".into(), json!("absent"));
    }
    if let Some(src) = &plan.src {
        o.fields.insert("src".into(), json!(src));
    }
    o
}

/// The key Ansible names the path under: `dest` for `touch` and links, else `path`.
fn path_key(state: State) -> &'static str {
    match state {
        State::Touch | State::Link | State::Hard => "dest",
        _ => "path",
    }
}

/// The `state` the plan leads to.
fn wanted_state(state: State) -> &'static str {
    match state {
        State::Absent => "absent",
        State::Directory => "directory",
        State::Link => "link",
        State::Hard => "hard",
        State::Touch => "touch",
        State::File => "file",
    }
}

/// A failed result as Ansible's `file` returns it: the message, the path and what is there.
fn failed(plan: &Plan, before: &PathState, msg: String) -> Output {
    let mut o = Output {
        failed: true,
        msg: Some(msg),
        ..Output::default()
    };
    o.fields.insert("path".into(), json!(plan.path));
    if before.exists() {
        fill_state(&mut o.fields, before);
    } else {
        o.fields.insert("state".into(), json!("absent"));
    }
    o
}

/// The registered `diff` under `--diff`: `{before, after}` dicts with the path, and the
/// state, mode and owner where they change (Ansible's shape for `file`); the attributes
/// only when the apply ran (`applied`) and `after` is what it left.
fn result_diff(
    plan: &Plan,
    before: &PathState,
    after: &PathState,
    applied: bool,
    r: &Report,
) -> Value {
    let mut b = Map::new();
    let mut a = Map::new();
    b.insert("path".into(), json!(plan.path));
    a.insert("path".into(), json!(plan.path));
    let was = before.kind.state();
    let want = wanted_state(plan.state);
    if was != want {
        b.insert("state".into(), json!(was));
        a.insert("state".into(), json!(want));
    }
    // A directory made here: the mode `mkdir` gave it, when the task's mode changed it.
    let made = r.all("made").last();
    if let Some(m) = made.and_then(|m| u32::from_str_radix(m, 8).ok()) {
        if plan.mode.is_some() && m != after.mode {
            b.insert("mode".into(), json!(mode::octal(m)));
            a.insert("mode".into(), json!(mode::octal(after.mode)));
        }
    }
    if applied && before.exists() && after.exists() {
        if before.mode != after.mode && after.kind != Kind::Link {
            b.insert("mode".into(), json!(mode::octal(before.mode)));
            a.insert("mode".into(), json!(mode::octal(after.mode)));
        }
        if before.uid != after.uid {
            b.insert("owner".into(), json!(before.uid));
            a.insert("owner".into(), json!(after.uid));
        }
        if before.gid != after.gid {
            b.insert("group".into(), json!(before.gid));
            a.insert("group".into(), json!(after.gid));
        }
    }
    json!({"before": b, "after": a})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    fn plan(v: Value) -> Result<Plan, String> {
        let a: Args =
            crate::modules::framework::args::parse("file", v.as_object().expect("object"))?;
        File::validate(&a)?;
        Plan::new(a, None)
    }

    #[test]
    fn arguments_are_checked_at_load() {
        assert_eq!(
            check::<File>(json!({"path": "/x", "state": "{{ s }}", "recurse": true})),
            Ok(true)
        );
        assert_eq!(
            check::<File>(
                json!({"dest": "{{ d }}", "mode": "{{ m }}", "state": "link",
            "src": "{{ s }}", "access_time": "{{ t }}"})
            ),
            Ok(true)
        );
        assert!(check::<File>(json!({"path": "/x", "modee": "0644"})).is_err());
        assert!(check::<File>(json!({"state": "directory"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "state": "sideways"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "recurse": "sometimes"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "mode": "rwxrwxrwx"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "mode": "preserve"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "state": "hard"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "access_time": "soon"})).is_err());
        assert!(check::<File>(json!({"path": "/x", "access_time_format": "%H"})).is_err());
        assert_eq!(check::<File>(json!({"path": "/x", "attr": "+i"})), Ok(true));
        let link = json!({"path": "/x", "src": "/y", "state": "link", "attributes": "i"});
        assert!(check::<File>(link)
            .unwrap_err()
            .contains("not supported by rsible"));
        let tree = json!({"path": "/x", "state": "directory", "recurse": true, "attributes": "A"});
        assert!(check::<File>(tree).is_err());
    }

    #[test]
    fn states_default_like_ansible() {
        assert_eq!(
            plan(json!({"path": "/x", "recurse": true})).unwrap().state,
            State::Directory
        );
        assert_eq!(
            plan(json!({"dest": "/x", "src": "/y"})).unwrap().state,
            State::Link
        );
        assert_eq!(plan(json!({"name": "/x"})).unwrap().state, State::File);
        assert!(plan(json!({"path": "/x", "state": "link"})).is_err());
        assert!(plan(json!({"path": "/x", "state": "file", "recurse": true})).is_err());
        assert!(plan(json!({"path": "/x", "state": "dir"})).is_err());
        let t = plan(json!({"path": "/x", "state": "touch"})).unwrap();
        assert_eq!(t.touch().as_deref(), Some("-a -m"));
        let p = plan(
            json!({"path": "/x", "state": "touch", "access_time": "preserve",
            "modification_time": "202401021504.05"}),
        )
        .unwrap();
        assert_eq!(p.touch().as_deref(), Some("-m -t 202401021504.05"));
        assert!(plan(json!({"path": "/x", "modification_time": "tomorrow"})).is_err());
    }

    #[test]
    fn symbolic_modes_name_everyone_and_values_are_quoted() {
        assert_eq!(explicit_who("+x,u=rw"), "a+x,u=rw");
        let p = plan(json!({"path": "/a b'c", "state": "directory", "owner": "x;y"})).unwrap();
        let mut s = String::from_utf8(probe_script(&p)).unwrap();
        s.push_str(&String::from_utf8(apply_script(&p, false)).unwrap());
        assert!(s.contains("p='/a b'\\''c'"), "{s}");
        assert!(s.contains("v='x;y'"), "{s}");
    }

    fn report(out: &str) -> Report {
        Report::parse("file", out).unwrap()
    }

    #[test]
    fn changes_are_read_from_the_program_output() {
        let r = report(
            "@@rsible before absent\n@@rsible did mkdir\n@@rsible after directory\n\
             @@rsible after.stat 755 0 root 0 root 4096 1\n",
        );
        let before = probe::read("file", &r, BEFORE).unwrap();
        let after = probe::read("file", &r, AFTER).unwrap();
        assert!(!before.exists() && after.kind == Kind::Directory);
        assert!(applied_changes(&before, &after, &r));
        let same = "@@rsible tree.before 1\n@@rsible tree.after 1\n";
        assert!(!applied_changes(&after, &after, &report(same)));
        let differs = "@@rsible tree.before 1\n@@rsible tree.after 2\n";
        assert!(applied_changes(&after, &after, &report(differs)));
        let e = probe::read("file", &report("@@rsible before sideways\n"), BEFORE).unwrap_err();
        assert!(e.starts_with("file: ") && e.contains("sideways"), "{e}");
    }

    #[test]
    fn the_probe_opens_the_gate_and_changes_nothing() {
        let p = plan(json!({"path": "/x", "state": "hard", "src": "/y"})).unwrap();
        let s = String::from_utf8(probe_script(&p)).unwrap();
        assert!(s.ends_with("rsible_change=1\n"), "{s}");
        assert!(!s.contains("ln ") && !s.contains("rm "), "{s}");
        let mut f = PathState::absent();
        f.kind = Kind::File;
        assert!(!predict(&p, &f, &report("@@rsible same_inode\n")).unwrap());
        assert!(predict(&p, &f, &report("")).unwrap());
    }

    #[test]
    fn flags_are_probed_predicted_and_set() {
        let p = plan(json!({"path": "/x", "attributes": "Ae"})).unwrap();
        let probe = String::from_utf8(probe_script(&p)).unwrap();
        assert!(
            probe.contains("lsattr -d -- \"$p\"") && !probe.contains("chattr ="),
            "{probe}"
        );
        let apply = String::from_utf8(apply_script(&p, false)).unwrap();
        assert!(apply.contains("chattr =Ae \"$p\""), "{apply}");
        let mut f = PathState::absent();
        f.kind = Kind::File;
        let same = "@@rsible attr.chattr\n@@rsible attr.flags fAe\n";
        assert!(!predict(&p, &f, &report(same)).unwrap());
        let other = "@@rsible attr.chattr\n@@rsible attr.flags fe\n";
        assert!(predict(&p, &f, &report(other)).unwrap());
        assert_eq!(attr_change(&p, &report(other), false), Some("e".into()));
        // No chattr on the target: nothing changes, as in Ansible.
        assert!(!predict(&p, &f, &report("@@rsible attr.flags fe\n")).unwrap());
        assert_eq!(
            attr_change(&p, &report("@@rsible attr.was fe\n"), true),
            Some("e".into())
        );
    }

    #[test]
    fn predicts_from_the_probe() {
        let p = plan(json!({"path": "/x", "state": "directory", "mode": "0750"})).unwrap();
        let mut d = PathState::absent();
        let none = report("");
        assert!(predict(&p, &d, &none).unwrap());
        d.kind = Kind::Directory;
        d.mode = 0o750;
        assert!(!predict(&p, &d, &none).unwrap());
        d.mode = 0o755;
        assert!(predict(&p, &d, &none).unwrap());
        let f = plan(json!({"path": "/x", "state": "file"})).unwrap();
        assert!(predict(&f, &PathState::absent(), &none).is_err());
    }
}
