//! The gate judges what is deployed: an overlay's `images:` tag and a JSON patch that no file as written shows as a
//! problem are found in the overlay rendered by the real kubectl, and a chart's default values in the chart rendered
//! through Helm's own library (tests/helm/template.py standing in for `helm template`). A renderer that is not
//! installed is a note, and an overlay naming a remote resource is not rendered (no network at run time).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
#[path = "support/judges.rs"]
mod judges;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A hardened Deployment in a base, and an overlay that tags it `latest` and makes it privileged by JSON patch.
const APP: &[(&str, &str)] = &[
    (
        "deploy/base/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n",
    ),
    (
        "deploy/base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      automountServiceAccountToken: false\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n        runAsGroup: 10001\n        seccompProfile:\n          type: RuntimeDefault\n      containers:\n        - name: web\n          image: ghcr.io/example/web:1.4.2\n          imagePullPolicy: Always\n          ports:\n            - containerPort: 8080\n          resources:\n            requests: {cpu: 100m, memory: 64Mi}\n            limits: {cpu: 500m, memory: 128Mi}\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [ALL]\n          readinessProbe:\n            httpGet: {path: /healthz, port: 8080}\n          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n",
    ),
    (
        "deploy/overlays/prod/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/example/web\n    newTag: latest\npatches:\n  - path: privileged.yaml\n    target:\n      kind: Deployment\n      name: web\n",
    ),
    (
        "deploy/overlays/prod/privileged.yaml",
        "- op: add\n  path: /spec/template/spec/containers/0/securityContext/privileged\n  value: true\n",
    ),
];

/// Runs the validate stage on `app` with `options` as `[stages.validate]`; returns its exit code and report.
fn run(dir: &Path, app: &Path, options: Value) -> (Option<i32>, Value) {
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let context = json!({
        "contract_version": stowage_kit::CONTRACT_VERSION,
        "stowage_version": "0.0.0",
        "stage": "validate",
        "mode": "check",
        "app": { "root": app, "name": "shop" },
        "config": {
            "name": "shop", "profile": "development", "unmanaged": [], "exclude": [],
            "thresholds": { "fail_on": "never", "stage_timeout_seconds": 60 },
            "external_stages": [], "stage_options": { "validate": options }, "key_locations": {}
        },
        "facts": {}, "staged": [], "managed": []
    });
    std::fs::write(dir.join("context.json"), context.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stowage-validate"))
        .args(["--context", "context.json", "--out", "out", "--report", "report.json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap_or_else(|_| {
        panic!("no report: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code(), serde_json::from_str(&report).unwrap())
}

fn findings(report: &Value, file: &str) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == file)
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
        .collect()
}

fn notes(report: &Value) -> String {
    report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("validate-rendered").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    (dir, app)
}

#[test]
fn an_overlay_is_judged_as_kubectl_renders_it() {
    let (dir, app) = scratch("overlay");
    write(&app, APP);
    let kubectl = judges::judge("kubectl", "the gate renders overlays with the real kubectl");
    let (code, report) = run(&dir, &app, json!({ "kustomize": [kubectl, "kustomize"], "helm_template": [] }));
    assert_eq!(code, Some(0), "{report}");
    let found = findings(&report, "deploy/overlays/prod/kustomization.yaml");
    for rule in ["KS038", "KS001"] {
        assert!(
            found.iter().any(|(r, m)| r == rule && m.starts_with("in the overlay deploy/overlays/prod rendered by")),
            "{rule} not found in the rendered overlay: {found:?}\n{}",
            notes(&report)
        );
    }
    // The files as written show neither: the tag and the privilege exist only once rendered.
    for file in ["deploy/base/deployment.yaml", "deploy/overlays/prod/privileged.yaml"] {
        let own: Vec<_> = findings(&report, file).into_iter().filter(|(r, _)| r == "KS038" || r == "KS001").collect();
        assert!(own.is_empty(), "{file}: {own:?}");
    }
    // The base is included by the overlay: it is not rendered on its own.
    assert!(findings(&report, "deploy/base/kustomization.yaml").iter().all(|(_, m)| !m.starts_with("in the overlay")));
    assert!(
        notes(&report).contains("judged as rendered: deploy/overlays/prod/kustomization.yaml"),
        "{}",
        notes(&report)
    );

    // Without the renderer: a note, the files as written still judged.
    let (code, report) = run(&dir, &app, json!({ "kustomize": ["no-such-kubectl", "kustomize"], "helm_template": [] }));
    assert_eq!(code, Some(0));
    assert!(
        notes(&report)
            .contains("deploy/overlays/prod rendered by `no-such-kubectl kustomize`: not judged: not installed"),
        "{}",
        notes(&report)
    );
    let rendered: Vec<_> = findings(&report, "deploy/overlays/prod/kustomization.yaml")
        .into_iter()
        .filter(|(_, m)| m.starts_with("in the overlay"))
        .collect();
    assert!(rendered.is_empty(), "{rendered:?}");
}

#[test]
fn an_overlay_naming_a_remote_resource_is_not_rendered() {
    let (dir, app) = scratch("remote");
    write(&app, APP);
    write(
        &app,
        &[(
            "deploy/overlays/prod/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n  - https://github.com/example/manifests//deploy?ref=v1\n",
        )],
    );
    // A renderer that would record being called: it must not be.
    let marker = dir.join("called");
    let script = dir.join("renderer.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    let (code, report) = run(&dir, &app, json!({ "kustomize": ["sh", script], "helm_template": [] }));
    assert_eq!(code, Some(0));
    assert!(notes(&report).contains("not rendered: it names a remote resource"), "{}", notes(&report));
    assert!(!marker.exists(), "the renderer ran on an overlay with a remote resource");
}

#[test]
fn a_chart_is_judged_as_helm_renders_it() {
    let (dir, app) = scratch("chart");
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm/web");
    let status = Command::new("cp").arg("-r").arg(&chart).arg(app.join("chart")).status().unwrap();
    assert!(status.success());
    // Its default values now run the container privileged: only the rendered chart shows it.
    let values = app.join("chart/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap().replace("privileged: false", "privileged: true");
    std::fs::write(&values, text).unwrap();
    let python = judges::judge("python", "the gate's chart rendering is tested through Helm's own library");
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm/template.py");
    let (code, report) = run(&dir, &app, json!({ "kustomize": [], "helm_template": [python, template] }));
    assert_eq!(code, Some(0), "{report}");
    let found = findings(&report, "chart/Chart.yaml");
    assert!(
        found.iter().any(|(r, m)| r == "KS001" && m.starts_with("in the chart chart rendered by")),
        "{found:?}\n{}",
        notes(&report)
    );
    assert!(notes(&report).contains("judged as rendered: chart/Chart.yaml"), "{}", notes(&report));
}
