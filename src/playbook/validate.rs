//! The keyword tables that decide what a play or task may contain, and the checks that pick
//! the message and hint for a name that is not allowed. Knows nothing of files or YAML.

use super::diagnostic::did_you_mean;
use crate::modules::registry;

/// Keywords a task may carry besides its module.
pub const TASK_KEYWORDS: &[&str] = &[
    "name",
    "action",
    "local_action",
    "args",
    "any_errors_fatal",
    "async",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "listen",
    "loop",
    "loop_control",
    "module_defaults",
    "no_log",
    "notify",
    "poll",
    "port",
    "register",
    "remote_user",
    "retries",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "until",
    "vars",
    "when",
    "block",
    "rescue",
    "always",
];

/// Keywords a play may carry.
pub const PLAY_KEYWORDS: &[&str] = &[
    "name",
    "hosts",
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
    "diff",
    "environment",
    "fact_path",
    "force_handlers",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "handlers",
    "ignore_errors",
    "ignore_unreachable",
    "max_fail_percentage",
    "module_defaults",
    "no_log",
    "order",
    "port",
    "post_tasks",
    "pre_tasks",
    "remote_user",
    "roles",
    "run_once",
    "serial",
    "strategy",
    "tags",
    "tasks",
    "throttle",
    "timeout",
    "vars",
    "vars_files",
    "vars_prompt",
];

/// Keywords an `import_playbook` entry may carry.
pub const IMPORT_PLAYBOOK_KEYWORDS: &[&str] = &["import_playbook", "name", "vars", "tags", "when"];

/// Arguments `import_role`/`include_role` accept.
const ROLE_ARGS: &[&str] = &[
    "name",
    "tasks_from",
    "vars_from",
    "defaults_from",
    "handlers_from",
    "allow_duplicates",
    "public",
    "rolespec_validate",
    "apply",
];

/// The arguments an import/include module accepts (`_raw_params` is the free-form name);
/// `None` for other modules.
pub fn include_args(module: &str) -> Option<&'static [&'static str]> {
    match module {
        "import_tasks" => Some(&["file", "_raw_params"]),
        "include_tasks" => Some(&["file", "_raw_params", "apply"]),
        "import_role" => Some(&ROLE_ARGS[..ROLE_ARGS.len() - 1]),
        "include_role" => Some(ROLE_ARGS),
        _ => None,
    }
}

/// The keywords an `include_tasks`/`include_role` task may carry (as Ansible: the others
/// belong under `apply:`).
const INCLUDE_KEYWORDS: &[&str] = &[
    "action",
    "args",
    "collections",
    "debugger",
    "ignore_errors",
    "loop",
    "loop_control",
    "name",
    "no_log",
    "register",
    "run_once",
    "tags",
    "timeout",
    "vars",
    "when",
];

/// Whether task keyword `key` is allowed on a dynamic include (`include_tasks`,
/// `include_role`); `with_<lookup>` loops are.
pub fn include_keyword_allowed(key: &str) -> bool {
    INCLUDE_KEYWORDS.contains(&key) || key.starts_with("with_")
}

/// Whether `key` is a task keyword (`with_<lookup>` included).
pub fn is_task_keyword(key: &str) -> bool {
    TASK_KEYWORDS.contains(&key) || key.strip_prefix("with_").is_some_and(|l| !l.is_empty())
}

/// What an unknown key in a task is taken for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// Reported as an unknown module, with an optional hint.
    Module(Option<String>),
    /// Reported as an unknown task keyword, with an optional hint.
    Keyword(Option<String>),
}

/// Classifies a key that is neither a task keyword nor a known module. `has_module` says
/// whether the task already names a module (then a bare unknown key is a keyword typo).
pub fn classify_unknown_task_key(key: &str, has_module: bool) -> Unknown {
    let names = registry::names_near(key);
    let module_hint = did_you_mean(key, names.iter().map(String::as_str));
    let keyword_hint = did_you_mean(key, TASK_KEYWORDS.iter().copied());
    match (module_hint, keyword_hint) {
        (Some(m), None) => Unknown::Module(Some(m)),
        (None, Some(k)) => Unknown::Keyword(Some(k)),
        (Some(m), Some(k)) => {
            if has_module {
                Unknown::Keyword(Some(k))
            } else {
                Unknown::Module(Some(m))
            }
        }
        (None, None) if has_module && !key.contains('.') => Unknown::Keyword(None),
        (None, None) => Unknown::Module(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_typos() {
        assert_eq!(
            classify_unknown_task_key("comand", false),
            Unknown::Module(Some("did you mean 'command'?".into()))
        );
        assert_eq!(
            classify_unknown_task_key("registr", true),
            Unknown::Keyword(Some("did you mean 'register'?".into()))
        );
        assert_eq!(
            classify_unknown_task_key("frobnicate", true),
            Unknown::Keyword(None)
        );
        assert_eq!(
            classify_unknown_task_key("frobnicate", false),
            Unknown::Module(None)
        );
        assert!(is_task_keyword("with_items"));
        assert!(!is_task_keyword("with_"));
    }
}
