//! The compose files committed in every fixture app (tests/fixtures/apps/*, drift-checked by `cargo xtask
//! containerize --check --app`), judged: the compose-spec schema (check-jsonschema, one call for every file),
//! stowage's own validator (nothing at warning or above), and the model (every variable a service reads is set,
//! referenced, or read from its env_file as a secret; no secret gets a value).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use stowage_model::{Kind, Model};

fn is_compose(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|name| name.starts_with("compose"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn judge(name: &str) -> PathBuf {
    let bin = repo().join("target/judges/venv/bin").join(name);
    assert!(bin.is_file(), "{} is missing: run `cargo xtask judges` first", bin.display());
    bin
}

/// Each fixture app with the files orchestrate generated there (from its committed stowage.lock) and its model.
fn fixtures() -> Vec<(PathBuf, Vec<String>, Model)> {
    let mut out = Vec::new();
    let mut apps: Vec<PathBuf> =
        std::fs::read_dir(repo().join("tests/fixtures/apps")).unwrap().map(|e| e.unwrap().path()).collect();
    apps.sort();
    for app in apps {
        let lock: toml::Table = std::fs::read_to_string(app.join("stowage.lock")).unwrap().parse().unwrap();
        let files: Vec<String> = lock["file"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["stage"].as_str() == Some("orchestrate"))
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        let options = stowage_analyze_options(&app);
        out.push((app, files, options));
    }
    assert!(out.len() > 20);
    out
}

/// The model analyze publishes for the app, as the committed expected model of analyze's own tests.
fn stowage_analyze_options(app: &Path) -> Model {
    let name = app.file_name().unwrap().to_string_lossy();
    let path = repo().join(format!("stages/stowage-analyze/tests/expected/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn compose_files_follow_the_compose_spec_and_pass_the_validator() {
    let mut files = Vec::new();
    for (app, generated, model) in fixtures() {
        let compose: Vec<&String> = generated.iter().filter(|f| is_compose(f)).collect();
        let cli_only = model.services.iter().all(|s| s.kind.value == Kind::Cli);
        assert_eq!(compose.len(), if cli_only { 0 } else { 2 }, "{}: {generated:?}", app.display());
        files.extend(compose.into_iter().map(|f| app.join(f)));
    }
    let output = Command::new(judge("check-jsonschema"))
        .args(["--builtin-schema", "vendor.compose-spec"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let policy = stowage_validate::Policy::default();
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(repo()).unwrap().display().to_string();
        for f in stowage_validate::lint_text(stowage_validate::Kind::Compose, &shown, &text, &policy) {
            if f.severity >= stowage_validate::Severity::Warning {
                problems.push(format!("{shown}:{}: {} {}", f.line.unwrap_or(0), f.rule, f.message));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Not vacuous: the validator does flag a service without the hardening.
    let bare = "services:\n  web:\n    image: \"nginx:1.27\"\n";
    assert!(!stowage_validate::lint_text(stowage_validate::Kind::Compose, "c.yaml", bare, &policy).is_empty());
}

/// `KEY: value` entries of a service's `environment:` block and whether it has an `env_file`, read from the
/// generated text (the writer's layout: two-space indents, one key per line).
fn environment(text: &str, service: &str) -> (BTreeMap<String, String>, bool) {
    let mut env = BTreeMap::new();
    let mut env_file = false;
    let mut in_service = false;
    let mut in_env = false;
    let mut in_secrets = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
            in_service = name.trim_end_matches(':') == service;
            in_env = false;
            continue;
        }
        if !in_service {
            continue;
        }
        if let Some(key) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) {
            in_env = key == "environment:";
            in_secrets = key == "secrets:";
            env_file |= key == "env_file:";
            continue;
        }
        // A secret mounted as a file at /run/secrets/<target>: the app reads it there.
        if in_secrets && let Some(target) = line.trim().strip_prefix("target: ") {
            env.insert(target.trim_matches('"').to_string(), "<file>".to_string());
            continue;
        }
        if in_env && let Some((k, v)) = line.trim().split_once(": ") {
            env.insert(k.to_string(), v.trim_matches('"').to_string());
        } else if in_env && let Some(k) = line.trim().strip_suffix(':') {
            // Passed from the caller's environment: no value.
            env.insert(k.to_string(), String::new());
        }
    }
    (env, env_file)
}

#[test]
fn every_variable_is_set_or_referenced_and_no_secret_has_a_value() {
    let mut checked = 0;
    for (app, generated, model) in fixtures() {
        for file in generated.iter().filter(|f| is_compose(f)) {
            let text = std::fs::read_to_string(app.join(file)).unwrap();
            for s in model.services.iter().filter(|s| s.kind.value != Kind::Cli) {
                let (env, env_file) = environment(&text, &s.name);
                for v in &s.env_vars {
                    let name = &v.value;
                    // `NAME_FILE` holds a path, never the secret.
                    let secret = !name.ends_with("_FILE")
                        && ["PASSWORD", "SECRET", "TOKEN", "KEY"].iter().any(|w| name.contains(w));
                    match env.get(name) {
                        // The file holds the value; `NAME_FILE` holds its path.
                        Some(v) if v == "<file>" || v.starts_with("/run/secrets/") => {}
                        Some(_) if secret => {
                            panic!("{}/{file}: secret `{name}` of `{}` has a value", app.display(), s.name)
                        }
                        Some(_) => {}
                        None => assert!(
                            env_file,
                            "{}/{file}: `{}` reads `{name}`, which is neither set nor in an env_file",
                            app.display(),
                            s.name
                        ),
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} variables checked");
}

#[test]
fn an_app_with_its_own_compose_file_gets_stowages_under_deploy_compose() {
    let all = fixtures();
    let (_, monorepo, _) = all.iter().find(|(app, ..)| app.ends_with("monorepo")).unwrap();
    assert!(monorepo.contains(&"deploy/compose/compose.yaml".to_string()), "{monorepo:?}");
    assert!(monorepo.contains(&"deploy/compose/compose.prod.yaml".to_string()));
    // It has its own .env.example too, so stowage writes none there; apps without one that read variables get one.
    assert!(!monorepo.contains(&".env.example".to_string()));
    let (_, express, _) = all.iter().find(|(app, ..)| app.ends_with("node-express")).unwrap();
    assert!(
        express.contains(&"compose.yaml".to_string()) && express.contains(&".env.example".to_string()),
        "{express:?}"
    );
}

/// Kubernetes too: every variable a service reads reaches its pods, in the base as committed: in the env list (a
/// `secretKeyRef` or an optional `configMapKeyRef`), in its generated ConfigMap, or as a key of the Secret mounted at
/// /run/secrets; no secret is a ConfigMap literal.
#[test]
fn every_variable_reaches_the_pods_and_no_secret_is_a_literal() {
    let mut checked = 0;
    for (app, generated, model) in fixtures() {
        for s in model.services.iter().filter(|s| s.kind.value != Kind::Cli) {
            let base = format!("deploy/kustomize/base/{}", s.name);
            if !generated.iter().any(|f| f.starts_with(&format!("{base}/"))) {
                continue;
            }
            let resources = std::fs::read_to_string(app.join(&base).join("resources.yaml")).unwrap();
            let kustomization = std::fs::read_to_string(app.join(&base).join("kustomization.yaml")).unwrap();
            for v in &s.env_vars {
                let name = &v.value;
                let in_env = resources.contains(&format!("- name: \"{name}\"\n"));
                let literal = kustomization.contains(&format!("- \"{name}="));
                let file = resources.contains(&format!("- key: \"{name}\"\n"));
                assert!(
                    in_env || literal || file,
                    "{}/{base}: `{name}` is neither in the env list, the ConfigMap nor a mounted Secret",
                    app.display()
                );
                let secret =
                    !name.ends_with("_FILE") && ["PASSWORD", "SECRET", "TOKEN", "KEY"].iter().any(|w| name.contains(w));
                assert!(!(secret && literal), "{}/{base}: secret `{name}` is a ConfigMap literal", app.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "only {checked} variables checked");
}
