//! The Kustomize base and overlays committed in every fixture app (drift-checked by `cargo xtask containerize
//! --check --app`), rendered by the real kubectl (`kubectl kustomize`, no warning) and judged on what is deployed:
//! kubernetes-validate `--strict` for Kubernetes 1.34 to 1.37 and checkov (one call each for every rendered
//! overlay), stowage's own validator on the files as written (nothing at warning or above), and the properties the
//! restricted profile and the rollout need, read from the rendered objects.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn judge(name: &str) -> PathBuf {
    let bin = repo().join("target/judges/venv/bin").join(name);
    assert!(bin.is_file(), "{} is missing: run `cargo xtask judges` first", bin.display());
    bin
}

/// Fixture apps with a Kustomize tree.
fn apps() -> Vec<PathBuf> {
    let mut apps: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/apps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("deploy/kustomize/base/kustomization.yaml").is_file())
        .collect();
    apps.sort();
    assert!(apps.len() > 20, "only {} fixture apps have Kubernetes files", apps.len());
    apps
}

/// Every overlay of every fixture app rendered into one scratch folder (`<app>-<overlay>.yaml`).
fn rendered() -> (Vec<PathBuf>, PathBuf) {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-kustomize");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let apps = apps();
    for app in &apps {
        for overlay in ["dev", "prod"] {
            let output = Command::new(judge("kubectl"))
                .arg("kustomize")
                .arg(app.join("deploy/kustomize/overlays").join(overlay))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success() && stderr.trim().is_empty(), "{}/{overlay}: {stderr}", app.display());
            let name = format!("{}-{overlay}.yaml", app.file_name().unwrap().to_string_lossy());
            std::fs::write(out.join(name), &output.stdout).unwrap();
        }
    }
    (apps, out)
}

#[test]
fn rendered_overlays_pass_kubernetes_validate_checkov_and_the_restricted_profile() {
    let (apps, out) = rendered();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for version in ["1.34.0", "1.35.0", "1.36.0", "1.37.0"] {
        let output =
            Command::new(judge("kubernetes-validate")).args(["-k", version, "--strict"]).args(&files).output().unwrap();
        assert!(
            output.status.success(),
            "kubernetes-validate {version}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = Command::new(judge("checkov"))
        .args(["--skip-download", "--framework", "kubernetes", "--quiet", "--compact", "-o", "json", "-d"])
        .arg(&out)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("checkov prints JSON");
    let summary = &report["summary"];
    assert_eq!(summary["failed"], 0, "{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        summary["passed"].as_u64().unwrap() > 100 * apps.len() as u64 / 2,
        "checkov's Kubernetes checks ran: {summary}"
    );
    assert_eq!(summary["parsing_errors"], 0);

    // What the restricted profile and the rollout need, on the rendered objects.
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.file_name().unwrap().to_string_lossy();
        assert!(text.contains("pod-security.kubernetes.io/enforce: restricted"), "{shown}: namespace not restricted");
        for needle in [
            "runAsNonRoot: true",
            "allowPrivilegeEscalation: false",
            "readOnlyRootFilesystem: true",
            "type: RuntimeDefault",
            "automountServiceAccountToken: false",
            "imagePullPolicy: Always",
            "unhealthyPodEvictionPolicy: AlwaysAllow",
        ] {
            assert!(text.contains(needle) || !text.contains("kind: Deployment"), "{shown}: no `{needle}`");
        }
        // The HPA owns the scale: no Deployment states replicas.
        assert!(!text.contains("\n  replicas:"), "{shown}: a Deployment sets replicas");
        assert!(!text.contains(":latest"), "{shown}: an image tagged latest");
    }
}

#[test]
fn the_files_as_written_pass_stowages_validator() {
    let policy = stowage_validate::Policy::default();
    let mut problems = Vec::new();
    let mut checked = 0;
    for app in apps() {
        let mut stack = vec![app.join("deploy/kustomize")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let shown = path.strip_prefix(repo()).unwrap().display().to_string();
                for f in stowage_validate::lint_text(stowage_validate::Kind::Kubernetes, &shown, &text, &policy) {
                    if f.severity >= stowage_validate::Severity::Warning {
                        problems.push(format!("{shown}:{}: {} {}", f.line.unwrap_or(0), f.rule, f.message));
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
