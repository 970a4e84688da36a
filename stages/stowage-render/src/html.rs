//! A self-contained HTML page: the counts, bar charts drawn by stowage as inline SVG (findings by severity and by
//! rule), and every finding with its masked source line. It loads nothing: the content security policy is
//! `default-src 'none'`, with only the page's own style block allowed by its hash, so no script runs even if a
//! message got past the escaping.

use std::fmt::Write;

use crate::{Input, Severity, escape_xml};

/// The page's only style. Its SHA-256 is [`STYLE_HASH`], which the content security policy names; a test keeps the
/// two in step.
pub(crate) const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:2em;color:#1b1f23;background:#fff}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}\
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.error{color:#b42318}.warning{color:#9a6700}.info{color:#0969da}\
pre{margin:0;white-space:pre-wrap}svg text{font-size:12px;fill:#1b1f23}";

/// `sha256-` and the base64 SHA-256 of [`STYLE`].
pub(crate) const STYLE_HASH: &str = "sha256-j0euzoTfSUyG5KDTlXFUv00Srqfun8rUDH7/jZfSf/0=";

const BAR_HEIGHT: u32 = 20;
const LABEL_WIDTH: u32 = 240;
const BAR_SPACE: u32 = 360;
/// Bars of the per-rule chart; the table below lists every rule.
const RULE_BARS: usize = 20;

pub fn render(input: &Input) -> String {
    let used = input.used_rules();
    let mut out = String::new();
    let title = format!("stowage report: {}", input.app);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{STYLE_HASH}'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape_xml(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape_xml(&title));
    let _ = writeln!(
        out,
        "<p id=\"summary\">{} finding{}, {} ignored inline, stowage {}.</p>",
        input.findings.len(),
        if input.findings.len() == 1 { "" } else { "s" },
        input.suppressed.len(),
        escape_xml(input.version)
    );
    let severities: Vec<(String, usize, &str)> = [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|s| (s.to_string(), input.count(s), color(s)))
        .collect();
    out.push_str("<h2>Findings by severity</h2>\n");
    chart(&mut out, "by-severity", "Findings by severity", &severities);
    let rules = crate::per_rule(input.findings);
    if !rules.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Findings by rule{}</h2>",
            if rules.len() > RULE_BARS { format!(" (the {RULE_BARS} most frequent)") } else { String::new() }
        );
        let bars: Vec<(String, usize, &str)> =
            rules.iter().take(RULE_BARS).map(|(code, n)| (code.to_string(), *n, "#57606a")).collect();
        chart(&mut out, "by-rule", "Findings by rule", &bars);
        out.push_str("<h2>Rules</h2>\n<table id=\"rules\">\n<tr><th>rule</th><th>title</th><th>findings</th><th>help</th></tr>\n");
        for (code, n) in &rules {
            let rule = used.get(code);
            let link = match rule.and_then(|r| input.doc_link(r)) {
                Some(doc) => format!("<a href=\"{}\">{}</a>", escape_xml(&doc), escape_xml(code)),
                None => escape_xml(code),
            };
            let _ = writeln!(
                out,
                "<tr><td>{link}</td><td>{}</td><td>{n}</td><td>{}</td></tr>",
                escape_xml(rule.map_or("", |r| r.title.as_str())),
                escape_xml(rule.map_or("", |r| r.help.as_str()))
            );
        }
        out.push_str("</table>\n");
        out.push_str("<h2>Findings</h2>\n<table id=\"findings\">\n<tr><th>severity</th><th>rule</th><th>where</th><th>message</th><th>source</th></tr>\n");
        for f in crate::by_severity(input.findings) {
            let _ = writeln!(
                out,
                "<tr><td class=\"{sev}\">{sev}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
                escape_xml(&f.rule),
                escape_xml(&crate::place(f)),
                escape_xml(&f.message),
                escape_xml(f.snippet.as_deref().unwrap_or("")),
                sev = f.severity
            );
        }
        out.push_str("</table>\n");
    }
    if !input.controls.is_empty() {
        controls(&mut out, input);
    }
    if !input.suppressed.is_empty() {
        out.push_str("<h2>Ignored inline</h2>\n<table id=\"suppressed\">\n<tr><th>rule</th><th>where</th><th>message</th><th>reason</th></tr>\n");
        for s in input.suppressed {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_xml(&s.finding.rule),
                escape_xml(&crate::place(&s.finding)),
                escape_xml(&s.finding.message),
                escape_xml(&s.reason)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Compliance: the failed controls as a chart (findings behind each), then every control with its verdict.
fn controls(out: &mut String, input: &Input) {
    use crate::ControlStatus;
    let failed: Vec<(String, usize, &str)> = input
        .controls
        .iter()
        .filter(|c| c.status == ControlStatus::Fail)
        .map(|c| (format!("{} {}", c.framework, c.control), c.findings, "#b42318"))
        .collect();
    out.push_str("<h2>Compliance</h2>\n");
    if !failed.is_empty() {
        out.push_str("<h3>Findings behind each failed control</h3>\n");
        chart(out, "by-control", "Findings by failed control", &failed);
    }
    out.push_str("<table id=\"controls\">\n<tr><th>framework</th><th>control</th><th>title</th><th>verdict</th><th>why</th><th>rules</th></tr>\n");
    for c in input.controls {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_xml(&c.framework),
            escape_xml(&c.control),
            escape_xml(&c.title),
            c.status.name(),
            escape_xml(&c.reason),
            escape_xml(&c.rules.join(", "))
        );
    }
    out.push_str("</table>\n");
}

fn color(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "#b42318",
        Severity::Warning => "#bf8700",
        Severity::Info => "#0969da",
    }
}

/// A horizontal bar chart. Each bar is a `<g class="bar">` carrying its label and value as text (and as data
/// attributes), so that a reader, a screen reader or a test sees the numbers the bar is drawn from.
fn chart(out: &mut String, id: &str, label: &str, bars: &[(String, usize, &str)]) {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let width = LABEL_WIDTH + BAR_SPACE + 60;
    let height = bars.len() as u32 * (BAR_HEIGHT + 6) + 6;
    let _ = writeln!(
        out,
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-label=\"{}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape_xml(label)
    );
    for (i, (name, value, fill)) in bars.iter().enumerate() {
        let y = 6 + i as u32 * (BAR_HEIGHT + 6);
        // A non-zero value always shows at least a sliver.
        let length = if *value == 0 { 0 } else { ((*value as u64 * BAR_SPACE as u64) / max as u64).max(2) as u32 };
        let text_y = y + BAR_HEIGHT - 6;
        let _ = writeln!(
            out,
            "<g class=\"bar\" data-label=\"{n}\" data-value=\"{value}\"><text class=\"bar-label\" x=\"0\" y=\"{text_y}\">{n}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{length}\" height=\"{BAR_HEIGHT}\" fill=\"{fill}\"/>\
             <text class=\"bar-value\" x=\"{}\" y=\"{text_y}\">{value}</text></g>",
            LABEL_WIDTH + length + 6,
            n = escape_xml(name)
        );
    }
    out.push_str("</svg>\n");
}

#[cfg(test)]
mod tests {
    /// The content security policy allows the style block by its hash: the constant must match the style.
    #[test]
    fn style_hash_matches_the_style() {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(super::STYLE.as_bytes());
        assert_eq!(super::STYLE_HASH, format!("sha256-{}", base64(&digest)), "update STYLE_HASH");
    }

    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
