//! Every fixture app under tests/fixtures/apps has a committed expected model, compared byte for byte.
//! `UPDATE_EXPECT=1 cargo test -p stowage-analyze --test fixtures` rewrites them after a deliberate change.

mod support;

use std::path::Path;

use stowage_analyze::{Options, analyze, doc};

fn fixtures_dir() -> std::path::PathBuf {
    support::repo_root().join("tests/fixtures/apps")
}

fn expected_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected")
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/apps exists")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Compares `actual` with the committed file, or rewrites it when UPDATE_EXPECT is set. Returns a mismatch message.
fn check(path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).expect("write expected file");
        return None;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    (expected != actual).then(|| {
        let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
        format!("{} differs (first at line {line})", path.display())
    })
}

#[test]
fn every_fixture_matches_its_expected_model() {
    let names = fixture_names();
    assert!(names.len() >= 20, "expected the fixture apps, found {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let options = Options {
            app_name: name.clone(),
            managed: support::managed(&fixtures_dir().join(name)),
            ..Options::default()
        };
        let model = match analyze(&fixtures_dir().join(name), &options) {
            Ok(model) => model,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let json = serde_json::to_string_pretty(&model).expect("model serializes") + "\n";
        failures.extend(check(&expected_dir().join(format!("{name}.json")), &json));
        // The document is rendered from the model alone; it must be the same bytes every time.
        let text = doc::render(&model);
        assert_eq!(text, doc::render(&model), "{name}: the document is not deterministic");
        assert!(text.starts_with(doc::HEADER), "{name}: the document must start with the generated-file header");
    }
    // A leftover expected file means a fixture was renamed or removed without cleaning up.
    for entry in std::fs::read_dir(expected_dir()).expect("tests/expected exists").flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
        if !names.iter().any(|n| n == stem) {
            failures.push(format!("tests/expected/{file} has no fixture app"));
        }
    }
    assert!(failures.is_empty(), "{}\nrun with UPDATE_EXPECT=1 to accept the new output", failures.join("\n"));
}

#[test]
fn monorepo_document_matches() {
    let options = Options {
        app_name: "monorepo".into(),
        managed: support::managed(&fixtures_dir().join("monorepo")),
        ..Options::default()
    };
    let model = analyze(&fixtures_dir().join("monorepo"), &options).expect("monorepo analyses");
    let failure = check(&expected_dir().join("monorepo.md"), &doc::render(&model));
    assert!(failure.is_none(), "{}\nrun with UPDATE_EXPECT=1 to accept the new output", failure.unwrap_or_default());
}

/// Each fixture says whether the verify stage can build it here, and why not when it cannot.
#[test]
fn every_fixture_declares_whether_it_builds() {
    for name in fixture_names() {
        let path = fixtures_dir().join(&name).join("fixture.toml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for key in table.keys() {
            assert!(
                ["description", "analyze_only", "reason"].contains(&key.as_str()),
                "{}: unknown key `{key}`",
                path.display()
            );
        }
        assert!(table.get("description").and_then(|d| d.as_str()).is_some(), "{}: needs a description", path.display());
        let only = table.get("analyze_only").and_then(|v| v.as_bool());
        assert!(only.is_some(), "{}: needs analyze_only = true|false", path.display());
        if only == Some(true) {
            assert!(
                table.get("reason").and_then(|r| r.as_str()).is_some(),
                "{}: analyze-only needs a reason",
                path.display()
            );
        }
    }
}

/// The stowage repository itself: with the fixtures excluded it is a Rust CLI (`stowage`) plus stage binaries.
#[test]
fn the_stowage_repository_is_a_rust_cli() {
    let options = Options {
        exclude: vec!["tests/fixtures/**".into()],
        app_name: "stowage".into(),
        managed: support::managed(&support::repo_root()),
        ..Options::default()
    };
    let model = analyze(&support::repo_root(), &options).expect("the repository analyses");
    let stowage = model.services.iter().find(|s| s.name == "stowage").expect("a `stowage` service");
    assert_eq!(stowage.root, "xtask");
    assert_eq!(stowage.language.value, "rust");
    for s in &model.services {
        assert_eq!(s.language.value, "rust", "{}", s.name);
        assert_eq!(s.kind.value.as_str(), "cli", "{}: {:?}", s.name, s.kind);
        assert!(s.ports.is_empty() && s.health_path.is_none(), "{}: a CLI has no port or health", s.name);
    }

    // The override the runner's own stowage.toml uses keeps just the CLI.
    let only = serde_json::json!({ "only": ["stowage"] });
    let overrides = stowage_analyze::Overrides::parse(Some(&only), &Default::default()).expect("valid");
    let options = Options { overrides, ..options };
    let model = analyze(&support::repo_root(), &options).expect("the repository analyses");
    let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["stowage"]);
    assert!(doc::render(&model).contains("**Single container.**"));
}
