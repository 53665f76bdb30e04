//! `rsible config dump [--only-changed]`: the configuration as `ansible-config dump` shows it,
//! every setting with where its value came from.

use super::args::{ConfigAction, ConfigArgs};
use super::select::config;
use crate::exit::Exit;

/// Runs the subcommand.
pub fn run(a: ConfigArgs) -> Exit {
    let cfg = match config() {
        Ok(c) => c,
        Err(e) => return e,
    };
    match a.action {
        ConfigAction::Dump { only_changed } => {
            super::out::out(&crate::config::dump::dump(cfg, only_changed));
            Exit::Ok
        }
    }
}
