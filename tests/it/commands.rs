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

#[test]
fn analyze_keeps_its_report_in_a_private_temp_folder_removed_even_on_ctrl_c() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new("analyze-temp");
    let tmp = scratch.0.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let app = scratch.0.join("app");
    crate::support::copy_tree(&repo_root().join("tests/fixtures/apps/node-express"), &app);
    // Enough files that the analyze stage is still reading when Ctrl-C comes.
    for d in 0..300 {
        let dir = app.join(format!("src/gen{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            std::fs::write(dir.join(format!("m{f:03}.js")), "module.exports = 1;\n").unwrap();
        }
    }
    let analyze = || {
        let mut command = Command::new(xtask());
        command.args(["analyze", "--json", "--app"]).arg(&app).env("TMPDIR", &tmp);
        command
    };
    // A finished run leaves nothing behind.
    let (code, _, stderr) = outcome(&mut analyze());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "a finished analyze leaves its temp folder behind");
    // Interrupted once its stage runs: the folder (private while it lived) goes too.
    let mut command = analyze();
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    let folder = loop {
        let found = std::fs::read_dir(&tmp).unwrap().flatten().map(|e| e.path()).next();
        if let Some(folder) = found.filter(|f| f.join("run/analyze/context.json").is_file()) {
            break folder;
        }
        assert!(started.elapsed().as_secs() < 60, "the analyze stage never started");
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let name = folder.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("stowage-analyze-") && name != format!("stowage-analyze-{}", child.id()), "{name}");
    let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the temp folder is readable by others: {mode:o}");
    Command::new("kill").args(["-s", "INT", "--", &format!("-{}", child.id())]).status().unwrap();
    let status = child.wait().unwrap();
    let code = status.code().or_else(|| std::os::unix::process::ExitStatusExt::signal(&status).map(|s| 128 + s));
    // 0 when analyze finished before the signal landed; then it removed the folder itself.
    assert!(matches!(code, Some(130) | Some(0)), "{code:?}");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "Ctrl-C left the temp folder behind");
}

#[test]
fn lint_escapes_control_characters_from_file_names_and_lines() {
    let scratch = Scratch::new("lint-controls");
    let dir = scratch.0.join("evil\u{1b}[2J");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Dockerfile"), "FROM debian:latest\u{1b}]0;owned\u{7}\nRUN apt-get update\r\n").unwrap();
    let (code, stdout, stderr) = run(&["lint", scratch.0.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}') && !stdout.contains('\r'), "{stdout:?}");
    assert!(stdout.contains("evil\\u{1b}[2J/Dockerfile") && stdout.contains("\\u{1b}]0;owned\\u{7}"), "{stdout}");
}

#[test]
fn explain_names_the_command_typed_and_takes_several_codes() {
    let (code, _, stderr) = run(&["explain", "BOGUS"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("unknown rule `BOGUS`; run `cargo xtask explain` for the list"), "{stderr}");
    assert!(!stderr.contains("stowage-validate"), "names a binary that is not on PATH: {stderr}");
    let (code, stdout, stderr) = run(&["explain", "DF002", "DF003"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("# DF002") && stdout.contains("# DF003") && !stderr.contains("usage:"), "{stdout}{stderr}");
    // The CLI reference documents explain with explain's own help, not lint's.
    let cli = std::fs::read_to_string(repo_root().join("docs/cli.md")).unwrap();
    let section = &cli[cli.find("## `cargo xtask explain`").unwrap()..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    assert!(
        section.contains("usage: stowage-validate explain [CODE...]") && !section.contains("lint [OPTIONS]"),
        "{section}"
    );
}

#[test]
fn knowledge_tells_the_base_age_and_what_reached_end_of_life_since() {
    let kb = std::fs::read_to_string(repo_root().join("policies/knowledge.toml")).unwrap();
    let as_of = kb.lines().find_map(|l| l.strip_prefix("as_of = \"")?.strip_suffix('"')).expect("as_of in the base");
    // On its own date the base is 0 days old and nothing has passed end of life since.
    let (code, stdout, stderr) = run(&["knowledge", "--today", as_of]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&format!("knowledge base as of {as_of} (0 days old")), "{stdout}");
    assert!(stdout.contains("nothing in it has reached end of life since"), "{stdout}");
    // Years later, lines the base knew to be supported have passed their end of life, and the command says which.
    let (code, stdout, stderr) = run(&["knowledge", "--today", "2040-01-01"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("reached end of life since"), "{stdout}");
    assert!(stdout.contains("reached end of life on"), "{stdout}");
    // A malformed date is a usage error, exit 2.
    let (code, _, stderr) = run(&["knowledge", "--today", "yesterday"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");
}
