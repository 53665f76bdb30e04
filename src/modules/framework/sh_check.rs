//! Test-only: whether the sh programs modules build are valid POSIX sh (`sh -n`), alone or
//! joined behind the framework's check gate exactly as [`super::ctx`] joins them. One home
//! for the check the module tests share. Knows nothing of any one module.

/// Whether `sh -n` accepts `script`; `Err` holds sh's complaint.
pub fn check(script: &str) -> Result<(), String> {
    let out = std::process::Command::new("sh")
        .args(["-n", "-c", script])
        .output()
        .map_err(|e| format!("sh: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Whether `sh -n` accepts `script`.
pub fn parses(script: &str) -> bool {
    check(script).is_ok()
}

/// Whether `sh -n` accepts the gated program of `probe` and `apply`, joined as the framework
/// joins them outside check mode.
pub fn parses_gated(probe: &str, apply: &str) -> bool {
    parses(&gated(probe, apply))
}

/// The gated program of `probe` and `apply`, as the framework sends it outside check mode.
pub fn gated(probe: &str, apply: &str) -> String {
    String::from_utf8_lossy(&super::ctx::gate(probe.as_bytes(), apply.as_bytes(), true))
        .into_owned()
}

/// Panics with sh's complaint unless `sh -n` accepts `script`.
pub fn assert_parses(script: &str) {
    if let Err(e) = check(script) {
        panic!("sh -n refused the program: {e}\n{script}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_program_is_refused_with_the_shells_words() {
        assert!(parses("if true; then echo; fi"));
        assert!(check("if true; then echo").is_err());
        assert!(parses_gated("rsible_change=1", "echo x"));
        assert!(!parses_gated("rsible_change=1", "fi"));
    }
}
