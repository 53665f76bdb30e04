//! `docker_compose_v2` (community.docker): a compose project's state through the target's
//! `docker compose` (2.29 or later: its JSON progress events). One program per task: the
//! compose commands community.docker runs for `state` (`up --detach`, `up --no-start` then
//! `stop` while a container runs, `restart`, `down`), then `ps` and `images` for the
//! result. The commands decide what changes, as in Ansible: `changed` and `actions` are read
//! from their events (see `compose_events`). The program is an apply; in check mode the
//! same commands run with compose's `--dry-run` as a probe instead (compose changes nothing
//! then), so check mode sends nothing that changes. Arguments rsible does not implement
//! (an inline `definition`, profiles, env files, services, scale, recreate, build, wait,
//! the daemon connection, ...) are refused at load. Knows nothing of playbooks.

use super::compose_events::{self as events, Event};
use super::{no_docker, NEED_DOCKER};
use crate::connection::quote::quote_str;
use crate::modules::cluster::common::one_of;
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string};
use crate::modules::framework::report::{Report, MARK_FILE_FN, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};

/// `docker_compose_v2` in the registry.
pub const SPEC: Spec = spec::<DockerComposeV2>(super::CD, &[]);

/// The `docker_compose_v2` module.
pub struct DockerComposeV2;

/// The project's wanted state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created and running (`up --detach`).
    Present,
    /// Stopped and removed (`down`).
    Absent,
    /// Created, not running (`up --no-start`, then `stop`).
    Stopped,
    /// Restarted (`restart`): changes every time.
    Restarted,
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "state",
            &[
                ("absent", State::Absent),
                ("present", State::Present),
                ("stopped", State::Stopped),
                ("restarted", State::Restarted),
            ],
        )
    }
}

/// When `up` pulls images (`policy`: as each service's `pull_policy` says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pull {
    /// `--pull always`.
    Always,
    /// `--pull missing`.
    Missing,
    /// `--pull never`.
    Never,
    /// No `--pull`: the services' own policies.
    Policy,
}

impl<'de> Deserialize<'de> for Pull {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "pull",
            &[
                ("always", Pull::Always),
                ("missing", Pull::Missing),
                ("never", Pull::Never),
                ("policy", Pull::Policy),
            ],
        )
    }
}

impl Pull {
    /// compose's `--pull` value (`None` for `policy`).
    fn flag(self) -> Option<&'static str> {
        match self {
            Pull::Always => Some("always"),
            Pull::Missing => Some("missing"),
            Pull::Never => Some("never"),
            Pull::Policy => None,
        }
    }
}

/// Arguments of `docker_compose_v2` (Ansible's names). The other arguments of Ansible's module
/// are refused at load by `playbook::unsupported`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default, deserialize_with = "de_opt_string")]
    project_src: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    project_name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    files: Option<Vec<String>>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default)]
    pull: Option<Pull>,
    #[serde(default, deserialize_with = "de_bool")]
    remove_orphans: bool,
}

impl Module for DockerComposeV2 {
    const NAME: &'static str = "docker_compose_v2";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        if a.project_src.is_none() {
            return Err("one of the following is required: definition, project_src".into());
        }
        Ok(())
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(docker_compose_v2(a, ctx))
    }
}

/// The compose files a project directory is looked up for, in compose's order.
const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The compose commands of one task, each an argv after `docker`.
struct Plan {
    /// The arguments every command starts with (`compose --ansi never ...`).
    base: Vec<String>,
}

impl Plan {
    fn new(a: &Args) -> Plan {
        let mut base: Vec<String> = ["compose", "--ansi", "never", "--progress", "json"]
            .map(String::from)
            .to_vec();
        base.push("--project-directory".into());
        base.push(a.project_src.clone().unwrap_or_default());
        if let Some(n) = &a.project_name {
            base.extend(["--project-name".into(), n.clone()]);
        }
        for f in a.files.iter().flatten() {
            base.extend(["--file".into(), f.clone()]);
        }
        Plan { base }
    }

    /// `base` then `words`.
    fn cmd(&self, words: &[&str]) -> Vec<String> {
        let mut v = self.base.clone();
        v.extend(words.iter().map(|w| (*w).to_string()));
        v
    }

    /// `up` as community.docker builds it; `no_start` for `state: stopped`.
    fn up(&self, a: &Args, no_start: bool, dry: bool) -> Vec<String> {
        let mut w = vec!["up", "--detach", "--no-color", "--quiet-pull"];
        if let Some(p) = a.pull.unwrap_or(Pull::Policy).flag() {
            w.extend(["--pull", p]);
        }
        if a.remove_orphans {
            w.push("--remove-orphans");
        }
        if no_start {
            w.push("--no-start");
        }
        self.finish(w, dry)
    }

    /// `words`, `--dry-run` in check mode, and the `--` that ends the options.
    fn finish(&self, mut words: Vec<&str>, dry: bool) -> Vec<String> {
        if dry {
            words.push("--dry-run");
        }
        words.push("--");
        self.cmd(&words)
    }
}

/// An argv after `docker` as sh words.
fn sh_words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| quote_str(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The program: the project directory and compose files checked, the compose version read
/// (`oldcompose` below 2.29), then the commands for `state` (each captured by `cap KEY`:
/// `KEY_out`, `KEY_err`, `KEY_rc`), then `ps` and `images`.
fn program(a: &Args, state: State, dry: bool) -> String {
    let p = Plan::new(a);
    let src = a.project_src.as_deref().unwrap_or_default();
    let files = match &a.files {
        Some(fs) => fs
            .iter()
            .map(|f| format!("[ -e {q} ] || {{ m nofile {q}; exit 0; }}\n", q = quote_str(f)))
            .collect::<String>(),
        None => format!(
            "for f in {}; do [ -e \"$f\" ] && break; f=; done\n[ -n \"$f\" ] || {{ m nocompose; exit 0; }}\n",
            COMPOSE_FILES.join(" ")
        ),
    };
    let steps = match state {
        State::Present => format!("cap up {}\n", sh_words(&p.up(a, false, dry))),
        State::Stopped => format!(
            "cap up {} && cap pre {} && running && cap stop {}\n",
            sh_words(&p.up(a, true, dry)),
            sh_words(&p.cmd(&["ps", "--format", "json", "--all", "--no-trunc"])),
            sh_words(&p.finish(vec!["stop"], dry)),
        ),
        State::Restarted => format!("cap up {}\n", sh_words(&p.finish(vec!["restart"], dry))),
        State::Absent => {
            let mut w = vec!["down"];
            if a.remove_orphans {
                w.push("--remove-orphans");
            }
            format!("cap up {}\n", sh_words(&p.finish(w, dry)))
        }
    };
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}{MARK_FILE_FN}{NEED_DOCKER}m cli "$(command -v docker)"
[ -d {src} ] || {{ m nodir; exit 0; }}
cd {src} || {{ m nodir; exit 0; }}
{files}v=$(docker compose version --format json 2>/dev/null) || {{ m noplugin; exit 0; }}
ver=$(printf '%s' "$v" | sed -n 's/.*"version": *"v\{{0,1\}}\([^"]*\)".*/\1/p')
m version "$ver"
case $ver in [0-9]*.[0-9]*) ;; *) m oldcompose; exit 0 ;; esac
maj=${{ver%%.*}}; r=${{ver#*.}}; min=${{r%%[!0-9]*}}
if [ "$maj" -lt 2 ] || {{ [ "$maj" = 2 ] && [ "$min" -lt 29 ]; }}; then m oldcompose; exit 0; fi
t=$(mktemp -d) || exit 1
cap() {{
  k=$1; shift
  docker "$@" >"$t/o" 2>"$t/e"; c=$?
  m "${{k}}_rc" "$c"; mf "${{k}}_out" "$t/o"; mf "${{k}}_err" "$t/e"
  return $c
}}
running() {{
  grep -o '"State":"[a-z]*"' "$t/o" | grep -qv '"State":"\(created\|exited\|stopped\|killed\)"'
}}
{steps}cap ps {ps} && cap images {images}
rm -rf "$t"
"#,
        src = quote_str(src),
        ps = sh_words(&p.cmd(&["ps", "--format", "json", "--all", "--no-trunc"])),
        images = sh_words(&p.cmd(&["images", "--format", "json"])),
    )
}

/// The argv (after `docker`) of the step reported under `key`, for a failure's `cmd`.
fn argv_of(a: &Args, state: State, dry: bool, key: &str) -> Vec<String> {
    let p = Plan::new(a);
    match (key, state) {
        ("stop", _) => p.finish(vec!["stop"], dry),
        ("ps", _) => p.cmd(&["ps", "--format", "json", "--all", "--no-trunc"]),
        ("images", _) => p.cmd(&["images", "--format", "json"]),
        (_, State::Present) => p.up(a, false, dry),
        (_, State::Stopped) => p.up(a, true, dry),
        (_, State::Restarted) => p.finish(vec!["restart"], dry),
        (_, State::Absent) => {
            let mut w = vec!["down"];
            if a.remove_orphans {
                w.push("--remove-orphans");
            }
            p.finish(w, dry)
        }
    }
}

/// One captured command: exit code, stdout, stderr.
struct Step<'r> {
    rc: i64,
    out: &'r str,
    err: &'r str,
}

/// The command captured under `key`, when it ran.
fn step<'r>(r: &'r Report, key: &str) -> Option<Step<'r>> {
    Some(Step {
        rc: r.get(&format!("{key}_rc"))?.parse().unwrap_or(1),
        out: r.get(&format!("{key}_out")).unwrap_or(""),
        err: r.get(&format!("{key}_err")).unwrap_or(""),
    })
}

/// Texts joined by newlines, empty ones left out.
fn combine(a: &str, b: &str) -> String {
    [a, b]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The failure fields of a command that exited non-zero, as community.docker reports them.
fn fail(o: &mut Output, events: &[Event], cmd: String, s: &Step) {
    o.failed = true;
    o.msg = Some(events::failure(events, s.rc));
    o.fields.insert("cmd".into(), json!(cmd));
    o.fields.insert("stdout".into(), json!(s.out));
    o.fields.insert("stderr".into(), json!(s.err));
    o.fields.insert("rc".into(), json!(s.rc));
}

/// The failure message of a program that stopped before compose ran, if it did.
fn early_failure(r: &Report, a: &Args) -> Option<String> {
    let src = a.project_src.as_deref().unwrap_or_default();
    let cli = r.get("cli").unwrap_or("docker");
    Some(if r.has("nodocker") {
        no_docker("docker_compose_v2")
    } else if r.has("nodir") {
        format!("\"{src}\" is not a directory")
    } else if let Some(f) = r.get("nofile") {
        format!("Cannot find Compose file \"{f}\" relative to project directory \"{src}\"")
    } else if r.has("nocompose") {
        format!(
            "\"{src}\" does not contain {}, or {}",
            COMPOSE_FILES[..3].join(", "),
            COMPOSE_FILES[3]
        )
    } else if r.has("noplugin") {
        format!("Docker CLI {cli} does not have the compose plugin installed")
    } else if r.has("oldcompose") {
        format!(
            "Docker CLI {cli} has the compose plugin with version {}; rsible needs 2.29.0 or later \
             (its JSON progress events): older versions are not supported by rsible",
            r.get("version").unwrap_or("unknown")
        )
    } else {
        return None;
    })
}

/// `docker_compose_v2`: the program as an apply, or in check mode its dry run as a probe.
async fn docker_compose_v2(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let state = a.state.unwrap_or(State::Present);
    let (out, dry) = match ctx
        .apply(program(&a, state, false).into_bytes(), Vec::new())
        .await?
    {
        Some(out) => (out, false),
        None => {
            let dry = program(&a, state, true).into_bytes();
            (ctx.probe(dry, Vec::new()).await?, true)
        }
    };
    let r = Report::parse("docker_compose_v2", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    if let Some(msg) = early_failure(&r, &a) {
        o.failed = true;
        o.msg = Some(msg);
        return Ok(o);
    }
    let cli = r.get("cli").unwrap_or("docker").to_string();
    let cmd = |key: &str| {
        let mut argv = vec![cli.clone()];
        argv.extend(argv_of(&a, state, dry, key));
        argv.iter()
            .map(|w| quote_str(w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // `up` (with its service pulls and builds set aside) or the state's one command, then
    // `stop` for a stopped project whose containers ran.
    let ignore = matches!(state, State::Present | State::Stopped);
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut all = Vec::new();
    let mut actions = Vec::new();
    let mut failed_step = None;
    for (key, ignoring) in [("up", ignore), ("stop", false)] {
        let Some(s) = step(&r, key) else { continue };
        let ev = events::parse(s.err);
        o.changed |= events::has_changes(&ev, ignoring, ignoring);
        actions.extend(events::actions(&ev));
        stdout = combine(&stdout, s.out);
        stderr = combine(&stderr, s.err);
        all.extend(ev);
        if s.rc != 0 {
            failed_step = Some((key, s));
        }
    }
    o.fields.insert("actions".into(), json!(actions));
    if let Some((key, s)) = failed_step {
        fail(&mut o, &all, cmd(key), &s);
    } else {
        for (k, v) in [("stdout", stdout), ("stderr", stderr)] {
            if !v.is_empty() {
                o.fields.insert(k.into(), json!(v));
            }
        }
    }
    for key in ["ps", "images"] {
        match step(&r, key) {
            Some(s) if s.rc != 0 => {
                let mut f = Output::default();
                fail(&mut f, &events::parse(s.err), cmd(key), &s);
                with_lines(&mut f);
                return Ok(f);
            }
            Some(s) => {
                let v = if key == "ps" {
                    containers(s.out)
                } else {
                    images(s.out)
                };
                let name = if key == "ps" { "containers" } else { "images" };
                o.fields.insert(name.into(), v);
            }
            None => {}
        }
    }
    with_lines(&mut o);
    Ok(o)
}

/// `stdout_lines` and `stderr_lines` beside `stdout` and `stderr`, as Ansible adds them to
/// a module's result.
fn with_lines(o: &mut Output) {
    for k in ["stdout", "stderr"] {
        if let Some(text) = o.fields.get(k).and_then(Value::as_str) {
            let lines: Vec<&str> = text.lines().collect();
            let lines = json!(lines);
            o.fields.insert(format!("{k}_lines"), lines);
        }
    }
}

/// `ps --format json` (one object a line) as the module's `containers`.
fn containers(out: &str) -> Value {
    Value::Array(
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str::<Map<String, Value>>(l).ok())
            .map(|c| Value::Object(events::container(c)))
            .collect(),
    )
}

/// `images --format json` (a list, or since compose 2.37 a dict) as the module's `images`.
fn images(out: &str) -> Value {
    match serde_json::from_str::<Value>(out.trim()) {
        Ok(Value::Object(m)) => Value::Array(m.into_iter().map(|(_, v)| v).collect()),
        Ok(Value::Array(a)) => Value::Array(a),
        _ => json!([]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::cluster::common::tests::parses;
    use crate::modules::framework::spec::check;

    fn args(v: Value) -> Args {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn arguments() {
        assert_eq!(
            check::<DockerComposeV2>(json!({"project_src": "/opt/app", "pull": "missing",
                "state": "stopped", "files": ["a.yml"], "remove_orphans": true,
                "project_name": "app"})),
            Ok(true)
        );
        let e = check::<DockerComposeV2>(json!({})).unwrap_err();
        assert_eq!(
            e,
            "one of the following is required: definition, project_src"
        );
        // `services` and the other refused arguments: playbook::unsupported, at load.
        assert!(
            check::<DockerComposeV2>(json!({"project_src": "/x", "pull": "sometimes"})).is_err()
        );
        assert!(check::<DockerComposeV2>(json!({"project_src": "/x", "state": "up"})).is_err());
    }

    #[test]
    fn commands_are_the_collections() {
        let a = args(
            json!({"project_src": "/opt/my app", "pull": "always", "remove_orphans": true,
            "project_name": "p", "files": ["x.yml"]}),
        );
        assert_eq!(
            argv_of(&a, State::Present, true, "up").join(" "),
            "compose --ansi never --progress json --project-directory /opt/my app --project-name p \
             --file x.yml up --detach --no-color --quiet-pull --pull always --remove-orphans --dry-run --"
        );
        assert_eq!(
            argv_of(&a, State::Absent, false, "up")[11..].join(" "),
            "down --remove-orphans --"
        );
        for s in [
            State::Present,
            State::Absent,
            State::Stopped,
            State::Restarted,
        ] {
            for dry in [false, true] {
                let p = program(&a, s, dry);
                assert!(parses(p.as_bytes()), "{p}");
                assert_eq!(p.contains("--dry-run"), dry);
            }
        }
        assert!(program(&a, State::Present, false).contains("'/opt/my app'"));
    }

    #[test]
    fn images_are_a_list() {
        assert_eq!(images(r#"{"a": {"ID": "1"}}"#), json!([{"ID": "1"}]));
        assert_eq!(images("[]"), json!([]));
        assert_eq!(
            containers("{\"Name\":\"a\"}\n\n").as_array().unwrap().len(),
            1
        );
    }
}
