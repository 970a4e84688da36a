//! `--write-expected`: the pinned peers' findings on a corpus folder, written to its `expected/` in the format of
//! the shared corpus/expected (a TSV per peer and framework, named with the peer's version), so that a new corpus
//! folder can be measured the way the shared one is. hadolint runs once over every Dockerfile in its default
//! configuration; checkov runs every check, offline, through `checkov_judged.py --failed`.
//!
//! Adding a peer: a [`Writer`] in [`WRITERS`], and the matching [`crate::agreement::Peer`].

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{Corpus, Fatal, Result, crate_dir, judge};

/// The pinned versions (`cargo xtask judges` installs them); the expected files are named after them.
pub const HADOLINT: &str = "2.15.1";
pub const CHECKOV: &str = "3.3.30";

/// One expected file: its name under expected/ and how it is produced (the TSV text, header included).
pub struct Writer {
    pub file: fn() -> String,
    pub write: fn(&Corpus) -> Result<String>,
}

pub const WRITERS: &[Writer] = &[
    Writer { file: || format!("hadolint-{HADOLINT}.tsv"), write: hadolint },
    Writer { file: || format!("checkov-{CHECKOV}-dockerfile.tsv"), write: |c| checkov(c, "dockerfile", "dockerfiles") },
    Writer { file: || format!("checkov-{CHECKOV}-k8s.tsv"), write: |c| checkov(c, "kubernetes", "k8s") },
];

/// Writes every expected file of `corpus`; prints what it wrote.
pub fn write_all(corpus: &Corpus) -> Result<()> {
    let dir = corpus.dir.join("expected");
    std::fs::create_dir_all(&dir).map_err(|e| Fatal(format!("cannot create {}: {e}", dir.display())))?;
    for w in WRITERS {
        let text = (w.write)(corpus)?;
        let path = dir.join((w.file)());
        std::fs::write(&path, &text).map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))?;
        println!("wrote {} ({} lines)", path.display(), text.lines().count());
    }
    Ok(())
}

/// Fails unless the installed tool prints `version` for `--version`.
fn check_version(tool: &Path, version: &str) -> Result<()> {
    let out = Command::new(tool)
        .arg("--version")
        .output()
        .map_err(|e| Fatal(format!("cannot run {}: {e}", tool.display())))?;
    let printed = String::from_utf8_lossy(&out.stdout);
    if !printed.contains(version) {
        return Err(Fatal(format!(
            "{} is not version {version} (it prints {:?}): run `cargo xtask judges`",
            tool.display(),
            printed.trim()
        )));
    }
    Ok(())
}

/// A TSV field as the expected files write it: quoted (with `""` inside) only when it holds a tab, a newline or a
/// quote, as Python's csv module does.
fn field(value: &str) -> String {
    if value.contains(['\t', '\n', '\r', '"']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.into() }
}

/// Every finding of hadolint in its default configuration, sorted.
fn hadolint(corpus: &Corpus) -> Result<String> {
    let tool = judge("hadolint", "--write-expected records hadolint's findings")?;
    check_version(&tool, HADOLINT)?;
    let files: Vec<String> = corpus.files("dockerfiles")?.iter().map(|p| corpus.name(p)).collect();
    let mut text = "file\tline\tcolumn\tcode\tlevel\tmessage\n".to_string();
    if files.is_empty() {
        return Ok(text);
    }
    // Relative names, from the corpus folder, so the report names files as the corpus does. An empty config file
    // keeps a config of the machine's user from changing the defaults.
    let empty = std::env::temp_dir().join(format!("stowage-corpus-check-hadolint-{}.yaml", std::process::id()));
    std::fs::write(&empty, "{}\n").map_err(|e| Fatal(format!("cannot write {}: {e}", empty.display())))?;
    let out = Command::new(&tool)
        .current_dir(&corpus.dir)
        .arg("--config")
        .arg(&empty)
        .args(["--no-fail", "--format", "json"])
        .args(&files)
        .output();
    let _ = std::fs::remove_file(&empty);
    let out = out.map_err(|e| Fatal(format!("cannot run {}: {e}", tool.display())))?;
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| Fatal(format!("hadolint printed no JSON ({e}):\n{}", String::from_utf8_lossy(&out.stderr))))?;
    let mut rows = Vec::new();
    for f in report.as_array().ok_or_else(|| Fatal("hadolint's JSON is not a list".into()))? {
        let s = |k: &str| match &f[k] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let n = |k: &str| f[k].as_u64().unwrap_or(0);
        rows.push(((s("file"), n("line"), n("column"), s("code")), [s("level"), s("message")]));
    }
    // By file, line, column and code: hadolint's own order within a line varies between runs.
    rows.sort();
    for ((file, line, column, code), [level, message]) in rows {
        let row = [file, line.to_string(), column.to_string(), code, level, message];
        text.push_str(&row.iter().map(|v| field(v)).collect::<Vec<_>>().join("\t"));
        text.push('\n');
    }
    Ok(text)
}

/// Every failed check of checkov on one framework's folder, sorted.
fn checkov(corpus: &Corpus, framework: &str, folder: &str) -> Result<String> {
    let python = judge("python", "--write-expected records checkov's findings")?;
    check_version(&judge("checkov", "--write-expected records checkov's findings")?, CHECKOV)?;
    let mut text = "file\tcheck_id\tresource\tline\n".to_string();
    let dir = corpus.dir.join(folder);
    if !dir.is_dir() {
        return Ok(text);
    }
    // checkov skips Kubernetes files under a path with `..` in it, so give it the resolved folder.
    let dir = dir.canonicalize().map_err(|e| Fatal(format!("cannot resolve {}: {e}", dir.display())))?;
    let script = crate_dir().join("checkov_judged.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(["--failed", framework])
        .arg(&dir)
        .args(
            corpus
                .groups_file()
                .filter(|_| framework == "kubernetes")
                .map(|p| vec!["--groups".into(), p])
                .unwrap_or_default(),
        )
        .output()
        .map_err(|e| Fatal(format!("cannot run {}: {e}", script.display())))?;
    if !out.status.success() {
        return Err(Fatal(format!("{} failed:\n{}", script.display(), String::from_utf8_lossy(&out.stderr))));
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        text.push_str(&format!("{folder}/{line}\n"));
    }
    Ok(text)
}
