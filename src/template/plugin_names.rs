//! The filters and tests a template names that its environment does not have, found without
//! rendering: the template is compiled and its instructions (minijinja's
//! `unstable_machinery`) are read for every filter and test they apply, in every branch,
//! block and macro, whether or not a render would reach it. Names passed as strings to other
//! filters (`map('upper')`, `select('match', ...)`) are not instructions and are not found.
//! Knows nothing of playbooks or of where the template came from.

use minijinja::machinery::{get_compiled_template, Instruction, Instructions};
use minijinja::{Environment, ErrorKind};

/// What a name stands for in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginKind {
    /// `x | name`, `{% filter name %}`.
    Filter,
    /// `x is name`.
    Test,
}

impl PluginKind {
    /// Jinja's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Filter => "filter",
            PluginKind::Test => "test",
        }
    }
}

/// The filters and tests the template `key` (a loader key of `env`) names that `env` lacks,
/// each once, in the order written; nothing when it does not compile (its syntax error is
/// reported elsewhere).
pub(crate) fn unknown(env: &Environment<'static>, key: &str) -> Vec<(PluginKind, String)> {
    let Ok(tmpl) = env.get_template(key) else {
        return Vec::new();
    };
    let compiled = get_compiled_template(&tmpl);
    let mut used = Vec::new();
    named(&compiled.instructions, &mut used);
    for block in compiled.blocks.values() {
        named(block, &mut used);
    }
    let mut state = env.empty_state();
    let mut out: Vec<(PluginKind, String)> = Vec::new();
    for (kind, name) in used {
        if out.iter().any(|(k, n)| *k == kind && n == name) {
            continue;
        }
        // minijinja answers "is there such a filter" only by calling it: with no arguments
        // (not even the value), a known one fails on the missing argument or returns
        // something harmless; only a name the environment lacks gives the unknown error.
        let missing = match kind {
            PluginKind::Filter => state
                .apply_filter(name, &[])
                .is_err_and(|e| e.kind() == ErrorKind::UnknownFilter),
            PluginKind::Test => state
                .perform_test(name, &[])
                .is_err_and(|e| e.kind() == ErrorKind::UnknownTest),
        };
        if missing {
            out.push((kind, name.to_string()));
        }
    }
    out
}

/// Every filter and test `code` applies, in instruction order.
fn named<'s>(code: &Instructions<'s>, into: &mut Vec<(PluginKind, &'s str)>) {
    let mut idx = 0;
    while let Some(i) = code.get(idx) {
        match i {
            Instruction::ApplyFilter(name, ..) => into.push((PluginKind::Filter, name)),
            Instruction::PerformTest(name, ..) => into.push((PluginKind::Test, name)),
            _ => {}
        }
        idx += 1;
    }
}
