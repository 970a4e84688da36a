//! Runs a stage written in Rust: argument parsing, contract checks, output writing and the report.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use crate::{CONTRACT_VERSION, Context, Finding, Report, StageKind, check_output_path, exit};

/// What a stage is, as printed by `<stage> --describe` and declared in `[package.metadata.stowage]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Describe {
    pub name: String,
    #[serde(default)]
    pub kind: StageKind,
    #[serde(default)]
    pub after: Vec<String>,
    pub summary: String,
    pub contract_version: u32,
    #[serde(default)]
    pub version: String,
}

/// The `[package.metadata.stowage]` table of a stage crate.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageMetadata {
    stage: String,
    #[serde(default)]
    kind: StageKind,
    #[serde(default)]
    after: Vec<String>,
    summary: String,
    contract: u32,
}

/// Reads the stage declaration out of a crate manifest.
pub fn describe_from_manifest(manifest: &str, version: &str) -> Result<Describe, String> {
    #[derive(Deserialize)]
    struct Manifest {
        package: Package,
    }
    #[derive(Deserialize)]
    struct Package {
        metadata: Option<Metadata>,
    }
    #[derive(Deserialize)]
    struct Metadata {
        stowage: Option<StageMetadata>,
    }
    let manifest: Manifest = toml::from_str(manifest).map_err(|e| format!("invalid stage manifest: {e}"))?;
    let meta = manifest
        .package
        .metadata
        .and_then(|m| m.stowage)
        .ok_or("the manifest has no [package.metadata.stowage] table")?;
    Ok(Describe {
        name: meta.stage,
        kind: meta.kind,
        after: meta.after,
        summary: meta.summary,
        contract_version: meta.contract,
        version: version.to_string(),
    })
}

/// Why a stage stopped early.
#[derive(Debug)]
pub enum StageError {
    /// The app or the context cannot be worked with; exit code 2. The message says what and where.
    BadInput(String),
    /// A bug or an environment failure; the runner reports it as a crash.
    Internal(String),
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StageError::BadInput(m) | StageError::Internal(m) => f.write_str(m),
        }
    }
}

impl From<std::io::Error> for StageError {
    fn from(e: std::io::Error) -> Self {
        StageError::Internal(e.to_string())
    }
}

/// One invocation of a stage: the context it was given, where its outputs go, and the report it is building.
pub struct Run {
    pub ctx: Context,
    pub report: Report,
    out: PathBuf,
    written: BTreeSet<String>,
}

impl Run {
    /// A run over `ctx` staging into `out`, for testing a stage's function in-process; `run_main` makes the real one.
    pub fn new(ctx: Context, out: PathBuf) -> Run {
        Run { report: Report::new(&ctx.stage), ctx, out, written: BTreeSet::new() }
    }

    /// Stages `contents` for the app-relative `path`. Text is written exactly as given: render with LF endings.
    pub fn write(&mut self, path: &str, contents: impl AsRef<[u8]>) -> Result<(), StageError> {
        check_output_path(path).map_err(StageError::Internal)?;
        if !self.written.insert(path.to_string()) {
            return Err(StageError::Internal(format!("`{path}` was written twice by this stage")));
        }
        let dest = self.out.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, contents)?;
        Ok(())
    }

    /// Absolute path of an app-relative path, for reading the app.
    pub fn app_path(&self, path: &str) -> PathBuf {
        self.ctx.app.root.join(path)
    }

    pub fn finding(&mut self, finding: Finding) {
        self.report.findings.push(finding);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.report.notes.push(note.into());
    }

    /// Publishes `value` as the stage's facts for later stages.
    pub fn set_facts(&mut self, value: serde_json::Value) {
        self.report.facts = value;
    }
}

struct Args {
    context: PathBuf,
    out: PathBuf,
    report: PathBuf,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let (mut context, mut out, mut report) = (None, None, None);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--describe" => return Ok(None),
            "--context" => &mut context,
            "--out" => &mut out,
            "--report" => &mut report,
            other => return Err(format!("unexpected argument `{other}`")),
        };
        *slot = Some(PathBuf::from(args.next().ok_or(format!("`{arg}` needs a value"))?));
    }
    match (context, out, report) {
        (Some(context), Some(out), Some(report)) => Ok(Some(Args { context, out, report })),
        _ => Err("missing arguments".into()),
    }
}

fn read_context(path: &Path, stage: &str) -> Result<Context, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read context {}: {e}", path.display()))?;
    // Check the version before the shape, so that a context of another contract gets the right message.
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("context {} is not JSON: {e}", path.display()))?
        .get("contract_version")
        .and_then(|v| v.as_u64());
    if version != Some(CONTRACT_VERSION as u64) {
        let theirs = version.map_or("none".to_string(), |v| v.to_string());
        return Err(format!(
            "the runner speaks stage contract {theirs}, stage `{stage}` was built for contract {CONTRACT_VERSION}: \
             rebuild the stage or the runner from the same stowage version"
        ));
    }
    serde_json::from_str(&text)
        .map_err(|e| format!("context {} does not follow contract {CONTRACT_VERSION}: {e}", path.display()))
}

/// The whole `main` of a stage: `stage_main!` calls this with the crate's manifest.
pub fn run_main(manifest: &str, version: &str, run: impl FnOnce(&mut Run) -> Result<(), StageError>) -> ExitCode {
    let describe = match describe_from_manifest(manifest, version) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(70);
        }
    };
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{}", serde_json::to_string_pretty(&describe).expect("describe serializes"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "error: {e}\nusage: {name} --context <file.json> --out <dir> --report <file>\n       {name} --describe",
                name = describe.name
            );
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    let ctx = match read_context(&args.context, &describe.name) {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    let fail_on = ctx.config.thresholds.fail_on;
    let mut stage_run = Run { report: Report::new(&describe.name), ctx, out: args.out, written: BTreeSet::new() };
    match run(&mut stage_run) {
        Ok(()) => {}
        Err(StageError::BadInput(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(exit::BAD_INPUT);
        }
        Err(StageError::Internal(e)) => {
            eprintln!("error: stage `{}` failed: {e}", describe.name);
            return ExitCode::from(70);
        }
    }
    let mut report = stage_run.report;
    report.findings.sort();
    report.suppressed.sort();
    report.rules.sort();
    report.rules.dedup();
    let json = serde_json::to_string_pretty(&report).expect("report serializes") + "\n";
    if let Err(e) = std::fs::write(&args.report, json) {
        eprintln!("error: cannot write report {}: {e}", args.report.display());
        return ExitCode::from(70);
    }
    if report.findings.iter().any(|f| fail_on.fails(f.severity)) {
        return ExitCode::from(exit::GATE_FAILED);
    }
    ExitCode::SUCCESS
}
