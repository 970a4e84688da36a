//! JUnit XML, as test report viewers (Jenkins, GitLab, CI step summaries) read it: one test suite per file, one
//! test case per (file, rule). A rule with findings in a file is a failure listing them; a rule whose findings
//! there were all silenced by inline ignores is skipped, with the reasons. Checks that are not rules (verify's
//! builds and health probes) follow as a test suite per stage, one test case each. Only those carry `time`
//! attributes: everything else stays byte-identical across runs.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::{Check, CheckStatus, Finding, Input, escape_xml};

#[derive(Default)]
struct Case<'a> {
    failed: Vec<&'a Finding>,
    skipped: Vec<(&'a Finding, &'a str)>,
}

pub fn render(input: &Input) -> String {
    let used = input.used_rules();
    let mut files: BTreeMap<&str, BTreeMap<&str, Case>> = BTreeMap::new();
    for f in input.findings {
        files.entry(&f.file).or_default().entry(&f.rule).or_default().failed.push(f);
    }
    for s in input.suppressed {
        files
            .entry(&s.finding.file)
            .or_default()
            .entry(&s.finding.rule)
            .or_default()
            .skipped
            .push((&s.finding, &s.reason));
    }
    let total = |pick: &dyn Fn(&Case) -> bool| files.values().flat_map(|c| c.values()).filter(|c| pick(c)).count();
    let checks = |status: CheckStatus| input.checks.iter().filter(|c| c.status == status).count();
    let tests = total(&|_| true) + input.checks.len();
    let failures = total(&|c| !c.failed.is_empty()) + checks(CheckStatus::Failed);
    let skipped = total(&|c| c.failed.is_empty()) + checks(CheckStatus::Skipped);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"stowage: {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" disabled=\"{skipped}\">",
        escape_xml(input.app)
    );
    for (file, cases) in &files {
        let failed = cases.values().filter(|c| !c.failed.is_empty()).count();
        let skipped = cases.len() - failed;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">",
            escape_xml(file),
            cases.len()
        );
        for (rule, case) in cases {
            let title = used.get(rule).map_or(*rule, |r| r.title.as_str());
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                escape_xml(file),
                escape_xml(&format!("{rule}: {title}")),
                escape_xml(file)
            );
            if let Some(line) = case.failed.first().or(case.skipped.first().map(|s| &s.0)).and_then(|f| f.line) {
                let _ = write!(out, " line=\"{line}\"");
            }
            out.push_str(">\n");
            if case.failed.is_empty() {
                let reasons: Vec<&str> = case.skipped.iter().map(|s| s.1).collect();
                let mut body = String::new();
                for (f, reason) in &case.skipped {
                    let _ = writeln!(body, "{}: {} (ignored: {reason})", crate::place(f), f.message);
                }
                let _ = writeln!(
                    out,
                    "      <skipped message=\"{}\">{}</skipped>",
                    escape_xml(&format!("ignored inline: {}", dedup(&reasons).join("; "))),
                    escape_xml(&body)
                );
            } else {
                let worst = case.failed.iter().map(|f| f.severity).max().expect("a failed case has findings");
                let n = case.failed.len();
                let mut body = String::new();
                for f in &case.failed {
                    let _ = writeln!(body, "{} {}: {}", f.severity, crate::place(f), f.message);
                }
                if let Some(help) = used.get(rule).map(|r| r.help.as_str()).filter(|h| !h.is_empty()) {
                    let _ = writeln!(body, "help: {help}");
                }
                let _ = writeln!(
                    out,
                    "      <failure type=\"{worst}\" message=\"{}\">{}</failure>",
                    escape_xml(&format!("{n} finding{}: {}", if n == 1 { "" } else { "s" }, case.failed[0].message)),
                    escape_xml(&body)
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    let mut suites: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for check in input.checks {
        suites.entry(&check.suite).or_default().push(check);
    }
    for (suite, list) in suites {
        let count = |status: CheckStatus| list.iter().filter(|c| c.status == status).count();
        let seconds: f64 = list.iter().filter_map(|c| c.seconds).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{seconds:.3}\">",
            escape_xml(suite),
            list.len(),
            count(CheckStatus::Failed),
            count(CheckStatus::Skipped)
        );
        for check in list {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                escape_xml(suite),
                escape_xml(&check.name),
                escape_xml(&check.file)
            );
            if let Some(seconds) = check.seconds {
                let _ = write!(out, " time=\"{seconds:.3}\"");
            }
            out.push_str(">\n");
            let message = escape_xml(&check.message);
            let _ = match check.status {
                CheckStatus::Passed => writeln!(out, "      <system-out>{message}</system-out>"),
                CheckStatus::Failed => {
                    writeln!(out, "      <failure type=\"error\" message=\"{message}\">{message}</failure>")
                }
                CheckStatus::Skipped => writeln!(out, "      <skipped message=\"{message}\"/>"),
            };
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn dedup<'a>(items: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(i) {
            out.push(i);
        }
    }
    out
}
