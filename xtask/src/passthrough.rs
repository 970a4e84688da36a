//! `lint`, `explain` and `analyze`: commands implemented by a stage binary, which the runner builds (in the
//! workspace) or finds (installed) and runs with the user's arguments.

use std::path::Path;

use crate::cli::AnalyzeArgs;
use crate::cli::{ContainerizeArgs, Format, Settings};
use crate::failure::{Failure, Result};
use crate::home::Home;

/// Runs `stowage-<stage> <subcommand> ARGS...` and returns its exit code.
pub fn run(home: &Home, stage: &str, subcommand: &str, args: &[String]) -> Result<i32> {
    let binary = home.stage_binary(stage)?;
    let status = std::process::Command::new(&binary)
        .arg(subcommand)
        .args(args)
        // Messages that name a command name the one the person typed, not the stage binary (not on PATH).
        .env("STOWAGE_COMMAND", home.command())
        .status()
        .map_err(|e| Failure::crash(format!("cannot run {}: {e}", binary.display())))?;
    match status.code() {
        Some(code) => Ok(code),
        None => Err(Failure::crash(format!("{} was killed by a signal", binary.display()))),
    }
}

/// `analyze`: the pipeline with only the analyze stage, in check mode so nothing is written, then its facts.
pub fn analyze(home: &Home, args: &AnalyzeArgs) -> Result<i32> {
    // Private (0700, unpredictable, never another user's folder) and removed even when the run is interrupted.
    let report_dir = crate::interrupt::private_temp_dir("stowage-analyze-").map_err(|e| {
        Failure::usage(format!("cannot create a temporary folder in {}: {e}", std::env::temp_dir().display()))
    })?;
    let run = ContainerizeArgs {
        app: crate::cli::AppArg { app: args.app.app.clone() },
        check: true,
        only: Some(vec!["analyze".into()]),
        skip: None,
        force: false,
        verify: false,
        engine: None,
        base_registry: None,
        adopt: Vec::new(),
        compliance: None,
        settings: Settings { profile: None, fail_on: None, stage_timeout: None },
        report_dir: Some(report_dir.clone()),
        format: Format::Json,
        reports: Vec::new(),
        baseline: None,
    };
    let printed = print_model(home, &run, &report_dir, args.json);
    crate::interrupt::remove_temp_dir(&report_dir);
    printed
}

fn print_model(home: &Home, run: &ContainerizeArgs, report_dir: &Path, json: bool) -> Result<i32> {
    let code = crate::containerize::run_quiet(home, run)?;
    let text = crate::failure::read_to_string(&report_dir.join("report.json"))?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Failure::crash(format!("unreadable run report: {e}")))?;
    let Some(facts) = summary.pointer("/facts/analyze") else {
        let error = summary.get("error").and_then(|e| e.as_str()).unwrap_or("the analyze stage did not run");
        return Err(Failure { code: code_of(code), message: error.to_string() });
    };
    if json {
        crate::print_stdout(&(serde_json::to_string_pretty(facts).expect("facts serialize") + "\n"));
    } else {
        let doc = report_dir.join("run/analyze/out/docs/containerization.md");
        crate::print_stdout(&crate::failure::read_to_string(&doc)?);
    }
    Ok(0)
}

fn code_of(code: i32) -> crate::failure::Code {
    match code {
        3 => crate::failure::Code::Crash,
        1 => crate::failure::Code::Failed,
        _ => crate::failure::Code::Usage,
    }
}
