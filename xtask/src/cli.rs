//! The command line of `cargo xtask` and of the installed `stowage`, declared once.
//! `docs/cli.md` is generated from these declarations by `cargo xtask codegen` and checked by a test.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use stowage_kit::FailOn;

/// `stowage`: generate hardened, validated container artifacts for an app and keep them true in CI.
#[derive(Debug, Parser)]
#[command(name = "stowage", version, about, disable_help_subcommand = true)]
pub struct StowageCli {
    #[command(subcommand)]
    pub command: Shared,
}

/// `cargo xtask`: stowage's runner inside its own workspace, plus the tasks that maintain the workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about, disable_help_subcommand = true)]
pub struct XtaskCli {
    #[command(subcommand)]
    pub command: Xtask,
}

#[derive(Debug, Subcommand)]
pub enum Xtask {
    #[command(flatten)]
    Shared(Shared),
    /// Scaffold a new stage crate under stages/, registered and with a test.
    NewStage(NewStageArgs),
    /// Regenerate the committed docs and schemas (CLI reference, stage list, contract schema), or check them.
    Codegen(CodegenArgs),
    /// Measure build time, pipeline speed and linter speed, and write BENCHMARKS.md.
    Bench(BenchArgs),
    /// Install `stowage` and every stage binary with `cargo install`, for use outside this workspace.
    Install(InstallArgs),
    /// Install the real tools that judge stowage's output and that the benchmarks compare against
    /// (hadolint, checkov, kubernetes-validate, ...) into target/judges/venv.
    Judges,
    /// Run the corpus-wide checks of the linter on real files: agreement with hadolint and checkov, robustness,
    /// the schema judges and secret masking, per corpus folder (see docs/corpus-check.md).
    CorpusCheck(CorpusCheckArgs),
    /// Run the verify gate's real matrix (tests/verify/matrix.toml): containerize each fixture with --verify on a
    /// real engine from the local stand-in base images, with a planted canary secret and cache-reuse edits where the
    /// matrix asks (see docs/verify.md).
    VerifyCheck(VerifyCheckArgs),
    /// Build the local stand-in base images (for tests only) that let the verify gate build here without a registry
    /// (policies/standins.toml, docs/standins.md); images whose recipe did not change are reused.
    Standins(StandinsArgs),
}

/// The commands both `cargo xtask` and `stowage` have.
// Parsed once per process: the size of the largest variant costs nothing, and boxing it would spread through
// every match on the command.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Shared {
    /// Run the pipeline over an app and apply its outputs, or with --check fail on drift.
    Containerize(ContainerizeArgs),
    /// Remove every file stowage generated in an app (those its stowage.lock lists), and the lock.
    Clean(CleanArgs),
    /// List the stages of the pipeline, where each comes from, and their order.
    Stages(StagesArgs),
    /// Print the application model of an app (the analyze stage's facts).
    Analyze(AnalyzeArgs),
    /// Lint Dockerfiles, compose files and Kubernetes manifests (the validate stage's linter).
    #[command(disable_help_flag = true)]
    Lint(PassThrough),
    /// Print the documentation of a validation rule.
    #[command(disable_help_flag = true)]
    Explain(PassThrough),
    /// Test team rules (declared in TOML) against their own examples, or print their documentation.
    #[command(disable_help_flag = true)]
    Rules(PassThrough),
    /// Print the date of the base-image knowledge base the Dockerfiles come from, its age, and what has reached end
    /// of life since (the dockerfile stage's `knowledge`).
    #[command(disable_help_flag = true)]
    Knowledge(PassThrough),
}

#[derive(Debug, Args)]
pub struct AppArg {
    /// The app's root folder [default: this repository for `cargo xtask`, the current folder for `stowage`].
    #[arg(long, value_name = "PATH")]
    pub app: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ContainerizeArgs {
    #[command(flatten)]
    pub app: AppArg,
    /// Write nothing into the app; print a diff per drifted file and exit 1 on drift.
    #[arg(long)]
    pub check: bool,
    /// Run only these stages (comma-separated); the stages they run after must be selected too.
    #[arg(long, value_delimiter = ',', value_name = "STAGES")]
    pub only: Option<Vec<String>>,
    /// Skip these stages (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "STAGES")]
    pub skip: Option<Vec<String>>,
    /// Overwrite files edited by hand since stowage generated them, and remove edited files no longer generated.
    #[arg(long)]
    pub force: bool,
    /// Run the verify gate: build every generated image on podman or docker and run it hardened until healthy
    /// (docs/verify.md). Without it the gate runs only when `[stages.verify] enabled` is set, and never under
    /// --check. With it, no engine is an error (exit 2).
    #[arg(long)]
    pub verify: bool,
    /// The engine the verify gate uses: `podman`, `docker` or a path to either [default: `[stages.verify] engine`,
    /// else the first that answers].
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// Prefix the verify gate puts before every base image (the Dockerfiles' REGISTRY argument), e.g. a mirror or
    /// `localhost/stowage-standin/` for the local stand-ins [default: `[stages.verify] base_registry`].
    #[arg(long, value_name = "PREFIX")]
    pub base_registry: Option<String>,
    /// Take over an existing file that stowage did not generate: overwrite it and record it in the lock. PATH is
    /// relative to the app (or a path into the app from the current folder).
    #[arg(long, value_name = "PATH")]
    pub adopt: Vec<String>,
    #[command(flatten)]
    pub settings: Settings,
    /// Judge these compliance frameworks control by control (comma-separated): `pss-baseline`, `pss-restricted`,
    /// `cis-docker-1.6.0`, `nsa-cisa-k8s-1.2` [default: `compliance` in stowage.toml].
    #[arg(long, value_delimiter = ',', value_name = "FRAMEWORKS")]
    pub compliance: Option<Vec<String>>,
    /// Where the run's report and scratch files go [default: target/stowage/<app name>/ in the workspace,
    /// $XDG_CACHE_HOME/stowage/<app name>/ when installed].
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// `human` prints progress and findings; `json` prints the run summary for scripts on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the run's findings to PATH as FORMAT: `sarif`, `junit`, `markdown`, `html` or `json` (the run
    /// report); written whatever the exit code. The report folder keeps every format anyway.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<(stowage_render::Format, PathBuf)>,
    /// Report and fail on only the findings not in FILE, a run report saved earlier (`--report json=FILE`, or a
    /// copy of the report folder's report.json, which each run rewrites; `lint --format json` works too): adopt
    /// stowage on an app with known findings and fail only on new ones. A finding is the same when its rule, file
    /// and message are (lines move as files are edited).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

fn parse_report(value: &str) -> Result<(stowage_render::Format, PathBuf), String> {
    stowage_render::parse_report_arg(value)
}

/// Settings that override stowage.toml, the profile and the defaults.
#[derive(Debug, Args, Clone)]
pub struct Settings {
    /// The profile under policies/profiles/ whose settings apply [default: from stowage.toml, else `production`].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Fail the run on findings at or above this severity.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,
    /// Stop a stage that runs longer than this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub stage_timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Info,
    Warning,
    Error,
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(value: FailOnArg) -> Self {
        match value {
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    pub app: AppArg,
    /// Also remove files edited by hand since stowage generated them.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StagesArgs {
    #[command(flatten)]
    pub app: AppArg,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub app: AppArg,
    /// Print the model as JSON (the default prints the strategy document).
    #[arg(long)]
    pub json: bool,
}

/// Arguments handed unchanged to the stage binary that implements the command (`stowage-validate`);
/// `--help` shows its own help.
#[derive(Debug, Args)]
pub struct PassThrough {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NewStageArgs {
    /// The stage name: lowercase letters, digits and `-`; the crate is stages/stowage-NAME.
    pub name: String,
    /// The stages it runs after (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "STAGES")]
    pub after: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// Fail if a generated file is out of date instead of writing it.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Folder holding the real apps of tests/apps-expected/apps.tsv, fetched beforehand (enables the accuracy figures).
    #[arg(long, value_name = "DIR")]
    pub apps_dir: Option<PathBuf>,
    /// Measure only the real apps and the generated monorepo, and replace only those sections of BENCHMARKS.md.
    #[arg(long, requires = "apps_dir")]
    pub apps_only: bool,
    /// Measure only the stages' limits (analyze's peak memory as the tree grows, lint's output time on a large
    /// file), and replace only that section of BENCHMARKS.md.
    #[arg(long, conflicts_with = "apps_only")]
    pub limits_only: bool,
    /// Measure only the agreement with the peers (../shared/corpus and tests/corpus), and replace only those
    /// sections of BENCHMARKS.md.
    #[arg(long, conflicts_with = "apps_only")]
    pub agreement_only: bool,
    /// Judge only the generated Dockerfiles beside docker init's templates (tests/baselines/docker-init/) and count
    /// the generated files' inline ignores (with --apps-dir, also the Dockerfiles generated for the real apps), and
    /// replace only those sections of BENCHMARKS.md.
    #[arg(long, conflicts_with_all = ["apps_only", "limits_only", "agreement_only"])]
    pub dockerfiles_only: bool,
    /// Build only the images: each compared fixture's generated image (through the verify gate) beside its naive and
    /// docker init baselines, on the stand-in base images; replace only that section of BENCHMARKS.md. Needs an
    /// engine and `cargo xtask standins`.
    #[arg(long, conflicts_with_all = ["apps_only", "limits_only", "agreement_only", "dockerfiles_only"])]
    pub images_only: bool,
    /// Judge only the compose files, overlays and charts generated for the real apps (needs --apps-dir), and replace
    /// only that section of BENCHMARKS.md.
    #[arg(
        long,
        requires = "apps_dir",
        conflicts_with_all = ["apps_only", "limits_only", "agreement_only", "dockerfiles_only", "images_only"]
    )]
    pub orchestrate_only: bool,
    /// Run only hadolint's own rule specs (test/Hadolint/Rule/*Spec.hs of a copy of hadolint's repository in DIR)
    /// against the mapped rules, and replace only that section of BENCHMARKS.md.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["apps_only", "limits_only", "agreement_only", "dockerfiles_only", "images_only", "orchestrate_only"]
    )]
    pub hadolint_specs: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Install into DIR/bin instead of cargo's default (~/.cargo/bin).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Build in the debug profile (faster to build, reuses the workspace's target folder if CARGO_TARGET_DIR
    /// points at it).
    #[arg(long)]
    pub debug: bool,
}

#[derive(Debug, Args)]
pub struct CorpusCheckArgs {
    /// A corpus folder (`dockerfiles/`, `k8s/`, `compose/`, `expected/`) [default: ../shared/corpus and
    /// tests/corpus, those that exist].
    #[arg(long, value_name = "DIR")]
    pub corpus: Vec<PathBuf>,
    /// The reviewed disagreements for a folder, once per --corpus and in the same order [default: DIR/disputes.toml;
    /// tests/corpus-check/shared/disputes.toml for ../shared/corpus].
    #[arg(long, value_name = "FILE")]
    pub disputes: Vec<PathBuf>,
    /// Write each folder's expected/ with the pinned peers (hadolint, checkov) before checking it.
    #[arg(long)]
    pub write_expected: bool,
    /// Run only these checks (comma-separated): agreement, robustness, kubernetes-schema, compose-schema,
    /// compose-config, secrets, spans, mutations.
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub only: Option<Vec<String>>,
    /// Also run hadolint's own rule specs (test/Hadolint/Rule/*Spec.hs of a copy of hadolint's repository in DIR)
    /// against the mapped rules and print per-ID pass counts; fails under 95%. Alone, without --corpus, only
    /// this runs. hadolint is GPL-3.0: nothing of it is committed, and CI, which cannot fetch it, does not pass this.
    #[arg(long, value_name = "DIR")]
    pub hadolint_specs: Option<PathBuf>,
    /// Also containerize the real apps of tests/apps-expected/apps.tsv fetched into DIR (their own container files
    /// removed first) and judge every generated Dockerfile with hadolint, checkov and the validator: any finding, or
    /// a run that crashes, fails the check. CI cannot fetch the apps, so it does not pass this.
    #[arg(long, value_name = "DIR")]
    pub apps_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyCheckArgs {
    /// Check only these fixtures of the matrix (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "FIXTURES")]
    pub only: Option<Vec<String>>,
    /// The engine: `podman`, `docker` or a path [default: the first that answers].
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// The prefix of the base images the builds use.
    #[arg(long, value_name = "PREFIX", default_value = "localhost/stowage-standin/")]
    pub base_registry: String,
}

#[derive(Debug, Args)]
pub struct StandinsArgs {
    /// Build only these stand-ins (comma-separated public names or recipe files).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub only: Option<Vec<String>>,
    /// The engine: `podman`, `docker` or a path [default: the first that answers].
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// The Debian mirror debootstrap reads [default: the one apt uses on this machine].
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,
    /// List the stand-ins and whether each is built and current; build nothing.
    #[arg(long)]
    pub list: bool,
}
