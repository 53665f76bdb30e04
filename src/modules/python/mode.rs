//! `--python-modules never|auto|prefer` (or `RSIBLE_PYTHON_MODULES`): whether a task may run
//! one of Ansible's Python modules, and whether it does so where rsible has a native module
//! of the same name. Knows nothing of where modules are found.

use std::str::FromStr;

/// When Python modules are used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Never: a module rsible has no native version of is a load error.
    Never,
    /// Where rsible has no native module (the default): native wins.
    #[default]
    Auto,
    /// Wherever Ansible's module is found, even over a native one (not over engine actions,
    /// nor where Ansible's module needs an action plugin).
    Prefer,
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "never" => Ok(Mode::Never),
            "auto" => Ok(Mode::Auto),
            "prefer" => Ok(Mode::Prefer),
            _ => Err(format!(
                "'{s}' is not one of never, auto, prefer (--python-modules, RSIBLE_PYTHON_MODULES)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_words() {
        assert_eq!("never".parse(), Ok(Mode::Never));
        assert_eq!("auto".parse(), Ok(Mode::Auto));
        assert_eq!("prefer".parse(), Ok(Mode::Prefer));
        assert!("always".parse::<Mode>().is_err());
    }
}
