//! `rsible play PLAYBOOK`: flags are parsed and the inventory and playbook files are checked,
//! but the playbook engine is not built yet (see the engine issue): the command says so and
//! exits 1 rather than pretending to run anything.

use super::args::PlayArgs;
use super::fail;
use super::select::{conn_options, load_inventory};
use crate::exit::Exit;
use crate::inventory::LoadOptions;

/// Runs the subcommand.
pub fn run(a: PlayArgs) -> Exit {
    for p in &a.playbooks {
        if !p.is_file() {
            return fail(
                Exit::Error,
                &format!("the playbook: {} could not be found", p.display()),
            );
        }
    }
    let opts = LoadOptions {
        extra_vars_dirs: a
            .playbooks
            .iter()
            .filter_map(|p| p.parent().map(|d| d.to_path_buf()))
            .collect(),
    };
    if let Err(e) = load_inventory(&a.source, &opts) {
        return e;
    }
    if let Err(e) = conn_options(&a.conn) {
        return e;
    }
    fail(
        Exit::Error,
        "the playbook engine is not implemented yet in this build of rsible; \
         `rsible run` and `rsible inventory` are available",
    )
}
