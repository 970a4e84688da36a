//! `cargo xtask`: stowage's runner inside its own workspace, and the tasks that maintain the workspace.
//!
//! One module per subcommand; `cli` declares them all. The same runner is installed as `stowage`
//! (`src/bin/stowage.rs`), which has every command but the workspace tasks.

use std::process::ExitCode;

use clap::Parser;
use xtask::cli::{Xtask, XtaskCli};
use xtask::home::Home;

fn main() -> ExitCode {
    let cli = XtaskCli::parse();
    let home = Home::workspace();
    let result = match &cli.command {
        Xtask::Shared(shared) => xtask::run_shared(&home, shared),
        Xtask::NewStage(args) => xtask::new_stage::run(&home, args),
        Xtask::Codegen(args) => xtask::codegen::run(&home, args),
        Xtask::Bench(args) => xtask::bench::run(&home, args),
        Xtask::Install(args) => xtask::install::run(&home, args),
        Xtask::Judges => xtask::judges::run(&home),
        Xtask::CorpusCheck(args) => xtask::corpus_check::run(&home, args),
        Xtask::VerifyCheck(args) => xtask::verify_check::run(&home, args),
        Xtask::Standins(args) => xtask::standins::run(&home, args),
    };
    xtask::exit(result)
}
