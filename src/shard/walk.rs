//! The load-time check of a whole playbook for `--shard`: every play, role and task the
//! loader sees (blocks, rescue, always, imports, role dependencies, handlers) is checked
//! against what would run differently in a shard than in one whole run. Tasks that only
//! exist at run time (`include_tasks`, `include_role`) are checked by the engine with the
//! same rule ([`super::refusal`]) when they arrive. Knows nothing of hosts or connections.

use crate::playbook::diagnostic::Diagnostic;
use crate::playbook::location::Location;
use crate::playbook::model::{Play, Playbook, Role, Task};
use serde_json::Value;

/// What the user can do instead, on every refusal.
const HINT: &str = "run this playbook without --shard, or move the play that needs the whole \
     fleet into a playbook of its own run once (docs/shards.md)";

/// The play keywords that act on all of a play's hosts at once, and why each cannot shard.
const PLAY_KEYWORDS: &[(&str, &str)] = &[
    (
        "serial",
        "each shard would run its own batches, N times the hosts at once",
    ),
    (
        "max_fail_percentage",
        "each shard would count only its own hosts",
    ),
    (
        "any_errors_fatal",
        "a failure would stop only its own shard",
    ),
];

/// The magic variables whose value is the play's hosts: a shard knows only its own.
const PLAY_HOST_VARIABLES: &[&str] = &["play_hosts", "ansible_play_batch"];

/// Everything in `book` that cannot run sharded, with its location; empty when it can.
pub fn refusals(book: &Playbook) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for play in &book.plays {
        check_play(play, &mut out);
    }
    out
}

/// One play: its own keywords, variables and every task it holds.
fn check_play(play: &Play, out: &mut Vec<Diagnostic>) {
    let serial = play.serial.as_ref().map(|v| ("serial", v));
    let others = PLAY_KEYWORDS
        .iter()
        .filter_map(|(k, _)| play.keywords.get(*k).map(|v| (*k, v)));
    for (key, v) in serial.into_iter().chain(others) {
        if !super::set(v) {
            continue;
        }
        let why = PLAY_KEYWORDS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, w)| *w);
        out.push(refused(
            &play.location,
            format!("play keyword {key} is not supported with --shard: {why}"),
        ));
    }
    if let Some(name) = play_hosts_in(&Value::Object(play.vars.clone())) {
        out.push(refused(&play.location, uses_play_hosts(name)));
    }
    for t in play
        .pre_tasks
        .iter()
        .chain(&play.tasks)
        .chain(&play.post_tasks)
        .chain(&play.handlers)
    {
        check_task(t, out);
    }
    for r in &play.roles {
        check_role(r, out);
    }
}

/// A role, its dependencies first.
fn check_role(role: &Role, out: &mut Vec<Diagnostic>) {
    for d in &role.dependencies {
        check_role(d, out);
    }
    for t in role.tasks.iter().chain(&role.handlers) {
        check_task(t, out);
    }
}

/// A task and every task inside it.
fn check_task(task: &Task, out: &mut Vec<Diagnostic>) {
    let found = super::refusal(task.module.as_deref(), |k| task.keywords.get(k)).or_else(|| {
        let fatal = task.keywords.get("any_errors_fatal").is_some_and(super::set);
        fatal.then(|| {
            "any_errors_fatal is not supported with --shard: a failure would stop only its own shard"
                .to_string()
        })
    });
    if let Some(msg) = found {
        out.push(refused(&task.location, msg));
    }
    let args = Value::Object(task.args.clone());
    let keywords = Value::Object(task.keywords.clone());
    if let Some(name) = play_hosts_in(&args).or_else(|| play_hosts_in(&keywords)) {
        out.push(refused(&task.location, uses_play_hosts(name)));
    }
    for t in task
        .block
        .iter()
        .chain(&task.rescue)
        .chain(&task.always)
        .chain(&task.imported)
    {
        check_task(t, out);
    }
}

/// The first play-hosts variable a string in `v` names (keys included).
fn play_hosts_in(v: &Value) -> Option<&'static str> {
    match v {
        Value::String(s) => PLAY_HOST_VARIABLES
            .iter()
            .find(|n| s.contains(**n))
            .copied(),
        Value::Array(a) => a.iter().find_map(play_hosts_in),
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            play_hosts_in(&Value::String(k.clone())).or_else(|| play_hosts_in(v))
        }),
        _ => None,
    }
}

/// The message for a template that reads the play's hosts.
fn uses_play_hosts(name: &str) -> String {
    format!(
        "{name} (and ansible_play_hosts, ansible_play_hosts_all) is not supported with --shard: \
         a shard knows only its own share of the play's hosts"
    )
}

/// A refusal at `at`.
fn refused(at: &Location, message: String) -> Diagnostic {
    let source = std::fs::read_to_string(&at.file).ok();
    Diagnostic::new(at.clone(), message, source.as_deref(), Some(HINT.into()))
}
