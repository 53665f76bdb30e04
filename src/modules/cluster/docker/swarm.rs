//! `docker_swarm` (community.docker): this node's membership of a Swarm through the target's
//! `docker` CLI. `state: present` initialises a swarm unless the node already manages one
//! (`force` makes a new one anyway), `join` joins one as worker or manager (the role is the
//! token's), `absent` leaves. One gated program: the probe reads `docker info`'s Swarm
//! section and sets the gate when the node is not where `state` wants it; the apply runs
//! `docker swarm init|join|leave`; on a manager the program then reads the cluster and its
//! join tokens for `swarm_facts`. Returns Ansible's `changed`, `actions`, `result`,
//! `swarm_facts` (present) and, with `--diff`, `diff`. Updating a swarm's settings
//! (`labels`, raft and CA options, token rotation) and `state: remove` are refused at load.
//! Knows nothing of playbooks.

use super::{no_docker, NEED_DOCKER};
use crate::connection::quote::quote_str;
use crate::event::Diff;
use crate::modules::cluster::common::one_of;
use crate::modules::framework::ansible_diff::structured_text;
use crate::modules::framework::args::{de_bool, de_opt_list, de_opt_string};
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::framework::spec::{spec, Module, Spec};
use crate::modules::{Ctx, Failure, Output};
use futures::future::BoxFuture;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};

/// `docker_swarm` in the registry.
pub const SPEC: Spec = spec::<DockerSwarm>(super::CD, &[]);

/// The `docker_swarm` module.
pub struct DockerSwarm;

/// Where the node should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// A manager of a swarm (initialised here when it is not).
    Present,
    /// A member of a swarm.
    Join,
    /// In no swarm.
    Absent,
    /// Refused: removing another node.
    Remove,
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(
            d,
            "state",
            &[
                ("present", State::Present),
                ("join", State::Join),
                ("absent", State::Absent),
                ("remove", State::Remove),
            ],
        )
    }
}

/// Arguments of `docker_swarm` (Ansible's names). The other arguments of Ansible's module
/// (swarm settings, node removal, the daemon connection) are refused at load by
/// `playbook::unsupported`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default)]
    state: Option<State>,
    #[serde(default, deserialize_with = "de_bool")]
    force: bool,
    #[serde(default, deserialize_with = "de_opt_string")]
    advertise_addr: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    listen_addr: Option<String>,
    #[serde(default, deserialize_with = "de_opt_list")]
    remote_addrs: Option<Vec<String>>,
    #[serde(default, deserialize_with = "de_opt_string")]
    join_token: Option<String>,
}

impl Module for DockerSwarm {
    const NAME: &'static str = "docker_swarm";
    type Args = Args;

    fn validate(a: &Args) -> Result<(), String> {
        match a.state.unwrap_or(State::Present) {
            State::Remove => Err("state=remove is not supported by rsible".into()),
            State::Join => {
                let missing: Vec<&str> = [
                    ("remote_addrs", a.remote_addrs.is_none()),
                    ("join_token", a.join_token.is_none()),
                ]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| *n)
                .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "state is join but all of the following are missing: {}",
                        missing.join(", ")
                    ))
                }
            }
            _ => Ok(()),
        }
    }

    fn run<'a>(a: Args, ctx: &'a Ctx<'a>) -> BoxFuture<'a, Result<Output, Failure>> {
        Box::pin(docker_swarm(a, ctx))
    }
}

/// sh reading a manager's cluster and join tokens into the report keys `PHASE_cluster`,
/// `PHASE_worker` and `PHASE_manager`.
fn read_facts(phase: &str) -> String {
    format!(
        r#"c=$(docker info --format '{{{{json .Swarm.Cluster}}}}' 2>/dev/null) && mx {phase}_cluster "$c"
w=$(docker swarm join-token -q worker 2>/dev/null) && m {phase}_worker "$w"
k=$(docker swarm join-token -q manager 2>/dev/null) && m {phase}_manager "$k"
"#
    )
}

/// The probe: the node's membership (`node`, `mgr`), the gate set when `state` wants it
/// elsewhere, and a manager's facts for `state: present`.
fn probe(state: State, force: bool) -> String {
    let want = match state {
        State::Present => {
            r#"if [ "$force" = 1 ] || [ "$mgr" = 0 ]; then rsible_change=1; else "#.to_string()
                + &read_facts("before")
                + "fi\n"
        }
        State::Join => "[ \"$node\" = 1 ] || rsible_change=1\n".into(),
        State::Absent | State::Remove => "[ \"$node\" = 0 ] || rsible_change=1\n".into(),
    };
    format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}{NEED_DOCKER}force={}
s=$(docker info --format '{{{{json .Swarm}}}}' 2>&1) || {{ m rc $?; mx stderr "$s"; m cmd "docker info"; exit 0; }}
node=0; mgr=0
case $s in *'"LocalNodeState":"active"'*|*'"LocalNodeState":"pending"'*|*'"LocalNodeState":"locked"'*) node=1 ;; esac
case $s in *'"NodeID":""'*) ;; *'"NodeID":"'*) node=1 ;; esac
case $s in *'"ControlAvailable":true'*) mgr=1 ;; esac
{want}if [ "$rsible_change" = 1 ]; then m change; fi
"#,
        u8::from(force),
    )
}

/// One command line, each word quoted.
fn words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| quote_str(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The apply: the `docker swarm` command for `state` (a join tries each remote address in
/// turn until one answers), reported as `applied`, or its failure; then a new manager's
/// facts.
fn apply(a: &Args, state: State) -> String {
    let listen = a
        .listen_addr
        .clone()
        .unwrap_or_else(|| "0.0.0.0:2377".into());
    let mut opts = vec!["--listen-addr".to_string(), listen];
    if let Some(ad) = &a.advertise_addr {
        opts.extend(["--advertise-addr".to_string(), ad.clone()]);
    }
    let run = r#"run() {
  e=$(mktemp) || exit 1
  o=$("$@" 2>"$e"); c=$?
  x=$(cat "$e"); rm -f "$e"
  [ "$c" = 0 ] && { m applied; return 0; }
  m rc "$c"; mx stdout "$o"; mx stderr "$x"; m cmd "$*"; return 1
}
"#;
    let cmd = match state {
        State::Present => {
            let mut argv = vec!["docker".into(), "swarm".into(), "init".into()];
            argv.extend(opts);
            if a.force {
                argv.push("--force-new-cluster".into());
            }
            format!("run {} || exit 0\n{}", words(&argv), read_facts("after"))
        }
        State::Join => {
            let mut argv = vec![
                "docker".into(),
                "swarm".into(),
                "join".into(),
                "--token".into(),
            ];
            argv.push(a.join_token.clone().unwrap_or_default());
            argv.extend(opts);
            let addrs = words(a.remote_addrs.as_deref().unwrap_or_default());
            format!(
                "for r in {addrs}; do run {} \"$r\" && break; done\n",
                words(&argv)
            )
        }
        State::Absent | State::Remove => {
            let mut argv = vec!["docker".into(), "swarm".into(), "leave".into()];
            if a.force {
                argv.push("--force".into());
            }
            format!("run {} || exit 0\n", words(&argv))
        }
    };
    format!("{run}{cmd}")
}

/// `swarm_facts` of a manager from the report keys of `phase`: the cluster as `docker info`
/// shows it, with its join tokens and `UnlockKey` (rsible does not lock managers: null), as
/// the Engine API's swarm inspect returns them. `None` when the phase was not read.
fn facts(r: &Report, phase: &str) -> Option<Map<String, Value>> {
    let cluster = r.get(&format!("{phase}_cluster"))?;
    let mut m = match serde_json::from_str::<Value>(cluster) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    m.insert("JoinTokens".into(), tokens(r, phase));
    m.insert("UnlockKey".into(), Value::Null);
    Some(m)
}

/// The join tokens read in `phase` (`{Worker, Manager}`), null when none was read.
fn tokens(r: &Report, phase: &str) -> Value {
    match (
        r.get(&format!("{phase}_worker")),
        r.get(&format!("{phase}_manager")),
    ) {
        (Some(w), Some(m)) => json!({"Worker": w, "Manager": m}),
        _ => Value::Null,
    }
}

/// Ansible's message of a failed `docker swarm` command, by state.
fn failure_prefix(state: State) -> &'static str {
    match state {
        State::Present => "Can not create a new Swarm Cluster",
        State::Join => "Can not join the Swarm Cluster",
        State::Absent | State::Remove => "This node can not leave the Swarm Cluster",
    }
}

/// `docker_swarm`: one gated program (see the file header).
async fn docker_swarm(a: Args, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let state = a.state.unwrap_or(State::Present);
    let out = ctx
        .gated(
            probe(state, a.force).as_bytes(),
            apply(&a, state).as_bytes(),
            Vec::new(),
        )
        .await?;
    let r = Report::parse("docker_swarm", &String::from_utf8_lossy(&out.stdout))?;
    let mut o = Output::default();
    if r.has("nodocker") {
        o.failed = true;
        o.msg = Some(no_docker("docker_swarm"));
        return Ok(o);
    }
    // A failed command: Ansible's message only (its module talks to the daemon's API, so
    // its failures carry no `rc`).
    if r.has("rc") {
        let stderr = r.get("stderr").unwrap_or("").trim_end();
        o.failed = true;
        o.msg = Some(if r.get("cmd") == Some("docker info") {
            format!("Error connecting to the docker daemon: {stderr}")
        } else {
            format!("{}: {stderr}", failure_prefix(state))
        });
        return Ok(o);
    }
    let moves = r.has("change");
    let (action, before, after) = outcome(state, moves, &r);
    o.changed = moves;
    o.fields.insert("result".into(), json!(""));
    o.fields.insert("actions".into(), json!([action]));
    if state == State::Present {
        let sf = if moves {
            json!({"JoinTokens": tokens(&r, "after"), "UnlockKey": null})
        } else {
            Value::Object(facts(&r, "before").unwrap_or_default())
        };
        o.fields.insert("swarm_facts".into(), sf);
    }
    if ctx.diff {
        o.diffs.push(Diff {
            before_header: String::new(),
            after_header: String::new(),
            before: structured_text(&before),
            after: structured_text(&after),
        });
        o.fields
            .insert("diff".into(), json!({"before": before, "after": after}));
    }
    Ok(o)
}

/// The action Ansible lists, and the diff's before and after, for `state` when the node
/// moves or stays.
fn outcome(state: State, moves: bool, r: &Report) -> (String, Value, Value) {
    let none = || (json!({}), json!({}));
    let (action, (before, after)) = match (state, moves) {
        (State::Present, true) => {
            let id = facts(r, "after")
                .and_then(|f| f.get("ID").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| "None".into());
            (
                format!("New Swarm cluster created: {id}"),
                (json!({"state": "absent"}), json!({"state": "present"})),
            )
        }
        (State::Present, false) => ("No modification".into(), none()),
        (State::Join, true) => (
            "New node is added to swarm cluster".into(),
            (json!({"joined": false}), json!({"joined": true})),
        ),
        (State::Join, false) => ("This node is already part of a swarm.".into(), none()),
        (State::Absent | State::Remove, true) => (
            "Node has left the swarm cluster".into(),
            (json!({"joined": "present"}), json!({"joined": "absent"})),
        ),
        (State::Absent | State::Remove, false) => {
            ("This node is not part of a swarm.".into(), none())
        }
    };
    (action, before, after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::cluster::common::tests::parses;
    use crate::modules::framework::spec::check;

    #[test]
    fn arguments() {
        assert_eq!(check::<DockerSwarm>(json!({})), Ok(true));
        assert_eq!(
            check::<DockerSwarm>(json!({"state": "join", "join_token": "{{ t }}",
                "remote_addrs": ["10.0.0.1:2377"], "advertise_addr": "eth0"})),
            Ok(true)
        );
        let e = check::<DockerSwarm>(json!({"state": "join"})).unwrap_err();
        assert_eq!(
            e,
            "state is join but all of the following are missing: remote_addrs, join_token"
        );
        // `labels` and the other swarm settings: refused at load by playbook::unsupported.
        let e = check::<DockerSwarm>(json!({"state": "remove"})).unwrap_err();
        assert!(e.contains("not supported by rsible"), "{e}");
        assert!(check::<DockerSwarm>(json!({"state": "gone"})).is_err());
        assert!(check::<DockerSwarm>(json!({"nope": 1})).is_err());
    }

    #[test]
    fn programs_are_sh_and_quote_their_values() {
        for s in [State::Present, State::Join, State::Absent] {
            assert!(parses(probe(s, true).as_bytes()), "{s:?}");
        }
        let a: Args = serde_json::from_value(json!({"state": "join", "join_token": "SWMTKN-1 x'y",
            "remote_addrs": ["10.0.0.1:2377", "10.0.0.2"], "advertise_addr": "eth0"}))
        .unwrap();
        let p = apply(&a, State::Join);
        assert!(parses(p.as_bytes()), "{p}");
        assert!(p.contains("--token 'SWMTKN-1 x'\\''y'"), "{p}");
        assert!(p.contains("for r in 10.0.0.1:2377 10.0.0.2;"), "{p}");
        assert!(!probe(State::Present, false).contains("swarm init"));
    }

    #[test]
    fn facts_join_the_cluster_and_its_tokens() {
        let r = Report::parse(
            "t",
            "@@rsible after_cluster {\"ID\":\"abc\",\"Spec\":{}}\n@@rsible after_worker W\n@@rsible after_manager M\n",
        )
        .unwrap();
        let f = facts(&r, "after").unwrap();
        assert_eq!(f["ID"], "abc");
        assert_eq!(f["JoinTokens"], json!({"Worker": "W", "Manager": "M"}));
        assert_eq!(f["UnlockKey"], Value::Null);
        let (action, before, _) = outcome(State::Present, true, &r);
        assert_eq!(action, "New Swarm cluster created: abc");
        assert_eq!(before, json!({"state": "absent"}));
        assert!(facts(&r, "before").is_none());
    }
}
