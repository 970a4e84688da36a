//! SARIF 2.1.0, as GitHub code scanning ingests it: URIs relative to `%SRCROOT%`, a start line on every result,
//! partial fingerprints, per-rule help and `security-severity`, peer IDs as tags, one `automationDetails.id` per
//! app, and inline ignores as `suppressions` with their reason.
//!
//! Written with serde_json rather than the serde-sarif crate (the project's crate research notes): the output is a few
//! objects, the runner links this crate and must stay cheap to compile, and Microsoft's SARIF Multitool checks the
//! result in the tests.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::{Finding, Input, Severity};

pub fn render(input: &Input) -> String {
    let used = input.used_rules();
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, code)| (*code, i)).collect();
    let rules: Vec<Value> = used
        .values()
        .map(|r| {
            let mut tags: Vec<String> = r.peers.clone();
            if r.security {
                tags.push("security".into());
            }
            let mut properties = json!({ "tags": tags });
            if r.security {
                properties["security-severity"] = json!(security_severity(r.severity));
            }
            let help = if r.help.is_empty() { r.title.clone() } else { r.help.clone() };
            let mut rule = json!({
                "id": r.code,
                "name": pascal_case(&r.title),
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": sentence(&r.title) },
                "help": { "text": help },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": properties,
            });
            if let Some(link) = input.doc_link(r) {
                rule["helpUri"] = json!(link);
            }
            rule
        })
        .collect();
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut result = |f: &Finding, reason: Option<&str>| {
        // The fingerprint leaves the line out, so that a finding keeps its identity when lines move above it;
        // identical findings in one file are told apart by their order.
        let key = (f.rule.clone(), f.file.clone(), f.message.clone());
        let nth = seen.entry(key).and_modify(|n| *n += 1).or_insert(0);
        let fingerprint = fnv1a(&format!("{}\0{}\0{}\0{nth}", f.rule, f.file, f.message));
        let mut region = json!({ "startLine": f.line.unwrap_or(1).max(1) });
        if let Some(column) = f.column.filter(|c| *c >= 1) {
            region["startColumn"] = json!(column);
        }
        if let Some(snippet) = &f.snippet {
            region["snippet"] = json!({ "text": snippet });
        }
        let mut value = json!({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule.as_str()],
            "level": level(f.severity),
            "message": { "text": sentence(&f.message) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&format!("{}{}", input.src_prefix, f.file)), "uriBaseId": "%SRCROOT%" },
                    "region": region,
                }
            }],
            "partialFingerprints": { "stowageFindingHash/v1": format!("{fingerprint:016x}") },
        });
        if let Some(reason) = reason {
            value["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
        }
        value
    };
    let mut results: Vec<Value> = input.findings.iter().map(|f| result(f, None)).collect();
    results.extend(input.suppressed.iter().map(|s| result(&s.finding, Some(&s.reason))));
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "stowage",
                "version": input.version,
                "semanticVersion": input.version,
                "rules": rules,
            }},
            "automationDetails": { "id": format!("stowage/{}/", input.app) },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The root of the repository." } } },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).expect("SARIF serializes") + "\n"
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's scale: 7.0 and up is high, 4.0 to 6.9 medium, below 4.0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "2.0",
    }
}

/// SARIF messages are sentences: capitalised and ending with a period.
fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::from("(no message)."),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A rule's title as an identifier (`base image has no tag` → `BaseImageHasNoTag`).
fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A relative path as a URI reference: every byte but unreserved characters and `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bits: a stable hash for fingerprints, written out rather than taken from a crate since it is six
/// lines and needs no cryptographic strength.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    #[test]
    fn helpers() {
        assert_eq!(super::uri("a b/<x>.yaml"), "a%20b/%3Cx%3E.yaml");
        assert_eq!(super::pascal_case("base image uses the `latest` tag"), "BaseImageUsesTheLatestTag");
        assert_eq!(super::sentence("no tag"), "No tag.");
    }
}
