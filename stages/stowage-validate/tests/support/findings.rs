//! Findings as the fixture snapshots (`expected.txt`) write them: `file:line:column severity RULE: message`.

use stowage_validate::Finding;

pub fn as_lines(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            let (line, column) = (f.line.unwrap_or(0), f.column.unwrap_or(0));
            format!("{}:{line}:{column} {} {}: {}\n", f.file, f.severity, f.rule, f.message)
        })
        .collect()
}
