//! The `--tags`/`--skip-tags` rule, as Ansible's `Taggable.evaluate_tags`: one function the
//! listing and the engine share. Knows nothing of plays or tasks: it sees tag names only.
//!
//! A task's effective tags are its own plus those of its enclosing blocks, `import_tasks`/
//! `import_role` tasks, roles (a dependency takes its dependent's) and play. Tags of an
//! `include_tasks`/`include_role` task select the include itself, not what it loads.

/// Whether a task with effective tags `task_tags` runs under `--tags only --skip-tags skip`.
///
/// No `--tags` means `all`, which selects everything but `never` tasks. `always` tasks run
/// unless `always` is skipped; `never` tasks run only when one of their tags is asked for;
/// `tagged`/`untagged` select by whether the task has any tag. `--skip-tags all` skips
/// everything but `always` tasks.
pub fn tags_selected(task_tags: &[String], only: &[String], skip: &[String]) -> bool {
    let untagged = task_tags.is_empty();
    let has = |t: &str| task_tags.iter().any(|x| x == t) || (untagged && t == "untagged");
    let named = |list: &[String]| list.iter().any(|t| has(t));
    let all = ["all".to_string()];
    let only = if only.is_empty() { &all[..] } else { only };
    let listed = |list: &[String], t: &str| list.iter().any(|x| x == t);
    let run = has("always")
        || (listed(only, "all") && !has("never"))
        || named(only)
        || (listed(only, "tagged") && !untagged && !has("never"));
    if !run || skip.is_empty() {
        return run;
    }
    if listed(skip, "all") {
        return has("always") && !listed(skip, "always");
    }
    !(named(skip) || (listed(skip, "tagged") && !untagged))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    fn sel(task: &[&str], only: &[&str], skip: &[&str]) -> bool {
        tags_selected(&v(task), &v(only), &v(skip))
    }

    #[test]
    fn default_runs_all_but_never() {
        assert!(sel(&[], &[], &[]));
        assert!(sel(&["a"], &[], &[]));
        assert!(sel(&["always"], &[], &[]));
        assert!(!sel(&["never", "n"], &[], &[]));
    }

    #[test]
    fn only_tags() {
        assert!(sel(&["a", "b"], &["b"], &[]));
        assert!(!sel(&["a"], &["b"], &[]));
        assert!(!sel(&[], &["b"], &[]));
        assert!(sel(&["always"], &["b"], &[]));
        assert!(sel(&["never", "n"], &["n"], &[]));
        assert!(sel(&["never"], &["never"], &[]));
        assert!(sel(&["never", "n"], &["all", "never"], &[]));
    }

    #[test]
    fn tagged_and_untagged() {
        assert!(sel(&["a"], &["tagged"], &[]));
        assert!(!sel(&[], &["tagged"], &[]));
        assert!(!sel(&["never"], &["tagged"], &[]));
        assert!(sel(&[], &["untagged"], &[]));
        assert!(!sel(&["a"], &["untagged"], &[]));
        assert!(!sel(&["a"], &[], &["tagged"]));
        assert!(sel(&[], &[], &["tagged"]));
        assert!(!sel(&[], &[], &["untagged"]));
    }

    #[test]
    fn skip_tags() {
        assert!(!sel(&["a"], &[], &["a"]));
        assert!(!sel(&["always"], &[], &["always"]));
        assert!(!sel(&["a"], &[], &["all"]));
        assert!(sel(&["always"], &[], &["all"]));
        assert!(!sel(&["always"], &[], &["all", "always"]));
        assert!(!sel(&["c", "imp"], &["c"], &["imp"]));
        assert!(sel(&["c"], &["c"], &["imp"]));
    }
}
