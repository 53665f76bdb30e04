//! The arguments of the actions the engine runs itself (`set_fact`, `debug`, `include_tasks`,
//! ...), so that the registry answers for every name a task may use. Their work is the
//! engine's; nothing here runs. Knows nothing of the engine.

use crate::modules::framework::spec::{action, Spec, B};

/// The engine actions, for the registry.
pub const SPECS: &[Spec] = &[
    action("template", B, &[], None),
    action("debug", B, &[], Some(&["msg", "var", "verbosity"])),
    action("set_fact", B, &[], None),
    action(
        "assert",
        B,
        &[],
        Some(&["that", "msg", "fail_msg", "success_msg", "quiet"]),
    ),
    action("fail", B, &[], Some(&["msg"])),
    action("meta", B, &[], Some(&["_raw_params"])),
    action(
        "setup",
        B,
        &["gather_facts", "ansible.builtin.gather_facts"],
        Some(&["gather_subset", "filter", "gather_timeout", "fact_path"]),
    ),
    action(
        "pause",
        B,
        &[],
        Some(&["seconds", "minutes", "prompt", "echo"]),
    ),
    action(
        "include_vars",
        B,
        &[],
        Some(&[
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
        ]),
    ),
    action("add_host", B, &[], None),
    action("group_by", B, &[], Some(&["key", "parents"])),
    action("validate_argument_spec", B, &[], None),
    action("import_tasks", B, &[], None),
    action("include_tasks", B, &[], None),
    action("import_role", B, &[], None),
    action("include_role", B, &[], None),
    action("import_playbook", B, &[], None),
];
