//! Malformed input is a finding with a location, never a crash.
//!
//! - `tests/malformed/*`: each file has a `<file>.expected` holding the findings it must produce
//!   (`UPDATE_EXPECT=1` rewrites them).
//! - `tests/fuzz/<target>/*`: inputs kept from the cargo-fuzz runs (fuzz/README.md says how they were run), the
//!   crashes and hangs they found and a selection of small inputs that reached new coverage, replayed through
//!   exactly what each fuzz target calls, on stable.
//! - `tests/excerpts/*`: short excerpts of real files (tests/excerpts.toml says where each comes from, at which
//!   commit, under which license) whose malformed-input findings are known: valid syntax other tools reject, and
//!   really broken lines.
//!
//! Truncations and seeded random mutations of the rule fixtures are in tests/corpus-check/tests/fixtures.rs, and
//! of real files in `cargo xtask corpus-check` (tests/corpus-check/src/robustness.rs).

use std::path::{Path, PathBuf};

use stowage_validate::{Input, Kind, LintResult, Policy, lint, lint_text, output};

fn kind_of(name: &str) -> Kind {
    if name.ends_with(".Dockerfile") {
        Kind::Dockerfile
    } else if name.ends_with(".compose.yaml") {
        Kind::Compose
    } else {
        Kind::Kubernetes
    }
}

#[test]
fn malformed_inputs_give_clear_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/malformed")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.ends_with(".expected"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in names {
        let input = Input { file: name.clone(), path: dir.join(&name), kind: kind_of(&name) };
        let result = lint(&[input], &Policy::default());
        let found: String = result
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("GN") || f.rule == "DF034")
            .map(|f| {
                format!("{}:{}:{} {}: {}\n", f.file, f.line.unwrap_or(0), f.column.unwrap_or(0), f.rule, f.message)
            })
            .collect();
        if found.is_empty() {
            failures.push(format!("{name}: no finding"));
        }
        let expected_path = dir.join(format!("{name}.expected"));
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &found).expect("write expected");
        } else if std::fs::read_to_string(&expected_path).unwrap_or_default() != found {
            failures.push(format!("{name}: expected {}, found\n{found}", expected_path.display()));
        }
    }
    assert!(failures.is_empty(), "{}\n(regenerate with UPDATE_EXPECT=1)", failures.join("\n"));
}

/// The fuzz targets' last step: the findings rendered as the linter prints them.
fn render(file: &str, text: &str, findings: Vec<stowage_validate::Finding>) {
    let result = LintResult::of_text(file, text, findings);
    let _ = (output::human(&result, false), output::json(&result));
}

/// What each fuzz target in fuzz/fuzz_targets/ runs on one input, with the same policy (every rule on).
fn fuzz_target(target: &str, text: &str, policy: &Policy) {
    match target {
        "dockerfile" => render("Dockerfile", text, lint_text(Kind::Dockerfile, "Dockerfile", text, policy)),
        "yaml" => {
            render("app.yaml", text, lint_text(Kind::Kubernetes, "app.yaml", text, policy));
            render("compose.yaml", text, lint_text(Kind::Compose, "compose.yaml", text, policy));
        }
        "shell" => {
            let script = stowage_validate::shell::parse(text);
            let _ = script.has_pipe();
            let _ = stowage_validate::shell::words(text);
        }
        other => panic!("tests/fuzz/{other} names no fuzz target (dockerfile, yaml, shell)"),
    }
}

#[test]
fn fuzz_corpus_replays_without_a_crash_or_a_hang() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let policy = Policy::from_toml(include_str!("../fuzz/policy.toml"), "fuzz/policy.toml").expect("valid policy");
    let mut replayed = 0;
    for target in ["dockerfile", "yaml", "shell"] {
        let dir = root.join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", dir.display());
        for path in files {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            // The targets skip input that is not UTF-8, as the engine reports such files before parsing them.
            let Ok(text) = std::str::from_utf8(&bytes) else { continue };
            let started = std::time::Instant::now();
            fuzz_target(target, text, &policy);
            // Generous for an unoptimised build on a busy machine; a hang found by the fuzzer took far longer.
            let took = started.elapsed();
            assert!(took.as_secs() < 10, "{} took {took:?}: a hang is back", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}

#[derive(serde::Deserialize)]
struct Excerpts {
    excerpt: Vec<Excerpt>,
}

/// A real file's excerpt and where it comes from (tests/excerpts.toml).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Excerpt {
    file: String,
    repository: String,
    commit: String,
    path: String,
    lines: String,
    license: String,
    why: String,
    malformed: Vec<String>,
}

#[test]
fn real_world_excerpts_parse_as_their_authors_meant() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let text = std::fs::read_to_string(tests.join("excerpts.toml")).expect("tests/excerpts.toml");
    let excerpts: Excerpts = toml::from_str(&text).unwrap_or_else(|e| panic!("tests/excerpts.toml: {e}"));
    for e in &excerpts.excerpt {
        let source = [&e.repository, &e.commit, &e.path, &e.lines, &e.license, &e.why];
        assert!(source.iter().all(|s| !s.trim().is_empty()), "{}: say where it comes from and why", e.file);
        assert_eq!(e.commit.len(), 40, "{}: the full commit it was taken at", e.file);
        let text = std::fs::read_to_string(tests.join(&e.file)).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        assert!(text.lines().count() <= 40, "{}: an excerpt is at most 40 lines", e.file);
        let kind = kind_of(&e.file);
        let found: Vec<String> = lint_text(kind, &e.file, &text, &Policy::default())
            .iter()
            .filter(|f| f.rule == "GN001" || f.rule == "DF088")
            .map(|f| format!("{} {}", f.line.unwrap_or(0), f.rule))
            .collect();
        assert_eq!(found, e.malformed, "{} ({}): malformed-input findings", e.file, e.why);
    }
}
