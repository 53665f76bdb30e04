//! Runs the engine for `rsible play` and `rsible run` alike: starts the async runtime, feeds
//! the engine's events to a reporter as they arrive (with its clock ticking between them),
//! handles Ctrl-C (the first stops new tasks, the second exits at once), and turns the
//! recap into the exit code with [`crate::exit::of_run`]. Knows nothing of what is printed.

use super::fail;
use crate::engine::{self, RunOptions};
use crate::exit::{self, Exit};
use crate::inventory::Inventory;
use crate::output::play::PlayReporter;
use crate::output::Reporter;
use crate::playbook::Playbook;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// Runs `books` on `inv` with `opts`, reporting to `reporter`; returns the exit code.
pub fn run(
    books: Vec<Playbook>,
    inv: Inventory,
    inventory_dir: Option<PathBuf>,
    opts: RunOptions,
    reporter: &mut dyn Reporter,
) -> Exit {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(Exit::Error, &format!("cannot start the async runtime: {e}")),
    };
    let stats = runtime.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let work = tokio::spawn(engine::run(books, inv, inventory_dir, opts, tx));
        let mut tick = tokio::time::interval(PlayReporter::TICK);
        let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => reporter.on_event(&ev),
                    None => break,
                },
                _ = tick.tick() => reporter.on_tick(),
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
    // A blocking prompt nobody answers (an abandoned passphrase read) must not keep the
    // process alive after the run.
    runtime.shutdown_timeout(Duration::from_millis(100));
    let exit = match stats {
        Ok(stats) => exit::of_run(&stats, crate::interrupt::requested()),
        Err(e) => fail(Exit::Error, &format!("the engine stopped: {e}")),
    };
    reporter.on_end(exit);
    exit
}
