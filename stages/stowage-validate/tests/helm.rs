//! The Helm rows of the check list that need rendering, through Helm's own library rather than our engine (which
//! does not render Go templates): H01 (render, then run the Kubernetes rules on the output), H02 (`helm lint`,
//! templates render, `required` values) and H03 (values validate against values.schema.json).
//!
//! `tests/helm/judge.py` runs helm-python-sdk from the judges venv that `cargo xtask judges` installs into
//! target/judges/venv, on every Helm fixture chart (tests/fixtures/HC*/{bad,good}) and on tests/helm/web, a chart
//! with templates, helpers, a schema and `required`. There is no skipping: without the venv these tests fail and
//! say how to install it (CI runs `cargo xtask judges` first).
//!
//! Rendered findings are snapshotted in tests/helm/expected/ (`UPDATE_EXPECT=1` rewrites them).

use std::path::{Path, PathBuf};

use serde_json::Value;
use stowage_validate::{Input, Kind, Policy, Severity, lint, yaml};
#[path = "support/findings.rs"]
mod findings;
#[path = "support/judges.rs"]
mod judges;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's python, with Helm's own library.
fn python() -> PathBuf {
    judges::judge("python", "the Helm rows that need rendering are tested through Helm's own library installed there")
}

/// What Helm says about `chart` (with the values file, if any): see tests/helm/judge.py.
fn judge(chart: &Path, values: Option<&Path>) -> Value {
    let mut cmd = std::process::Command::new(python());
    cmd.arg(crate_dir().join("tests/helm/judge.py")).arg(chart);
    if let Some(v) = values {
        cmd.arg(v);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run tests/helm/judge.py on {}: {e}", chart.display()));
    assert!(
        out.status.success(),
        "tests/helm/judge.py failed on {} (is helm-python-sdk in the venv? run `cargo xtask judges`):\n{}",
        chart.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tests/helm/judge.py printed no JSON for {}: {e}", chart.display()))
}

fn text<'v>(report: &'v Value, key: &str) -> Option<&'v str> {
    report.get(key).and_then(Value::as_str)
}

/// Writes the rendered manifests under `scratch` and runs the Kubernetes rules over all of them together (so that
/// the cross-object rules see the whole release). Findings name the template, as Helm does.
fn lint_rendered(report: &Value, scratch: &str, policy: &Policy) -> stowage_validate::LintResult {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm").join(scratch);
    let _ = std::fs::remove_dir_all(&dir);
    let mut inputs = Vec::new();
    let rendered = report["rendered"].as_object().expect("rendered is an object");
    for (name, manifest) in rendered {
        let manifest = manifest.as_str().unwrap_or_default();
        if !(name.ends_with(".yaml") || name.ends_with(".yml")) || manifest.trim().is_empty() {
            continue;
        }
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("template path has a folder")).expect("scratch folder");
        std::fs::write(&path, manifest).expect("write rendered manifest");
        inputs.push(Input { file: name.clone(), path, kind: Kind::Kubernetes });
    }
    inputs.sort();
    lint(&inputs, policy)
}

fn snapshot(name: &str, found: &str) {
    let path = crate_dir().join("tests/helm/expected").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().expect("expected folder")).expect("expected folder");
        std::fs::write(&path, found).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(expected, found, "rendered findings differ from {} (regenerate with UPDATE_EXPECT=1)", path.display());
}

/// Every chart the tests know: the HC rule fixtures and tests/helm/web, as (name, folder).
fn charts() -> Vec<(String, PathBuf)> {
    let mut charts = Vec::new();
    let fixtures = crate_dir().join("tests/fixtures");
    let mut rules: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("tests/fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("HC")))
        .collect();
    rules.sort();
    for rule in rules {
        for stem in ["bad", "good"] {
            let dir = rule.join(stem);
            if dir.join("Chart.yaml").is_file() {
                let code = rule.file_name().unwrap_or_default().to_string_lossy().to_string();
                charts.push((format!("{code}/{stem}"), dir));
            }
        }
    }
    charts.push(("web".to_string(), crate_dir().join("tests/helm/web")));
    charts
}

/// Namespaces set in the rendered objects (the release's is `ns`).
fn rendered_namespaces(report: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for manifest in report["rendered"].as_object().into_iter().flat_map(|m| m.values()) {
        let (docs, _) = yaml::parse(manifest.as_str().unwrap_or_default());
        for root in docs.iter().filter_map(|d| d.root.as_ref()) {
            if let Some(ns) = root.path(&["metadata", "namespace"]).and_then(|n| n.str()) {
                found.push(ns.to_string());
            }
        }
    }
    found
}

/// Our static chart rules against Helm's verdict on every chart: `helm lint` errors exactly where HC002, HC003 or
/// HC005 fire; the default values validate against values.schema.json; every loadable chart renders; a rendered
/// namespace other than the release's exactly where HC006 fires; and the rendered manifests, checked by the
/// Kubernetes rules, are snapshotted.
#[test]
fn every_chart_agrees_with_helm_lint_and_renders() {
    let mut failures = Vec::new();
    let mut summary = String::new();
    for (name, dir) in charts() {
        let ours = lint(
            &[Input { file: "Chart.yaml".to_string(), path: dir.join("Chart.yaml"), kind: Kind::HelmChart }],
            &Policy::default(),
        );
        let fired = |code: &str| ours.findings.iter().any(|f| f.rule == code);
        let report = judge(&dir, None);
        let lint_errors: Vec<String> = report["lint"]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str())
            .map(|e| e.lines().next().unwrap_or_default().to_string())
            .collect();
        let static_errors = ["HC002", "HC003", "HC005"].into_iter().filter(|c| fired(c)).collect::<Vec<_>>();
        if lint_errors.is_empty() != static_errors.is_empty() {
            failures
                .push(format!("{name}: helm lint errors {lint_errors:?}, our static chart errors {static_errors:?}"));
        }
        match (text(&report, "load_error"), text(&report, "schema_error"), text(&report, "render_error")) {
            (Some(load), _, _) => {
                // Only a chart whose Chart.yaml our rules reject may fail to load.
                if !fired("HC002") && !fired("HC003") {
                    failures.push(format!("{name}: Helm cannot load it ({load}) but no HC002/HC003 finding"));
                }
                summary.push_str(&format!("{name}: not loadable: {}\n", load.lines().next().unwrap_or_default()));
                continue;
            }
            (None, Some(schema), _) if !fired("HC005") => {
                failures.push(format!("{name}: its own values fail values.schema.json: {schema}"));
            }
            (None, _, Some(render)) if !fired("HC005") => {
                failures.push(format!("{name}: templates do not render with the default values: {render}"));
            }
            _ => {}
        }
        let foreign: Vec<String> = rendered_namespaces(&report).into_iter().filter(|ns| ns != "ns").collect();
        if foreign.is_empty() == fired("HC006") {
            failures.push(format!(
                "{name}: rendered namespaces other than the release's {foreign:?}, HC006 fired: {}",
                fired("HC006")
            ));
        }
        let rendered = lint_rendered(&report, &name, &Policy::default());
        summary.push_str(&format!(
            "{name}: helm lint errors {}, schema {}, rendered {} manifests, {} Kubernetes findings\n",
            lint_errors.len(),
            if text(&report, "schema_error").is_some() { "invalid" } else { "ok" },
            rendered.files_checked,
            rendered.findings.len()
        ));
    }
    assert!(failures.is_empty(), "our Helm chart rules and Helm disagree:\n{}", failures.join("\n"));
    snapshot("charts.txt", &summary);
}

/// H01 on a chart with secure defaults: the rendered release has no warning or error from the Kubernetes rules.
#[test]
fn web_chart_renders_clean_with_its_defaults() {
    let chart = crate_dir().join("tests/helm/web");
    let report = judge(&chart, None);
    assert_eq!(text(&report, "render_error"), None, "tests/helm/web must render with its own values");
    assert_eq!(text(&report, "schema_error"), None, "tests/helm/web values must match its schema");
    let result = lint_rendered(&report, "web-defaults", &Policy::default());
    assert!(result.files_checked >= 6, "expected every template rendered, got {}", result.files_checked);
    let loud: Vec<_> = result.findings.iter().filter(|f| f.severity >= Severity::Warning).collect();
    assert!(loud.is_empty(), "rendered defaults of tests/helm/web trip the Kubernetes rules: {loud:#?}");
    snapshot("web-defaults.txt", &findings::as_lines(&result.findings));
}

/// H01 with careless values: the rendered release trips the rules the values switch off.
#[test]
fn web_chart_with_insecure_values_trips_the_kubernetes_rules() {
    let crate_dir = crate_dir();
    let report = judge(&crate_dir.join("tests/helm/web"), Some(&crate_dir.join("tests/helm/values/insecure.yaml")));
    assert_eq!(text(&report, "render_error"), None);
    let result = lint_rendered(&report, "web-insecure", &Policy::default());
    let found = findings::as_lines(&result.findings);
    // Privileged, privilege escalation, no resources, single-replica HPA, PDB above the HPA's minimum.
    for code in ["KS001", "KS002", "KS030", "KS072", "KS096"] {
        assert!(found.contains(&format!(" {code}: ")), "{code} not reported on the insecure render:\n{found}");
    }
    snapshot("web-insecure.txt", &found);
}

/// H03: values that break values.schema.json are refused before anything renders, naming each key.
#[test]
fn values_are_validated_against_the_schema() {
    let crate_dir = crate_dir();
    let report = judge(&crate_dir.join("tests/helm/web"), Some(&crate_dir.join("tests/helm/values/wrong-types.yaml")));
    let schema = text(&report, "schema_error").expect("wrong-types.yaml must fail values.schema.json");
    for key in ["/replicaCount", "/containerPort"] {
        assert!(schema.contains(key), "schema error does not name {key}: {schema}");
    }
    assert!(text(&report, "render_error").is_some(), "Helm must not render values that fail the schema");
}

/// H02: a `required` value that is missing stops the render with the template's own message.
#[test]
fn missing_required_value_stops_the_render() {
    let crate_dir = crate_dir();
    let report = judge(&crate_dir.join("tests/helm/web"), Some(&crate_dir.join("tests/helm/values/no-image.yaml")));
    let error = text(&report, "render_error").expect("rendering without image.repository must fail");
    assert!(error.contains("image.repository is required"), "unexpected render error: {error}");
    assert!(report["rendered"].as_object().is_none_or(|m| m.is_empty()));
}
