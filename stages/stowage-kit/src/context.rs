//! The context file the runner writes for each stage.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Config;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Context {
    /// The contract version the runner speaks; a stage refuses any other.
    pub contract_version: u32,
    pub stowage_version: String,
    /// The name of the stage this context was written for.
    pub stage: String,
    pub mode: Mode,
    pub app: App,
    pub config: Config,
    /// Facts published by the stages that ran before, by stage name.
    pub facts: BTreeMap<String, serde_json::Value>,
    /// Files staged so far by earlier stages, in the order they will be applied.
    pub staged: Vec<StagedFile>,
    /// App-relative paths that stowage generated on an earlier run (listed in the lock).
    /// They are stowage's own output and never evidence about the app.
    pub managed: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Outputs will be applied to the app.
    Apply,
    /// Outputs will be compared with the app (`--check`); nothing is written.
    Check,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct App {
    /// Absolute path of the app root. Read-only for stages.
    pub root: PathBuf,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StagedFile {
    /// Destination, relative to the app root, with `/` separators.
    pub path: String,
    /// The stage that produced it.
    pub stage: String,
    /// Absolute path of the staged bytes (outside the app).
    pub source: PathBuf,
    /// True when the file is listed as unmanaged: it will not be written, and `source` is the app's own copy.
    #[serde(default)]
    pub unmanaged: bool,
}
