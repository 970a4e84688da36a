//! The stowage runner as a library, shared by the `xtask` and `stowage` binaries.
//!
//! Start at `containerize`: it loads the configuration (`config`), finds and orders the stages (`home`,
//! `discover`), runs them (`pipeline`), plans the outputs against the app and its lock (`apply`, `lock`), and
//! applies them or reports drift (`diff`). Every failure is a `failure::Failure` carrying its exit code.

pub mod apply;
pub mod bench;
mod bench_apps;
mod bench_dockerfiles;
mod bench_images;
mod bench_orchestrate;
pub mod clean;
pub mod cli;
pub mod codegen;
pub mod config;
pub mod containerize;
pub mod corpus_check;
pub mod diff;
pub mod discover;
pub mod failure;
pub mod home;
pub mod install;
pub(crate) mod interrupt;
pub mod judges;
pub mod lock;
pub mod new_stage;
pub mod passthrough;
pub mod pipeline;
pub mod stages_cmd;
pub mod standins;
mod tidy;
pub mod verify_check;

use std::process::ExitCode;

use cli::Shared;
use failure::Result;
use home::Home;

/// Runs a command both binaries have.
pub fn run_shared(home: &Home, command: &Shared) -> Result<i32> {
    match command {
        Shared::Containerize(args) => containerize::run(home, args),
        Shared::Clean(args) => clean::run(home, args),
        Shared::Stages(args) => stages_cmd::run(home, args),
        Shared::Analyze(args) => passthrough::analyze(home, args),
        Shared::Lint(args) => passthrough::run(home, "validate", "lint", &args.args),
        Shared::Explain(args) => passthrough::run(home, "validate", "explain", &args.args),
        Shared::Rules(args) => passthrough::run(home, "validate", "rules", &args.args),
        Shared::Knowledge(args) => passthrough::run(home, "dockerfile", "knowledge", &args.args),
    }
}

/// Writes to stdout, ignoring a reader that went away (`| head`): the exit code must still follow the table.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// A message for a terminal: its own line breaks kept, every other control character (from file names, stage
/// output, findings) escaped, so nothing printed can run escape sequences.
pub fn for_terminal(text: &str) -> String {
    text.split('\n').map(stowage_kit::escape_controls).collect::<Vec<_>>().join("\n")
}

/// Prints a failure and turns the result into the process exit code (see `failure` for the table).
pub fn exit(result: Result<i32>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(failure) => {
            eprintln!("error: {}", for_terminal(&failure.message));
            ExitCode::from(failure.code as u8)
        }
    }
}
