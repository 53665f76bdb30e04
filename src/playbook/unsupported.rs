//! What rsible refuses when a playbook is loaded because it would otherwise be accepted and
//! ignored: play, block, task and role-entry keywords rsible does not implement, keywords that
//! are not valid where they are written, and module arguments that have no effect in rsible.
//! Each is refused unless written with the one value that behaves as in Ansible (such as
//! `connection: ssh` or `unsafe_writes: false`). Knows nothing of files or how tasks run: the
//! loader reports what this returns at the key's location.

use serde_json::Value;

use super::yaml::Node;

/// Where a keyword is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A play.
    Play,
    /// A `block:` (with its `rescue:`/`always:`).
    Block,
    /// A task or handler.
    Task,
    /// A `roles:` entry or a role dependency.
    Role,
}

impl Level {
    fn noun(self) -> &'static str {
        match self {
            Level::Play => "play",
            Level::Block => "block",
            Level::Task => "task",
            Level::Role => "role entry",
        }
    }
}

/// A refusal: the message and a hint.
pub type Refusal = (String, Option<String>);

/// Which values of a refused keyword or argument still behave as in Ansible.
#[derive(Clone, Copy)]
enum Accept {
    /// None: the key itself is refused.
    Nothing,
    /// These words (any case), or a list of them.
    Words(&'static [&'static str]),
    /// This boolean (written any way Ansible reads booleans).
    Bool(bool),
    /// This integer.
    Int(i64),
}

/// One refused keyword or argument: what is still accepted, and what to do instead.
#[derive(Clone, Copy)]
struct Rule {
    key: &'static str,
    accept: Accept,
    hint: &'static str,
}

const fn rule(key: &'static str, accept: Accept, hint: &'static str) -> Rule {
    Rule { key, accept, hint }
}

/// Keywords rsible does not implement (at any level they are valid at).
const KEYWORDS: &[Rule] = &[
    rule(
        "connection",
        Accept::Words(&[
            "ssh",
            "smart",
            "local",
            "ansible.builtin.ssh",
            "ansible.builtin.local",
        ]),
        "rsible has the ssh and local connections only",
    ),
    rule(
        "debugger",
        Accept::Words(&["never"]),
        "rsible has no task debugger",
    ),
    rule(
        "vars_prompt",
        Accept::Nothing,
        "pass the values with `-e name=value` (and give defaults under `vars:`)",
    ),
    rule(
        "fact_path",
        Accept::Nothing,
        "rsible gathers no local facts (facts.d); read such files with `slurp` or a lookup",
    ),
];

/// Keywords Ansible allows on a block (besides `block`, `rescue`, `always`).
const BLOCK_KEYWORDS: &[&str] = &[
    "name",
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "module_defaults",
    "no_log",
    "notify",
    "port",
    "remote_user",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "vars",
    "when",
];

/// Whether a role entry takes `key` as a keyword (any other key is a role parameter, as in
/// Ansible): a block's keywords but its `name`, `notify`, `tags` and `vars` (a role entry
/// reads its own `name`, `tags` and `vars`, and notifies nothing).
pub fn is_role_keyword(key: &str) -> bool {
    BLOCK_KEYWORDS.contains(&key) && !matches!(key, "name" | "notify" | "tags" | "vars")
}

/// The refusal for keyword `key` with value `v` written at `level`, or `None` when rsible
/// gives it Ansible's effect.
pub fn keyword(level: Level, key: &str, v: &Node) -> Option<Refusal> {
    if level == Level::Block
        && !BLOCK_KEYWORDS.contains(&key)
        && !matches!(key, "block" | "rescue" | "always")
    {
        return Some((
            format!("'{key}' is not a valid attribute for a Block"),
            Some("move it onto the tasks inside `block:`".into()),
        ));
    }
    let r = KEYWORDS.iter().find(|r| r.key == key)?;
    refuse_unless(
        r,
        &v.to_json(),
        &format!("the {} keyword '{key}'", level.noun()),
    )
}

/// Module arguments that rsible accepts only with Ansible's default value.
const ARGS: &[(&str, Rule)] = &[
    ("copy", UNSAFE_WRITES),
    ("template", UNSAFE_WRITES),
    ("file", UNSAFE_WRITES),
    ("lineinfile", UNSAFE_WRITES),
    ("blockinfile", UNSAFE_WRITES),
    ("replace", UNSAFE_WRITES),
    ("ini_file", UNSAFE_WRITES),
    (
        "replace",
        rule(
            "encoding",
            Accept::Words(&["utf-8", "utf8"]),
            "rsible reads and writes files as UTF-8",
        ),
    ),
    (
        "template",
        rule(
            "output_encoding",
            Accept::Words(&["utf-8", "utf8"]),
            "rsible writes templates as UTF-8",
        ),
    ),
    (
        "ini_file",
        rule(
            "follow",
            Accept::Bool(false),
            "give the link's target as `path`",
        ),
    ),
    (
        "group",
        rule(
            "local",
            Accept::Bool(false),
            "rsible manages groups with groupadd/groupmod",
        ),
    ),
    (
        "include_role",
        rule(
            "public",
            Accept::Bool(false),
            "use import_role, whose defaults and vars the whole play sees",
        ),
    ),
    (
        "import_role",
        rule(
            "public",
            Accept::Bool(true),
            "an imported role's defaults and vars are seen by the whole play in rsible",
        ),
    ),
    ("include_role", ALLOW_DUPLICATES),
    ("import_role", ALLOW_DUPLICATES),
    (
        "script",
        rule(
            "decrypt",
            Accept::Nothing,
            "ansible-core 2.19's script module refuses it too; a vaulted script is decrypted without it",
        ),
    ),
    ("apt_key", VALIDATE_CERTS),
    ("apt_repository", VALIDATE_CERTS),
    ("dnf", VALIDATE_CERTS),
    ("yum", VALIDATE_CERTS),
    (
        "apt_repository",
        rule(
            "codename",
            Accept::Nothing,
            "rsible uses the target's own release codename",
        ),
    ),
    (
        "dnf",
        rule(
            "use_backend",
            Accept::Words(&["auto"]),
            "rsible runs the target's dnf (or yum) command",
        ),
    ),
    (
        "yum",
        rule(
            "use_backend",
            Accept::Words(&["auto"]),
            "rsible runs the target's dnf (or yum) command",
        ),
    ),
    (
        "setup",
        rule(
            "fact_path",
            Accept::Nothing,
            "rsible gathers no local facts (facts.d)",
        ),
    ),
    (
        "setup",
        rule(
            "gather_timeout",
            Accept::Int(10),
            "use the task keyword `timeout:` for the whole gathering",
        ),
    ),
    ("synchronize", rule("private_key", Accept::Nothing, SYNC_CONN)),
    ("synchronize", rule("dest_port", Accept::Nothing, SYNC_CONN)),
    ("synchronize", rule("set_remote_user", Accept::Bool(true), SYNC_CONN)),
    ("synchronize", rule("use_ssh_args", Accept::Bool(false), SYNC_CONN)),
    (
        "synchronize",
        rule("ssh_connection_multiplexing", Accept::Bool(false), SYNC_CONN),
    ),
    (
        "synchronize",
        rule(
            "link_dest",
            Accept::Nothing,
            "rsible does not implement link_dest (hard links to reference trees)",
        ),
    ),
    ("yum_repository", YUM_DEPRECATED[0]),
    ("yum_repository", YUM_DEPRECATED[1]),
    ("yum_repository", YUM_DEPRECATED[2]),
    ("yum_repository", YUM_DEPRECATED[3]),
    ("yum_repository", YUM_DEPRECATED[4]),
    ("yum_repository", YUM_DEPRECATED[5]),
    ("yum_repository", YUM_DEPRECATED[6]),
    ("yum_repository", YUM_DEPRECATED[7]),
    ("yum_repository", YUM_DEPRECATED[8]),
    ("yum_repository", YUM_DEPRECATED[9]),
    ("yum_repository", YUM_DEPRECATED[10]),
    ("helm", HELM_INSECURE[0]),
    ("helm", HELM_INSECURE[1]),
    ("helm_repository", HELM_INSECURE[0]),
    ("helm_repository", HELM_INSECURE[1]),
    ("helm", HELM_DEFAULT_OFF[0]),
    ("helm", HELM_DEFAULT_OFF[1]),
    ("helm", HELM_DEFAULT_OFF[2]),
    ("helm", HELM_DEFAULT_OFF[3]),
    ("helm", HELM_DEFAULT_OFF[4]),
    ("helm", HELM_DEFAULT_OFF[5]),
    ("helm", HELM_DEFAULT_OFF[6]),
    ("helm", HELM_DEFAULT_OFF[7]),
];

/// kubernetes.core's `validate_certs` (and its alias `verify_ssl`): rsible runs helm with
/// the kubeconfig's own TLS settings, which is Ansible's default (`true`).
const HELM_INSECURE: [Rule; 2] = [
    rule("validate_certs", Accept::Bool(true), HELM),
    rule("verify_ssl", Accept::Bool(true), HELM),
];

/// `helm` options rsible does not run (each needs a helm version check or a helm feature
/// the module does not drive), accepted only as Ansible's default (false), aliases included.
const HELM_DEFAULT_OFF: [Rule; 8] = {
    const HINT: &str = "rsible's helm module does not run it (it needs a newer helm's \
         flag or a feature docs/compat.md lists as missing); leave it out";
    [
        rule("dependency_update", Accept::Bool(false), HINT),
        rule("dep_up", Accept::Bool(false), HINT),
        rule("reset_then_reuse_values", Accept::Bool(false), HINT),
        rule("insecure_skip_tls_verify", Accept::Bool(false), HINT),
        rule("skip_tls_certs_check", Accept::Bool(false), HINT),
        rule("plain_http", Accept::Bool(false), HINT),
        rule("take_ownership", Accept::Bool(false), HINT),
        rule("skip_schema_validation", Accept::Bool(false), HINT),
    ]
};

/// Why `synchronize` takes none of Ansible's settings for the ssh command it builds.
const SYNC_CONN: &str = "rsync reaches the target through the task's own connection (its user, \
     port, key and ssh settings); set them on the host (ansible_user, ansible_port, \
     ansible_ssh_private_key_file)";

/// `yum_repository` options Ansible deprecates (no effect with dnf, or main-configuration
/// only) and warns about; rsible refuses them rather than write them without the warning.
const YUM_DEPRECATED: [Rule; 11] = {
    const HINT: &str = "Ansible deprecates it (no effect with dnf); leave it out";
    [
        rule("async", Accept::Nothing, HINT),
        rule("deltarpm_metadata_percentage", Accept::Nothing, HINT),
        rule("gpgcakey", Accept::Nothing, HINT),
        rule("http_caching", Accept::Nothing, HINT),
        rule("keepalive", Accept::Nothing, HINT),
        rule("keepcache", Accept::Nothing, HINT),
        rule("metadata_expire_filter", Accept::Nothing, HINT),
        rule("mirrorlist_expire", Accept::Nothing, HINT),
        rule("protect", Accept::Nothing, HINT),
        rule("ssl_check_cert_permissions", Accept::Nothing, HINT),
        rule("ui_repoid_vars", Accept::Nothing, HINT),
    ]
};

/// Arguments of a module that rsible refuses whatever their value (module, names, hint):
/// the module's own `Args` never sees them.
const REFUSED_ARGS: &[(&str, &[&str], &str)] = &[
    (
        "docker_compose_v2",
        &[
            "definition",
            "env_files",
            "profiles",
            "check_files_existing",
            "dependencies",
            "build",
            "ignore_build_events",
            "recreate",
            "renew_anon_volumes",
            "remove_images",
            "remove_volumes",
            "timeout",
            "services",
            "scale",
            "wait",
            "wait_timeout",
            "assume_yes",
            "docker_cli",
            "cli_context",
        ],
        DOCKER,
    ),
    (
        "docker_swarm",
        &[
            "node_id",
            "default_addr_pool",
            "subnet_size",
            "data_path_addr",
            "data_path_port",
            "task_history_retention_limit",
            "snapshot_interval",
            "keep_old_snapshots",
            "log_entries_for_slow_followers",
            "heartbeat_tick",
            "election_tick",
            "dispatcher_heartbeat_period",
            "node_cert_expiry",
            "name",
            "labels",
            "signing_ca_cert",
            "signing_ca_key",
            "ca_force_rotate",
            "autolock_managers",
            "rotate_worker_token",
            "rotate_manager_token",
            "use_ssh_client",
            "debug",
            "timeout",
        ],
        DOCKER,
    ),
    ("helm", &["post_renderer", "set_values"], HELM),
    ("helm", HELM_CONNECTION, HELM),
    ("helm_repository", HELM_CONNECTION, HELM),
    ("docker_compose_v2", DOCKER_CONNECTION, DOCKER),
    ("docker_swarm", DOCKER_CONNECTION, DOCKER),
];

/// community.docker's settings for reaching a Docker API, which no module of rsible's takes.
const DOCKER_CONNECTION: &[&str] = &[
    "docker_host",
    "tls_hostname",
    "api_version",
    "ca_path",
    "client_cert",
    "client_key",
    "tls",
    "validate_certs",
];

/// kubernetes.core's settings for reaching an API server, which rsible's helm modules do not
/// take.
const HELM_CONNECTION: &[&str] = &["host", "api_key", "ca_cert", "ssl_ca_cert"];

/// Why kubernetes.core's Helm connection settings and unimplemented options are refused.
const HELM: &str = "rsible runs the target's helm with the kubeconfig given (or helm's own), \
     no API server settings, and implements the arguments docs/compat.md lists";

/// Why community.docker's settings are refused.
const DOCKER: &str = "rsible runs the target's docker CLI as it is configured there (no Docker \
     API settings) and implements the arguments docs/compat.md lists";

const UNSAFE_WRITES: Rule = rule(
    "unsafe_writes",
    Accept::Bool(false),
    "rsible always writes files atomically",
);

const ALLOW_DUPLICATES: Rule = rule(
    "allow_duplicates",
    Accept::Bool(true),
    "rsible runs an included or imported role each time it is reached, as Ansible's default does",
);

const VALIDATE_CERTS: Rule = rule(
    "validate_certs",
    Accept::Bool(true),
    "rsible always validates certificates here; install the CA on the target instead",
);

/// The refusal for argument `arg` of `module` with value `v`, or `None` when rsible gives
/// it Ansible's effect. The value is the one written in the task (a template cannot be
/// checked before it is rendered, and is refused).
pub fn argument(module: &str, arg: &str, v: &Value) -> Option<Refusal> {
    let what = format!("argument '{arg}' of module '{module}'");
    if let Some((_, r)) = ARGS.iter().find(|(m, r)| *m == module && r.key == arg) {
        return refuse_unless(r, v, &what);
    }
    let (key, hint) = REFUSED_ARGS
        .iter()
        .filter(|(m, _, _)| *m == module)
        .find_map(|(_, names, hint)| names.iter().find(|n| **n == arg).map(|n| (n, hint)))?;
    refuse_unless(&rule(key, Accept::Nothing, hint), v, &what)
}

/// The refusal of `what` unless `v` is a value `r` accepts.
fn refuse_unless(r: &Rule, v: &Value, what: &str) -> Option<Refusal> {
    if accepts(r.accept, v) {
        return None;
    }
    let only = match r.accept {
        Accept::Nothing => String::new(),
        Accept::Words(w) => format!(" (it accepts only: {})", w.join(", ")),
        Accept::Bool(b) => format!(" (only `{}: {b}` is)", r.key),
        Accept::Int(n) => format!(" (only `{}: {n}` is)", r.key),
    };
    let templated = v.as_str().is_some_and(crate::template::is_template);
    let hint = if templated && !matches!(r.accept, Accept::Nothing) {
        format!(
            "{}; write the value itself: a template cannot be checked before it runs",
            r.hint
        )
    } else {
        r.hint.to_string()
    };
    Some((
        format!("{what} is not supported by rsible{only}"),
        Some(hint),
    ))
}

fn accepts(accept: Accept, v: &Value) -> bool {
    match (accept, v) {
        (Accept::Nothing, _) => false,
        (Accept::Words(words), Value::Array(items)) => {
            items.iter().all(|i| accepts(Accept::Words(words), i))
        }
        (Accept::Words(words), Value::String(s)) => {
            words.iter().any(|w| w.eq_ignore_ascii_case(s.trim()))
        }
        (Accept::Bool(want), _) => crate::modules::framework::args::to_bool(v) == Some(want),
        (Accept::Int(want), Value::Number(n)) => n.as_i64() == Some(want),
        (Accept::Int(want), Value::String(s)) => s.trim().parse::<i64>().is_ok_and(|n| n == want),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(yaml: &str) -> Node {
        crate::yaml_node::parse(yaml).unwrap()
    }

    #[test]
    fn refuses_unimplemented_keywords() {
        for (k, v) in [
            ("connection", "winrm"),
            ("connection", "paramiko"),
            ("connection", "'{{ c }}'"),
            ("debugger", "on_failed"),
        ] {
            let r = keyword(Level::Task, k, &node(v)).expect(k);
            assert!(r.0.contains("not supported by rsible"), "{}", r.0);
        }
        assert!(keyword(Level::Play, "vars_prompt", &node("[]")).is_some());
    }

    #[test]
    fn accepts_values_with_ansible_effect() {
        for (k, v) in [
            ("connection", "ssh"),
            ("connection", "ansible.builtin.local"),
            ("remote_user", "root"),
            ("port", "2222"),
            ("become_flags", "-H"),
            ("become_exe", "sudo"),
            ("debugger", "never"),
            ("collections", "[ansible.builtin, community.general]"),
            ("become", "true"),
            ("when", "x"),
        ] {
            assert!(keyword(Level::Task, k, &node(v)).is_none(), "{k}: {v}");
        }
    }

    #[test]
    fn blocks_refuse_task_only_keywords() {
        let r = keyword(Level::Block, "loop", &node("[1]")).unwrap();
        assert_eq!(r.0, "'loop' is not a valid attribute for a Block");
        assert!(keyword(Level::Block, "notify", &node("h")).is_none());
        assert!(keyword(Level::Block, "rescue", &node("[]")).is_none());
    }

    #[test]
    fn community_docker_settings_are_refused_whatever_their_value() {
        use serde_json::json;
        let e = argument("docker_swarm", "labels", &json!({"a": "b"}))
            .unwrap()
            .0;
        assert!(
            e.contains("labels") && e.contains("not supported by rsible"),
            "{e}"
        );
        let e = argument("docker_swarm", "node_id", &json!("x")).unwrap().0;
        assert!(e.contains("not supported by rsible"), "{e}");
        let e = argument("docker_compose_v2", "services", &json!(["web"]))
            .unwrap()
            .0;
        assert!(
            e.contains("services") && e.contains("not supported by rsible"),
            "{e}"
        );
        assert!(argument("docker_swarm", "advertise_addr", &json!("eth0")).is_none());
    }

    #[test]
    fn kubernetes_core_helm_settings_are_refused() {
        use serde_json::json;
        for (module, arg, v) in [
            ("helm", "set_values", json!([{"value": "a=1"}])),
            ("helm", "post_renderer", json!("x")),
            ("helm", "plain_http", json!(true)),
            ("helm", "dep_up", json!("yes")),
            ("helm", "skip_tls_certs_check", json!(true)),
            ("helm", "host", json!("https://k")),
            ("helm", "validate_certs", json!(false)),
            ("helm", "verify_ssl", json!("no")),
            ("helm_repository", "ca_cert", json!("/ca.pem")),
            ("helm_repository", "ssl_ca_cert", json!("/ca.pem")),
            ("helm_repository", "api_key", json!("k")),
        ] {
            let e = argument(module, arg, &v).expect(arg).0;
            assert!(
                e.contains(arg) && e.contains("not supported by rsible"),
                "{e}"
            );
        }
        for (module, arg, v) in [
            ("helm", "plain_http", json!(false)),
            ("helm", "dependency_update", json!("no")),
            ("helm", "validate_certs", json!(true)),
            ("helm_repository", "insecure_skip_tls_verify", json!(true)),
            ("helm", "chart_ref", json!("stable/nginx")),
        ] {
            assert!(argument(module, arg, &v).is_none(), "{module} {arg}");
        }
    }

    #[test]
    fn arguments_only_with_defaults() {
        let arg = |m: &str, a: &str, v: serde_json::Value| argument(m, a, &v);
        use serde_json::json;
        assert!(arg("copy", "unsafe_writes", json!("no")).is_none());
        assert!(arg("copy", "unsafe_writes", json!(true)).is_some());
        assert!(arg("dnf", "validate_certs", json!("True")).is_none());
        assert!(arg("dnf", "validate_certs", json!(false)).is_some());
        assert!(arg("template", "output_encoding", json!("UTF-8")).is_none());
        assert!(arg("setup", "gather_timeout", json!("10")).is_none());
        assert!(arg("setup", "gather_timeout", json!(5)).is_some());
        assert!(arg("copy", "dest", json!("/x")).is_none());
    }
}
