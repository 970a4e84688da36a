//! Rule documentation generated from the registry: one page per rule and an index. `explain CODE` prints the
//! same page, and a test keeps docs/rules/ in step with the registry.

use std::fmt::Write;

use crate::registry::{RULES, Rule, Target};

fn ids(list: &str) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.split(',').map(|s| format!("`{}`", s.trim())).collect::<Vec<_>>().join(", ")
    }
}

/// The page of one rule, in Markdown.
pub fn page(rule: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", rule.code, rule.title);
    let _ = writeln!(s, "- Target: {}", rule.target.name());
    let _ = writeln!(s, "- Severity: {}", rule.severity);
    let _ = writeln!(
        s,
        "- Enabled by default: {}",
        if rule.default_enabled { "yes" } else { "no (enable it in the policy)" }
    );
    let _ = writeln!(s, "- Check-list row: {}", rule.row);
    let _ = writeln!(s, "\n## Why\n\n{}\n", rule.rationale);
    let _ = writeln!(s, "## Fix\n\n{}\n", rule.fix);
    let _ = writeln!(s, "## References\n\n{}\n", if rule.references.is_empty() { "none" } else { rule.references });
    let _ = writeln!(s, "## Equivalent checks\n");
    let _ = writeln!(s, "| Tool | IDs |\n|---|---|");
    let _ = writeln!(s, "| hadolint | {} |", ids(rule.hadolint));
    let _ = writeln!(s, "| checkov | {} |", ids(rule.checkov));
    let _ = writeln!(s, "| kube-linter | {} |", ids(rule.kube_linter));
    let _ = writeln!(s, "| Trivy | {} |", ids(rule.trivy));
    let notes = crate::registry::peer_notes(rule.code);
    if !notes.is_empty() {
        let _ = writeln!(s, "\n## Differences from peer tools\n\n{notes}");
    }
    let _ = writeln!(s, "\n## Ignoring it\n");
    let _ = writeln!(
        s,
        "Put `# stowage: ignore[{}] <reason>` on the line before the finding, or disable it in the policy.",
        rule.code
    );
    s
}

/// The index of every rule, grouped by target.
pub fn index() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Validation rules\n");
    let _ = writeln!(s, "Generated from `stages/stowage-validate/src/registry.rs`; do not edit by hand.");
    let _ = writeln!(s, "Regenerate with `UPDATE_EXPECT=1 cargo test -p stowage-validate --test docs`.\n");
    for target in [Target::General, Target::Dockerfile, Target::Compose, Target::Kubernetes, Target::Helm] {
        let rules: Vec<&Rule> = RULES.iter().filter(|r| r.target == target).collect();
        let _ = writeln!(s, "## {} ({} rules)\n", target.name(), rules.len());
        let _ = writeln!(s, "| Code | Title | Severity | Row | hadolint | checkov | kube-linter | Trivy |");
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for r in rules {
            let _ = writeln!(
                s,
                "| [{code}]({code}.md) | {} | {} | {} | {} | {} | {} | {} |",
                r.title.replace('|', "\\|"),
                r.severity,
                r.row,
                r.hadolint,
                r.checkov,
                r.kube_linter,
                r.trivy,
                code = r.code
            );
        }
        s.push('\n');
    }
    s
}

/// Every generated file, as (path relative to docs/rules, contents).
pub fn all() -> Vec<(String, String)> {
    let mut files = vec![("README.md".to_string(), index())];
    files.extend(RULES.iter().map(|r| (format!("{}.md", r.code), page(r))));
    files
}
