//! The user's Ctrl-C, as the whole run sees it: once requested, the engine starts no new task
//! (every "is the play aborted?" check says yes), remote programs still running are abandoned
//! (their channels closed, local children killed), and the CLI prints the recap so far and
//! exits 99. Knows nothing of signals themselves: the CLI calls [`request`].

use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static NOTIFY: Notify = Notify::const_new();

/// Asks the run to stop.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
    NOTIFY.notify_waiters();
}

/// Whether the run was asked to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Completes when the run is asked to stop (at once if it already was).
pub async fn wait() {
    let notified = NOTIFY.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if requested() {
        return;
    }
    notified.await;
}
