//! A fresh clone passes `cargo test` with nothing beside it: no test, test data or code a test runs names the
//! shared folder that only this repository's CI has beside it. Corpus work belongs to `cargo xtask corpus-check`
//! (tests/corpus-check/src and its snapshots under tests/corpus-check/shared, left out here), and the benchmarks to
//! `cargo xtask bench` (xtask/src, whose commands the tests run only on fixtures). Only code and TOML test data are
//! scanned, comments left out: a comment, a note for people or a provenance column may cite a document there.

use std::path::{Path, PathBuf};

use crate::support::repo_root;

/// Where test code and test data live: every stage's src/ (unit tests) and tests/, and the integration tests.
fn scanned(root: &Path) -> Vec<PathBuf> {
    let mut roots = vec![root.join("tests")];
    for stage in std::fs::read_dir(root.join("stages")).expect("stages/").filter_map(Result::ok) {
        roots.push(stage.path().join("src"));
        roots.push(stage.path().join("tests"));
    }
    let skipped = [root.join("tests/corpus-check/src"), root.join("tests/corpus-check/shared")];
    let mut files = Vec::new();
    while let Some(dir) = roots.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if skipped.contains(&path) {
                continue;
            }
            if path.is_dir() {
                roots.push(path);
            } else if path.extension().is_some_and(|e| ["rs", "py", "sh", "toml"].contains(&&*e.to_string_lossy())) {
                // Code and the test data that says what to read; notes for people (Markdown, provenance columns of
                // TSV files) may say where a file came from.
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn no_test_reads_the_shared_folder_beside_the_repository() {
    let root = repo_root();
    // Spelled in two pieces so that this file does not name it either.
    let needles = [format!("../{}", "shared"), format!("{}/corpus", "shared"), format!("{}/research", "shared")];
    let mut naming = Vec::new();
    let files = scanned(&root);
    for path in &files {
        // Binary fixtures (fuzz inputs, a non-UTF-8 Dockerfile) are read as text where they can be.
        let Ok(text) = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()) else { continue };
        for (i, line) in text.lines().enumerate() {
            // A comment may cite a document there (research notes, the judges list); code and data may not read it.
            if ["//", "#"].iter().any(|c| line.trim_start().starts_with(c)) {
                continue;
            }
            if needles.iter().any(|n| line.contains(n.as_str())) {
                naming.push(format!(
                    "{}:{}: {}",
                    path.strip_prefix(&root).unwrap_or(path).display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(files.len() > 50, "scanned only {} files", files.len());
    assert!(
        naming.is_empty(),
        "these test files name the shared folder, which a fresh clone does not have; move the check to \
         `cargo xtask corpus-check` (tests/corpus-check):\n{}",
        naming.join("\n")
    );
}
