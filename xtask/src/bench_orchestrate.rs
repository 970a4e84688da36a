//! `cargo xtask bench --orchestrate-only --apps-dir DIR`: the compose files, Kustomize overlays and Helm charts
//! generated for the real apps of tests/apps-expected/apps.tsv (copied without their own container files), judged
//! by the real tools: the compose-spec schema (check-jsonschema), `kubectl kustomize`, Helm's own library (lint and
//! render, helm-python-sdk), kubernetes-validate `--strict` and checkov on what the overlays and charts render, and
//! stowage's validator at warning and above. Apps no generator test was tuned on: reported apart from the fixtures.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::failure::{Failure, Result};

pub const HEADING: &str = "## Real apps: generated compose files, overlays and charts judged";

/// The Kubernetes version kubernetes-validate judges the rendered objects against (the newest its schemas hold).
const KUBERNETES: &str = "1.37.0";

/// One app's outcome.
#[derive(Default)]
struct Row {
    name: String,
    services: usize,
    compose: Vec<String>,
    rendered: Vec<PathBuf>,
    problems: Vec<String>,
    run: String,
}

fn venv(root: &Path, tool: &str) -> PathBuf {
    root.join("target/judges/venv/bin").join(tool)
}

fn output(cmd: &mut Command, what: &str) -> Result<std::process::Output> {
    cmd.output().map_err(|e| Failure::crash(format!("{what} did not start: {e}")))
}

fn tail(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

pub fn section(root: &Path, apps_dir: &Path) -> Result<String> {
    crate::judges::install(root)?;
    let status = Command::new("cargo")
        .current_dir(root)
        .args(["build", "--quiet", "--workspace", "--bins"])
        .status()
        .map_err(|e| Failure::crash(format!("cargo did not start: {e}")))?;
    if !status.success() {
        return Err(Failure::crash("building the stages failed"));
    }
    let list = crate::failure::read_to_string(&root.join("tests/apps-expected/apps.tsv"))?;
    let scratch = std::env::temp_dir().join(format!("stowage-bench-orchestrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let rendered_dir = scratch.join("rendered");
    std::fs::create_dir_all(&rendered_dir).map_err(|e| Failure::crash(e.to_string()))?;
    let mut rows = Vec::new();
    let mut absent = Vec::new();
    for line in list.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let repo = line.split('\t').next().unwrap_or_default();
        let name = repo.replace('/', "__");
        let source = apps_dir.join(&name);
        if !source.is_dir() {
            absent.push(format!("`{repo}`"));
            continue;
        }
        println!("bench: {repo} ...");
        let app = scratch.join("apps").join(&name);
        crate::verify_check::copy_tree(&source, &app).map_err(|e| Failure::crash(format!("{repo}: {e}")))?;
        crate::bench_dockerfiles::remove_own_container_files(&app)
            .map_err(|e| Failure::crash(format!("{repo}: {e}")))?;
        rows.push(judge_app(root, &app, &name, &scratch, &rendered_dir)?);
    }
    // checkov once over everything rendered; its failures are attributed by file.
    let checkov = checkov(root, &rendered_dir)?;
    for row in &mut rows {
        for file in &row.rendered {
            let shown = file.file_name().unwrap_or_default().to_string_lossy().to_string();
            for check in checkov.get(&shown).into_iter().flatten() {
                row.problems.push(format!("checkov {check} in {shown}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(render_section(&rows, &absent))
}

fn judge_app(root: &Path, app: &Path, name: &str, scratch: &Path, rendered_dir: &Path) -> Result<Row> {
    let mut row = Row { name: name.replace("__", "/"), ..Row::default() };
    let reports = scratch.join(format!("{name}.report"));
    let run = output(
        Command::new(root.join("target/debug/xtask")).current_dir(root).args([
            "containerize",
            "--fail-on",
            "never",
            "--only",
            "analyze,dockerfile,orchestrate,validate",
            "--report-dir",
            &reports.to_string_lossy(),
            "--app",
            &app.to_string_lossy(),
        ]),
        "the runner",
    )?;
    row.run = match run.status.code() {
        Some(0) => "ok".into(),
        code => format!("exit {}: {}", code.map_or("signal".into(), |c| c.to_string()), tail(&run.stderr, 1)),
    };
    let report: serde_json::Value = std::fs::read_to_string(reports.join("report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let written: Vec<String> = report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["stage"] == "orchestrate")
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    row.services = report["facts"]["analyze"]["services"]
        .as_array()
        .map_or(0, |s| s.iter().filter(|s| s["kind"]["value"] != "cli").count());
    // Stowage's own validator, on the files orchestrate generated.
    for f in report["findings"].as_array().into_iter().flatten() {
        let file = f["file"].as_str().unwrap_or_default();
        let severe = matches!(f["severity"].as_str(), Some("warning" | "error"));
        if severe && f["stage"] == "validate" && written.iter().any(|w| w == file) {
            row.problems.push(format!("stowage {} in {file}", f["rule"].as_str().unwrap_or_default()));
        }
    }
    // Compose files against the compose-spec schema.
    row.compose = written
        .iter()
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with("compose") && n.ends_with(".yaml")))
        .cloned()
        .collect();
    if !row.compose.is_empty() {
        let out = output(
            Command::new(venv(root, "check-jsonschema"))
                .args(["--builtin-schema", "vendor.compose-spec"])
                .args(row.compose.iter().map(|c| app.join(c))),
            "check-jsonschema",
        )?;
        if !out.status.success() {
            row.problems.push(format!("compose schema: {}", tail(&out.stdout, 2)));
        }
    }
    // Overlays, rendered by kubectl.
    let overlays: Vec<&str> = written
        .iter()
        .filter_map(|p| p.strip_prefix("deploy/kustomize/overlays/"))
        .filter_map(|p| p.strip_suffix("/kustomization.yaml"))
        .collect();
    let mut files = Vec::new();
    for overlay in overlays {
        let out = output(
            Command::new(venv(root, "kubectl"))
                .arg("kustomize")
                .arg(app.join("deploy/kustomize/overlays").join(overlay)),
            "kubectl",
        )?;
        if !out.status.success() || !out.stderr.is_empty() {
            row.problems.push(format!("kubectl kustomize overlays/{overlay}: {}", tail(&out.stderr, 2)));
            continue;
        }
        let file = rendered_dir.join(format!("{name}-{overlay}.yaml"));
        std::fs::write(&file, &out.stdout).map_err(|e| Failure::crash(e.to_string()))?;
        files.push(file);
    }
    // Charts, linted and rendered by Helm's own library (the orchestrate tests' driver).
    for chart in written.iter().filter_map(|p| p.strip_suffix("/Chart.yaml")) {
        let dir = app.join(chart);
        let release = chart.rsplit('/').next().unwrap_or("release");
        let job = serde_json::json!([{
            "chart": dir, "name": release, "namespace": format!("{release}-prod"), "values": {}, "lint": true
        }]);
        let mut child = Command::new(venv(root, "python"))
            .arg(root.join("stages/stowage-orchestrate/tests/helm_render.py"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| Failure::crash(format!("helm_render.py did not start: {e}")))?;
        use std::io::Write as _;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(job.to_string().as_bytes())
            .map_err(|e| Failure::crash(e.to_string()))?;
        let out = child.wait_with_output().map_err(|e| Failure::crash(e.to_string()))?;
        let result: serde_json::Value = serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
            .ok()
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default();
        if let Some(error) = result["error"].as_str().or_else(|| (!out.status.success()).then_some("did not run")) {
            row.problems.push(format!("helm render {chart}: {}", error.lines().next().unwrap_or_default()));
            continue;
        }
        for message in result["lint"]["messages"].as_array().into_iter().flatten() {
            if message["severity"].as_i64().unwrap_or(0) >= 2 {
                row.problems.push(format!("helm lint {chart}: {}", message["error"].as_str().unwrap_or_default()));
            }
        }
        let text: String = result["objects"].as_array().into_iter().flatten().map(|o| format!("---\n{o}\n")).collect();
        let file = rendered_dir.join(format!("{name}-chart.yaml"));
        std::fs::write(&file, text).map_err(|e| Failure::crash(e.to_string()))?;
        files.push(file);
    }
    if !files.is_empty() {
        let out = output(
            Command::new(venv(root, "kubernetes-validate")).args(["-k", KUBERNETES, "--strict"]).args(&files),
            "kubernetes-validate",
        )?;
        if !out.status.success() {
            row.problems.push(format!("kubernetes-validate: {}", tail(&out.stdout, 2)));
        }
    }
    row.rendered = files;
    Ok(row)
}

/// checkov's failed checks by rendered file name.
fn checkov(root: &Path, dir: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let out = output(
        Command::new(venv(root, "checkov"))
            .args(["--skip-download", "--framework", "kubernetes", "--quiet", "--compact", "-o", "json", "-d"])
            .arg(dir)
            .env("BC_SKIP_MAPPING", "TRUE"),
        "checkov",
    )?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut failed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let reports = match &report {
        serde_json::Value::Array(list) => list.clone(),
        other => vec![other.clone()],
    };
    for r in reports {
        for check in r["results"]["failed_checks"].as_array().into_iter().flatten() {
            let file = check["file_path"].as_str().unwrap_or_default().trim_start_matches('/').to_string();
            let file = file.rsplit('/').next().unwrap_or_default().to_string();
            failed.entry(file).or_default().push(check["check_id"].as_str().unwrap_or_default().to_string());
        }
    }
    for checks in failed.values_mut() {
        checks.sort();
        checks.dedup();
    }
    Ok(failed)
}

fn render_section(rows: &[Row], absent: &[String]) -> String {
    let mut out = format!(
        "{HEADING}\n\nWritten by `cargo xtask bench --orchestrate-only --apps-dir <apps folder>`. Each app of \
         tests/apps-expected/apps.tsv, copied without its own Dockerfiles and compose files, then \
         `containerize --only analyze,dockerfile,orchestrate,validate`; the compose files judged by the compose-spec \
         schema (check-jsonschema), each Kustomize overlay rendered by `kubectl kustomize` and the Helm chart linted \
         (strict) and rendered by Helm's own library, everything rendered judged by kubernetes-validate `--strict` \
         (Kubernetes {KUBERNETES}) and checkov, and the generated files by stowage's validator at warning and above. \
         No test of the orchestrate stage was tuned on these apps.\n\n\
         First run, before any change (2026-12-05): 18 of 20 apps clean; dotnet-architecture/eShopOnWeb and \
         benbjohnson/wtf each have two web services on one port, and both compose files published that host port \
         twice (stowage's CP026: `up` fails). Fixed as a class (the later service gets the next free host port, \
         with a comment; case `services_on_the_same_port_get_distinct_host_ports`), so those two apps are no \
         longer unseen. Apps with nothing generated are refused by design: heroku's node-js-sample pins Node.js \
         4.0.0, older than any line the knowledge base keeps, and axum has no deployable.\n\n\
         | app | services | compose files | overlays and charts rendered | problems | run |\n\
         | --- | ---: | ---: | ---: | --- | --- |\n"
    );
    let (mut clean, mut generated) = (0, 0);
    for row in rows {
        let judged = !row.compose.is_empty() || !row.rendered.is_empty();
        if judged {
            generated += 1;
            if row.problems.is_empty() {
                clean += 1;
            }
        }
        let problems = if row.problems.is_empty() {
            if judged { "none".to_string() } else { "nothing generated".to_string() }
        } else {
            row.problems.iter().take(4).cloned().collect::<Vec<_>>().join("; ")
                + &if row.problems.len() > 4 { format!("; and {} more", row.problems.len() - 4) } else { String::new() }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.name,
            row.services,
            row.compose.len(),
            row.rendered.len(),
            problems.replace('|', "\\|"),
            row.run.replace('|', "\\|")
        );
    }
    let _ = writeln!(out, "\nApps with generated files that every judge accepts: {clean} of {generated}.");
    if !absent.is_empty() {
        let _ = writeln!(out, "\nNot in the apps folder, so not judged: {}.", absent.join(", "));
    }
    out.push('\n');
    out
}
