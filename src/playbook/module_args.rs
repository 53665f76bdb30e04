//! The argument names each module that rsible runs accepts, so that a misspelled argument is
//! reported with its location before any host is contacted (the modules check again, with
//! types, when they run). Modules accepting free-form variables (`set_fact`, `add_host`) are
//! not listed. Knows nothing of how modules run.

const COMMAND: &[&str] = &[
    "_raw_params",
    "cmd",
    "argv",
    "creates",
    "removes",
    "chdir",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
    "expand_argument_vars",
];

/// The accepted argument names of `module`; `None` when it is not checked here.
pub fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "command" => COMMAND,
        "shell" => &[
            "_raw_params",
            "cmd",
            "creates",
            "removes",
            "chdir",
            "stdin",
            "stdin_add_newline",
            "strip_empty_ends",
            "executable",
        ],
        "raw" => &["_raw_params", "executable"],
        "debug" => &["msg", "var", "verbosity"],
        "assert" => &["that", "msg", "fail_msg", "success_msg", "quiet"],
        "fail" => &["msg"],
        "pause" => &["seconds", "minutes", "prompt", "echo"],
        "meta" => &["_raw_params"],
        "group_by" => &["key", "parents"],
        "setup" => &["gather_subset", "filter", "gather_timeout", "fact_path"],
        "include_vars" => &[
            "_raw_params",
            "file",
            "name",
            "dir",
            "files_matching",
            "ignore_unknown_extensions",
            "depth",
            "extensions",
            "hash_behaviour",
            "ignore_files",
        ],
        _ => return None,
    })
}
