//! Playbooks: loading YAML playbooks, task files and roles into a typed model that keeps
//! every task's file, line and column, and validating them (unknown keywords and modules,
//! tasks with two modules or none) before anything runs. Never contacts a host and knows
//! nothing of inventories or connections.
//!
//! # Layout
//! - `model`, `location`: the data.
//! - `yaml`: located YAML nodes; `load`: playbook files and plays; `task`: one task;
//!   `roles`: `roles:`, dependencies and `import_role`; `role_search`: where roles are;
//!   `role_files`: which files make up a role's tasks, vars, defaults;
//!   `collection_search`: the `collections` keyword and module names found through it;
//!   `files`: what the engine loads at run time (`include_role`, `include_tasks`, vars
//!   files); `free_form`: `k=v` strings.
//! - `module_args`: the load-time check of a module call's arguments (tasks and ad hoc);
//!   `adhoc`: the one-task play of `rsible run`; `template_names`: filters and tests
//!   rsible lacks, refused where a task's templates are seen at load.
//! - `module_defaults`: the keyword's load-time check; `argument_specs`: a role's spec and
//!   its validation task.
//! - `variable_params`: arguments given as one template.
//! - `registry`: known module names; `validate`: keyword tables; `diagnostic`: errors.
//! - `tags`: `--tags`/`--skip-tags` selection; `list`: `--list-tasks`/`--list-tags` text.

pub mod adhoc;
mod arg_templates;
mod argument_specs;
pub mod async_check;
mod collection_search;
pub mod diagnostic;
mod files;
pub mod free_form;
mod keyword_types;
mod kv_escapes;
pub mod list;
mod load;
pub mod location;
pub mod model;
mod module_args;
mod module_defaults;
mod role_files;
pub mod role_search;
mod roles;
pub mod tags;
mod task;
mod template_names;
mod unsupported;
pub mod validate;
pub mod variable_params;
pub mod vars_files;
mod with_lookup;
mod yaml;

#[cfg(test)]
mod tests;

pub use collection_search::of_task as collections_of_task;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use files::{load_role, load_tasks_file, load_vars_file};
pub use load::{load, load_with};
pub use location::Location;
pub use model::{Play, Playbook, Role, RoleRef, Task};
pub use role_search::RoleSearch;
pub use roles::{dependency_block, flatten_tasks, RoleFiles, DEPENDENCY_MARK};
pub use tags::tags_selected;
