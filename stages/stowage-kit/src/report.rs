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
    /// Findings an inline ignore comment silenced, with the reason written there; they never fail a run, and
    /// reports show them as suppressed (SARIF `suppressions`, JUnit skipped).
    #[serde(default)]
    pub suppressed: Vec<Suppressed>,
    /// What the runner needs to render this stage's findings in any format: one entry per rule code that appears
    /// in `findings` or `suppressed`, sorted by code.
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
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
            suppressed: Vec::new(),
            rules: Vec::new(),
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
    /// The source line the finding points at, with secret values already masked by the stage; reports show it
    /// (SARIF `region.snippet`). Never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// A finding silenced by an inline ignore comment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Suppressed {
    pub finding: Finding,
    /// The reason written in the ignore comment (empty when the comment gave none).
    pub reason: String,
}

/// A rule's metadata, carried in the report so that any stage's findings (external stages' included) render with
/// their title, help and documentation link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleInfo {
    /// The stable rule code, e.g. `DF001`.
    pub code: String,
    /// What the rule reports, in a few words.
    pub title: String,
    /// The rule's default severity (a finding's own severity may differ by policy).
    pub severity: Severity,
    /// How to fix what the rule reports.
    pub help: String,
    /// The rule's documentation page: a web address, or the page's path in stowage's repository
    /// (`docs/rules/DF001.md`), which reports turn into a link only when a docs address is configured
    /// (`[report] docs_url` in stowage.toml, `lint --docs-url`); empty when there is none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc: String,
    /// The equivalent checks of other tools, as `tool:ID` (`hadolint:DL3006`, `checkov:CKV_DOCKER_7`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<String>,
    /// Whether the rule guards security (SARIF consumers then get a `security-severity` from the severity).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub security: bool,
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
