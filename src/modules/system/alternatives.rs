//! `alternatives` (community.general): one generic name's alternatives through Debian's
//! `update-alternatives`. Round trips: a probe reads `update-alternatives --display NAME`
//! (and whether `path` exists); an apply only when something changes (`--install`, `--set`,
//! `--auto` or `--remove`, in Ansible's order, stopping at the first that fails); in check
//! mode the apply is not sent. The display is read as Ansible's module reads it, quirks
//! included (a name of other than word characters has no current link, a negative priority
//! is never found installed), and the result carries its `msg` and structured `diff`.
//! `family` (RHEL's alternatives only) is refused at load. Knows nothing of playbooks.

use crate::connection::quote::quote_str;
use crate::modules::framework::ansible_diff;
use crate::modules::framework::args::{de_opt_int, is_template};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec, CG};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// `alternatives` in the registry.
pub const SPEC: Spec = spec::<Alternatives>(CG, &[]);

/// The `alternatives` module.
pub struct Alternatives;

/// Arguments of `alternatives` (Ansible's names and aliases).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    name: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default, deserialize_with = "de_opt_int")]
    priority: Option<i64>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default, alias = "slaves")]
    subcommands: Option<Vec<Sub>>,
}

/// One subcommand (a follower link installed with the alternative).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sub {
    name: String,
    path: String,
    link: String,
}

/// Ansible's `state` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// Installed, not selected.
    Present,
    /// Installed and selected (the default).
    Selected,
    /// Installed, the group in auto mode.
    Auto,
    /// Removed.
    Absent,
}

impl Module for Alternatives {
    const NAME: &'static str = "alternatives";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.family.is_some() {
            return Err(
                "family is not supported by rsible: it belongs to the alternatives \
                 of RHEL, and rsible's alternatives drives Debian's update-alternatives"
                    .into(),
            );
        }
        if a.path.is_none() {
            return Err("one of the following is required: path, family".into());
        }
        let paths = [&a.path, &a.link].into_iter().flatten().chain(
            a.subcommands
                .iter()
                .flatten()
                .flat_map(|s| [&s.path, &s.link]),
        );
        for p in paths {
            if !is_template(p) && (p.starts_with('~') || p.contains('$')) {
                return Err(format!(
                    "{p:?}: a path with ~ or $ (expanded on the target by Ansible) is not \
                     supported by rsible"
                ));
            }
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(alternatives(a, ctx))
    }
}

/// One installed alternative as the display lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Installed {
    priority: i64,
    /// Its subcommands in the display's order: name, path, and the link when the display
    /// names it.
    subs: Vec<(String, String, Option<String>)>,
}

/// What `update-alternatives --display NAME` says, read as Ansible reads it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Display {
    /// `auto` or `manual`; `None` when the name is unknown.
    mode: Option<String>,
    current_path: Option<String>,
    current_link: Option<String>,
    /// Installed alternatives by path, in the display's order.
    alternatives: Vec<(String, Installed)>,
}

impl Display {
    fn get(&self, path: &str) -> Option<&Installed> {
        self.alternatives
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, i)| i)
    }
}

/// The mode of a status line: `NAME - auto mode`, `NAME - status is auto.`.
fn mode_of(line: &str) -> Option<String> {
    line.match_indices(" - ").find_map(|(at, _)| {
        let rest = &line[at + 3..];
        let rest = rest.strip_prefix("status is ").unwrap_or(rest);
        let word_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (word, tail) = rest.split_at(word_len);
        (tail == " mode" || tail.chars().count() == 1).then(|| word.to_string())
    })
}

/// `(path, priority)` of an alternative's line `/PATH - priority N` (with an optional
/// `family F ` before `priority`); the last ` - ` that fits ends the path.
fn alternative_line(line: &str) -> Option<(String, i64)> {
    if !line.starts_with('/') {
        return None;
    }
    line.rmatch_indices(" - ").find_map(|(at, _)| {
        let rest = &line[at + 3..];
        let rest = match rest.strip_prefix("family ") {
            Some(r) => r.split_once(' ').map_or(r, |(_, r)| r),
            None => rest,
        };
        let digits = rest.strip_prefix("priority ")?;
        let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
        let p = n.parse().ok()?;
        Some((line[..at].to_string(), p))
    })
}

/// Reads the display (empty when the name is unknown: no status line).
fn parse(text: &str, wanted_subs: Option<&[Sub]>) -> Display {
    let mut d = Display::default();
    let Some(mode) = text.lines().find_map(mode_of) else {
        return d;
    };
    d.mode = Some(mode);
    let follower = |l: &str| {
        let t = l.trim_start();
        t.strip_prefix("slave ")
            .or_else(|| t.strip_prefix("follower "))
            .map(str::to_string)
    };
    let mut links: Vec<(String, String)> = Vec::new();
    for l in text.lines() {
        let t = l.trim_start();
        if let Some(p) = t.strip_prefix("link currently points to ") {
            d.current_path.get_or_insert(p.to_string());
        } else if let Some(rest) = t.strip_prefix("link ") {
            if let Some((w, target)) = rest.split_once(" is ") {
                if !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    d.current_link.get_or_insert(target.to_string());
                }
            }
        }
        if let Some(rest) = follower(l) {
            if let Some((n, link)) = rest.split_once(" is ") {
                if !n.is_empty() && !n.contains(char::is_whitespace) {
                    links.push((n.to_string(), link.to_string()));
                }
            }
        }
    }
    if links.is_empty() {
        if let Some(w) = wanted_subs {
            links = w.iter().map(|s| (s.name.clone(), s.link.clone())).collect();
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let Some((path, priority)) = alternative_line(l) else {
            continue;
        };
        let mut inst = Installed {
            priority,
            subs: Vec::new(),
        };
        // Its subcommands: the indented follower lines right after it.
        for s in lines[i + 1..]
            .iter()
            .take_while(|s| s.starts_with(char::is_whitespace) && follower(s).is_some())
        {
            let rest = follower(s).unwrap_or_default();
            let Some((n, p)) = rest.rsplit_once(": ") else {
                continue;
            };
            if p == "(null)" {
                continue;
            }
            let link = links.iter().rev().find(|(k, _)| k == n);
            inst.subs
                .push((n.to_string(), p.to_string(), link.map(|(_, l)| l.clone())));
        }
        d.alternatives.push((path, inst));
    }
    d
}

/// The subcommands of an installed alternative as Ansible's dicts (`link` null when the
/// display did not name it).
fn subs_json(i: &Installed) -> Vec<Value> {
    i.subs
        .iter()
        .map(|(n, p, l)| json!({"name": n, "path": p, "link": l}))
        .collect()
}

/// Whether an installed alternative has exactly the wanted subcommands (as sets).
fn same_subs(i: &Installed, want: &[Sub]) -> bool {
    let has = |w: &Sub| {
        i.subs
            .iter()
            .any(|(n, p, l)| *n == w.name && *p == w.path && l.as_deref() == Some(&w.link))
    };
    i.subs.iter().all(|(n, p, l)| {
        want.iter()
            .any(|w| *n == w.name && *p == w.path && l.as_deref() == Some(&w.link))
    }) && want.iter().all(has)
}

/// The probe: `bin` (update-alternatives' path, or `missing`), the display's `rc` and text,
/// and `exists` when `path` exists.
fn probe(a: &Args) -> String {
    format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         b=$(command -v update-alternatives) || {{ m missing; exit 0; }}\nm bin \"$b\"\n\
         o=$(\"$b\" --display {name} 2>/dev/null); m rc $?\nmx display \"$o\"\n\
         [ -e {path} ] && m exists\nexit 0\n",
        name = quote_str(&a.name),
        path = quote_str(a.path.as_deref().unwrap_or_default()),
    )
}

/// The apply: each command in turn; the first that fails reports `fail N`, its `rc`,
/// `stdout` and `stderr`, and stops the program.
fn apply(cmds: &[Vec<String>]) -> String {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}\
         t=$(mktemp) || exit 1\ntrap 'rm -f -- \"$t\"' EXIT\n\
         run() {{ n=$1; shift; o=$(\"$@\" 2>\"$t\"); rc=$?; [ $rc = 0 ] && return 0; \
         m fail $n; m rc $rc; mx stdout \"$o\"; mx stderr \"$(cat -- \"$t\")\"; exit 0; }}\n"
    );
    for (i, c) in cmds.iter().enumerate() {
        let words: Vec<String> = c.iter().map(|w| quote_str(w)).collect();
        s.push_str(&format!("run {i} {}\n", words.join(" ")));
    }
    s
}

/// What the module decided: the commands, the messages, and the diff's `after`.
#[derive(Debug, Default)]
struct Plan {
    cmds: Vec<Vec<String>>,
    messages: Vec<String>,
    after: Map<String, Value>,
    /// A failure found before any command (a missing path or link).
    fail: Option<String>,
}

/// Ansible's decisions on `a` given the display `d` (`exists`: whether `path` exists).
fn plan(a: &Args, bin: &str, d: &Display, exists: bool) -> Plan {
    let mut p = Plan::default();
    let name = a.name.as_str();
    let Some(path) = a.path.as_deref() else {
        return p;
    };
    let installed = d.get(path);
    let state = a.state.unwrap_or(State::Selected);
    if state == State::Absent {
        if installed.is_some() {
            p.cmds.push(vec![
                bin.into(),
                "--remove".into(),
                name.into(),
                path.into(),
            ]);
            p.messages
                .push(format!("Remove alternative '{path}' from '{name}'."));
            p.after.insert("state".into(), json!("absent"));
        }
        return p;
    }
    let reinstall = match installed {
        None => true,
        Some(i) => {
            a.priority.is_some_and(|want| want != i.priority)
                || a.subcommands.as_deref().is_some_and(|w| !same_subs(i, w))
        }
    };
    if reinstall {
        if !exists {
            p.fail = Some(format!("Specified path {path} does not exist"));
            return p;
        }
        let Some(link) = a.link.clone().or_else(|| d.current_link.clone()) else {
            p.fail = Some(
                "Needed to install the alternative, but unable to do so as we are missing the link"
                    .into(),
            );
            return p;
        };
        let priority = a.priority.or(installed.map(|i| i.priority)).unwrap_or(50);
        let mut cmd = vec![
            bin.to_string(),
            "--install".into(),
            link.clone(),
            name.into(),
            path.into(),
            priority.to_string(),
        ];
        for s in a.subcommands.iter().flatten() {
            cmd.extend([
                "--slave".into(),
                s.link.clone(),
                s.name.clone(),
                s.path.clone(),
            ]);
        }
        p.cmds.push(cmd);
        p.messages
            .push(format!("Install alternative '{path}' for '{name}'."));
        p.after.insert("state".into(), json!("present"));
        p.after.insert("path".into(), json!(path));
        p.after.insert("family".into(), Value::Null);
        p.after.insert("priority".into(), json!(priority));
        p.after.insert("link".into(), json!(link));
        let subs: Vec<Value> = match (&a.subcommands, installed) {
            (Some(w), _) => w
                .iter()
                .map(|s| json!({"name": s.name, "path": s.path, "link": s.link}))
                .collect(),
            (None, Some(i)) => subs_json(i),
            (None, None) => Vec::new(),
        };
        if !subs.is_empty() {
            p.after.insert("subcommands".into(), json!(subs));
        }
    }
    if state == State::Selected && d.current_path.as_deref() != Some(path) {
        p.cmds
            .push(vec![bin.into(), "--set".into(), name.into(), path.into()]);
        p.messages
            .push(format!("Set alternative '{path}' for '{name}'."));
        p.after.insert("state".into(), json!("selected"));
    }
    if state == State::Auto && d.mode.as_deref() == Some("manual") {
        p.cmds.push(vec![bin.into(), "--auto".into(), name.into()]);
        p.messages
            .push(format!("Set alternative to auto for '{name}'."));
        p.after.insert("state".into(), json!("present"));
    }
    p
}

/// The diff's `before`, as Ansible's module fills it (nothing when the name is unknown).
fn before(a: &Args, d: &Display) -> Map<String, Value> {
    let mut b = Map::new();
    if d.mode.is_none() {
        return b;
    }
    let path = a.path.as_deref().unwrap_or_default();
    match d.get(path) {
        Some(i) => {
            b.insert("state".into(), json!("present"));
            b.insert("path".into(), json!(path));
            b.insert("priority".into(), json!(i.priority));
            b.insert("link".into(), json!(d.current_link));
            let subs = subs_json(i);
            if !subs.is_empty() {
                b.insert("subcommands".into(), json!(subs));
            }
            if d.mode.as_deref() == Some("manual") && d.current_path.as_deref() != Some(path) {
                b.insert("state".into(), json!("selected"));
            }
        }
        None => {
            b.insert("state".into(), json!("absent"));
        }
    }
    b
}

/// `alternatives`: see the file header for the round trips.
async fn alternatives(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx.probe(probe(&a).into_bytes(), Vec::new()).await?;
    let r = Report::parse("alternatives", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    if r.has("missing") {
        o.failed = true;
        o.msg =
            Some("Failed to find required executable \"update-alternatives\" on the target".into());
        return Ok(o);
    }
    let (Some(bin), Some(rc)) = (r.get("bin"), r.get("rc")) else {
        return Err(Failure::Failed(format!(
            "alternatives: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    let d = if rc == "0" {
        parse(
            r.get("display").unwrap_or_default(),
            a.subcommands.as_deref(),
        )
    } else {
        Display::default()
    };
    let p = plan(&a, bin, &d, r.has("exists"));
    if let Some(msg) = p.fail {
        o.failed = true;
        o.msg = Some(msg);
        return Ok(o);
    }
    let (before, after) = if ctx.diff {
        (before(&a, &d), p.after)
    } else {
        (Map::new(), Map::new())
    };
    let diff = json!({"before": before, "after": after});
    o.changed = !p.cmds.is_empty();
    // Ansible shows a diff only when something changed.
    if ctx.diff && o.changed {
        o.diffs = ansible_diff::diffs(diff.clone());
    }
    o.fields.insert("diff".into(), diff);
    o.msg = Some(p.messages.join(" "));
    if !o.changed {
        return Ok(o);
    }
    let Some(out) = ctx.apply(apply(&p.cmds).into_bytes(), Vec::new()).await? else {
        return Ok(o);
    };
    let r = Report::parse("alternatives", &String::from_utf8_lossy(&out.stdout))?;
    if let Some(n) = r.get("fail").and_then(|n| n.parse::<usize>().ok()) {
        let cmd: Vec<String> = p.cmds[n].iter().map(|w| quote_str(w)).collect();
        let stdout = r.get("stdout").unwrap_or_default();
        let stderr = r.get("stderr").unwrap_or_default();
        let rc: i64 = r.get("rc").and_then(|v| v.parse().ok()).unwrap_or(1);
        o = Output {
            failed: true,
            msg: Some(stderr.trim_end().to_string()),
            ..Output::default()
        };
        o.fields.insert("cmd".into(), json!(cmd.join(" ")));
        o.fields.insert("rc".into(), json!(rc));
        o.fields.insert("stdout".into(), json!(stdout));
        o.fields.insert("stderr".into(), json!(stderr));
        o.fields.insert(
            "stdout_lines".into(),
            json!(stdout.lines().collect::<Vec<_>>()),
        );
        o.fields.insert(
            "stderr_lines".into(),
            json!(stderr.lines().collect::<Vec<_>>()),
        );
    } else if out.status.rc() != 0 {
        o.failed = true;
        o.msg = Some(format!(
            "alternatives: the remote program failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::spec::check;

    const AWK: &str = "awk - auto mode\n  link best version is /usr/bin/mawk\n  \
        link currently points to /usr/bin/mawk\n  link awk is /usr/bin/awk\n  \
        slave awk.1.gz is /usr/share/man/man1/awk.1.gz\n  slave nawk is /usr/bin/nawk\n\
        /usr/bin/gawk - priority 10\n  slave awk.1.gz: /usr/share/man/man1/gawk.1.gz\n  \
        slave nawk: (null)\n/usr/bin/mawk - priority 5\n  \
        slave awk.1.gz: /usr/share/man/man1/mawk.1.gz\n  slave nawk: /usr/bin/mawk";

    fn args(v: Value) -> Args {
        let a: Args =
            crate::modules::framework::args::parse("alternatives", v.as_object().unwrap()).unwrap();
        Alternatives::validate(&a).unwrap();
        a
    }

    #[test]
    fn short_name_and_fqcn_resolve() {
        use crate::modules::registry::canonical;
        assert_eq!(canonical("alternatives"), Some("alternatives"));
        assert_eq!(
            canonical("community.general.alternatives"),
            Some("alternatives")
        );
    }

    #[test]
    fn load_check() {
        assert_eq!(
            check::<Alternatives>(json!({"name": "awk", "path": "/usr/bin/gawk",
                "slaves": [{"name": "n", "path": "/a", "link": "/b"}], "priority": "7"})),
            Ok(true)
        );
        assert!(check::<Alternatives>(json!({"name": "awk"})).is_err());
        assert!(check::<Alternatives>(json!({"name": "awk", "family": "x"}))
            .unwrap_err()
            .contains("not supported by rsible"));
        assert!(check::<Alternatives>(json!({"name": "a", "path": "/x", "state": "on"})).is_err());
        assert!(check::<Alternatives>(json!({"name": "a", "path": "~/x"})).is_err());
        assert!(check::<Alternatives>(
            json!({"name": "a", "path": "/x", "subcommands": [{"name": "n", "path": "/a"}]})
        )
        .is_err());
        assert!(
            check::<Alternatives>(json!({"name": "a", "path": "/x", "priority": "hi"})).is_err()
        );
    }

    #[test]
    fn the_display_is_read_as_ansible_reads_it() {
        let d = parse(AWK, None);
        assert_eq!(d.mode.as_deref(), Some("auto"));
        assert_eq!(d.current_path.as_deref(), Some("/usr/bin/mawk"));
        assert_eq!(d.current_link.as_deref(), Some("/usr/bin/awk"));
        let gawk = d.get("/usr/bin/gawk").unwrap();
        assert_eq!(gawk.priority, 10);
        assert_eq!(
            gawk.subs,
            vec![(
                "awk.1.gz".into(),
                "/usr/share/man/man1/gawk.1.gz".into(),
                Some("/usr/share/man/man1/awk.1.gz".into())
            )]
        );
        assert_eq!(d.get("/usr/bin/mawk").unwrap().subs.len(), 2);
        // A name with a dash has no current link; a negative priority is not read.
        let x = parse(
            "x-www - manual mode\n  link currently points to /a\n  link x-www is /usr/bin/x\n\
             /a - priority -3\n/b - priority 4",
            None,
        );
        assert_eq!(x.mode.as_deref(), Some("manual"));
        assert_eq!(x.current_link, None);
        assert!(x.get("/a").is_none() && x.get("/b").is_some());
        assert_eq!(parse("", None), Display::default());
    }

    #[test]
    fn decisions_follow_ansible() {
        let d = parse(AWK, None);
        let p = plan(
            &args(json!({"name": "awk", "path": "/usr/bin/gawk"})),
            "/ua",
            &d,
            true,
        );
        assert_eq!(p.cmds, vec![vec!["/ua", "--set", "awk", "/usr/bin/gawk"]]);
        assert_eq!(p.messages, ["Set alternative '/usr/bin/gawk' for 'awk'."]);
        let p = plan(
            &args(
                json!({"name": "awk", "path": "/usr/bin/gawk", "priority": 20, "state": "present"}),
            ),
            "/ua",
            &d,
            true,
        );
        assert_eq!(
            p.cmds,
            vec![vec![
                "/ua",
                "--install",
                "/usr/bin/awk",
                "awk",
                "/usr/bin/gawk",
                "20"
            ]]
        );
        let p = plan(
            &args(json!({"name": "awk", "path": "/usr/bin/mawk", "state": "auto"})),
            "/ua",
            &d,
            true,
        );
        assert!(p.cmds.is_empty());
        let p = plan(
            &args(json!({"name": "awk", "path": "/new", "link": "/l"})),
            "/ua",
            &d,
            false,
        );
        assert_eq!(
            p.fail.as_deref(),
            Some("Specified path /new does not exist")
        );
        let p = plan(
            &args(json!({"name": "awk", "path": "/usr/bin/gawk", "state": "absent"})),
            "/ua",
            &d,
            true,
        );
        assert_eq!(
            p.cmds,
            vec![vec!["/ua", "--remove", "awk", "/usr/bin/gawk"]]
        );
        let p = plan(
            &args(json!({"name": "new", "path": "/bin/true"})),
            "/ua",
            &Display::default(),
            true,
        );
        assert!(p.fail.unwrap().contains("missing the link"));
    }

    #[test]
    fn programs_quote() {
        let a = args(json!({"name": "a b", "path": "/x'y"}));
        let q = probe(&a);
        assert!(
            q.contains("--display 'a b'") && q.contains("[ -e '/x'\\''y' ]"),
            "{q}"
        );
        let s = apply(&[vec![
            "/ua".into(),
            "--set".into(),
            "a b".into(),
            "/x".into(),
        ]]);
        assert!(s.contains("run 0 /ua --set 'a b' /x\n"), "{s}");
    }
}
