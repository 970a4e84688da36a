//! The stage binary under the contract: a hand-made context in, docs/containerization.md under --out and a report
//! with the model as facts; exit 2 with a clear message on an app with nothing recognisable or bad options.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use stowage_kit::{App, Config, Context, FailOn, Mode, Report, Thresholds};

fn context(app: &Path, stage_options: Option<serde_json::Value>, managed: &[&str]) -> Context {
    let mut options = BTreeMap::new();
    if let Some(value) = stage_options {
        options.insert("analyze".to_string(), value);
    }
    Context {
        contract_version: stowage_kit::CONTRACT_VERSION,
        stowage_version: "0.1.0".into(),
        stage: "analyze".into(),
        mode: Mode::Apply,
        app: App { root: app.to_path_buf(), name: "demo".into() },
        config: Config {
            name: "demo".into(),
            profile: "production".into(),
            unmanaged: vec![],
            exclude: vec!["ignored/**".into()],
            thresholds: Thresholds { fail_on: FailOn::Error, stage_timeout_seconds: 60 },
            compliance: vec![],
            external_stages: vec![],
            stage_options: options,
            key_locations: [("stages.analyze.bogus".to_string(), "stowage.toml:9".to_string())].into_iter().collect(),
        },
        facts: BTreeMap::new(),
        staged: vec![],
        managed: managed.iter().map(|m| m.to_string()).collect(),
    }
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
    out: std::path::PathBuf,
    report: std::path::PathBuf,
}

fn run_stage(label: &str, ctx: &Context) -> Outcome {
    let work = support::temp_app(&format!("stage-{label}"));
    let context = work.join("context.json");
    std::fs::write(&context, serde_json::to_string_pretty(ctx).expect("context serializes")).expect("write context");
    let (out, report) = (work.join("out"), work.join("report.json"));
    std::fs::create_dir_all(&out).expect("out dir");
    let output = Command::new(env!("CARGO_BIN_EXE_stowage-analyze"))
        .arg("--context")
        .arg(&context)
        .arg("--out")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .output()
        .expect("run the stage binary");
    Outcome { code: output.status.code(), stderr: String::from_utf8_lossy(&output.stderr).into_owned(), out, report }
}

#[test]
fn writes_the_strategy_document_and_the_model() {
    let app = support::repo_root().join("tests/fixtures/apps/monorepo");
    // Its own compose file is listed as stowage's, beside the files stowage generated there.
    let mut managed = support::managed(&app);
    managed.push("docker-compose.yml".into());
    let managed: Vec<&str> = managed.iter().map(String::as_str).collect();
    let outcome = run_stage("monorepo", &context(&app, None, &managed));
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
    let doc = std::fs::read_to_string(outcome.out.join("docs/containerization.md")).expect("document written");
    assert_eq!(doc.lines().next(), Some(stowage_analyze::doc::HEADER));
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(&outcome.report).expect("report")).expect("report parses");
    assert_eq!(report.stage, "analyze");
    let names: Vec<&str> =
        report.facts["services"].as_array().expect("services").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["api", "web", "worker"]);
    // The compose file is listed in the lock, so it is stowage's own output and not evidence.
    assert_eq!(report.facts["existing_container_files"], serde_json::json!([]));
    assert!(report.notes.iter().any(|n| n.contains("not a deployable: packages/shared")), "{:?}", report.notes);
    // No absolute path of this machine leaks into the facts or the document.
    let root = app.to_string_lossy().into_owned();
    assert!(!report.facts.to_string().contains(&root) && !doc.contains(&root));
    // The same input gives the same bytes.
    let again = run_stage("monorepo-again", &context(&app, None, &managed));
    assert_eq!(std::fs::read_to_string(again.out.join("docs/containerization.md")).expect("doc"), doc);
}

#[test]
fn exits_2_on_an_empty_app() {
    let app = support::temp_app("stage-empty");
    let outcome = run_stage("empty", &context(&app, None, &[]));
    assert_eq!(outcome.code, Some(2), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("nothing deployable") && outcome.stderr.contains("package.json"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.out.join("docs/containerization.md").exists());
}

/// A repository of libraries only (a framework's own repository): the error's first line says what is wrong and what
/// to do, and each project it found comes on a line of its own, five at most, so that no log keeping the start of
/// long lines loses the advice.
#[test]
fn a_repository_of_libraries_lists_them_one_per_line() {
    let mut files = vec![("Cargo.toml".to_string(), "[workspace]\nmembers = [\"crates/*\"]\n".to_string())];
    for n in 0..7 {
        files.push((
            format!("crates/lib{n}/Cargo.toml"),
            format!("[package]\nname = \"lib{n}\"\nversion = \"0.1.0\"\n"),
        ));
        files.push((format!("crates/lib{n}/src/lib.rs"), "pub fn f() {}\n".to_string()));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let app = support::app("stage-libraries", &files);
    let outcome = run_stage("libraries", &context(&app, None, &[]));
    assert_eq!(outcome.code, Some(2), "{}", outcome.stderr);
    let first = outcome.stderr.lines().find(|l| l.contains("nothing deployable")).unwrap_or_default();
    assert!(first.contains("point --app at the app's folder") && first.len() < 400, "{}", outcome.stderr);
    let listed: Vec<&str> = outcome.stderr.lines().filter(|l| l.trim_start().starts_with("- ")).collect();
    assert_eq!(listed.len(), 6, "{}", outcome.stderr);
    assert!(listed[0].contains("Cargo workspace root"), "{}", outcome.stderr);
    assert!(listed[5].contains("and 3 more non-deployable project(s)"), "{}", outcome.stderr);
}

#[test]
fn exits_2_on_an_unknown_option() {
    let app = support::repo_root().join("tests/fixtures/apps/node-express");
    let outcome = run_stage("bad-option", &context(&app, Some(serde_json::json!({ "bogus": true })), &[]));
    assert_eq!(outcome.code, Some(2), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("stowage.toml:9") && outcome.stderr.contains("`stages.analyze.bogus`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn describes_itself() {
    let output = Command::new(env!("CARGO_BIN_EXE_stowage-analyze")).arg("--describe").output().expect("run");
    let describe: stowage_kit::Describe = serde_json::from_slice(&output.stdout).expect("describe parses");
    assert_eq!(
        (describe.name.as_str(), describe.after.len(), describe.contract_version),
        ("analyze", 0, stowage_kit::CONTRACT_VERSION)
    );
}
