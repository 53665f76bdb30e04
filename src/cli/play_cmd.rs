//! `rsible play PLAYBOOK`: every playbook is loaded and validated first (errors exit 4);
//! `--syntax-check`, `--list-tasks`, `--list-tags` and `--list-hosts` print what
//! ansible-playbook prints; otherwise the engine runs the plays and a reporter prints the
//! events (see `drive`), and `--events FILE` keeps them as JSON lines too. `--shard K/N`
//! runs one slice of the inventory, after refusing what would run differently in a slice.
//! The exit code follows ansible-playbook: 2 when a host failed, 3 when one was unreachable.

use super::args::PlayArgs;
use super::fail;
use super::select::{inventory_dir, load_inventory, matching_hosts, run_options};
use crate::engine::RunOptions;
use crate::exit::Exit;
use crate::inventory::{Inventory, LoadOptions};
use crate::output::events_file::EventsFile;
use crate::output::play::PlayReporter;
use crate::output::profile::Profiled;
use crate::output::report_file::ReportFile;
use crate::output::{Format, Reporter};
use crate::playbook::{self, list, Playbook};
use crate::shard::Shard;

/// Runs the subcommand.
pub fn run(a: PlayArgs, verbosity: u8) -> Exit {
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
        let (roles_path, collections_path) = match super::select::config() {
            Ok(c) => (c.roles_path.clone(), c.collections_path.clone()),
            Err(e) => return e,
        };
        match playbook::load_with(p, roles_path, &collections_path) {
            Ok(b) => books.push(b),
            Err(errs) => {
                failed = true;
                for d in &errs.0 {
                    super::out::errln(&format!("ERROR! {d}"));
                }
            }
        }
    }
    if failed {
        return Exit::Parse;
    }
    if a.syntax_check {
        for b in &books {
            super::out::outln(&format!("\nplaybook: {}", b.path.display()));
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
    if let Err(e) = super::play_patterns::check(&books, &inv) {
        return e;
    }
    let shard = match Shard::chosen(a.shard.as_deref(), a.shards, |k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => return fail(Exit::BadOptions, &e),
    };
    if shard.is_some() {
        let refused: Vec<_> = books.iter().flat_map(crate::shard::refusals).collect();
        if !refused.is_empty() {
            for d in &refused {
                super::out::errln(&format!("ERROR! {d}"));
            }
            return Exit::BadOptions;
        }
    }
    if a.list_hosts || a.list_tasks || a.list_tags {
        return list_all(&a, &books, &inv, shard);
    }
    match run_books(&a, books, inv, verbosity, shard) {
        Ok(e) | Err(e) => e,
    }
}

/// Runs the engine with a reporter; the exit code follows the recap.
fn run_books(
    a: &PlayArgs,
    books: Vec<Playbook>,
    inv: Inventory,
    verbosity: u8,
    shard: Option<Shard>,
) -> Result<Exit, Exit> {
    let opts = RunOptions {
        check: a.check,
        diff: a.diff,
        tags: a.tags.clone(),
        skip_tags: a.skip_tags.clone(),
        start_at_task: a.start_at_task.clone(),
        step: a.step,
        verbosity,
        shard,
        ..run_options(&a.conn, &a.extra_vars)?
    };
    let mut reporter = PlayReporter::new(a.format, verbosity, a.diff, a.check);
    let (mut profiled, mut tee, mut page);
    let mut shown: &mut dyn Reporter = &mut reporter;
    // The profile is text after the recap: not in a JSON stream.
    if (a.profile || super::select::config()?.profile_tasks) && a.format == Format::Human {
        profiled = Profiled::new(shown, Box::new(std::io::stdout()));
        shown = &mut profiled;
    }
    if let Some(path) = &a.report {
        page = ReportFile::new(path.clone(), shown, shard);
        shown = &mut page;
    }
    if let Some(path) = &a.events {
        tee = EventsFile::create(path, shown, shard)
            .map_err(|e| fail(Exit::Error, &format!("--events {}: {e}", path.display())))?;
        shown = &mut tee;
    }
    Ok(super::drive::run(
        books,
        inv,
        inventory_dir(&a.source),
        opts,
        shown,
    ))
}

/// `--list-hosts`, `--list-tasks`, `--list-tags`, in ansible-playbook's layout.
fn list_all(a: &PlayArgs, books: &[Playbook], inv: &Inventory, shard: Option<Shard>) -> Exit {
    let names = inv.host_names();
    let mine = shard.map(|s| s.members(&names));
    for b in books {
        super::out::outln(&format!("\nplaybook: {}", b.path.display()));
        for (i, play) in b.plays.iter().enumerate() {
            let mut msg = format!("\n{}", list::play_line(i, play));
            if a.list_hosts {
                let mut hosts = match matching_hosts(inv, &play.hosts, a.conn.limit.as_deref()) {
                    Ok(h) => h,
                    Err(e) => return e,
                };
                if let Some(mine) = &mine {
                    hosts.retain(|h| mine.contains(h.as_str()));
                }
                msg.push_str(&format!(
                    "\n    pattern: ['{}']\n    hosts ({}):",
                    play.hosts,
                    hosts.len()
                ));
                for h in hosts {
                    msg.push_str(&format!("\n      {h}"));
                }
            }
            super::out::outln(&msg);
            if a.list_tasks || a.list_tags {
                super::out::out(&list::play_section_selected(
                    play,
                    a.list_tasks,
                    a.list_tags,
                    &a.tags,
                    &a.skip_tags,
                ));
            }
        }
    }
    Exit::Ok
}
