//! What the validate stage and `lint` hand to the report formats: each rule's metadata (the report's `rules`
//! section) and each finding's source line with secret values masked (SARIF snippets, the HTML page).

use std::collections::{BTreeMap, BTreeSet};

use stowage_kit::{Finding, RuleInfo};

use crate::registry::{self, Rule};
use crate::{LintResult, secret};

/// Where a rule's page sits in stowage's repository. Reports make it a link against the configured docs address:
/// stowage has no published home to assume, and an invented address would send readers to a page that is not there.
pub fn doc_path(code: &str) -> String {
    format!("docs/rules/{code}.md")
}

/// The metadata of one rule, as reports carry it.
pub fn rule_info(rule: &Rule) -> RuleInfo {
    let mut peers = Vec::new();
    for (tool, ids) in [
        ("hadolint", rule.hadolint),
        ("checkov", rule.checkov),
        ("kube-linter", rule.kube_linter),
        ("trivy", rule.trivy),
    ] {
        peers.extend(ids.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|id| format!("{tool}:{id}")));
    }
    RuleInfo {
        code: rule.code.to_string(),
        title: rule.title.to_string(),
        severity: rule.severity,
        help: rule.fix.to_string(),
        // A team rule's page is the team's own (its `doc_url`), if it gave one.
        doc: crate::team::find(rule.code).map_or_else(|| doc_path(rule.code), |t| t.doc_url.clone()),
        peers,
        // A rule guards security when a security benchmark cites it or a security scanner (Trivy) has it.
        security: !rule.trivy.is_empty() || ["CIS", "NSA", "PSS"].iter().any(|w| rule.references.contains(w)),
    }
}

/// The `rules` section for a result: every rule its findings and suppressions use, sorted by code.
pub fn rules_of(result: &LintResult) -> Vec<RuleInfo> {
    let codes: BTreeSet<&str> =
        result.findings.iter().chain(result.suppressed.iter().map(|s| &s.finding)).map(|f| f.rule.as_str()).collect();
    codes.into_iter().filter_map(registry::find).map(rule_info).collect()
}

/// Fills in every finding's `snippet`: its source line, secret values masked by the same redaction the human
/// output uses (the forms of the kit's `secret`, and every value a secret rule flagged in the file).
pub fn add_snippets(result: &mut LintResult) {
    let mut split: BTreeMap<&str, secret::Secrets> = BTreeMap::new();
    let sources = &result.sources;
    let flagged = &result.flagged;
    let mut fill = |f: &mut Finding| {
        let Some((file, text)) = sources.get_key_value(&f.file) else { return };
        let secrets = split.entry(file.as_str()).or_insert_with(|| secret::Secrets::new(text));
        let values: Vec<&str> =
            flagged.get(&f.file).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default();
        if let Some(index) = f.line.and_then(|l| (l as usize).checked_sub(1)).filter(|&i| i < secrets.lines().len()) {
            f.snippet = Some(secrets.redact_with(index, crate::MASK, &values).text);
        }
    };
    for f in &mut result.findings {
        fill(f);
    }
    for s in &mut result.suppressed {
        fill(&mut s.finding);
    }
}

/// Drops the findings a saved report already has (`--baseline FILE`, as `checkov --baseline` does), so that only
/// new findings are reported and fail the run. A finding is the same when its rule, file and message are: lines
/// move as files are edited. Each saved finding accounts for one finding. Reads the `findings` list of a JSON
/// report of `lint` or of a run's report.json. Returns how many findings were dropped.
pub fn apply_baseline(result: &mut LintResult, text: &str, shown: &str) -> Result<usize, String> {
    #[derive(serde::Deserialize)]
    struct Saved {
        findings: Vec<SavedFinding>,
    }
    #[derive(serde::Deserialize)]
    struct SavedFinding {
        rule: String,
        file: String,
        message: String,
    }
    let saved: Saved = serde_json::from_str(text).map_err(|e| {
        format!(
            "baseline {shown} is not a JSON report with a `findings` list ({e}); save one with `lint --format json`"
        )
    })?;
    let mut known: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for f in saved.findings {
        *known.entry((f.rule, f.file, f.message)).or_default() += 1;
    }
    let before = result.findings.len();
    result.findings.retain(|f| match known.get_mut(&(f.rule.clone(), f.file.clone(), f.message.clone())) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    Ok(before - result.findings.len())
}
