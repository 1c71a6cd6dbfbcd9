//! The `folio` command: server, migrations, admin CLI and container health check in
//! one binary. This crate only wires the library crates together: configuration,
//! logging, the command line, and the process's life (signals, exit codes).

pub mod cli;
pub mod commands;
mod logging;

use clap::Parser;
use std::process::ExitCode;

/// Runs the command line of this process and gives its exit code.
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Before the runtime: FOLIO_WORKER_THREADS sizes it.
    let loaded = match folio_app::Config::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("folio: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = loaded.config.worker_threads {
        builder.worker_threads(threads);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("folio: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, loaded)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("folio: {err:#}");
            ExitCode::FAILURE
        }
    }
}
