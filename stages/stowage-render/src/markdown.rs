//! Markdown for pull-request comments and CI step summaries: a counts table, the most severe findings with links
//! to their rules, "and N more", and `<details>` sections. Bounded well under GitHub's 65,536-character comment
//! limit whatever the number of findings: every list is capped and every cell cut to a length.

use std::fmt::Write;

use crate::{Input, Severity};

/// Rows of the top-findings table.
const TOP: usize = 50;
/// Rows of the per-rule and suppressed tables.
const MORE: usize = 100;
/// Characters of one table cell.
const CELL: usize = 160;

pub fn render(input: &Input) -> String {
    let used = input.used_rules();
    let mut out = String::new();
    let _ = writeln!(out, "## stowage: {}\n", cell(input.app));
    let n = input.findings.len();
    if n == 0 {
        out.push_str("No findings.\n\n");
    }
    out.push_str("| severity | findings |\n| --- | ---: |\n");
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let _ = writeln!(out, "| {severity} | {} |", input.count(severity));
    }
    let _ = writeln!(out, "| ignored inline | {} |\n", input.suppressed.len());
    let rule_link = |code: &str| match used.get(code).and_then(|r| input.doc_link(r)) {
        Some(doc) => format!("[{}]({doc})", cell(code)),
        None => cell(code),
    };
    if n > 0 {
        let _ = writeln!(out, "### Top findings\n");
        out.push_str("| severity | rule | where | message |\n| --- | --- | --- | --- |\n");
        for f in crate::by_severity(input.findings).into_iter().take(TOP) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                f.severity,
                rule_link(&f.rule),
                cell(&crate::place(f)),
                cell(&f.message)
            );
        }
        if n > TOP {
            let _ = writeln!(out, "\n_and {} more_", n - TOP);
        }
        out.push('\n');
        let rules = crate::per_rule(input.findings);
        let _ = writeln!(out, "<details><summary>Findings by rule ({} rules)</summary>\n", rules.len());
        out.push_str("| rule | title | findings |\n| --- | --- | ---: |\n");
        for (code, count) in rules.iter().take(MORE) {
            let title = used.get(code).map_or("", |r| r.title.as_str());
            let _ = writeln!(out, "| {} | {} | {count} |", rule_link(code), cell(title));
        }
        if rules.len() > MORE {
            let _ = writeln!(out, "\n_and {} more rules_", rules.len() - MORE);
        }
        out.push_str("\n</details>\n\n");
    }
    if !input.controls.is_empty() {
        controls(&mut out, input);
    }
    if !input.suppressed.is_empty() {
        let _ = writeln!(out, "<details><summary>Ignored inline ({})</summary>\n", input.suppressed.len());
        out.push_str("| rule | where | reason |\n| --- | --- | --- |\n");
        for s in input.suppressed.iter().take(MORE) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                rule_link(&s.finding.rule),
                cell(&crate::place(&s.finding)),
                cell(&s.reason)
            );
        }
        if input.suppressed.len() > MORE {
            let _ = writeln!(out, "\n_and {} more_", input.suppressed.len() - MORE);
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// Text for a table cell: one line, cut to [`CELL`] characters, with Markdown and HTML made literal (GitHub renders
/// HTML inside Markdown, so `<script>` in a message must arrive as text).
fn cell(text: &str) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cut: String = one_line.chars().take(CELL).collect();
    let mut out = String::with_capacity(cut.len());
    for c in cut.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if one_line.chars().count() > CELL {
        out.push('…');
    }
    out
}

/// Compliance: one row of counts per framework, then every control that failed or was not assessed.
fn controls(out: &mut String, input: &Input) {
    use crate::ControlStatus;
    let _ = writeln!(out, "### Compliance\n");
    out.push_str("| framework | pass | fail | not applicable | not assessed |\n| --- | ---: | ---: | ---: | ---: |\n");
    let mut frameworks: Vec<&str> = input.controls.iter().map(|c| c.framework.as_str()).collect();
    frameworks.dedup();
    for framework in &frameworks {
        let count =
            |s: ControlStatus| input.controls.iter().filter(|c| c.framework == *framework && c.status == s).count();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(framework),
            count(ControlStatus::Pass),
            count(ControlStatus::Fail),
            count(ControlStatus::NotApplicable),
            count(ControlStatus::NotAssessed)
        );
    }
    out.push('\n');
    let listed: Vec<_> = input
        .controls
        .iter()
        .filter(|c| matches!(c.status, ControlStatus::Fail | ControlStatus::NotAssessed))
        .collect();
    if !listed.is_empty() {
        let _ =
            writeln!(out, "<details><summary>Controls that failed or were not assessed ({})</summary>\n", listed.len());
        out.push_str("| framework | control | title | verdict | why |\n| --- | --- | --- | --- | --- |\n");
        for c in listed.iter().take(MORE) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&c.framework),
                cell(&c.control),
                cell(&c.title),
                c.status.name(),
                cell(&c.reason)
            );
        }
        if listed.len() > MORE {
            let _ = writeln!(out, "\n_and {} more_", listed.len() - MORE);
        }
        out.push_str("\n</details>\n\n");
    }
}
