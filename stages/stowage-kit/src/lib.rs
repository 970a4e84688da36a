//! The stage contract of stowage, and the helper that runs a stage written in Rust.
//!
//! A stage is any executable run as `<stage> --context <file.json> --out <dir> --report <file>`.
//! It reads only the context (and, read-only, the app it names), writes generated files only under `--out`
//! (paths relative to the app root), and writes its [`Report`] to `--report`.
//! Exit codes: 0 ok, 1 gate failed, 2 bad input; anything else is a crash.
//! `<stage> --describe` prints the stage's [`Describe`] as JSON, which is how an installed runner learns
//! what a stage is without a Cargo workspace.
//!
//! The types here are the API boundary between the runner and every stage, in any language:
//! `contract.schema.json` at the root of this crate is generated from them and checked by a test.

mod config;
mod context;
pub mod files;
mod glob;
mod paths;
mod report;
pub mod secret;
mod stage;

pub use config::{Config, ExternalStage, FailOn, StageKind, Thresholds};
pub use context::{App, Context, Mode, StagedFile};
pub use glob::{any_glob_match, glob_match, glob_match_exact};
pub use paths::{
    check_finding_path, check_output_path, check_rule_code, escape_controls, image_component, normalize_newlines,
};
pub use report::{Finding, Report, RuleInfo, Severity, Suppressed};
pub use stage::{Describe, Run, StageError, describe_from_manifest, run_main};

/// The version of the stage contract spoken by this build.
/// A runner refuses a stage that speaks another version, naming both.
pub const CONTRACT_VERSION: u32 = 2;

/// The exit codes of a stage process.
pub mod exit {
    pub const OK: u8 = 0;
    pub const GATE_FAILED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}

/// Writes the `main` of a stage binary: the description comes from `[package.metadata.stowage]` in the crate's
/// own Cargo.toml, so the stage is declared once.
#[macro_export]
macro_rules! stage_main {
    ($run:expr) => {
        fn main() -> ::std::process::ExitCode {
            $crate::run_main(
                include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")),
                env!("CARGO_PKG_VERSION"),
                $run,
            )
        }
    };
}
