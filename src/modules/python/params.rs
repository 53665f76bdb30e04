//! The JSON a module reads: `{"ANSIBLE_MODULE_ARGS": {...}}`, the task's arguments plus the
//! `_ansible_*` keys ansible-core's `basic` takes its run settings from (check mode, diff,
//! no_log, verbosity, its own name, where its temporary files go). Knows nothing of hosts
//! or payloads.

use serde_json::{json, Map, Value};

/// The run settings a module is told about.
#[derive(Debug, Clone)]
pub struct Internal<'a> {
    /// `--check` (or `check_mode:`).
    pub check: bool,
    /// `--diff` (or `diff:`).
    pub diff: bool,
    /// The task's `no_log`.
    pub no_log: bool,
    /// `-v` count.
    pub verbosity: u8,
    /// The module's name as resolved (`community.general.timezone`).
    pub module_name: &'a str,
    /// The controller's ansible-core version, which modules read as Ansible's.
    pub version: &'a str,
}

/// The module's stdin JSON for `args` under `i`.
pub fn encode(args: &Map<String, Value>, i: &Internal) -> Vec<u8> {
    let mut a = args.clone();
    let internal = [
        ("_ansible_check_mode", json!(i.check)),
        ("_ansible_no_log", json!(i.no_log)),
        ("_ansible_debug", json!(false)),
        ("_ansible_diff", json!(i.diff)),
        ("_ansible_verbosity", json!(i.verbosity)),
        ("_ansible_version", json!(i.version)),
        ("_ansible_module_name", json!(i.module_name)),
        ("_ansible_syslog_facility", json!("LOG_USER")),
        (
            "_ansible_selinux_special_fs",
            json!(["fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"]),
        ),
        ("_ansible_shell_executable", json!("/bin/sh")),
        ("_ansible_keep_remote_files", json!(false)),
        // Pipelined as Ansible does: no temporary directory made beforehand; a module that
        // needs one makes it under the remote tmp and removes it when it exits.
        ("_ansible_tmpdir", Value::Null),
        ("_ansible_remote_tmp", json!("~/.ansible/tmp")),
        ("_ansible_ignore_unknown_opts", json!(false)),
        ("_ansible_target_log_info", Value::Null),
        ("_ansible_tracebacks_for", json!([])),
    ];
    for (k, v) in internal {
        a.insert(k.into(), v);
    }
    let mut top = Map::new();
    top.insert("ANSIBLE_MODULE_ARGS".into(), Value::Object(a));
    serde_json::to_vec(&Value::Object(top)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_internal_keys() {
        let args = json!({"name": "UTC"}).as_object().unwrap().clone();
        let i = Internal {
            check: true,
            diff: false,
            no_log: true,
            verbosity: 2,
            module_name: "community.general.timezone",
            version: "2.19.4",
        };
        let v: Value = serde_json::from_slice(&encode(&args, &i)).unwrap();
        let a = &v["ANSIBLE_MODULE_ARGS"];
        assert_eq!(a["name"], "UTC");
        assert_eq!(a["_ansible_check_mode"], true);
        assert_eq!(a["_ansible_diff"], false);
        assert_eq!(a["_ansible_no_log"], true);
        assert_eq!(a["_ansible_verbosity"], 2);
        assert_eq!(a["_ansible_module_name"], "community.general.timezone");
        assert_eq!(a["_ansible_version"], "2.19.4");
        assert_eq!(a["_ansible_tmpdir"], Value::Null);
    }
}
