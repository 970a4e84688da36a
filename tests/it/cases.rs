//! The runner's behaviour as data: each `tests/cases/*.toml` sets up an app, runs commands step by step, and states
//! the exit code, output and resulting files. One `check` runs them all and reports every failing case.
//!
//! Case format:
//! ```toml
//! about = "what the case proves"
//! [app]                         # the app's files before the first step ("{stages}" = tests/stages)
//! "stowage.toml" = "..."
//! [[step]]
//! args = ["containerize"]       # `--app` and (for containerize) `--report-dir` are added
//! write = { "Dockerfile" = "..." }   # files changed in the app before running
//! code = 0                      # expected exit code
//! stdout = ["substring"]        # each must appear; `not_stdout` / `stderr` / `not_stderr` likewise
//! files = { "Dockerfile" = "..." }   # exact contents afterwards
//! absent = ["path"]             # must not exist afterwards
//! app_unchanged = true          # the app's bytes are exactly as before the step
//! same_as_step = 1              # stdout and the app equal those after step 1 (1-based)
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

use crate::support::{Scratch, repo_root, text, tree, xtask};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default)]
    app: BTreeMap<String, String>,
    /// Symlinks in the app before the first step: path -> target.
    #[serde(default)]
    symlinks: BTreeMap<String, String>,
    step: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    args: Vec<String>,
    #[serde(default)]
    write: BTreeMap<String, String>,
    #[serde(default)]
    remove: Vec<String>,
    code: i32,
    #[serde(default)]
    stdout: Vec<String>,
    #[serde(default)]
    not_stdout: Vec<String>,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    stdout_in_order: Vec<String>,
    #[serde(default)]
    stderr_in_order: Vec<String>,
    #[serde(default)]
    not_stderr: Vec<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    app_unchanged: bool,
    same_as_step: Option<usize>,
    /// Extra environment for the command.
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[test]
fn cases() {
    let dir = repo_root().join("tests/cases");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut failures = Vec::new();
    for path in &names {
        if let Err(why) = check(path) {
            failures.push(format!("{}: {why}", path.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(names.len() >= 20, "expected the full set of runner cases, found {}", names.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), names.len(), failures.join("\n\n"));
}

fn check(path: &Path) -> Result<(), String> {
    let case: Case =
        toml::from_str(&std::fs::read_to_string(path).unwrap()).map_err(|e| format!("bad case file: {e}"))?;
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let scratch = Scratch::new(&format!("case-{name}"));
    // A space in the app path everywhere: paths must never be split.
    let app = scratch.0.join("my app");
    let report = scratch.0.join("report");
    std::fs::create_dir_all(&app).unwrap();
    let stages = repo_root().join("tests/stages");
    let fill =
        |s: &str| s.replace("{stages}", &stages.display().to_string()).replace("{app}", &app.display().to_string());
    for (rel, contents) in &case.app {
        write(&app, rel, &fill(contents));
    }
    for (rel, target) in &case.symlinks {
        std::os::unix::fs::symlink(target, app.join(rel)).unwrap();
    }
    // (stdout, app tree) after each step, for `same_as_step`.
    type Snapshot = (String, Vec<(String, Vec<u8>)>);
    let mut history: Vec<Snapshot> = Vec::new();
    for (i, step) in case.step.iter().enumerate() {
        let at = format!("step {} ({})", i + 1, step.args.join(" "));
        for (rel, contents) in &step.write {
            write(&app, rel, &fill(contents));
        }
        for rel in &step.remove {
            std::fs::remove_file(app.join(rel)).map_err(|e| format!("{at}: cannot remove {rel}: {e}"))?;
        }
        let before = tree(&app);
        let mut args: Vec<String> = step.args.iter().map(|a| fill(a)).collect();
        let sub = args.first().cloned().unwrap_or_default();
        if matches!(sub.as_str(), "containerize" | "clean" | "stages") && !args.iter().any(|a| a == "--app") {
            args.push("--app".into());
            args.push(app.display().to_string());
        }
        if sub == "containerize" && !args.iter().any(|a| a == "--report-dir") {
            args.push("--report-dir".into());
            args.push(report.display().to_string());
        }
        let output = Command::new(xtask())
            .args(&args)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .envs(&step.env)
            .output()
            .map_err(|e| format!("{at}: cannot run xtask: {e}"))?;
        let (stdout, stderr) = text(&output);
        let shown = || format!("\n--- stdout\n{stdout}--- stderr\n{stderr}---");
        if output.status.code() != Some(step.code) {
            return Err(format!(
                "{at}: exit code {:?}, expected {} ({}){}",
                output.status.code(),
                step.code,
                case.about,
                shown()
            ));
        }
        for (wanted, haystack, label, present) in step
            .stdout
            .iter()
            .map(|s| (s, &stdout, "stdout", true))
            .chain(step.not_stdout.iter().map(|s| (s, &stdout, "stdout", false)))
            .chain(step.stderr.iter().map(|s| (s, &stderr, "stderr", true)))
            .chain(step.not_stderr.iter().map(|s| (s, &stderr, "stderr", false)))
        {
            let wanted = fill(wanted);
            if haystack.contains(&wanted) != present {
                let verb = if present { "lacks" } else { "has" };
                return Err(format!("{at}: {label} {verb} `{wanted}`{}", shown()));
            }
        }
        for (wanted, haystack, label) in step
            .stdout_in_order
            .iter()
            .map(|s| (s, &stdout, "stdout"))
            .chain(step.stderr_in_order.iter().map(|s| (s, &stderr, "stderr")))
            .scan(std::collections::HashMap::new(), |from, (w, h, l)| {
                let start: usize = *from.get(l).unwrap_or(&0);
                let found = h[start..].find(w.as_str()).map(|i| start + i + w.len());
                from.insert(l, found.unwrap_or(usize::MAX / 2));
                Some((w, if found.is_some() { "" } else { h.as_str() }, l))
            })
        {
            if !haystack.is_empty() {
                return Err(format!("{at}: {label} lacks `{wanted}` after the previous expected line{}", shown()));
            }
        }
        for (rel, expected) in &step.files {
            let actual =
                std::fs::read(app.join(rel)).map_err(|e| format!("{at}: {rel} not readable: {e}{}", shown()))?;
            if actual != fill(expected).as_bytes() {
                return Err(format!(
                    "{at}: {rel} holds {:?}, expected {:?}{}",
                    String::from_utf8_lossy(&actual),
                    fill(expected),
                    shown()
                ));
            }
        }
        for rel in &step.absent {
            if std::fs::symlink_metadata(app.join(rel)).is_ok() {
                return Err(format!("{at}: {rel} exists, expected it absent{}", shown()));
            }
        }
        let after = tree(&app);
        if step.app_unchanged && after != before {
            let changed: Vec<String> = after
                .iter()
                .filter(|e| !before.contains(e))
                .chain(before.iter().filter(|e| !after.contains(e)))
                .map(|(p, _)| p.clone())
                .collect();
            return Err(format!("{at}: the app changed ({}){}", changed.join(", "), shown()));
        }
        if let Some(n) = step.same_as_step {
            let (prev_stdout, prev_tree) = &history[n - 1];
            if prev_stdout != &stdout || prev_tree != &after {
                return Err(format!("{at}: output or app differ from step {n}: not deterministic{}", shown()));
            }
        }
        history.push((stdout, after));
    }
    Ok(())
}

fn write(app: &Path, rel: &str, contents: &str) {
    let dest = app.join(rel);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(dest, contents).unwrap();
}
