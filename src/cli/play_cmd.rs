//! `rsible play PLAYBOOK`: every playbook is loaded and validated first (errors exit 4);
//! `--syntax-check`, `--list-tasks`, `--list-tags` and `--list-hosts` then print what
//! ansible-playbook prints. The engine that runs tasks is not built yet: without one of
//! those flags the command says so and exits 1 rather than pretending to run anything.

use super::args::PlayArgs;
use super::fail;
use super::select::{conn_options, load_inventory, matching_hosts};
use crate::exit::Exit;
use crate::inventory::{Inventory, LoadOptions};
use crate::playbook::{self, list, Playbook};

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
    let mut books = Vec::new();
    let mut failed = false;
    for p in &a.playbooks {
        match playbook::load(p) {
            Ok(b) => books.push(b),
            Err(errs) => {
                failed = true;
                for d in &errs.0 {
                    eprintln!("ERROR! {d}");
                }
            }
        }
    }
    if failed {
        return Exit::Parse;
    }
    if a.syntax_check {
        for b in &books {
            println!("\nplaybook: {}", b.path.display());
        }
        return Exit::Ok;
    }
    let opts = LoadOptions {
        extra_vars_dirs: a
            .playbooks
            .iter()
            .filter_map(|p| p.parent().map(|d| d.to_path_buf()))
            .collect(),
    };
    let inv = match load_inventory(&a.source, &opts) {
        Ok(inv) => inv,
        Err(e) => return e,
    };
    if a.list_hosts || a.list_tasks || a.list_tags {
        return list_all(&a, &books, &inv);
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

/// `--list-hosts`, `--list-tasks`, `--list-tags`, in ansible-playbook's layout.
fn list_all(a: &PlayArgs, books: &[Playbook], inv: &Inventory) -> Exit {
    for b in books {
        println!("\nplaybook: {}", b.path.display());
        for (i, play) in b.plays.iter().enumerate() {
            let mut msg = format!("\n{}", list::play_line(i, play));
            if a.list_hosts {
                let hosts = match matching_hosts(inv, &play.hosts, a.conn.limit.as_deref()) {
                    Ok(h) => h,
                    Err(e) => return e,
                };
                msg.push_str(&format!(
                    "\n    pattern: ['{}']\n    hosts ({}):",
                    play.hosts,
                    hosts.len()
                ));
                for h in hosts {
                    msg.push_str(&format!("\n      {h}"));
                }
            }
            println!("{msg}");
            if a.list_tasks || a.list_tags {
                println!("{}", list::play_section(play, a.list_tasks, a.list_tags));
            }
        }
    }
    Exit::Ok
}
