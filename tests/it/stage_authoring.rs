//! Adding stages: `cargo xtask new-stage` scaffolds a crate that builds and passes its own test, and the external
//! stage in docs/writing-a-stage.md works as copied.

use std::process::Command;

use crate::support::{Scratch, outcome, repo_root, text, xtask};

#[test]
fn new_stage_scaffold_builds_and_passes_its_test() {
    let scratch = Scratch::new("new-stage");
    let root = repo_root();
    // A workspace of its own, sharing the real one's lock file and target folder, so only the new crate compiles.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let kit = root.join("stages/stowage-kit");
    let manifest: String = manifest
        .lines()
        .filter(|l| !l.starts_with("default-members = "))
        .map(|l| if l.starts_with("members = ") { r#"members = ["stages/*"]"# } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    let manifest =
        manifest.replace(r#"path = "stages/stowage-kit""#, &format!("path = {:?}", kit.display().to_string()));
    std::fs::write(scratch.0.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(root.join("Cargo.lock"), scratch.0.join("Cargo.lock")).unwrap();
    let dir = xtask::new_stage::scaffold(&scratch.0, "team-check", &["analyze".to_string()]).unwrap();
    assert!(dir.join("src/lib.rs").is_file());
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("stage = \"team-check\"") && manifest.contains("after = [\"analyze\"]"));
    let target = crate::support::bin_dir().parent().unwrap().to_path_buf();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--quiet", "--offline", "-p", "stowage-team-check"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(&scratch.0)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "the scaffolded stage does not pass its test:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    // It describes itself as the runner expects.
    let describe =
        Command::new(crate::support::bin_dir().join("stowage-team-check")).arg("--describe").output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&describe.stdout).unwrap();
    assert_eq!(json["name"], "team-check");
    assert_eq!(json["after"][0], "analyze");
    let _ = std::fs::remove_file(crate::support::bin_dir().join("stowage-team-check"));
}

#[test]
fn new_stage_rejects_bad_names() {
    for (name, message) in [("Bad_Name", "invalid stage name"), ("analyze", "already exists")] {
        let output = Command::new(xtask()).args(["new-stage", name]).output().unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
}

/// The fenced blocks of the guide marked `file=PATH`.
fn guide_files() -> Vec<(String, String)> {
    let guide = std::fs::read_to_string(repo_root().join("docs/writing-a-stage.md")).unwrap();
    let mut files = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        if let Some(path) = line.strip_prefix("```").and_then(|info| info.split_once(" file=")).map(|(_, p)| p) {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            files.push((path.to_string(), body.join("\n") + "\n"));
        }
    }
    files
}

#[test]
fn guide_external_stage_works_as_copied() {
    let files = guide_files();
    assert_eq!(files.len(), 2, "the guide shows stowage.toml and the script");
    let scratch = Scratch::new("guide");
    let app = scratch.0.join("app");
    std::fs::create_dir_all(&app).unwrap();
    for (path, body) in &files {
        let dest = app.join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, body).unwrap();
    }
    // A generator that stages a Dockerfile without the label, so the gate has something to judge.
    let stages = repo_root().join("tests/stages");
    let mut config = std::fs::read_to_string(app.join("stowage.toml")).unwrap();
    config = format!(
        "only = [\"gen\", \"team-labels\"]\nprofile = \"strict\"\n{config}\n[[external_stages]]\nname = \"gen\"\n\
         command = [\"python3\", \"{}/scripted.py\"]\n\n[stages.gen]\nfiles = {{ \"Dockerfile\" = \"FROM scratch\\n\" }}\n",
        stages.display()
    );
    std::fs::write(app.join("stowage.toml"), config).unwrap();
    let run = |args: &[&str]| {
        outcome(
            Command::new(xtask()).args(args).arg("--app").arg(&app).arg("--report-dir").arg(scratch.0.join("report")),
        )
    };
    let (code, _, stderr) = run(&["containerize"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("warning[TEAM001] Dockerfile:1: add LABEL maintainer=\"payments\""), "{stderr}");
    assert!(!app.join("Dockerfile").exists(), "a failed gate writes nothing");
    // With the label in the generated Dockerfile, the gate passes and the file is applied.
    let config = std::fs::read_to_string(app.join("stowage.toml"))
        .unwrap()
        .replace("\"FROM scratch\\n\"", "\"FROM scratch\\nLABEL maintainer=\\\"payments\\\"\\n\"");
    std::fs::write(app.join("stowage.toml"), config).unwrap();
    let (code, _, stderr) = run(&["containerize"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(app.join("Dockerfile").is_file());
}
