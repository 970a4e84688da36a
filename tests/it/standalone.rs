//! A fresh clone passes `cargo test` with nothing beside it: no test, test data or code a test runs names the
//! shared folder that only this repository's CI has beside it. Corpus work belongs to `cargo xtask corpus-check`
//! (tests/corpus-check/src and its snapshots under tests/corpus-check/shared, left out here), and the benchmarks to
//! `cargo xtask bench` (xtask/src, whose commands the tests run only on fixtures). Only code and TOML test data are
//! scanned, comments left out: a comment, a note for people or a provenance column may cite a document there.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Scratch, outcome, repo_root, xtask};

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

/// `cargo xtask corpus-check` on folders made here: exit 2 naming the flag for a missing or malformed folder, and
/// the checks that need no peer findings passing on a small folder of the corpus layout.
#[test]
fn corpus_check_follows_the_exit_code_table() {
    let run = |args: &[&str]| outcome(Command::new(xtask()).arg("corpus-check").args(args));
    let scratch = Scratch::new("corpus-check");
    let missing = scratch.0.join("missing");
    let (code, _, stderr) = run(&["--corpus", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--corpus") && stderr.contains("no such folder"), "{stderr}");

    let (code, _, stderr) = run(&["--corpus", scratch.0.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a corpus folder"), "{stderr}");

    let corpus = scratch.0.join("corpus");
    std::fs::create_dir_all(corpus.join("k8s")).unwrap();
    std::fs::create_dir_all(corpus.join("dockerfiles")).unwrap();
    std::fs::write(
        corpus.join("k8s/owner__repo__pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: app:1.0\n      env:\n        - name: DB_PASSWORD\n          value: hunter2\n",
    )
    .unwrap();
    std::fs::write(
        corpus.join("dockerfiles/owner__repo__Dockerfile"),
        "FROM debian:12\nRUN echo \"root:x\" | chpasswd\n",
    )
    .unwrap();
    let dir = corpus.to_str().unwrap();
    let (code, stdout, stderr) = run(&["--corpus", dir, "--only", "robustness,secrets"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("corpus-check: 2 passed, 0 failed, 0 could not run"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "a secret value reached the output:\n{stdout}");

    // Without expected/, the agreement check cannot run: exit 2, naming the flag that writes it.
    let (code, _, stderr) = run(&["--corpus", dir, "--only", "agreement"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--write-expected"), "{stderr}");

    let (code, _, stderr) = run(&["--corpus", dir, "--only", "secrets", "--apps-dir", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--apps-dir") && stderr.contains("no such folder"), "{stderr}");

    let (code, _, stderr) = run(&["--corpus", dir, "--only", "nope"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no check named `nope`"), "{stderr}");

    // hadolint's specs need a copy of its repository: any other folder is a usage error, in bench as here, and
    // BENCHMARKS.md is not touched.
    let benchmarks = std::fs::read(repo_root().join("BENCHMARKS.md")).unwrap();
    for command in ["corpus-check", "bench"] {
        let (code, _, stderr) = outcome(Command::new(xtask()).arg(command).arg("--hadolint-specs").arg(&corpus));
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("--hadolint-specs") && stderr.contains("not a copy of hadolint's repository"),
            "{command}: {stderr}"
        );
    }
    assert_eq!(std::fs::read(repo_root().join("BENCHMARKS.md")).unwrap(), benchmarks);
}

/// The runner (xtask) stays cheap to compile: the YAML reader, like every heavy parser, is linked by the stages that
/// read YAML and never by the runner.
#[test]
fn the_runner_does_not_link_the_yaml_reader() {
    let output = Command::new(env!("CARGO"))
        .current_dir(repo_root())
        .args(["tree", "--offline", "-p", "xtask", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.lines().any(|l| l.starts_with("stowage-kit ")), "cargo tree printed no dependency: {tree}");
    for heavy in ["stowage-yaml ", "saphyr-parser "] {
        assert!(!tree.lines().any(|l| l.starts_with(heavy)), "xtask depends on {heavy}");
    }
}
