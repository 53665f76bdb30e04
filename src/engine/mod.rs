//! The playbook engine: runs loaded plays against the inventory, the plays of `rsible play`
//! and the one-task play of `rsible run` alike. Plays run in order; within a play, hosts
//! advance task by task together (`linear`) or each at its own pace (`free`), in `serial`
//! batches, with loops, conditions, registered results, handlers, blocks with
//! rescue/always, includes, delegation and become. Results go out as [`Event`]s, a `Recap`
//! last; the engine never prints and decides no exit code.
//!
//! # Layout
//! - `options`: what the command line asked for; `context`: run, play and block state;
//!   `host`: one host's state and connections.
//! - `play`: hosts, batches, sections; `walk`: task lists and blocks; `include`: dynamic
//!   includes; `handlers`: notify and flush; `role_once`: roles that already ran.
//! - `task_hosts`: one task over many hosts; `host_task`: one task on one host;
//!   `result_shape`: a registered result's finishing touches.
//! - `vars`, `include_vars_dir`: variable precedence and magic variables; `loops`: loop
//!   items; `loop_undefined`: `when` before an undefined loop.
//! - `module_defaults`: defaults under a task's own arguments.
//! - `validate_spec`, `arg_spec`: a role's argument spec checked before its tasks.
//! - `actions`, `template_action`: controller-side modules; `async_task`: `async`/`poll`.
//! - `remote`: a task's connection (planned and opened by `crate::connection`), become,
//!   environment, the module call; `conn_keywords`: `remote_user`, `port`, `connection`
//!   keywords; `become_same_user`: no become to the login user; `signal_watch`: the signal
//!   that killed a program, in its result.

mod actions;
mod arg_convert;
mod arg_spec;
mod async_task;
mod become_same_user;
mod conn_keywords;
mod context;
mod handlers;
mod host;
mod host_task;
mod include;
mod include_vars_dir;
mod loop_undefined;
mod loops;
mod module_defaults;
pub mod options;
mod play;
mod read_ahead;
mod remote;
mod result_shape;
mod role_once;
mod signal_watch;
mod task_hosts;
mod template_action;
mod validate_spec;
mod vars;
mod walk;

pub use options::{Gathering, RunOptions};

use crate::connection::ssh::auth::KeyStore;
use crate::event::{Event, Stats};
use crate::inventory::Inventory;
use crate::playbook::Playbook;
use crate::template::Templar;
use context::{Engine, PlayCtx};
use indexmap::IndexMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use tokio::sync::{mpsc, Semaphore};

/// Runs one play's tasks: the engine and the play it works on.
#[derive(Clone)]
struct Runner {
    engine: Arc<Engine>,
    play: Arc<PlayCtx>,
}

/// Runs every play of `books` in order and returns the PLAY RECAP counts (host name order,
/// as Ansible prints them). A `Recap` event is sent last.
pub async fn run(
    books: Vec<Playbook>,
    inventory: Inventory,
    inventory_dir: Option<PathBuf>,
    opts: RunOptions,
    events: mpsc::UnboundedSender<Event>,
) -> IndexMap<String, Stats> {
    let started = Instant::now();
    let playbook_dir = books
        .first()
        .and_then(|b| b.path.parent().map(PathBuf::from))
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d
            }
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let playbook_dir = std::fs::canonicalize(&playbook_dir).unwrap_or(playbook_dir);
    let forks = opts.forks.clamp(1, Semaphore::MAX_PERMITS);
    let engine = Arc::new(Engine {
        templar: Templar::new(),
        start_at: Mutex::new(opts.start_at_task.clone()),
        opts,
        inventory: RwLock::new(inventory),
        hosts: Mutex::new(IndexMap::new()),
        stats: Mutex::new(IndexMap::new()),
        events,
        keys: KeyStore::default(),
        forks: Arc::new(Semaphore::new(forks)),
        playbook_dir,
        inventory_dir,
        inventory_generation: Default::default(),
        step_disabled: std::sync::atomic::AtomicBool::new(false),
        changes: Default::default(),
    });
    'books: for book in &books {
        for play in &book.plays {
            if !play::run_play(&engine, book, play).await {
                break 'books;
            }
        }
    }
    let cells: Vec<_> = engine
        .hosts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .cloned()
        .collect();
    for c in cells {
        let conns: Vec<_> = c.conn.lock().await.drain().map(|(_, c)| c).collect();
        for conn in conns {
            conn.close().await;
        }
    }
    let mut stats = engine
        .stats
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    stats.sort_keys();
    engine.emit(Event::Recap {
        stats: stats.clone(),
        elapsed_secs: started.elapsed().as_secs_f64(),
    });
    stats
}
