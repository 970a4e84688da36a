//! The stage contract as committed JSON Schema: every context the runner writes and every report a stage writes
//! must validate against `stages/stowage-kit/contract.schema.json` (which `cargo xtask codegen` keeps in step with
//! the types). The application model analyze publishes as facts follows `stages/stowage-model/model.schema.json`.

use std::process::Command;

use crate::support::{Scratch, repo_root, xtask};

fn schema_for(part: &str) -> serde_json::Value {
    let path = repo_root().join("stages/stowage-kit/contract.schema.json");
    let mut schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Validate against one property of the combined schema, keeping its definitions.
    let root = schema["properties"][part].clone();
    let defs = schema["$defs"].take();
    let mut sub = root;
    sub["$defs"] = defs;
    sub
}

fn validate(part: &str, instance: &serde_json::Value) -> Result<(), String> {
    validate_against(schema_for(part), instance)
}

fn validate_against(schema: serde_json::Value, instance: &serde_json::Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("schema.json", schema).unwrap();
    let index = compiler.compile("schema.json", &mut schemas).map_err(|e| e.to_string())?;
    schemas.validate(instance, index).map_err(|e| format!("{e:#}"))
}

/// analyze's expected models (which its fixture tests compare with what it publishes) follow the model's schema.
#[test]
fn models_follow_the_model_schema() {
    let read = |path: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let schema = read(&repo_root().join("stages/stowage-model/model.schema.json"));
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_root().join("stages/stowage-analyze/tests/expected")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let model = read(&path);
            validate_against(schema.clone(), &model)
                .unwrap_or_else(|e| panic!("{} does not follow the model schema: {e}", path.display()));
            checked += 1;
            // And the schema is not vacuous: a model without its services, or with an unknown kind, is refused.
            let mut broken = model.clone();
            broken.as_object_mut().unwrap().remove("services");
            assert!(validate_against(schema.clone(), &broken).is_err());
            let mut broken = model;
            broken["services"][0]["kind"]["value"] = serde_json::json!("daemon");
            assert!(validate_against(schema.clone(), &broken).is_err());
        }
    }
    assert!(checked > 20, "only {checked} expected models");
}

#[test]
fn contexts_and_reports_follow_the_schema() {
    let scratch = Scratch::new("contract");
    let app = scratch.0.join("app");
    std::fs::create_dir_all(&app).unwrap();
    let stages = repo_root().join("tests/stages");
    std::fs::write(
        app.join("stowage.toml"),
        format!(
            "only = [\"gen\", \"judge\"]\nunmanaged = [\"keep.txt\"]\n\
             [[external_stages]]\nname = \"gen\"\ncommand = [\"python3\", \"{s}/scripted.py\"]\n\
             [[external_stages]]\nname = \"judge\"\nkind = \"gate\"\ncommand = [\"python3\", \"{s}/scripted.py\"]\n\
             [stages.gen]\nfiles = {{ \"Dockerfile\" = \"FROM scratch\\n\" }}\n\
             findings = [{{ file = \"Dockerfile\", line = 1, rule = \"T1\", severity = \"warning\", message = \"m\" }}]\n",
            s = stages.display()
        ),
    )
    .unwrap();
    let report_dir = scratch.0.join("report");
    let status = Command::new(xtask())
        .args(["containerize", "--check", "--app"])
        .arg(&app)
        .arg("--report-dir")
        .arg(&report_dir)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "the check finds the Dockerfile missing");
    let mut checked = 0;
    for stage in ["gen", "judge"] {
        for (part, file) in [("context", "context.json"), ("report", "report.json")] {
            let path = report_dir.join("run").join(stage).join(file);
            let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            validate(part, &value).unwrap_or_else(|e| panic!("{} does not follow the schema: {e}", path.display()));
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
    // And the schema is not vacuous: a context without its version is refused.
    let path = report_dir.join("run/gen/context.json");
    let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("contract_version");
    assert!(validate("context", &value).is_err());
}

#[test]
fn describe_follows_the_schema() {
    for stage in ["stowage-analyze", "stowage-validate"] {
        let out = Command::new(crate::support::built().join(stage)).arg("--describe").output().unwrap();
        assert!(out.status.success(), "{stage} --describe failed");
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        validate("describe", &value).unwrap_or_else(|e| panic!("{stage} --describe: {e}"));
    }
}

/// The run report (`report.json`) follows `docs/report.schema.json`, carries the rules section of an external
/// stage's report with its findings and suppressions, and the report folder holds every format, even though the
/// run failed.
#[test]
fn run_report_follows_its_schema_and_carries_rules() {
    let scratch = Scratch::new("run-report");
    let app = scratch.0.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("stowage.toml"),
        format!(
            "only = [\"judge\"]\n[thresholds]\nfail_on = \"warning\"\n\
             [[external_stages]]\nname = \"judge\"\nkind = \"gate\"\ncommand = [\"python3\", \"{s}/scripted.py\"]\n\
             [stages.judge]\n\
             findings = [{{ file = \"Dockerfile\", line = 2, rule = \"TEAM001\", severity = \"warning\", message = \"no owner\" }}]\n\
             suppressed = [{{ finding = {{ file = \"Dockerfile\", line = 5, rule = \"TEAM001\", severity = \"warning\", message = \"no owner\" }}, reason = \"legacy image\" }}]\n\
             rules = [{{ code = \"TEAM001\", title = \"Dockerfile names no owning team\", severity = \"warning\", help = \"Add a maintainer label.\", doc = \"https://example.com/rules/TEAM001\", peers = [\"checkov:CKV_TEAM_1\"], security = true }}]\n",
            s = repo_root().join("tests/stages").display()
        ),
    )
    .unwrap();
    let report_dir = scratch.0.join("report");
    let sarif = scratch.0.join("out/extra.sarif");
    let out = Command::new(xtask())
        .args(["containerize", "--format", "json", "--app"])
        .arg(&app)
        .arg("--report-dir")
        .arg(&report_dir)
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the warning fails the run");
    let text = std::fs::read_to_string(report_dir.join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("docs/report.schema.json")).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("report.json", schema).unwrap();
    let index = compiler.compile("report.json", &mut schemas).unwrap();
    schemas.validate(&report, index).unwrap_or_else(|e| panic!("report.json does not follow its schema: {e:#}"));
    assert_eq!(report["rules"][0]["title"], "Dockerfile names no owning team");
    assert_eq!(report["suppressed"][0]["reason"], "legacy image");
    assert_eq!(report["suppressed"][0]["stage"], "judge");
    // And the schema is not vacuous.
    let mut broken = report.clone();
    broken.as_object_mut().unwrap().remove("rules");
    assert!(schemas.validate(&broken, index).is_err());
    for name in ["report.sarif", "report.junit.xml", "report.md", "report.html"] {
        assert!(report_dir.join(name).is_file(), "the report folder lacks {name}");
    }
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"][0]["helpUri"], "https://example.com/rules/TEAM001");
    assert_eq!(run["tool"]["driver"]["rules"][0]["properties"]["tags"][0], "checkov:CKV_TEAM_1");
    assert_eq!(run["results"][1]["suppressions"][0]["justification"], "legacy image");
    assert_eq!(run["automationDetails"]["id"], "stowage/app/");
}
