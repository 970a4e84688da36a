//! Peerless rules that never fire in the corpus (listed as "not in the corpus" in the snapshots' `spans.txt`) are
//! still shown on real files: `mutations.toml` names, per rule, a corpus file and one small edit of the kind people
//! make (a `privileged: true`, a copied port, a typo). The file is read from the corpus when the check runs, never
//! copied into the project; the rule must be absent before the edit, so that the check can fail, and fire at the
//! declared line and column after it, without the edit breaking the file's syntax. Runs only on the folder the
//! snapshots were made for (the shared corpus).
//!
//! Helm rules check a chart folder, which the corpus lacks: the chart is written to a temporary folder from the
//! TOML's `[chart]`, with the corpus file as its template, and the edit is made in one of the chart's files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use stowage_validate::{Finding, Input, Kind, Policy, lint, lint_text};

use crate::mutations::{Mutation, data, edit};
use crate::{Corpus, Fatal, Problems, Result};

fn kind_of(file: &str) -> Kind {
    match file.split('/').next() {
        Some("dockerfiles") => Kind::Dockerfile,
        Some("compose") => Kind::Compose,
        Some("k8s") => Kind::Kubernetes,
        _ => panic!("{file}: not under dockerfiles/, compose/ or k8s/ of the corpus"),
    }
}

/// Corpus names are `owner__repo__path` with `/` as `__`; the last part is the name the file has in its repository.
fn repo_name(file: &str) -> &str {
    let base = file.rsplit('/').next().unwrap_or(file);
    base.rsplit("__").next().unwrap_or(base)
}

/// Removes the folder when dropped, also when an assertion fails.
struct TempDir(PathBuf);

impl TempDir {
    fn new(rule: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("stowage-corpus-mutations-{}-{rule}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp folder");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Lints a chart written from `chart` with the corpus file as its template, edited or not.
fn lint_chart(
    m: &Mutation,
    chart: &BTreeMap<String, String>,
    template: &str,
    edited: bool,
    policy: &Policy,
) -> Result<Vec<Finding>, String> {
    let dir = TempDir::new(&m.rule);
    let mut files = chart.clone();
    files.insert(format!("templates/{}", repo_name(&m.file)), template.to_string());
    if edited {
        let target = m.in_chart.as_deref().unwrap_or_default();
        let Some(text) = files.get(target) else {
            return Err(format!("`in = \"{target}\"` is not a file of the chart: {:?}", files.keys()));
        };
        if m.remove {
            files.remove(target);
        } else {
            let text = edit(text, m)?;
            files.insert(target.to_string(), text);
        }
    }
    for (rel, text) in &files {
        let path = dir.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("chart file has a folder")).expect("create chart folder");
        std::fs::write(&path, text).expect("write chart file");
    }
    let input = Input { file: "chart/Chart.yaml".into(), path: dir.0.join("Chart.yaml"), kind: Kind::HelmChart };
    Ok(lint(&[input], policy).findings)
}

/// Lints the file with the corpus files it relates to; the edited text is written to a temporary folder.
fn lint_alongside(corpus: &Path, m: &Mutation, text: Option<&str>, policy: &Policy) -> Vec<Finding> {
    let dir = TempDir::new(&m.rule);
    let path = match text {
        Some(text) => {
            let path = dir.0.join(repo_name(&m.file));
            std::fs::write(&path, text).expect("write edited file");
            path
        }
        None => corpus.join(&m.file),
    };
    let mut inputs = vec![Input { file: m.file.clone(), path, kind: kind_of(&m.file) }];
    for other in &m.alongside {
        inputs.push(Input { file: other.clone(), path: corpus.join(other), kind: kind_of(other) });
    }
    lint(&inputs, policy).findings
}

/// Lints the file as it is in the corpus, then as a folder of the same name (which cannot be read).
fn lint_as_directory(corpus: &Path, m: &Mutation, policy: &Policy) -> (Vec<Finding>, Vec<Finding>) {
    let kind = kind_of(&m.file);
    let before = lint(&[Input { file: m.file.clone(), path: corpus.join(&m.file), kind }], policy).findings;
    let dir = TempDir::new(&m.rule);
    let folder = dir.0.join(repo_name(&m.file));
    std::fs::create_dir(&folder).expect("create folder named like the file");
    let after = lint(&[Input { file: m.file.clone(), path: folder, kind }], policy).findings;
    (before, after)
}

/// Where the findings are: line:col in `file`, else path:line:col.
fn show(findings: &[Finding], file: &str) -> String {
    let shown: Vec<String> = findings
        .iter()
        .map(|f| {
            let (line, column) = (f.line.unwrap_or(0), f.column.unwrap_or(0));
            if f.file == file { format!("{line}:{column}") } else { format!("{}:{line}:{column}", f.file) }
        })
        .collect();
    if shown.is_empty() { "nothing".into() } else { shown.join(", ") }
}

/// Checks one entry: the rule is absent on the unedited file and fires at `at` after the edit.
fn check(corpus: &Path, m: &Mutation, chart: &BTreeMap<String, String>) -> Result<(), String> {
    // An entry with two edits would leave it unclear which one makes the rule fire.
    let line_edit = m.after_line.is_some() || m.insert.is_some() || m.replace_line.is_some() || m.with.is_some();
    if [line_edit, m.remove, m.as_directory].into_iter().filter(|e| *e).count() != 1 {
        return Err("declare exactly one edit: a line edit, `remove` or `as_directory`".into());
    }
    if m.as_directory && (m.in_chart.is_some() || !m.alongside.is_empty()) {
        return Err("`as_directory` goes without `in` and `alongside`".into());
    }
    let mut policy = m.policy.clone().unwrap_or_default();
    policy.enable = vec!["all".into()];
    let path = corpus.join(&m.file);
    let original = std::fs::read_to_string(&path).map_err(|e| format!("cannot read corpus file {}: {e}", m.file))?;
    let (before, after) = if m.as_directory {
        lint_as_directory(corpus, m, &policy)
    } else if m.in_chart.is_some() {
        (lint_chart(m, chart, &original, false, &policy)?, lint_chart(m, chart, &original, true, &policy)?)
    } else if m.remove {
        return Err("`remove` needs `in` (a chart file)".into());
    } else {
        let edited = edit(&original, m)?;
        if m.alongside.is_empty() {
            let kind = kind_of(&m.file);
            (lint_text(kind, &m.file, &original, &policy), lint_text(kind, &m.file, &edited, &policy))
        } else {
            (lint_alongside(corpus, m, None, &policy), lint_alongside(corpus, m, Some(&edited), &policy))
        }
    };
    let mut at = m.at.rsplitn(3, ':');
    let (column, line) = (at.next().and_then(|c| c.parse().ok()), at.next().and_then(|l| l.parse().ok()));
    let (Some(column), Some(line)) = (column, line) else {
        return Err(format!("`at = \"{}\"` is not line:col", m.at));
    };
    let file = match (at.next(), &m.in_chart) {
        (Some(rel), Some(_)) => format!("chart/{rel}"),
        (None, None) => m.file.clone(),
        _ => return Err(format!("`at = \"{}\"`: Helm entries write path:line:col, others line:col", m.at)),
    };
    let of = |rule: &str, fs: &[Finding]| -> Vec<Finding> { fs.iter().filter(|f| f.rule == rule).cloned().collect() };
    let (was, now) = (of(&m.rule, &before), of(&m.rule, &after));
    if !was.is_empty() {
        return Err(format!("fires already without the edit, at {}", show(&was, &m.file)));
    }
    if !now.iter().any(|f| f.file == file && f.line == Some(line) && f.column == Some(column)) {
        return Err(format!("expected at {}, found at {}", m.at, show(&now, &m.file)));
    }
    // A rule that fires only because the edit broke the syntax would prove nothing about the rule.
    let broken = of("GN001", &after);
    if broken.len() > of("GN001", &before).len() {
        return Err(format!("the edit breaks the file: {}", show(&broken, &m.file)));
    }
    Ok(())
}

/// The check on the folder the mutations were made for.
pub fn run(corpus: &Corpus) -> Result<Problems> {
    let Some(snapshots) = &corpus.snapshots else { return Ok(Vec::new()) };
    let data = data(snapshots)?;
    let failures: Problems = data
        .mutation
        .iter()
        .filter_map(|m| {
            check(&corpus.dir, m, &data.chart)
                .err()
                .map(|e| format!("mutation {} on {} ({}): {e}", m.rule, m.file, m.why))
        })
        .collect();
    let mut failures = failures;
    for absent in &data.absent_kind {
        for dir in ["k8s", "compose", "dockerfiles"] {
            let Ok(entries) = std::fs::read_dir(corpus.dir.join(dir)) else { continue };
            for entry in entries.filter_map(std::result::Result::ok) {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if text.lines().any(|l| l.trim_end() == absent.marker) {
                    failures.push(format!(
                        "{} is listed as shown only by its fixtures, but {dir}/{} holds `{}`: write a mutation of it",
                        absent.rule,
                        entry.file_name().to_string_lossy(),
                        absent.marker
                    ));
                }
            }
        }
    }
    println!(
        "{} mutations checked, {} rules shown by fixtures only (no corpus file of their kind), {} fail",
        data.mutation.len(),
        data.absent_kind.len(),
        failures.len()
    );
    Ok(failures)
}

/// The rules spans.txt in `snapshots` finds nowhere in the corpus.
pub fn not_in_the_corpus(snapshots: &Path) -> Result<BTreeSet<String>> {
    let path = snapshots.join("spans.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
    Ok(text.lines().filter_map(|l| l.strip_suffix(" not in the corpus")).map(str::to_string).collect())
}
