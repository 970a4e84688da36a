//! The merged configuration as stages see it in the context.
//!
//! The runner reads `stowage.toml`, the chosen profile and the workspace defaults, checks every key, merges them
//! (flag, then stowage.toml, then profile, then defaults) and hands the result to each stage in this form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Severity;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The app's name: the folder of the report and the default image name.
    pub name: String,
    /// The profile the defaults came from (`production`, `development`, ...).
    pub profile: String,
    /// App-relative paths of files a team has taken over: never written, still validated.
    pub unmanaged: Vec<String>,
    /// App-relative glob patterns of paths that are not part of the app (vendored code, fixtures).
    pub exclude: Vec<String>,
    pub thresholds: Thresholds,
    /// Compliance frameworks to judge control by control (`compliance = [...]` in stowage.toml, `--compliance`).
    #[serde(default)]
    pub compliance: Vec<String>,
    /// Stages declared in configuration, run as commands.
    pub external_stages: Vec<ExternalStage>,
    /// Per-stage option tables (`[stages.NAME]` in stowage.toml), passed through as given.
    pub stage_options: BTreeMap<String, serde_json::Value>,
    /// Where each key of the configuration was set, as `file:line`, so that a stage can point at it.
    pub key_locations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Findings at or above this severity fail the run.
    pub fail_on: FailOn,
    /// A stage still running after this many seconds is stopped and the run fails.
    pub stage_timeout_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Info,
    Warning,
    Error,
    /// Findings are reported but never fail the run.
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Info => true,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Never => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExternalStage {
    pub name: String,
    /// Program and arguments, run from the app root (relative paths are the app's files).
    /// The runner appends `--context FILE --out DIR --report FILE`.
    pub command: Vec<String>,
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default)]
    pub kind: StageKind,
    #[serde(default)]
    pub summary: String,
}

/// Generators produce files; gates judge them and always run after every generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    #[default]
    Generator,
    Gate,
}
