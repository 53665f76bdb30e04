//! Colour decisions: colour only on a terminal and never with `NO_COLOR`.

use std::io::IsTerminal;

/// ANSI styles, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    pub fn detect() -> Self {
        let on = std::io::stdout().is_terminal()
            && std::env::var_os(crate::env_vars::NO_COLOR).is_none();
        Style { on }
    }

    /// No colour at all (output captured by tests, or a file).
    pub fn off() -> Self {
        Style { on: false }
    }

    /// Green (ok).
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }

    /// Yellow (changed).
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }

    /// Cyan (skipped).
    pub fn cyan(&self, s: &str) -> String {
        self.paint("36", s)
    }

    /// Magenta (warnings, ignored).
    pub fn magenta(&self, s: &str) -> String {
        self.paint("35", s)
    }

    /// Dark gray (Ansible's debug colour: background job lines).
    pub fn dark_gray(&self, s: &str) -> String {
        self.paint("1;30", s)
    }

    /// Red (failed, unreachable).
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}
