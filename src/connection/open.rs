//! Opens the right connection for a host plan. The only code that picks an implementation of
//! [`Connection`]; everything after it holds a `dyn Connection`.

use super::local::LocalConnection;
use super::persist;
use super::plan::Plan;
use super::ssh::auth::KeyStore;
use super::ssh::SshConnection;
use super::{Connection, ConnectionError};
use std::sync::Arc;

/// Connects according to `plan`.
pub async fn open(plan: &Plan, keys: &KeyStore) -> Result<Arc<dyn Connection>, ConnectionError> {
    Ok(match plan {
        Plan::Local => Arc::new(LocalConnection),
        Plan::Ssh(target) => {
            if let Some(idle) = target.control_persist {
                if let Some(kept) = persist::connect(target, idle).await? {
                    return Ok(Arc::new(kept));
                }
            }
            Arc::new(SshConnection::connect(target, keys).await?)
        }
    })
}
