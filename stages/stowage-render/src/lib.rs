//! Rendering of findings in the report formats CI systems, code hosts and people read: SARIF 2.1.0 (GitHub code
//! scanning), JUnit XML (test report viewers), Markdown (pull-request comments and step summaries) and a
//! self-contained HTML page with inline SVG charts.
//!
//! One crate shared by `lint` (the validate stage's binary) and the runner, so that both render alike. It knows no
//! rule itself: every finding is rendered from the `rules` section stages put in their reports
//! ([`stowage_kit::RuleInfo`]), which is how an external stage's findings get titles, help and links too.
//! Secret values are masked by the stage that read the file (snippets arrive masked); this crate only escapes.
//! Every format is deterministic: the same input gives the same bytes (no timestamps, no absolute paths).

mod html;
mod junit;
mod markdown;
mod sarif;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use stowage_kit::{Finding, RuleInfo, Severity, Suppressed};

/// The verdict on one control of a compliance framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    Pass,
    Fail,
    NotApplicable,
    NotAssessed,
}

impl ControlStatus {
    pub fn name(self) -> &'static str {
        match self {
            ControlStatus::Pass => "pass",
            ControlStatus::Fail => "fail",
            ControlStatus::NotApplicable => "not applicable",
            ControlStatus::NotAssessed => "not assessed",
        }
    }
}

/// One control of a compliance framework, judged on the files checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlResult {
    /// The framework's identifier (`pss-restricted`, `cis-docker-1.6.0`, `nsa-cisa-k8s-1.2`).
    pub framework: String,
    /// The control's number or name in the framework.
    pub control: String,
    pub title: String,
    pub status: ControlStatus,
    /// Why it failed (where), is not applicable, or is not assessed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The rules whose findings fail it.
    pub rules: Vec<String>,
    /// How many checked objects it applies to.
    pub applicable: usize,
    /// How many findings of its rules were reported.
    pub findings: usize,
}

/// A check a stage ran that is not a rule over a file: verify's image builds and health probes. JUnit shows each as
/// a test case, timed when it took measurable time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The stage that ran it, the JUnit test suite (`verify`).
    pub suite: String,
    /// What was checked (`build demo`, `api healthy`).
    pub name: String,
    /// The file it concerns (the Dockerfile, the compose file).
    pub file: String,
    pub status: CheckStatus,
    /// What happened: the measurement when it passed, the reason when it failed or was skipped.
    pub message: String,
    /// Seconds it took, for the JUnit `time` attribute; timings appear nowhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Passed,
    Failed,
    Skipped,
}

/// Everything a report is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The app's name: titles, and SARIF's `automationDetails.id` so that a monorepo's uploads stay apart.
    pub app: &'a str,
    /// The version of stowage that produced the findings.
    pub version: &'a str,
    /// Where the files the findings name sit inside the repository (`services/api/`, or empty at the root): SARIF
    /// URIs are relative to the repository root (`%SRCROOT%`), as code scanning expects.
    pub src_prefix: &'a str,
    pub findings: &'a [Finding],
    pub suppressed: &'a [Suppressed],
    pub rules: &'a [RuleInfo],
    /// Compliance controls, when frameworks were chosen.
    pub controls: &'a [ControlResult],
    /// Checks stages ran besides their rules (verify's builds and probes), as published in their `checks` fact.
    pub checks: &'a [Check],
    /// The web address rule pages are published under (`https://example.com/stowage/`), from `[report] docs_url`
    /// or `lint --docs-url`; empty when none is configured, and then only rules whose page is already a web address
    /// get a link.
    pub docs_url: &'a str,
}

impl Input<'_> {
    fn rule(&self, code: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.code == code)
    }

    /// The rules findings or suppressions use, by code; a code no stage described gets its own title.
    fn used_rules(&self) -> BTreeMap<&str, RuleInfo> {
        let mut used = BTreeMap::new();
        for f in self.findings.iter().chain(self.suppressed.iter().map(|s| &s.finding)) {
            used.entry(f.rule.as_str()).or_insert_with(|| {
                self.rule(&f.rule).cloned().unwrap_or_else(|| RuleInfo {
                    code: f.rule.clone(),
                    title: f.rule.clone(),
                    severity: f.severity,
                    help: String::new(),
                    doc: String::new(),
                    peers: Vec::new(),
                    security: false,
                })
            });
        }
        used
    }

    /// The web link of a rule's page: its `doc` when that is a web address, else the page's repository path joined
    /// to the configured docs address. None when there is no page or no address to join it to, so reports never
    /// carry a link that leads nowhere.
    fn doc_link(&self, rule: &RuleInfo) -> Option<String> {
        let doc = rule.doc.as_str();
        let link = if is_web_link(doc) {
            doc.to_string()
        } else if !doc.is_empty() && is_web_link(self.docs_url) && is_repository_path(doc) {
            format!("{}/{doc}", self.docs_url.trim_end_matches('/'))
        } else {
            return None;
        };
        is_web_link(&link).then_some(link)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
}

/// A report format `--report FORMAT=PATH` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    Sarif,
    Junit,
    Markdown,
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Json, Format::Sarif, Format::Junit, Format::Markdown, Format::Html];

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// The file name the report folder keeps this format under.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Sarif => "report.sarif",
            Format::Junit => "report.junit.xml",
            Format::Markdown => "report.md",
            Format::Html => "report.html",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name.to_ascii_lowercase())
    }

    /// Renders `input` in this format; JSON is each command's own document, so the caller renders it.
    pub fn render(self, input: &Input) -> Option<String> {
        match self {
            Format::Json => None,
            Format::Sarif => Some(sarif::render(input)),
            Format::Junit => Some(junit::render(input)),
            Format::Markdown => Some(markdown::render(input)),
            Format::Html => Some(html::render(input)),
        }
    }
}

/// Compliance controls as plain text, for terminals: per framework, the counts of each verdict, then every control
/// that failed or was not assessed, with the reason.
pub fn controls_text(controls: &[ControlResult]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut frameworks: Vec<&str> = controls.iter().map(|c| c.framework.as_str()).collect();
    frameworks.dedup();
    for framework in frameworks {
        let of: Vec<&ControlResult> = controls.iter().filter(|c| c.framework == framework).collect();
        let count = |s: ControlStatus| of.iter().filter(|c| c.status == s).count();
        let _ = writeln!(
            out,
            "compliance {framework}: {} pass, {} fail, {} not applicable, {} not assessed",
            count(ControlStatus::Pass),
            count(ControlStatus::Fail),
            count(ControlStatus::NotApplicable),
            count(ControlStatus::NotAssessed)
        );
        for c in of.iter().filter(|c| c.status == ControlStatus::Fail) {
            let _ = writeln!(out, "  fail {}: {} ({}; rules {})", c.control, c.title, c.reason, c.rules.join(", "));
        }
    }
    out
}

/// Parses one `--report FORMAT=PATH` value.
pub fn parse_report_arg(value: &str) -> Result<(Format, PathBuf), String> {
    let names = Format::ALL.map(Format::name).join(", ");
    let Some((format, path)) = value.split_once('=') else {
        return Err(format!("`--report {value}`: write FORMAT=PATH, e.g. `--report sarif=stowage.sarif` ({names})"));
    };
    let format =
        Format::parse(format).ok_or_else(|| format!("`--report {value}`: unknown format `{format}`; use {names}"))?;
    if path.is_empty() {
        return Err(format!("`--report {value}`: the path after `=` is empty"));
    }
    Ok((format, PathBuf::from(path)))
}

/// Where `dir` sits inside its repository (the nearest folder above it holding `.git`), as a `/`-separated prefix
/// ending in `/`, or empty when `dir` is the repository root or in no repository.
pub fn src_prefix(dir: &Path) -> String {
    let Ok(dir) = dir.canonicalize() else { return String::new() };
    let Some(root) = dir.ancestors().find(|a| a.join(".git").exists()) else { return String::new() };
    let rel = dir.strip_prefix(root).unwrap_or(Path::new(""));
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() { String::new() } else { parts.join("/") + "/" }
}

/// Escapes text for HTML and XML content and attribute values.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 does not allow at all (control characters other than tab and newlines).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A finding's place as `file:line:column`.
pub(crate) fn place(f: &Finding) -> String {
    match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", f.file),
        (Some(l), None) => format!("{}:{l}", f.file),
        _ => f.file.clone(),
    }
}

/// Findings most severe first, then by place: the order "top findings" lists use.
pub(crate) fn by_severity(findings: &[Finding]) -> Vec<&Finding> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.file, a.line, a.column, &a.rule).cmp(&(&b.file, b.line, b.column, &b.rule)))
    });
    sorted
}

/// Counts per rule code, most frequent first (ties by code).
pub(crate) fn per_rule(findings: &[Finding]) -> Vec<(&str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.rule.as_str()).or_default() += 1;
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list
}

/// An http(s) address with nothing in it that breaks out of a Markdown link or an HTML attribute: a `javascript:`
/// URL from an external stage's rule stays text.
pub fn is_web_link(doc: &str) -> bool {
    (doc.starts_with("https://") || doc.starts_with("http://"))
        && doc.len() > "https://".len()
        && !doc.contains([' ', '(', ')', '<', '>', '"', '\'', '\\'])
        && !doc.chars().any(char::is_control)
}

/// A relative path inside a repository: no scheme, no root, no `..`.
fn is_repository_path(doc: &str) -> bool {
    !doc.contains(':') && !doc.starts_with('/') && !doc.split('/').any(|part| part == ".." || part.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn report_args() {
        assert_eq!(super::parse_report_arg("SARIF=out/x.sarif").unwrap().0, super::Format::Sarif);
        assert!(super::parse_report_arg("pdf=x").unwrap_err().contains("unknown format `pdf`"));
        assert!(super::parse_report_arg("sarif").unwrap_err().contains("FORMAT=PATH"));
        assert!(super::parse_report_arg("sarif=").unwrap_err().contains("empty"));
    }

    fn input<'a>(rules: &'a [super::RuleInfo], docs_url: &'a str) -> super::Input<'a> {
        super::Input {
            app: "app",
            version: "0",
            src_prefix: "",
            findings: &[],
            suppressed: &[],
            rules,
            controls: &[],
            checks: &[],
            docs_url,
        }
    }

    fn rule(doc: &str) -> super::RuleInfo {
        super::RuleInfo {
            code: "DF001".into(),
            title: "t".into(),
            severity: super::Severity::Error,
            help: String::new(),
            doc: doc.into(),
            peers: Vec::new(),
            security: false,
        }
    }

    #[test]
    fn doc_links_need_a_web_address() {
        let cases = [
            // (rule's doc, configured docs address, link)
            ("docs/rules/DF001.md", "", None),
            (
                "docs/rules/DF001.md",
                "https://docs.example.com/stowage/",
                Some("https://docs.example.com/stowage/docs/rules/DF001.md"),
            ),
            (
                "docs/rules/DF001.md",
                "https://docs.example.com/stowage",
                Some("https://docs.example.com/stowage/docs/rules/DF001.md"),
            ),
            ("docs/rules/DF001.md", "ftp://docs.example.com/", None),
            ("../secret.md", "https://docs.example.com/", None),
            ("/etc/passwd", "https://docs.example.com/", None),
            ("https://team.example.com/rules/TEAM001", "", Some("https://team.example.com/rules/TEAM001")),
            ("javascript:alert(1)", "https://docs.example.com/", None),
            ("https://x.example.com/a\"onclick=\"x", "", None),
            ("", "https://docs.example.com/", None),
        ];
        for (doc, base, want) in cases {
            let rules = [rule(doc)];
            let got = input(&rules, base).doc_link(&rules[0]);
            assert_eq!(got.as_deref(), want, "doc {doc:?} with base {base:?}");
        }
    }
}
