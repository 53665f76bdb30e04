//! Which tasks may carry `async`/`poll`, decided when the playbook loads: `command` and
//! `shell` run as background jobs; the actions Ansible itself refuses to background fail at
//! run time with Ansible's message (blocks and includes are refused by the keyword tables); every other
//! module is refused as not supported by rsible. Knows nothing of how jobs run.

use std::path::Path;

use super::load::Loader;
use super::yaml::{Kind, Node};

/// Modules rsible runs as background jobs.
pub const ASYNC_MODULES: &[&str] = &["command", "shell"];

/// Actions Ansible refuses to run with `async` (their action plugins do not support it): the
/// task fails at run time with Ansible's message.
pub const NO_ASYNC_ACTIONS: &[&str] = &[
    "add_host",
    "assert",
    "copy",
    "debug",
    "fail",
    "fetch",
    "group_by",
    "include_vars",
    "pause",
    "raw",
    "reboot",
    "script",
    "set_fact",
    "template",
    "unarchive",
    "wait_for_connection",
];

/// Checks the `async`/`poll` keys among a task's `entries`; `module` is its canonical module
/// (`None` for a block).
pub(super) fn check(ld: &mut Loader, file: &Path, entries: &[(Node, Node)], module: Option<&str>) {
    for (k, v) in entries {
        let key = k.key_text();
        if key != "async" && key != "poll" {
            continue;
        }
        // Blocks and includes cannot carry it: the keyword tables refuse it there.
        let Some(module) = module.filter(|m| !matches!(*m, "include_tasks" | "include_role"))
        else {
            continue;
        };
        let zero = matches!(v.kind, Kind::Int(0) | Kind::UInt(0));
        if key == "poll"
            || zero
            || ASYNC_MODULES.contains(&module)
            || NO_ASYNC_ACTIONS.contains(&module)
        {
            continue;
        }
        ld.err_at(
            file,
            k,
            format!(
                "async on module '{module}' is not supported by rsible (only {} run as background jobs)",
                ASYNC_MODULES.join(" and ")
            ),
            Some(format!(
                "drop `async`/`poll` to run '{module}' in the foreground, or do the long work with `command` or `shell`"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    fn messages(tasks: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("site.yml");
        let text = format!("- hosts: all\n  tasks:\n{tasks}");
        std::fs::write(&p, text).expect("write");
        match crate::playbook::load(&p) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.into_iter().map(|d| d.message).collect(),
        }
    }

    #[test]
    fn command_shell_and_ansibles_refused_actions_load() {
        let ok = "    - command: sleep 1\n      async: 10\n      poll: 0\n\
                  \x20   - shell: sleep 1\n      async: \"{{ t }}\"\n\
                  \x20   - copy: content=x dest=/tmp/x\n      async: 10\n\
                  \x20   - file: path=/tmp/x state=touch\n      async: 0\n      poll: 3\n";
        assert_eq!(messages(ok), Vec::<String>::new());
    }

    #[test]
    fn other_modules_blocks_and_includes_are_refused() {
        let m = messages("    - apt: name=curl\n      async: 60\n      poll: 5\n");
        assert_eq!(
            m,
            ["async on module 'apt' is not supported by rsible (only command and shell run as background jobs)"]
        );
        let m = messages("    - include_tasks: x.yml\n      async: 5\n");
        assert_eq!(m, ["'async' is not a valid attribute for a TaskInclude"]);
    }
}
