//! `stowage`: the installed runner. It finds its stages beside itself or on `PATH`, so an app's CI can run the
//! drift check without stowage's workspace: `stowage containerize --check`.

use std::process::ExitCode;

use clap::Parser;
use xtask::cli::StowageCli;
use xtask::home::Home;

fn main() -> ExitCode {
    let cli = StowageCli::parse();
    xtask::exit(xtask::run_shared(&Home::installed(), &cli.command))
}
