//! The stage contract as committed JSON Schema: every context the runner writes and every report a stage writes
//! must validate against `stages/stowage-kit/contract.schema.json` (which `cargo xtask codegen` keeps in step with
//! the types).

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
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("contract.json", schema_for(part)).unwrap();
    let index = compiler.compile("contract.json", &mut schemas).map_err(|e| e.to_string())?;
    schemas.validate(instance, index).map_err(|e| format!("{e:#}"))
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
