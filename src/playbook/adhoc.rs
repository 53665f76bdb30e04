//! The play `rsible run` runs, as Ansible's `ansible` builds it: one task calling the module
//! of `-m` with the arguments of `-a`, on the hosts of a pattern, without fact gathering. The
//! module and its arguments are checked as a playbook task's are (the same `k=v` split, the
//! same registry check), so a misspelt module or argument stops the run before any host is
//! contacted. Knows nothing of how the play runs or how its results print.

use std::fmt;
use std::path::PathBuf;

use serde_json::{json, Map};

use super::diagnostic::did_you_mean;
use super::location::Location;
use super::model::{Play, Playbook, Task};
use super::role_search::RoleSearch;
use super::{free_form, module_args, variable_params};
use crate::modules::registry;

/// The name the ad hoc play and task give as their file: relative lookups (`copy src=...`)
/// start from the current directory, as Ansible's do.
pub const SOURCE: &str = "(ad hoc)";

/// The play's name, Ansible's.
const PLAY_NAME: &str = "Ansible Ad-Hoc";

/// Modules that do nothing without arguments (Ansible's `MODULE_REQUIRE_ARGS`).
const REQUIRE_ARGS: &[&str] = &["command", "shell", "raw", "script"];

/// What `rsible run` was asked to run.
#[derive(Debug, Clone)]
pub struct AdHoc<'a> {
    /// The host pattern.
    pub pattern: &'a str,
    /// `-m`, as written (short name, FQCN or alias).
    pub module: &'a str,
    /// `-a`, the arguments as one string.
    pub args: &'a str,
    /// `--task-timeout` in seconds: the task's `timeout` keyword.
    pub timeout: Option<u64>,
}

/// Why the ad hoc task cannot run: a message and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// The one-play playbook for `a`, or every problem with its module and arguments.
pub fn playbook(a: &AdHoc, roles_path: Vec<PathBuf>) -> Result<Playbook, Vec<Problem>> {
    let task = task(a)?;
    let location = Location::new(SOURCE, 1, 1);
    let play = Play {
        name: Some(PLAY_NAME.into()),
        hosts: a.pattern.to_string(),
        gather_facts: Some(json!(false)),
        tasks: vec![task],
        location,
        ..Play::default()
    };
    Ok(Playbook {
        path: PathBuf::from(SOURCE),
        plays: vec![play],
        role_search: RoleSearch::new("", roles_path),
    })
}

/// The task: the module checked, the arguments split and checked.
fn task(a: &AdHoc) -> Result<Task, Vec<Problem>> {
    let problem = |message: String, hint: Option<String>| vec![Problem { message, hint }];
    let written = a.module.trim();
    let module = match registry::resolve(written) {
        Ok(Some(m)) => m,
        Ok(None) => {
            let names = registry::names_near(written);
            let hint = did_you_mean(written, names.iter().map(String::as_str));
            return Err(problem(format!("unknown module '{written}'"), hint));
        }
        Err(msg) => return Err(problem(msg, None)),
    };
    if module.starts_with("include") || module.starts_with("import") {
        return Err(problem(
            format!("'{written}' is not a valid action for ad-hoc commands"),
            Some("it loads tasks or plays: write a playbook and run it with `rsible play`".into()),
        ));
    }
    if a.args.trim().is_empty() && REQUIRE_ARGS.contains(&module) {
        return Err(problem(
            format!("No argument passed to {module} module"),
            Some("give the command with -a 'COMMAND'".into()),
        ));
    }
    let mut args = free_form::parse(a.args, registry::is_raw_command(module));
    variable_params::set_aside(module, &mut args);
    let found: Vec<Problem> = module_args::problems(module, written, &args)
        .into_iter()
        .map(|p| Problem {
            message: p.message,
            hint: p.hint,
        })
        .collect();
    if !found.is_empty() {
        return Err(found);
    }
    let mut keywords = Map::new();
    if let Some(t) = a.timeout {
        keywords.insert("timeout".into(), json!(t));
    }
    Ok(Task {
        name: None,
        module: Some(module.to_string()),
        action: Some(written.to_string()),
        args,
        keywords,
        tags: Vec::new(),
        block: Vec::new(),
        rescue: Vec::new(),
        always: Vec::new(),
        imported: Vec::new(),
        role: None,
        location: Location::new(SOURCE, 1, 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adhoc<'a>(module: &'a str, args: &'a str) -> AdHoc<'a> {
        AdHoc {
            pattern: "all",
            module,
            args,
            timeout: None,
        }
    }

    fn one_task(module: &str, args: &str) -> Task {
        let book = playbook(&adhoc(module, args), Vec::new()).unwrap();
        book.plays[0].tasks[0].clone()
    }

    #[test]
    fn a_command_line_keeps_its_words_and_takes_only_command_options() {
        let t = one_task("ansible.builtin.command", "echo a=b chdir=/tmp");
        assert_eq!(t.module.as_deref(), Some("command"));
        assert_eq!(t.args["_raw_params"], "echo a=b");
        assert_eq!(t.args["chdir"], "/tmp");
        // Ansible's defaults, as in a playbook task: `$VAR` expanded, trailing newlines
        // stripped; what `-a` gives is kept.
        assert!(!t.args.contains_key("expand_argument_vars"));
        assert!(!t.args.contains_key("strip_empty_ends"));
        let t = one_task("shell", "echo x strip_empty_ends=false");
        assert_eq!(t.args["strip_empty_ends"], "false");
    }

    #[test]
    fn key_value_arguments_and_the_task_timeout() {
        let a = AdHoc {
            timeout: Some(3),
            ..adhoc("copy", "content=hi dest=/tmp/x")
        };
        let book = playbook(&a, Vec::new()).unwrap();
        let play = &book.plays[0];
        assert_eq!(play.gather_facts, Some(json!(false)));
        let t = &play.tasks[0];
        assert_eq!(t.args["dest"], "/tmp/x");
        assert_eq!(t.keywords["timeout"], 3);
    }

    #[test]
    fn an_unknown_module_is_named_with_a_suggestion() {
        let e = playbook(&adhoc("comand", "true"), Vec::new()).unwrap_err();
        assert_eq!(e[0].message, "unknown module 'comand'");
        assert_eq!(e[0].hint.as_deref(), Some("did you mean 'command'?"));
    }

    #[test]
    fn a_misspelt_argument_of_a_checked_module_is_refused() {
        let e = playbook(&adhoc("ping", "dat=1"), Vec::new()).unwrap_err();
        assert_eq!(e[0].message, "unknown argument 'dat' for module 'ping'");
        assert_eq!(e[0].hint.as_deref(), Some("did you mean 'data'?"));
    }

    #[test]
    fn commands_need_arguments_and_includes_are_refused() {
        let e = playbook(&adhoc("shell", " "), Vec::new()).unwrap_err();
        assert_eq!(e[0].message, "No argument passed to shell module");
        let e = playbook(&adhoc("include_tasks", "x.yml"), Vec::new()).unwrap_err();
        assert!(e[0].message.contains("not a valid action for ad-hoc"));
        let e = playbook(&adhoc("debug", "msg={{ x"), Vec::new()).unwrap_err();
        assert!(
            e[0].message.starts_with("argument 'msg' of 'debug'"),
            "{e:?}"
        );
    }
}
