//! The shipped `playbooks/swarm.yml` and `docker_compose_v2` on tier-2 hosts t2-30..32
//! (this suite's own). Swarm runs on Debian's real docker.io (dockerd starts in the lab and a
//! swarm needs no container): t2-30 initialises, t2-31 joins as a manager, t2-32 as a worker,
//! with the tokens passed through hostvars. Checked: check mode changes nothing, the play
//! converges (the second run changes nothing), the nodes' roles, and leaving. Compose runs on
//! the recording test double tests/fixtures/doubles/docker (Debian 12 has no compose v2; no
//! container can run in the lab), installed as /usr/local/bin/docker on t2-32 where it hands
//! everything but `compose` to the real docker. Fails loudly when the lab is missing.

mod common;

use common::tier2::Tier2;
use common::write;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

const MANAGERS: [usize; 2] = [30, 31];
const WORKER: usize = 32;
const ALL: [usize; 3] = [30, 31, 32];

/// The swarm and compose tests share t2-32 and run one at a time.
static HOSTS: Mutex<()> = Mutex::new(());

fn hosts() -> MutexGuard<'static, ()> {
    HOSTS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Debian's docker.io installed and running on every host, the compose double gone, and
/// each host out of any swarm.
fn reset(lab: &Tier2) {
    lab.debian_packages(&["docker.io"]);
    for i in ALL {
        lab.root_ok(
            i,
            "rm -f /usr/local/bin/docker; rm -rf /var/lib/docker-double /opt/rsapp; \
             command -v dockerd >/dev/null || { apt-get update -qq >/dev/null && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; }; \
             systemctl start docker; docker swarm leave --force >/dev/null 2>&1; true",
        );
    }
}

/// `LocalNodeState ControlAvailable` of host `i`.
fn membership(lab: &Tier2, i: usize) -> String {
    lab.root_ok(
        i,
        "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'",
    )
    .trim()
    .to_string()
}

/// The inventory: t2-30 and t2-31 managers, t2-32 a worker.
fn inventory(lab: &Tier2, dir: &Path) {
    let line = |i: usize| format!("{} ansible_host={}\n", Tier2::name(i), Tier2::addr(i));
    let inv = format!(
        "[swarm_managers]\n{}{}[swarm_workers]\n{}[all:vars]\nansible_user=rslab\n\
         ansible_become_password=rslab-pass\nansible_ssh_private_key_file={}\n",
        line(MANAGERS[0]),
        line(MANAGERS[1]),
        line(WORKER),
        lab.dir.join("keys/id_ed25519").display()
    );
    write(dir, "hosts", &inv);
}

#[test]
fn swarm_forms_once_converges_and_nodes_leave() {
    let lab = Tier2::lab();
    let _g = hosts();
    reset(&lab);
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path();
    inventory(&lab, dir);
    let swarm = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/swarm.yml");
    let site = format!("- import_playbook: {}\n", swarm.display());

    // Check mode: every node would change, none does.
    let check = lab.rsible(dir).playbook(&site).arg("-C").run();
    assert_eq!(check.code, 0, "{}", check.dump());
    for i in ALL {
        assert_eq!(check.changed(&Tier2::name(i)), 1, "{}", check.dump());
        assert_eq!(
            membership(&lab, i),
            "inactive false",
            "check mode changed t2-{i}"
        );
    }

    // Two runs: the swarm forms, then nothing changes.
    let names: Vec<String> = ALL.iter().map(|&i| Tier2::name(i)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let first = lab.rsible(dir).playbook(&site).converge(&names);
    let init = first.results(names[0], "Initialise the swarm");
    let tokens = &init[0]["result"]["swarm_facts"]["JoinTokens"];
    assert!(
        tokens["Worker"]
            .as_str()
            .is_some_and(|t| t.starts_with("SWMTKN-1-")),
        "{}",
        first.dump()
    );
    for i in MANAGERS {
        assert_eq!(membership(&lab, i), "active true", "t2-{i} is a manager");
    }
    assert_eq!(
        membership(&lab, WORKER),
        "active false",
        "t2-32 is a worker"
    );
    let nodes = lab.root_ok(
        MANAGERS[0],
        "docker node ls --format '{{.Hostname}}' | sort",
    );
    assert_eq!(nodes.split_whitespace().collect::<Vec<_>>(), names);

    // Leaving: the worker, then the managers (with force); a second run changes nothing.
    let leave = "- hosts: swarm_workers:swarm_managers\n  become: true\n  gather_facts: false\n  \
                 serial: 1\n  tasks:\n    - name: Leave\n      community.docker.docker_swarm:\n        \
                 state: absent\n        force: true\n";
    let left = lab.rsible(dir).playbook(leave).converge(&names);
    for i in ALL {
        assert_eq!(left.changed(&Tier2::name(i)), 1, "{}", left.dump());
        assert_eq!(membership(&lab, i), "inactive false");
    }
}

#[test]
fn compose_project_comes_up_stops_and_goes_on_the_double() {
    let lab = Tier2::lab();
    let _g = hosts();
    reset(&lab);
    let double = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doubles/docker");
    let text = std::fs::read_to_string(double).expect("the docker double");
    lab.root_ok(
        WORKER,
        &format!(
            "mkdir -p /opt/rsapp && printf '%s' {} > /usr/local/bin/docker && \
             chmod 755 /usr/local/bin/docker && printf 'services:\\n  web:\\n    image: \
             nginx:1\\n  db:\\n    image: postgres:16\\n' > /opt/rsapp/compose.yaml",
            shell_quote(&text)
        ),
    );
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path();
    lab.inventory(dir, &[WORKER], "");
    let task = |state: &str| {
        format!(
            "- hosts: t2\n  become: true\n  gather_facts: false\n  tasks:\n    - name: Compose\n      \
             community.docker.docker_compose_v2:\n        project_src: /opt/rsapp\n        \
             state: {state}\n        remove_orphans: true\n        pull: missing\n"
        )
    };
    let host = Tier2::name(WORKER);
    let calls = |lab: &Tier2| lab.root_ok(WORKER, "cat /var/lib/docker-double/calls.log");

    // Check mode: a dry run only; nothing is created.
    let check = lab.rsible(dir).playbook(&task("present")).arg("-C").run();
    assert_eq!(check.code, 0, "{}", check.dump());
    assert_eq!(check.changed(&host), 1, "{}", check.dump());
    let log = calls(&lab);
    assert!(
        log.lines()
            .filter(|l| l.contains(" up "))
            .all(|l| l.contains("--dry-run")),
        "{log}"
    );
    lab.root_ok(WORKER, "! test -s /var/lib/docker-double/compose/rsapp");

    // Up twice, stopped twice, absent twice: each converges.
    for state in ["present", "stopped", "absent"] {
        let first = lab.rsible(dir).playbook(&task(state)).converge(&[&host]);
        assert_eq!(first.changed(&host), 1, "{state}: {}", first.dump());
        let r = &first.results(&host, "Compose")[0]["result"];
        let running = lab.root_ok(
            WORKER,
            "cat /var/lib/docker-double/compose/rsapp 2>/dev/null; true",
        );
        match state {
            "present" => {
                assert_eq!(r["containers"].as_array().map(Vec::len), Some(2), "{r}");
                assert_eq!(running.matches(" running ").count(), 2, "{running}");
            }
            "stopped" => assert_eq!(running.matches(" exited ").count(), 2, "{running}"),
            _ => assert!(running.trim().is_empty(), "{running}"),
        }
    }
    let log = calls(&lab);
    assert!(log.contains("--pull missing --remove-orphans"), "{log}");
    lab.root_ok(WORKER, "rm -f /usr/local/bin/docker");
}

/// `s` as one sh word.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
