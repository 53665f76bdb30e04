//! The text of `--list-tasks` and `--list-tags`, in ansible-playbook's layout. Pure string
//! building from the model: knows nothing of inventories, terminals or exit codes.

use std::collections::BTreeSet;

use super::model::{Play, Role, Task};
use super::tags::tags_selected;

/// A task as listed: its display name and its effective tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedTask {
    /// `role : name`, `name`, or the module when unnamed.
    pub name: String,
    /// Tags of the task, its blocks, imports, roles and play (see [`super::tags`]).
    pub tags: Vec<String>,
}

/// `  play #N (hosts): name\tTAGS: [a,b]` (N is 1-based).
pub fn play_line(index: usize, play: &Play) -> String {
    let tags: BTreeSet<&str> = play.tags.iter().map(String::as_str).collect();
    format!(
        "  play #{} ({}): {}\tTAGS: [{}]",
        index + 1,
        play.hosts,
        play.display_name(),
        tags.into_iter().collect::<Vec<_>>().join(",")
    )
}

/// Every task a play runs, in order (pre_tasks, roles with dependencies first, tasks,
/// post_tasks; blocks and imports opened), with effective tags; no tag selection.
pub fn play_tasks(play: &Play) -> Vec<ListedTask> {
    let mut out = Vec::new();
    tasks(&play.pre_tasks, &play.tags, &mut out);
    for r in &play.roles {
        role(r, &play.tags, &mut out);
    }
    tasks(&play.tasks, &play.tags, &mut out);
    tasks(&play.post_tasks, &play.tags, &mut out);
    out
}

fn role(r: &Role, inherited: &[String], out: &mut Vec<ListedTask>) {
    let tags: Vec<String> = inherited.iter().chain(&r.tags).cloned().collect();
    for d in &r.dependencies {
        role(d, &tags, out);
    }
    tasks(&r.tasks, &tags, out);
}

fn tasks(list: &[Task], inherited: &[String], out: &mut Vec<ListedTask>) {
    for t in list {
        let tags: Vec<String> = inherited.iter().chain(&t.tags).cloned().collect();
        let imports = matches!(t.module.as_deref(), Some("import_tasks" | "import_role"));
        if t.is_block() {
            tasks(&t.block, &tags, out);
        } else if imports {
            tasks(&t.imported, &tags, out);
        } else {
            out.push(ListedTask {
                name: listed_name(t),
                tags,
            });
        }
    }
}

/// A task's name as `--list-tasks` shows it: an unnamed task by its module as written; a
/// named one with its role's name before it, but an `include_role` never.
fn listed_name(t: &Task) -> String {
    let Some(name) = &t.name else {
        return t
            .action
            .clone()
            .or_else(|| t.module.clone())
            .unwrap_or_default();
    };
    match t.role_name() {
        Some(r) if t.module.as_deref() != Some("include_role") => format!("{r} : {name}"),
        _ => name.clone(),
    }
}

/// The lines printed under a play header for `--list-tasks` and/or `--list-tags`, every
/// task included but `never` ones (`--list-tags` alone includes those too, as Ansible).
pub fn play_section(play: &Play, list_tasks: bool, list_tags: bool) -> String {
    play_section_selected(play, list_tasks, list_tags, &[], &[])
}

/// As [`play_section`], listing only the tasks `--tags only --skip-tags skip` select.
pub fn play_section_selected(
    play: &Play,
    list_tasks: bool,
    list_tags: bool,
    only: &[String],
    skip: &[String],
) -> String {
    let every = ["never".to_string(), "all".to_string()];
    let only = match list_tags && only.is_empty() && skip.is_empty() {
        true => &every[..],
        false => only,
    };
    let mut s = String::new();
    let mut all: BTreeSet<String> = play.tags.iter().cloned().collect();
    if list_tasks {
        s.push_str("    tasks:\n");
    }
    for t in play_tasks(play) {
        if !tags_selected(&t.tags, only, skip) {
            continue;
        }
        all.extend(t.tags.iter().cloned());
        if list_tasks {
            let cur: BTreeSet<&str> = t.tags.iter().map(String::as_str).collect();
            s.push_str(&format!(
                "      {}\tTAGS: [{}]\n",
                t.name,
                cur.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if list_tags {
        s.push_str(&format!(
            "      TASK TAGS: [{}]\n",
            all.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    s
}
