//! Rendering findings: human text with the source line and a caret (like rustc), and JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::{LintResult, Severity, registry, secret};

/// Human output: one block per finding, then a summary line.
pub fn human(result: &LintResult, color: bool) -> String {
    let mut out = String::new();
    let paint = |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
    // Each file is split into lines once, not once per finding: a file with thousands of findings would otherwise
    // take quadratic time. Findings are sorted by file, so one file is held at a time.
    let mut current: Option<(&str, secret::Secrets)> = None;
    for f in &result.findings {
        let (sev_color, sev) = match f.severity {
            Severity::Error => ("1;31", "error"),
            Severity::Warning => ("1;33", "warning"),
            Severity::Info => ("1;36", "info"),
        };
        // Control characters from a file (its name, its text) are shown escaped: nothing a linted file holds
        // runs escape sequences in a terminal or forges a line.
        let _ = writeln!(
            out,
            "{}: {}",
            paint(sev_color, &format!("{sev}[{}]", f.rule)),
            paint("1", &stowage_kit::escape_controls(&f.message))
        );
        let line = f.line.unwrap_or(1);
        let column = f.column.unwrap_or(1);
        let _ = writeln!(out, "  {} {}:{line}:{column}", paint("1;34", "-->"), stowage_kit::escape_controls(&f.file));
        if current.as_ref().is_none_or(|(file, _)| *file != f.file) {
            current = Some((&f.file, secret::Secrets::new(result.sources.get(&f.file).map_or("", String::as_str))));
        }
        let Some((_, secrets)) = &current else { continue };
        let lines = secrets.lines();
        if let Some(index) = (line as usize).checked_sub(1).filter(|&i| i < lines.len()) {
            let width = line.to_string().len();
            let pad = " ".repeat(width);
            // The line is shown with secret values masked: this output ends up in terminals, CI logs and the
            // stage's log files.
            let flagged: Vec<&str> =
                result.flagged.get(&f.file).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default();
            let redacted = secrets.redact_with(index, crate::MASK, &flagged);
            let src = lines[index];
            let shown = stowage_kit::escape_controls(&redacted.text).replace('\t', "    ");
            // Tabs are shown as four spaces and control characters escaped, so the caret moves with them.
            let at = src.char_indices().nth((column as usize).saturating_sub(1)).map_or(src.len(), |(i, _)| i);
            let prefix = &redacted.text[..redacted.map(at).min(redacted.text.len())];
            let caret_at =
                stowage_kit::escape_controls(prefix).chars().map(|c| if c == '\t' { 4 } else { 1 }).sum::<usize>();
            let _ = writeln!(out, "{pad} {}", paint("1;34", "|"));
            let _ = writeln!(out, "{} {} {}", paint("1;34", &line.to_string()), paint("1;34", "|"), shown);
            let _ = writeln!(out, "{pad} {} {}{}", paint("1;34", "|"), " ".repeat(caret_at), paint(sev_color, "^"));
        }
        if let Some(rule) = registry::find(&f.rule) {
            let pad = " ".repeat(line.to_string().len());
            let _ = writeln!(out, "{pad} = help: {}", rule.fix);
        }
        out.push('\n');
    }
    let count = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} files checked: {} errors, {} warnings, {} infos",
        result.files_checked,
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files_checked: usize,
    findings: Vec<JsonFinding<'a>>,
    /// Findings silenced by inline ignores, with the reason written there.
    suppressed: Vec<JsonSuppressed<'a>>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    title: &'a str,
}

fn json_finding(f: &crate::Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: &f.rule,
        severity: f.severity,
        file: &f.file,
        line: f.line.unwrap_or(1),
        column: f.column.unwrap_or(1),
        message: &f.message,
        title: registry::find(&f.rule).map_or("", |r| r.title),
    }
}

pub fn json(result: &LintResult) -> String {
    let report = JsonReport {
        files_checked: result.files_checked,
        findings: result.findings.iter().map(json_finding).collect(),
        suppressed: result
            .suppressed
            .iter()
            .map(|s| JsonSuppressed { finding: json_finding(&s.finding), reason: &s.reason })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use crate::secret::Secrets;

    /// Every line of the rule fixtures and malformed files is masked as shown, and every byte of it maps to a
    /// character boundary of the shown line (the corpus-wide run is `cargo xtask corpus-check`).
    #[test]
    fn every_fixture_line_redacts_and_maps_cleanly() {
        let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut stack = vec![tests.join("fixtures"), tests.join("malformed")];
        let (mut lines_seen, mut masked) = (0, 0);
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("a test folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let secrets = Secrets::new(&text);
                for (i, line) in secrets.lines().iter().enumerate() {
                    let r = secrets.redact(i, crate::MASK);
                    lines_seen += 1;
                    masked += usize::from(r.text != *line);
                    for (at, _) in line.char_indices() {
                        assert!(r.text.is_char_boundary(r.map(at)), "{}: {line:?} at {at}", path.display());
                    }
                }
            }
        }
        // The fixtures of the plaintext-secret rules carry secret-looking values.
        assert!(lines_seen > 1000 && masked > 0, "{lines_seen} lines, {masked} masked");
    }
}
