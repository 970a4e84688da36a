//! Inline ignore comments: `# stowage: ignore[CODE,...] reason` for the next item (a Dockerfile instruction, or a
//! YAML line and the block under it), `# stowage: ignore-file[CODE,...] reason` for the whole file, and
//! hadolint's `# hadolint ignore=DLxxxx` / `# hadolint global ignore=...` for the rules mapped to those codes, so
//! that teams can migrate without editing their Dockerfiles; likewise checkov's `# checkov:skip=CKV_ID:reason`
//! comments and `checkov.io/skipN: CKV_ID=reason` annotations, for the rules mapped to those IDs: in a Dockerfile
//! they reach the whole file, in YAML the document (between `---` lines) they are written in, as checkov reads them.

use crate::{Diag, registry};

#[derive(Debug, Default)]
pub struct Ignores {
    /// (codes, first line, last line, reason) of each ignore comment's reach.
    ranges: Vec<(Vec<&'static str>, u32, u32, String)>,
    /// (code, reason) of each file-wide ignore.
    file_wide: Vec<(&'static str, String)>,
    /// checkov skips: (line of the comment or annotation, code, reason).
    checkov: Vec<(u32, &'static str, String)>,
    /// (first, last) line of each YAML document; empty for a Dockerfile, where a checkov skip reaches the file.
    documents: Vec<(u32, u32)>,
    /// Findings about the ignore comments themselves (missing reason, unknown code).
    pub diags: Vec<Diag>,
}

impl Ignores {
    pub fn ignored(&self, diag: &Diag) -> bool {
        self.reason(diag).is_some()
    }

    /// The reason written in the comment that ignores `diag`, if one does (reports show it with the finding).
    pub fn reason(&self, diag: &Diag) -> Option<&str> {
        self.file_wide
            .iter()
            .find(|(code, _)| *code == diag.rule)
            .map(|(_, r)| r.as_str())
            .or_else(|| {
                self.ranges
                    .iter()
                    .find(|(codes, first, last, _)| codes.contains(&diag.rule) && (*first..=*last).contains(&diag.line))
                    .map(|(_, _, _, r)| r.as_str())
            })
            .or_else(|| {
                let document = |line: u32| self.documents.iter().position(|(a, b)| (*a..=*b).contains(&line));
                self.checkov
                    .iter()
                    .find(|(line, code, _)| *code == diag.rule && document(*line) == document(diag.line))
                    .map(|(_, _, r)| r.as_str())
            })
    }

    /// Records a checkov skip (`CKV_ID`, `CKV_ID:reason` or, in an annotation, `CKV_ID=reason`) written at `line`.
    fn checkov_skip(&mut self, line: u32, spec: &str) {
        let (id, reason) = match spec.split_once([':', '=']) {
            Some((id, reason)) => (id.trim(), reason.trim()),
            None => (spec.trim(), ""),
        };
        let reason = if reason.is_empty() { format!("checkov:skip={id}") } else { reason.to_string() };
        for rule in registry::RULES.iter().filter(|r| r.checkov_ids().any(|c| c.eq_ignore_ascii_case(id))) {
            self.checkov.push((line, rule.code, reason.clone()));
        }
    }
}

/// Scans `text` for ignore comments. `extent(line)` is the last line of the item that starts on `line`.
pub fn scan(text: &str, extent: &dyn Fn(u32) -> u32) -> Ignores {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Ignores::default();
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i as u32 + 1;
        let Some(hash) = comment_start(raw) else { continue };
        let comment = raw[hash + 1..].trim();
        let whole_line = raw[..hash].trim().is_empty();
        // The item an ignore covers: the line itself for a trailing comment, else the next line that is code.
        let target = if whole_line {
            let next = lines.iter().enumerate().skip(i + 1).find(|(_, l)| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            });
            match next {
                Some((j, _)) => j as u32 + 1,
                None => continue,
            }
        } else {
            line_no
        };
        let column = hash as u32 + 1;
        if let Some(spec) = comment.strip_prefix("checkov:skip=") {
            out.checkov_skip(line_no, spec);
        } else if let Some(rest) = comment.strip_prefix("stowage:") {
            let rest = rest.trim_start();
            let (file_wide, rest) = match rest.strip_prefix("ignore-file[") {
                Some(r) => (true, r),
                None => match rest.strip_prefix("ignore[") {
                    Some(r) => (false, r),
                    None => continue,
                },
            };
            let Some((codes, reason)) = rest.split_once(']') else {
                out.diags.push(Diag::new("GN004", (line_no, column), "ignore comment has no closing `]`"));
                continue;
            };
            let mut known = Vec::new();
            for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                match registry::find(code) {
                    Some(rule) => known.push(rule.code),
                    None => out.diags.push(Diag::new(
                        "GN004",
                        (line_no, column),
                        format!("ignore comment names unknown rule `{code}`"),
                    )),
                }
            }
            if reason.trim().is_empty() {
                out.diags.push(Diag::new(
                    "GN003",
                    (line_no, column),
                    format!("ignore of {} gives no reason; write it after the `]`", codes.trim()),
                ));
            }
            let reason = reason.trim().to_string();
            if file_wide {
                out.file_wide.extend(known.into_iter().map(|c| (c, reason.clone())));
            } else {
                out.ranges.push((known, target, extent(target).max(target), reason));
            }
        } else if let Some(rest) = comment.strip_prefix("hadolint") {
            let rest = rest.trim_start();
            let (global, rest) = match rest.strip_prefix("global") {
                Some(r) => (true, r.trim_start()),
                None => (false, rest),
            };
            let Some(list) = rest.strip_prefix("ignore=") else { continue };
            let list = list.split_whitespace().next().unwrap_or("");
            let codes: Vec<&'static str> =
                list.split(',').flat_map(|id| registry::by_hadolint(id.trim())).map(|r| r.code).collect();
            // hadolint's comments carry no reason; the comment itself is the best account of why.
            let reason = format!("# {}", comment.trim());
            if global {
                out.file_wide.extend(codes.into_iter().map(|c| (c, reason.clone())));
            } else {
                out.ranges.push((codes, target, extent(target).max(target), reason));
            }
        }
    }
    out
}

/// Ignores in a YAML file: an item is a line and the block indented under it.
pub fn scan_yaml(text: &str) -> Ignores {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let extent = |line: u32| {
        let i = line as usize - 1;
        let Some(first) = lines.get(i) else { return line };
        let base = indent(first);
        let mut last = line;
        for (j, l) in lines.iter().enumerate().skip(i + 1) {
            let t = l.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            // A sequence item's keys sit two columns right of its dash.
            let continues = indent(l) > base || (first.trim_start().starts_with("- ") && indent(l) > base + 1);
            if !continues || t == "---" {
                break;
            }
            last = j as u32 + 1;
        }
        last
    };
    let mut out = scan(text, &extent);
    // checkov's skip annotations (`checkov.io/skip1: CKV_K8S_20=reason`) under metadata.annotations.
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if let Some((key, value)) = t.split_once(':')
            && key.trim_matches(['"', '\'']).starts_with("checkov.io/skip")
        {
            out.checkov_skip(i as u32 + 1, value.trim().trim_matches(['"', '\'']));
        }
    }
    // The documents a skip reaches: the lines between `---` separators.
    let mut first = 1;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("---") {
            out.documents.push((first, i as u32));
            first = i as u32 + 2;
        }
    }
    out.documents.push((first, lines.len() as u32 + 1));
    out
}

/// Byte offset of a `#` that starts a comment (outside quotes, at the start or after whitespace).
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let (mut single, mut double) = (false, false);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_ignores() {
        let text =
            "a:\n  # stowage: ignore[KS001] needed by the CNI\n  b:\n    c: 1\n  d: 2\ne: 3 # stowage: ignore[KS002]\n";
        let ig = scan_yaml(text);
        let d = |rule, line| Diag { rule, line, column: 1, message: String::new(), secret: None };
        assert!(ig.ignored(&d("KS001", 3)));
        assert!(ig.ignored(&d("KS001", 4)));
        assert!(!ig.ignored(&d("KS001", 5)));
        assert!(ig.ignored(&d("KS002", 6)));
        assert_eq!(ig.diags.len(), 1);
        assert_eq!(ig.diags[0].rule, "GN003");
    }

    #[test]
    fn checkov_skips() {
        let d = |rule, line| Diag { rule, line, column: 1, message: String::new(), secret: None };
        // CKV_K8S_16 is checkov's privileged-container check (KS001); the annotation reaches its own document only.
        let yaml = "kind: Pod\nmetadata:\n  annotations:\n    checkov.io/skip1: CKV_K8S_16=lab cluster\nspec: {}\n---\nkind: Pod\n";
        let ig = scan_yaml(yaml);
        assert_eq!(ig.reason(&d("KS001", 5)), Some("lab cluster"));
        assert_eq!(ig.reason(&d("KS001", 7)), None);
        let yaml = "# checkov:skip=CKV_K8S_16:reviewed\nkind: Pod\n";
        assert_eq!(scan_yaml(yaml).reason(&d("KS001", 2)), Some("reviewed"));
        // In a Dockerfile the skip reaches the whole file (CKV_DOCKER_3: no USER, DF007).
        let ig = scan("FROM alpine:3\n# checkov:skip=CKV_DOCKER_3\nRUN true\n", &|l| l);
        assert_eq!(ig.reason(&d("DF007", 1)), Some("checkov:skip=CKV_DOCKER_3"));
    }
}
