//! The shape every package tool's work takes (apt, dnf/yum, apk): a probe that reads the
//! host and decides (setting `rsible_change=1` when the tool has work to do), an apply that
//! does that work, both sent as one gated program, and the reading of the program's report
//! (`framework::report`) into Ansible's result. Report lines printed after a `redo` line
//! replace those before it: an apply that refreshes the package index first decides again.
//! Knows nothing of any one tool's arguments.

use super::Report;
use crate::modules::{Ctx, Failure, Output};

/// The marker an apply prints before it decides again (after refreshing the package index).
pub const REDO: &str = "redo";

/// One package tool's planned work on one host.
pub trait Backend: Send + Sync {
    /// The tool's name, for messages (`apt`, `dnf`, `yum`, `apk`).
    fn tool(&self) -> &'static str;

    /// The probe: POSIX sh that reads the host, prints marker lines and sets
    /// `rsible_change=1` when the apply has work. It must not change the host.
    fn probe(&self) -> String;

    /// The apply: POSIX sh run after the probe, in the same shell, only when the probe set
    /// `rsible_change=1` and never in check mode. Never empty.
    fn apply(&self) -> String;

    /// What the program reads on stdin.
    fn stdin(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Ansible's result from the program's stdout and stderr.
    fn answer(&self, stdout: &str, stderr: &str) -> Output;
}

/// Runs `b`'s probe and apply as one gated program and reads its answer.
pub async fn run(b: &dyn Backend, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let out = ctx
        .gated(b.probe().as_bytes(), b.apply().as_bytes(), b.stdin())
        .await?;
    if out.status.rc() != 0 {
        return Err(Failure::Failed(format!(
            "{}: {}",
            b.tool(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let mut o = b.answer(
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    );
    if !ctx.diff {
        o.diffs.clear();
    }
    Ok(o)
}

/// `tool`'s report: the lines that count (those after the last [`REDO`], or all) and the
/// tool's own output; a malformed report is the failed result to return instead.
pub fn report(tool: &str, stdout: &str) -> Result<Report, Box<Output>> {
    match Report::parse(tool, stdout) {
        Ok(r) => Ok(r.after_last(REDO)),
        Err(e) => Err(Box::new(Output {
            failed: true,
            msg: Some(e.to_string()),
            ..Output::default()
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_after_a_redo_replace_those_before() {
        let r = report(
            "apt",
            "@@rsible would a\n@@rsible redo\nout\n@@rsible would b\n",
        )
        .unwrap();
        assert_eq!(r.entries().collect::<Vec<_>>(), vec![("would", "b")]);
        assert_eq!(r.rest(), "out\n");
        assert_eq!(
            report("apt", "@@rsible x 1\n").unwrap().entries().count(),
            1
        );
        assert!(report("apt", "@@rsible x:x zz\n").unwrap_err().failed);
    }
}
