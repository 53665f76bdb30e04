//! The command line: clap definitions, the subcommands, and the one place where outcomes
//! become process exit codes (a run's code itself is [`crate::exit::of_run`]'s). Below this
//! layer nothing exits, and only reporters print results.

pub mod args;
mod config_cmd;
mod conn_defaults;
mod drive;
mod extra_vars;
mod inventory_cmd;
mod out;
mod play_cmd;
mod play_patterns;
mod report_cmd;
mod run_cmd;
mod select;
mod vault_cmd;

use crate::exit::Exit;
use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// Parses the command line, runs the subcommand and returns its exit code.
pub fn main() -> ExitCode {
    // The remote shell a controller program (rsync) runs: its words are that program's, not
    // rsible's options, so they bypass the parser.
    let argv: Vec<String> = std::env::args().collect();
    if let [_, sub, socket, rest @ ..] = argv.as_slice() {
        if sub == crate::connection::stream::RSH_ARG {
            return ExitCode::from(crate::connection::stream::remote_shell(
                std::path::Path::new(socket),
                rest,
            ));
        }
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Exit::BadOptions.code()
            } else {
                0
            });
        }
    };
    init_logging(cli.verbose);
    if !matches!(cli.command, Command::PersistDaemon { .. }) {
        // Read first, for every subcommand: a mistake in a file stops the run, and the
        // warning about settings rsible does not use is printed once.
        match select::config() {
            Ok(c) => {
                if let Some(dir) = &c.control_path_dir {
                    crate::connection::persist::set_control_dir(dir.clone());
                }
                crate::modules::python::configure(crate::modules::python::Settings::from_config(
                    cli.python_modules,
                    c,
                ));
            }
            Err(e) => return ExitCode::from(e.code()),
        }
    }
    let vault = match &cli.command {
        Command::Play(a) => Some(&a.vault),
        Command::Run(a) => Some(&a.vault),
        Command::Inventory(a) => Some(&a.vault),
        Command::Vault(_)
        | Command::Config(_)
        | Command::Report(_)
        | Command::PersistDaemon { .. } => None,
    };
    if let Some(v) = vault {
        match vault_cmd::load_secrets(v) {
            Ok(s) => crate::vault::install(s),
            Err(e) => return ExitCode::from(fail(Exit::Error, &e).code()),
        }
    }
    let exit = match cli.command {
        Command::Inventory(a) => inventory_cmd::run(a),
        Command::Run(a) => run_cmd::run(a, cli.verbose),
        Command::Play(a) => play_cmd::run(a, cli.verbose),
        Command::Vault(a) => vault_cmd::run(a),
        Command::Config(a) => config_cmd::run(a),
        Command::Report(a) => report_cmd::run(a),
        Command::PersistDaemon { dir } => match crate::connection::persist::run_daemon(&dir) {
            Ok(()) => Exit::Ok,
            Err(e) => fail(Exit::Error, &format!("persistence daemon: {e}")),
        },
    };
    ExitCode::from(exit.code())
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RSIBLE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("rsible={level},russh=warn"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os(crate::env_vars::NO_COLOR).is_none(),
        )
        .with_target(false)
        .without_time()
        .try_init();
}

/// Prints a warning the way Ansible does.
pub(crate) fn warn(msg: &str) {
    out::errln(&format!("[WARNING]: {msg}"));
}

/// Prints an error and returns its exit code.
pub(crate) fn fail(exit: Exit, msg: &str) -> Exit {
    out::errln(&format!("ERROR! {msg}"));
    exit
}
