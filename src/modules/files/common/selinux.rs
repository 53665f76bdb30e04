//! The SELinux context arguments of the file modules (`seuser`, `serole`, `setype`,
//! `selevel`). Ansible applies them only on a target where SELinux is enabled and ignores
//! them on one without (Debian): no change, no result key. rsible sets no SELinux contexts,
//! so a task given one asks the target first, in one read-only program, and fails where
//! SELinux is enabled instead of ignoring the argument there. Knows nothing of any one
//! module's other arguments.

use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::{Ctx, Failure};

/// The arguments' names, in the order the modules list them.
pub const NAMES: [&str; 4] = ["seuser", "serole", "setype", "selevel"];

/// The program answering `selinux on` where SELinux is enabled (its file system mounted,
/// as libselinux decides).
fn probe() -> String {
    format!("{MARK_FN}if grep -qs ' selinuxfs ' /proc/mounts; then m selinux on; fi\n")
}

/// Ok when none of `given` (the four arguments, in [`NAMES`] order) is set, or the target
/// has no SELinux; a failure naming the first one set on a target where SELinux is enabled.
pub async fn check(ctx: &Ctx<'_>, module: &str, given: [bool; 4]) -> Result<(), Failure> {
    let Some(first) = NAMES.iter().zip(given).find(|(_, g)| *g).map(|(n, _)| *n) else {
        return Ok(());
    };
    let out = ctx.probe(probe().into_bytes(), Vec::new()).await?;
    let r = Report::parse(module, &String::from_utf8_lossy(&out.stdout))?;
    if r.get("selinux") == Some("on") {
        return Err(Failure::Failed(format!(
            "{module}: setting the SELinux context ('{first}') is not supported by rsible, \
             and SELinux is enabled on this host"
        )));
    }
    Ok(())
}
