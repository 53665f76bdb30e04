//! The signal that killed a task's program, which a result's `rc` (-1) cannot say: the
//! task's connection is watched while its module runs, and a result whose `rc` is -1 gets
//! `signal` (`TERM`, `KILL`, ...) from the last program a signal ended. Knows nothing of
//! modules: it sees only their programs' exit statuses.

use crate::connection::{Connection, ConnectionError, ExecOutput, ExitStatus, RemoteCommand};
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};
use std::sync::Mutex;

/// A connection that remembers the last signal one of its programs died of.
pub struct SignalWatch<'c> {
    inner: &'c dyn Connection,
    last: Mutex<Option<String>>,
}

impl<'c> SignalWatch<'c> {
    /// Watches `inner`.
    pub fn new(inner: &'c dyn Connection) -> Self {
        SignalWatch {
            inner,
            last: Mutex::new(None),
        }
    }

    /// Adds `signal` to a result `fields` whose `rc` is -1, when a program died of one.
    pub fn mark(&self, fields: &mut Map<String, Value>) {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(s) = last {
            if fields.get("rc") == Some(&json!(-1)) {
                fields.insert("signal".into(), json!(s));
            }
        }
    }
}

impl Connection for SignalWatch<'_> {
    fn exec<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
    ) -> BoxFuture<'a, Result<ExecOutput, ConnectionError>> {
        Box::pin(async move {
            let out = self.inner.exec(cmd).await?;
            if let ExitStatus::Signal(s) = &out.status {
                *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(s.clone());
            }
            Ok(out)
        })
    }

    fn stream<'a>(
        &'a self,
        cmd: &'a RemoteCommand,
        io: tokio::net::UnixStream,
    ) -> BoxFuture<'a, ()> {
        self.inner.stream(cmd, io)
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        self.inner.close()
    }

    fn reset(&self) -> BoxFuture<'_, ()> {
        self.inner.reset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::local::LocalConnection;

    #[tokio::test]
    async fn a_killed_program_names_its_signal() {
        let conn = LocalConnection;
        let watch = SignalWatch::new(&conn);
        let cmd = RemoteCommand {
            script: b"kill -TERM $$".to_vec(),
            user_code: true,
            ..RemoteCommand::default()
        };
        let out = watch.exec(&cmd).await.expect("runs");
        let mut fields = Map::new();
        fields.insert("rc".into(), json!(out.status.rc()));
        watch.mark(&mut fields);
        assert_eq!(fields.get("signal"), Some(&json!("TERM")), "{out:?}");
        let mut ok = Map::from_iter([("rc".to_string(), json!(0))]);
        watch.mark(&mut ok);
        assert!(!ok.contains_key("signal"));
    }
}
