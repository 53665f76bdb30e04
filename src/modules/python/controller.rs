//! The controller's ansible-core: its package directory, asked once of a Python interpreter
//! (the configured one, else `python3` on `PATH`). Knows nothing of modules or targets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// ansible-core's package directory as `python` reports it, asked once per run; `None` when
/// that python cannot import `ansible`.
pub fn core_dir(python: &Path) -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| ask(python)).as_deref()
}

fn ask(python: &Path) -> Option<PathBuf> {
    let out = Command::new(python)
        .args([
            "-c",
            "import ansible, os; print(os.path.dirname(ansible.__file__))",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && dir.join("modules").is_dir()).then_some(dir)
}

/// A python for this crate's own tests: `python3` when there is one.
#[cfg(test)]
pub fn python_for_tests() -> Option<&'static str> {
    Command::new("python3")
        .arg("-c")
        .arg("pass")
        .status()
        .ok()
        .filter(|s| s.success())
        .map(|_| "python3")
}
