//! `rsible inventory --list | --graph | --host`: the resolved inventory, as ansible-inventory
//! prints it.

use super::args::InventoryArgs;
use super::fail;
use super::select::load_inventory;
use crate::exit::Exit;
use crate::inventory::LoadOptions;

/// Runs the subcommand.
pub fn run(a: InventoryArgs) -> Exit {
    let opts = LoadOptions {
        extra_vars_dirs: a.playbook_dir.iter().cloned().collect(),
    };
    let inv = match load_inventory(&a.source, &opts) {
        Ok(i) => i,
        Err(e) => return e,
    };
    if let Some(host) = &a.host {
        return match inv.host_json(host) {
            Some(v) => print_json(&v),
            None => fail(Exit::Error, &format!("You must pass a single valid host to --host parameter: '{host}' is not in the inventory")),
        };
    }
    if let Some(group) = &a.graph {
        return match inv.graph(Some(group)) {
            Ok(text) => {
                super::out::out(&text);
                Exit::Ok
            }
            Err(e) => fail(Exit::Error, &e.to_string()),
        };
    }
    if a.list {
        return print_json(&inv.to_list_json());
    }
    fail(
        Exit::BadOptions,
        "no action selected: pass --list, --graph or --host NAME",
    )
}

fn print_json(v: &serde_json::Value) -> Exit {
    match serde_json::to_string_pretty(v) {
        Ok(s) => {
            super::out::outln(&s);
            Exit::Ok
        }
        Err(e) => fail(Exit::Error, &format!("cannot render JSON: {e}")),
    }
}
