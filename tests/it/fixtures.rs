//! The fixture apps under tests/fixtures/apps/ keep their generated files committed, like any app using stowage:
//! every fixture passes the drift check, and regenerating from scratch in another folder gives the same bytes.
//! stowage's own repository is checked the same way.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Scratch, copy_tree, outcome, repo_root, text, tree, xtask};

fn fixtures() -> Vec<PathBuf> {
    let dir = repo_root().join("tests/fixtures/apps");
    let mut apps: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    apps.sort();
    apps
}

fn containerize(app: &Path, extra: &[&str], report: &Path) -> (Option<i32>, String, String) {
    outcome(Command::new(xtask()).arg("containerize").args(extra).arg("--app").arg(app).arg("--report-dir").arg(report))
}

#[test]
fn every_fixture_passes_the_drift_check() {
    let scratch = Scratch::new("fixtures-check");
    let mut failures = Vec::new();
    let apps = fixtures();
    assert!(!apps.is_empty());
    for app in &apps {
        let (code, stdout, stderr) = containerize(app, &["--check"], &scratch.0.join("report"));
        if code != Some(0) {
            failures.push(format!("{}: exit {code:?}\n{stdout}{stderr}", app.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "run `cargo xtask containerize --app tests/fixtures/apps/NAME` for each and commit the result:\n{}",
        failures.join("\n")
    );
}

#[test]
fn regenerating_gives_the_same_bytes_anywhere() {
    // Two copies at different paths, their generated files and lock removed, regenerated, compared with each other
    // and with what is committed.
    for app in fixtures() {
        let name = app.file_name().unwrap().to_string_lossy().to_string();
        let scratch = Scratch::new(&format!("determinism-{name}"));
        let mut trees = Vec::new();
        for copy in ["first copy", "second/copy"] {
            let dest = scratch.0.join(copy).join(&name);
            copy_tree(&app, &dest);
            let (code, _, stderr) = containerize(&dest, &[], &scratch.0.join("report"));
            assert_eq!(code, Some(0), "{name}: {stderr}");
            let (code, _, stderr) = Command::new(xtask())
                .args(["clean", "--app"])
                .arg(&dest)
                .output()
                .map(|o| (o.status.code(), (), String::from_utf8_lossy(&o.stderr).into_owned()))
                .unwrap();
            assert_eq!(code, Some(0), "{name}: {stderr}");
            let (code, _, stderr) = containerize(&dest, &[], &scratch.0.join("report"));
            assert_eq!(code, Some(0), "{name}: {stderr}");
            trees.push(tree(&dest));
        }
        assert_eq!(trees[0], trees[1], "{name}: two runs in different folders differ");
        assert_eq!(trees[0], tree(&app), "{name}: regenerated files differ from the committed ones");
    }
}

#[test]
fn stowage_itself_passes_the_drift_check() {
    let output = Command::new(xtask()).args(["containerize", "--check"]).env("NO_COLOR", "1").output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "run `cargo xtask containerize` and commit the result:\n{stdout}{stderr}"
    );
}
