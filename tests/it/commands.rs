//! The commands that hand over to a stage binary: `analyze` (the model, or the strategy document) and `lint` /
//! `explain` (the validate stage's linter), run through the runner as a person types them.

use std::process::Command;

use crate::support::{Scratch, outcome, repo_root, tree, xtask};

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    outcome(Command::new(xtask()).args(args))
}

#[test]
fn analyze_prints_the_model_or_the_strategy_and_writes_nothing() {
    let app = repo_root().join("tests/fixtures/apps/node-express");
    let before = tree(&app);
    let (code, stdout, stderr) = run(&["analyze", "--app", app.to_str().unwrap(), "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let model: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let service = &model["services"][0];
    assert_eq!(service["name"], "node-express");
    assert_eq!(service["language"]["value"], "javascript");
    assert_eq!(service["framework"]["value"], "Express");
    assert_eq!(service["ports"][0]["value"]["number"], 3000);
    assert_eq!(service["ports"][0]["value"]["env"], "PORT");
    assert_eq!(service["health_path"]["value"], "/health");
    assert!(service["health_path"]["evidence"][0]["file"].is_string(), "every fact carries its evidence");
    // Without --json: the strategy document, the same bytes the fixture has committed.
    let (code, stdout, _) = run(&["analyze", "--app", app.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout, std::fs::read_to_string(app.join("docs/containerization.md")).unwrap());
    assert_eq!(tree(&app), before, "analyze writes nothing into the app");
    // Nothing recognisable: exit 2, naming what was looked for.
    let empty = Scratch::new("analyze-empty");
    let (code, _, stderr) = run(&["analyze", "--app", empty.0.to_str().unwrap(), "--json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("package.json"), "{stderr}");
}

#[test]
fn lint_and_explain_follow_the_exit_code_table() {
    let scratch = Scratch::new("lint");
    let dockerfile = scratch.0.join("Dockerfile");
    std::fs::write(&dockerfile, "FROM debian:latest\nRUN apt-get update\n").unwrap();
    let (code, stdout, stderr) = run(&["lint", "--format", "json", dockerfile.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"DF002"), "{rules:?}");
    let (code, _, stderr) = run(&["lint", scratch.0.join("missing").to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, stdout, _) = run(&["explain", "DF002"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("latest"), "{stdout}");
    let (code, _, _) = run(&["explain", "XX999"]);
    assert_eq!(code, Some(2));
}
