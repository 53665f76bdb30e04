//! `rsible play PLAYBOOK`: every playbook is loaded and validated first (errors exit 4);
//! `--syntax-check`, `--list-tasks`, `--list-tags` and `--list-hosts` print what
//! ansible-playbook prints; otherwise the engine runs the plays and a reporter prints the
//! events. The exit code follows ansible-playbook: 2 when a host failed, 3 when one was
//! unreachable.

use super::args::PlayArgs;
use super::select::{conn_options, load_inventory, matching_hosts};
use super::{extra_vars, fail, warn};
use crate::connection::ssh::ssh_config::SshConfig;
use crate::engine::{self, RunOptions};
use crate::exit::Exit;
use crate::inventory::{Inventory, LoadOptions};
use crate::output::play::PlayReporter;
use crate::playbook::{self, list, Playbook};
use std::path::PathBuf;
use tokio::sync::mpsc;

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
        let roles_path = match super::select::config() {
            Ok(c) => c.roles_path.clone(),
            Err(e) => return e,
        };
        match playbook::load_with(p, roles_path) {
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
    if a.list_hosts || a.list_tasks || a.list_tags {
        return list_all(&a, &books, &inv);
    }
    match run_books(&a, books, inv, verbosity) {
        Ok(e) | Err(e) => e,
    }
}

/// Runs the engine with a reporter and turns the recap into an exit code.
fn run_books(
    a: &PlayArgs,
    books: Vec<Playbook>,
    inv: Inventory,
    verbosity: u8,
) -> Result<Exit, Exit> {
    let conn = conn_options(&a.conn)?;
    let extra_vars = extra_vars::parse_all(&a.extra_vars).map_err(|e| fail(Exit::Parse, &e))?;
    let ssh_config = match &a.conn.ssh_config {
        Some(p) => SshConfig::load(p),
        None => SshConfig::load_default(),
    }
    .map_err(|e| fail(Exit::Parse, &e.to_string()))?;
    ssh_config.warnings().iter().for_each(|w| warn(w));
    let inventory_dir = a
        .source
        .inventory
        .first()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .and_then(|p| {
            if p.is_dir() {
                Some(p)
            } else {
                p.parent().map(PathBuf::from)
            }
        })
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p));
    let opts = RunOptions {
        check: a.check,
        diff: a.diff,
        forks: super::select::forks(&a.conn, 1_000_000)?,
        tags: a.tags.clone(),
        skip_tags: a.skip_tags.clone(),
        extra_vars,
        start_at_task: a.start_at_task.clone(),
        step: a.step,
        verbosity,
        limit: a.conn.limit.clone(),
        conn,
        ssh_config,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| fail(Exit::Error, &format!("cannot start the async runtime: {e}")))?;
    let mut reporter = PlayReporter::new(a.format, verbosity, a.diff, a.check);
    let stats = runtime.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let work = tokio::spawn(engine::run(books, inv, inventory_dir, opts, tx));
        let mut tick = tokio::time::interval(PlayReporter::TICK);
        let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => reporter.handle(&ev),
                    None => break,
                },
                _ = tick.tick() => reporter.tick(),
                Some(()) = async { match sigint.as_mut() { Some(s) => s.recv().await, None => std::future::pending().await } } => {
                    if crate::interrupt::requested() {
                        eprintln!("\n[ERROR]: interrupted twice: exiting at once");
                        std::process::exit(i32::from(Exit::Interrupted.code()));
                    }
                    eprintln!("\n[WARNING]: interrupted (Ctrl-C): no new task starts, running programs are abandoned; Ctrl-C again exits at once");
                    crate::interrupt::request();
                }
            }
        }
        work.await
    });
    reporter.finish();
    let stats = stats.map_err(|e| fail(Exit::Error, &format!("the engine stopped: {e}")))?;
    Ok(if crate::interrupt::requested() {
        Exit::Interrupted
    } else if stats.values().any(|s| s.unreachable > 0) {
        Exit::Unreachable
    } else if stats.values().any(|s| s.failed > 0) {
        Exit::HostFailed
    } else {
        Exit::Ok
    })
}

/// `--list-hosts`, `--list-tasks`, `--list-tags`, in ansible-playbook's layout.
fn list_all(a: &PlayArgs, books: &[Playbook], inv: &Inventory) -> Exit {
    for b in books {
        super::out::outln(&format!("\nplaybook: {}", b.path.display()));
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
