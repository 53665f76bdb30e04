//! Before any play runs: every play's `hosts:` pattern written without a template must be a
//! valid pattern (a `~regex` that compiles), else the run stops with the play's location and
//! exit 1, as ansible-playbook stops at such a play. Templated patterns are checked when
//! their play starts. Knows nothing of how plays run.

use crate::exit::Exit;
use crate::inventory::{Inventory, PatternError};
use crate::playbook::Playbook;

/// Checks the plays of `books` against `inv`; prints every invalid pattern and returns
/// `Exit::Error` when there is one.
pub fn check(books: &[Playbook], inv: &Inventory) -> Result<(), Exit> {
    let mut bad = false;
    for play in books.iter().flat_map(|b| &b.plays) {
        if crate::template::is_template(&play.hosts) {
            continue;
        }
        if let Err(e @ PatternError::InvalidRegex { .. }) = inv.select(&play.hosts) {
            super::out::errln(&format!("ERROR! {}: {e}", play.location));
            bad = true;
        }
    }
    if bad {
        Err(Exit::Error)
    } else {
        Ok(())
    }
}
