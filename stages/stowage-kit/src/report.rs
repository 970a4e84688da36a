//! The report a stage writes to `--report`: facts for later stages, findings, notes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The contract version the stage was built for; the runner refuses a report of another version.
    pub contract_version: u32,
    pub stage: String,
    /// Facts for later stages (a JSON object), published under the stage's name.
    #[serde(default = "empty_object")]
    pub facts: serde_json::Value,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Free-form remarks for the person running the pipeline (skipped files, choices made).
    #[serde(default)]
    pub notes: Vec<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl Report {
    pub fn new(stage: &str) -> Report {
        Report {
            contract_version: crate::CONTRACT_VERSION,
            stage: stage.to_string(),
            facts: empty_object(),
            findings: Vec::new(),
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// App-relative path of the file the finding is about.
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The stable rule code, e.g. `DF001`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}
