//! The `folio` command: server, migrations, admin CLI and container health check in
//! one binary. This crate only wires the library crates together: configuration,
//! logging, the command line, and the process's life (signals, exit codes).

pub mod cli;
pub mod commands;
pub mod config;
mod logging;

use clap::Parser;
use std::process::ExitCode;

/// Runs the command line of this process and gives its exit code.
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("folio: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("folio: {err:#}");
            ExitCode::FAILURE
        }
    }
}
